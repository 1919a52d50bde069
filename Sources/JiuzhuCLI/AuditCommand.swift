import ArgumentParser
import Domain
import Foundation
import Persistence

/// `jiuzhu audit verify`: recomputes the audit trail's hash chain (docs/adr/0019-audit-trail.md).
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "The audit trail: verify its hash chain.",
        subcommands: [Verify.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the hash chain from the first entry: exit 0 and the head (write it down), or exit 1 naming the first broken entry.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            let v = try await CLI.withDatabase(database.existingSettings()) { handle in
                try await AuditStore(handle.db).verify(progress: { n in
                    FileHandle.standardError.write(Data("\r已校验 \(n) 条".utf8))
                })
            }
            FileHandle.standardError.write(Data("\n".utf8))
            if let b = v.firstBroken {
                CLI.printError("审计日志校验未通过：第 \(b.seq) 条（id \(b.id)，\(b.atUTC)，\(b.action)）\(b.reason)；此前 \(v.checked) 条完好")
                throw ExitCode(1)
            }
            CLI.say("审计日志完整：\(v.checked) 条；链尾第 \(v.head?.seq ?? 0) 条，哈希 \(v.head?.hash ?? "—")")
            CLI.say("请记录链尾序号和哈希（或签字留存），日后校验时可发现尾部记录被截断。")
        }
    }
}
