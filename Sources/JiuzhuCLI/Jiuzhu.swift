import ArgumentParser

@main
struct Jiuzhu: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jiuzhu",
        abstract: "九助 社会救助管理信息系统 (social assistance management information system)",
        subcommands: [Demo.self, Serve.self, Migrate.self, Assess.self, PayrollCommand.self, PolicyCommand.self, UserCommand.self, TokenCommand.self, AuditCommand.self, KeyCommand.self, BankFormatCommand.self, MatchCommand.self, Report.self, Bench.self],
        defaultSubcommand: nil
    )
}
