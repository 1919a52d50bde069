import ArgumentParser
import Foundation
import Persistence
import Web

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the web application (Simplified Chinese).")

    @OptionGroup var database: DatabaseOptions
    @ArgumentParser.Option(name: .long, help: "Address to listen on.") var hostname = "127.0.0.1"
    @ArgumentParser.Option(name: .long, help: "Port to listen on.") var port = 8080
    @ArgumentParser.Flag(name: .long, help: "Print a new one-time password for the admin account.") var resetAdmin = false

    func run() async throws {
        CLI.bootstrapLogging(level: .info)
        let settings = database.settings()
        try await WebRunner.serve(settings: settings, hostname: hostname, port: port, isDemo: false,
                                  resetAdmin: resetAdmin)
    }
}

enum WebRunner {
    static func serve(settings: DatabaseSettings, hostname: String, port: Int, isDemo: Bool, resetAdmin: Bool) async throws {
        // A database holding demo records is marked 演示数据 on every page, however it was opened.
        let holdsDemo = isDemo ? true : try await containsDemoData(settings)
        let web = WebSettings(database: settings, dataDirectory: CLI.dataDirectory(for: settings), isDemo: holdsDemo)
        let app: Application
        do {
            app = try await WebServer.make(settings: web, hostname: hostname, port: port)
        } catch let e as SchemaError {
            CLI.printError(e.description)
            throw ExitCode(1)
        }
        let noUsers = try await UserStore(app.db).user(named: "admin") == nil
        if resetAdmin || noUsers || isDemo {
            let password = try await WebServer.resetAdminPassword(on: app)
            CLI.say("管理员账号：admin   一次性密码：\(password)")
        }
        CLI.say("九助已启动：http://\(hostname):\(port)   （\(settings.displayName)；按 Ctrl+C 停止）")
        try await WebServer.run(app)
    }
}

import Vapor

extension WebRunner {
    static func containsDemoData(_ settings: DatabaseSettings) async throws -> Bool {
        let handle = try DatabaseHandle(settings)
        let demo = (try? await RegistryStore(handle.db).containsDemoData()) ?? false
        await handle.close()
        return demo
    }
}
