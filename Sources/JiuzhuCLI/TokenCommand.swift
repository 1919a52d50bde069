import ArgumentParser
import Foundation
import Persistence

/// `jiuzhu token add|list|revoke`: API tokens for other systems (docs/adr/0018-access.md).
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "API tokens for other systems: add (acting as an account), list, revoke.",
        discussion: """
            add NAME --user USERNAME   prints a token once: the other system sends `Authorization: Bearer TOKEN` to /api/…; it may do what the account's role and area allow (make an account for the system, e.g. an auditor or county-staff account).
            list      the tokens, their accounts, when made and last used, revoked or not.
            revoke NAME   the token stops working at once.
            """,
        subcommands: [Add.self, List.self, Revoke.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a token acting as an account.")
        @ArgumentParser.Argument(help: "Token name (2–40 letters, digits, . _ -), e.g. the other system's name.") var name: String
        @ArgumentParser.Option(name: .long, help: "The account the token acts as.") var user: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            let token = try await CLI.withDatabase(database.existingSettings()) {
                try await ApiTokenStore($0.db).create(name: name, username: user, by: "cli")
            }
            CLI.say("接口令牌 \(name)（代表账号 \(user)）：\(token)")
            CLI.say("此令牌只显示这一次，请交给对方系统妥善保管；撤销：jiuzhu token revoke \(name)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the tokens.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            let tokens = try await CLI.withDatabase(database.existingSettings()) { try await ApiTokenStore($0.db).list() }
            CLI.say("名称\t账号\t创建\t最近使用\t状态")
            for t in tokens {
                CLI.say("\(t.name)\t\(t.username)\t\(ChinaClock.beijingTime(t.createdAt))\t\(t.lastUsedAt.map(ChinaClock.beijingTime) ?? "—")\t\(t.revokedAt == nil ? "有效" : "已撤销")")
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token.")
        @ArgumentParser.Argument(help: "Token name.") var name: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            try await CLI.withDatabase(database.existingSettings()) { try await ApiTokenStore($0.db).revoke(name: name, by: "cli") }
            CLI.say("已撤销接口令牌 \(name)")
        }
    }
}
