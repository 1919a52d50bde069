import ArgumentParser
import Domain
import Foundation
import Persistence

/// `jiuzhu bank-format list|import|use|show`: the bank's file layout as data (docs/bank-formats.md).
struct BankFormatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bank-format",
        abstract: "The bank file formats: built-in csv, xlsx and fixed-gb18030, and the county's own (docs/bank-formats.md).",
        subcommands: [List.self, Import.self, Use.self, Show.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the formats; the one in use is marked.")
        @ArgumentParser.Option(name: .long, help: "County code.") var county = "510921"
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            try await CLI.withDatabase(database.existingSettings()) { handle in
                let files = BankFileStore(handle.db)
                let chosen = try await files.defaultFormat(countyCode: county).name
                for f in try await files.formats(countyCode: county) {
                    CLI.say("\(f.name == chosen ? "*" : " ") \(f.name)\t\(f.kind.rawValue)\t\(f.encoding.rawValue)\t\(f.columns.map(\.field.rawValue).joined(separator: ","))")
                }
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a formats file and make its formats the county's own (replacing those imported before).")
        @Argument(help: "The formats JSON file.") var file: String
        @ArgumentParser.Option(name: .long, help: "County code.") var county = "510921"
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            let data = try CLI.contents(of: file)
            let formats: [BankFormat]
            do { formats = try BankFormat.parse(data) } catch {
                CLI.printError(error.message)
                throw ExitCode(1)
            }
            try await CLI.withDatabase(database.settings()) { handle in
                try await BankFileStore(handle.db).importFormats(formats, countyCode: county, actor: "cli")
                for f in formats { CLI.say("已登记银行文件格式 \(f.name)（\(f.kind.rawValue)，\(f.encoding.rawValue)）") }
            }
        }
    }

    struct Use: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the county's bank files in this format from now on (files handed over keep theirs).")
        @Argument(help: "The format's name.") var name: String
        @ArgumentParser.Option(name: .long, help: "County code.") var county = "510921"
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            try await CLI.withDatabase(database.existingSettings()) { handle in
                try await BankFileStore(handle.db).use(name, countyCode: county, actor: "cli")
                CLI.say("此后生成的银行文件使用格式 \(name)")
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a format as a formats file (start the county's own from a built-in one).")
        @Argument(help: "The format's name.") var name: String
        @ArgumentParser.Option(name: .long, help: "County code.") var county = "510921"
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            try await CLI.withDatabase(database.existingSettings()) { handle in
                let f = try await BankFileStore(handle.db).format(named: name, countyCode: county)
                CLI.say("{\"formats\": [\(f.json())]}")
            }
        }
    }
}
