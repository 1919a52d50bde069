import ArgumentParser
import Domain
import Foundation
import Persistence
import Web

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the web application (Simplified Chinese).")

    @OptionGroup var database: DatabaseOptions
    @ArgumentParser.Option(name: .long, help: "Address to listen on.") var hostname = "127.0.0.1"
    @ArgumentParser.Option(name: .long, help: "Port to listen on.") var port = 8080
    @ArgumentParser.Flag(name: .long, help: "Print a new one-time password for the admin account.") var resetAdmin = false
    @ArgumentParser.Flag(name: .long, help: "Session cookies without `Secure`, for plain HTTP on an office network without TLS (not recommended; see docs/security.md).")
    var insecureCookies = false
    @ArgumentParser.Option(name: .long, help: "Address of a reverse proxy whose X-Forwarded-For names the client.") var trustedProxy: String?

    func run() async throws {
        CLI.bootstrapLogging(level: .info)
        let settings = database.settings()
        let keys = try CLI.dataKeys(required: true)!
        try await WebRunner.serve(settings: settings, keys: keys, hostname: hostname, port: port, isDemo: false,
                                  resetAdmin: resetAdmin, insecureCookies: insecureCookies, trustedProxy: trustedProxy)
    }
}

enum WebRunner {
    static func serve(settings: DatabaseSettings, keys: DataKeys, hostname: String, port: Int, isDemo: Bool, resetAdmin: Bool,
                      insecureCookies: Bool = false, trustedProxy: String? = nil) async throws {
        // A database holding demo records is marked 演示数据 on every page, however it was opened.
        let holdsDemo = isDemo ? true : try await containsDemoData(settings)
        var web = WebSettings(database: settings, dataKeys: keys, dataDirectory: CLI.dataDirectory(for: settings), isDemo: holdsDemo)
        web.secureCookies = !insecureCookies
        web.trustedProxy = trustedProxy
        if insecureCookies { CLI.say("注意：会话 Cookie 未设 Secure，仅可在可信的内部网络中以 HTTP 使用（见 docs/security.md）") }
        let app: Application
        do {
            app = try await WebServer.make(settings: web, hostname: hostname, port: port)
        } catch let e as SchemaError {
            CLI.printError(e.description)
            throw ExitCode(1)
        } catch let e as DataKeyError {
            CLI.printError(e.description)
            throw ExitCode(1)
        }
        let noUsers = try await UserStore(app.db).user(named: "admin") == nil
        if resetAdmin || noUsers || isDemo {
            let password = try await WebServer.resetAdminPassword(on: app)
            CLI.say("系统管理员账号：admin   一次性密码：\(password)   （用户管理；首次登录须修改）")
        }
        if isDemo {
            CLI.say("演示账号（一次性密码，首次登录须修改）：")
            for (name, role, area, password) in try await WebServer.resetDemoAccounts(on: app) {
                CLI.say("  \(name.padding(toLength: 8, withPad: " ", startingAt: 0)) \(password)   \(role.chinese)，\(Divisions.pengxi.name(of: area))")
            }
        }
        CLI.say("九助已启动：http://\(hostname):\(port)   （\(settings.displayName)；按 Ctrl+C 停止）")
        try await WebServer.run(app)
    }
}

import Vapor

extension WebRunner {
    static func containsDemoData(_ settings: DatabaseSettings) async throws -> Bool {
        let handle = try DatabaseHandle(settings, keys: nil)
        let demo = (try? await RegistryStore(handle.db).containsDemoData()) ?? false
        await handle.close()
        return demo
    }
}
