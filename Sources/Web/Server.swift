import Domain
import Fluent
import Persistence
import NIOPosix
import SQLKit
import Vapor

/// The event loop group an application was given (SQLite), shut down after the application.
struct OwnEventLoopGroupKey: StorageKey {
    typealias Value = MultiThreadedEventLoopGroup
}

/// Starts the web application: the CLI's `serve` and `demo` call this.
public enum WebServer {
    /// Builds an application bound to `hostname:port`. On SQLite the schema is migrated automatically;
    /// on PostgreSQL a schema that is behind is refused with the command to run.
    public static func make(settings: WebSettings, hostname: String, port: Int) async throws -> Application {
        let env = Environment(name: "production", arguments: ["jiuzhu"])
        // SQLite allows one writer: with one event loop the app holds one connection, and concurrent
        // requests queue for it instead of failing with "database is locked".
        let group: MultiThreadedEventLoopGroup? = settings.database.isPostgres ? nil : MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let app = try await Application.make(env, group.map { .shared($0) } ?? .singleton)
        app.storage[OwnEventLoopGroupKey.self] = group
        do {
            try configure(app, settings: settings)
            app.migrations.add(JiuzhuMigrations.all)
            if settings.database.isPostgres {
                let pending = try await app.migrator.setupIfNeeded().flatMap { app.migrator.previewPrepareBatch() }.get()
                if !pending.isEmpty { throw SchemaError.behind(pending.map { $0.0.name }) }
            } else {
                try await app.autoMigrate()
                try await (app.db as! any SQLDatabase).raw("PRAGMA journal_mode=WAL").run()
            }
            // The key given must be the one the database is sealed with (ADR 0021).
            try await DataKeyRotation(app.db).verify()
            app.http.server.configuration.hostname = hostname
            app.http.server.configuration.port = port
            return app
        } catch {
            try? await shutdown(app)
            throw error
        }
    }

    /// Shuts the application down, then the event loop group it was given.
    public static func shutdown(_ app: Application) async throws {
        let group = app.storage[OwnEventLoopGroupKey.self]
        try await app.asyncShutdown()
        try await group?.shutdownGracefully()
    }

    /// Creates the `admin` account (系统管理员, users and roles only), or gives it a new one-time
    /// password, and returns the password; it must be changed at first sign-in.
    public static func resetAdminPassword(on app: Application) async throws -> String {
        let password = UserAdministration.oneTimePassword()
        try await UserStore(app.db).resetAdmin(countyCode: app.settings.countyCode, passwordHash: try Bcrypt.hash(password))
        return password
    }

    /// The demo county's accounts, one per kind of user (演示账号), each given a new one-time password:
    /// (user name, role, area code, password).
    public static func resetDemoAccounts(on app: Application) async throws -> [(String, StaffRole, String, String)] {
        let county = app.settings.countyCode
        let township = app.settings.divisions.townships.first!.code
        let village = app.settings.divisions.villages(in: township).first!.code
        let accounts: [(String, String, StaffRole, String)] = [
            ("county", "县民政局业务人员（演示）", .countyStaff, county),
            ("leader", "县民政局领导（演示）", .countyLeader, county),
            ("finance", "县财政局（演示）", .finance, county),
            ("auditor", "审计人员（演示）", .auditor, county),
            ("town", "\(app.settings.townshipName(township.value))经办人（演示）", .townshipClerk, township.value),
            ("village", "\(app.settings.townshipName(village.value))协理员（演示）", .villageAssistant, village.value),
        ]
        let store = UserStore(app.db)
        var out: [(String, StaffRole, String, String)] = []
        for (name, display, role, area) in accounts {
            let password = UserAdministration.oneTimePassword()
            let hash = try Bcrypt.hash(password)
            if let u = try await store.user(named: name) {
                try await store.setPassword(userID: u.id, passwordHash: hash, oneTime: true)
            } else {
                try await store.add(username: name, displayName: display, role: role, areaCode: area, passwordHash: hash, oneTime: true)
            }
            out.append((name, role, area, password))
        }
        return out
    }

    /// Serves until interrupted, then shuts down.
    public static func run(_ app: Application) async throws {
        do {
            try await app.execute()
        } catch {
            try? await shutdown(app)
            throw error
        }
        try await shutdown(app)
    }
}
