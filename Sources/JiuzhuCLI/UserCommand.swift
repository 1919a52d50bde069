import ArgumentParser
import Domain
import Foundation
import Persistence
import Vapor
import Web

/// `jiuzhu user add|list|disable`: staff accounts, their roles and areas (docs/adr/0018-access.md).
struct UserCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Staff accounts: add (role and area), list, disable.",
        discussion: """
            add NAME --role ROLE --area CODE [--name 姓名] [--password-stdin]
                ROLE: \(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))
                CODE: the county (6 digits) for county roles, a township (9 digits) for township roles, a village (12 digits) for village assistants.
                Without --password-stdin a one-time password is printed; it must be changed at first sign-in.
            list      every account with its role, area and status.
            disable NAME   the account can no longer sign in; its sessions end (the last enabled admin cannot be disabled).
            enable NAME    a disabled account can sign in again. `jiuzhu serve --reset-admin` also enables `admin`.
            """,
        subcommands: [Add.self, List.self, Disable.self, Enable.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an account.")
        @ArgumentParser.Argument(help: "User name: 2–32 letters, digits, . _ -") var username: String
        @ArgumentParser.Option(name: .long, help: "Role (\(StaffRole.allCases.map(\.rawValue).joined(separator: ", "))).") var role: String
        @ArgumentParser.Option(name: .long, help: "Area code: county 6 digits, township 9, village 12.") var area: String
        @ArgumentParser.Option(name: .long, help: "The person's name as pages show it (default: the user name).") var name: String?
        @ArgumentParser.Flag(name: .long, help: "Read the password from standard input (one line) instead of printing a one-time password.")
        var passwordStdin = false
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            var password: String?
            if passwordStdin {
                guard let line = readLine(strippingNewline: true), !line.isEmpty else {
                    CLI.printError("--password-stdin：标准输入中没有密码 (no password on standard input)")
                    throw ExitCode(1)
                }
                password = line
            }
            let result = try await CLI.withDatabase(database.settings()) { handle in
                let r = try await UserAdministration.add(handle.db, divisions: .pengxi, username: username,
                                                         displayName: name ?? username, role: role, area: area,
                                                         password: password, hash: { try Bcrypt.hash($0) })
                try await AuditStore(handle.db).append(countyCode: String(r.0.areaCode?.prefix(6) ?? ""), actor: "cli",
                                                       action: "user-added", subject: "user:\(r.0.username)",
                                                       detail: "\(r.0.role.rawValue) \(r.0.areaCode ?? "")（命令行）")
                return r
            }
            let (user, oneTime) = result
            CLI.say("已新增账号 \(user.username)：\(user.role.chinese)，管辖区域 \(Divisions.pengxi.name(of: user.areaCode))")
            if let oneTime { CLI.say("一次性密码：\(oneTime)   （首次登录须修改）") }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the accounts.")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            CLI.bootstrapLogging(level: .warning)
            let users = try await CLI.withDatabase(database.existingSettings()) { try await UserStore($0.db).list() }
            CLI.say("用户名\t姓名\t角色\t管辖区域\t状态")
            for u in users {
                let status = u.isDisabled ? "已停用" : u.mustChangePassword ? "待修改一次性密码" : "正常"
                CLI.say("\(u.username)\t\(u.displayName)\t\(u.role.rawValue)\t\(u.areaCode ?? "未设置") \(Divisions.pengxi.name(of: u.areaCode))\t\(status)")
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled account.")
        @ArgumentParser.Argument(help: "User name.") var username: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await UserCommand.setEnabled(true, username: username, database: database)
            CLI.say("已启用账号 \(username)")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account and end its sessions.")
        @ArgumentParser.Argument(help: "User name.") var username: String
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            try await UserCommand.setEnabled(false, username: username, database: database)
            CLI.say("已停用账号 \(username)，其会话均已退出")
        }
    }

    /// Enables or disables an account (disabling ends its sessions and refuses the last enabled admin),
    /// recorded in the audit trail as done from the command line.
    static func setEnabled(_ enabled: Bool, username: String, database: DatabaseOptions) async throws {
        CLI.bootstrapLogging(level: .warning)
        try await CLI.withDatabase(database.existingSettings()) { handle in
            let users = UserStore(handle.db)
            if enabled { try await users.enable(username: username) } else { try await users.disable(username: username) }
            try await AuditStore(handle.db).append(countyCode: Divisions.pengxi.county.code.countyCode, actor: "cli",
                                                   action: enabled ? "user-enabled" : "user-disabled", subject: "user:\(username)",
                                                   detail: "命令行")
        }
    }
}
