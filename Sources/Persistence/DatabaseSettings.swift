import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit

/// Where the data lives: an embedded SQLite file (the default), SQLite in memory (tests), or PostgreSQL.
public enum DatabaseSettings: Sendable, Equatable {
    case sqliteFile(String)
    case sqliteMemory
    case postgres(url: String)

    /// `DATABASE_URL` (postgres://…) if set, else the SQLite file at `path`.
    public static func resolve(databaseURL: String?, sqlitePath: String) -> DatabaseSettings {
        if let url = databaseURL, url.hasPrefix("postgres") { return .postgres(url: url) }
        return .sqliteFile(sqlitePath)
    }

    public var isPostgres: Bool { if case .postgres = self { return true } else { return false } }

    /// A description safe for logs and the terminal (no password).
    public var displayName: String {
        switch self {
        case .sqliteFile(let p): return "SQLite \(p)"
        case .sqliteMemory: return "SQLite (memory)"
        case .postgres(let url):
            guard var c = URLComponents(string: url) else { return "PostgreSQL" }
            c.password = c.password == nil ? nil : "***"
            return "PostgreSQL \(c.string ?? "")"
        }
    }

    /// Registers this database as the default on `databases` (Vapor's `app.databases` or our own), with
    /// the data keys its sealed columns need (nil: a store that reads or writes one throws
    /// `DataKeyError.missing`).
    /// - Throws: when a PostgreSQL URL cannot be parsed.
    public func register(on databases: Databases, keys: DataKeys?) throws {
        func keyed(_ f: DatabaseConfigurationFactory) -> DatabaseConfigurationFactory {
            DatabaseConfigurationFactory { KeyedConfiguration(base: f.make(), keys: keys) }
        }
        switch self {
        case .sqliteFile(let path):
            databases.use(keyed(.sqlite(.file(path), maxConnectionsPerEventLoop: 1)), as: .sqlite)
        case .sqliteMemory:
            databases.use(keyed(.sqlite(.memory, maxConnectionsPerEventLoop: 1)), as: .sqlite)
        case .postgres(let url):
            var config = try SQLPostgresConfiguration(url: url)
            config.searchPath = nil
            // A request waits up to 30 s for a connection (default 10): a burst of audited requests on a busy
            // machine queues rather than fails (seen once in CI, 16 concurrent audit appends on 4 connections).
            databases.use(keyed(.postgres(configuration: config, maxConnectionsPerEventLoop: 2, connectionPoolTimeout: .seconds(30))),
                          as: .psql)
        }
    }
}

/// A database opened without Vapor, for batch commands and tests: owns its `Databases` and shuts
/// them down on `close()`.
///
/// SQLite gets an event loop of its own, hence exactly one connection: a batch job never waits on
/// a second connection of its own process.
public final class DatabaseHandle: Sendable {
    public let databases: Databases
    public let settings: DatabaseSettings
    let logger: Logger
    let group: MultiThreadedEventLoopGroup?

    /// - Parameter keys: the data keys for sealed columns (ADR 0021); nil for a command that never reads
    ///   or writes one (a store that does throws `DataKeyError.missing`).
    public init(_ settings: DatabaseSettings, keys: DataKeys?, logger: Logger = Logger(label: "jiuzhu.db")) throws {
        self.settings = settings
        self.logger = logger
        let own = settings.isPostgres ? nil : MultiThreadedEventLoopGroup(numberOfThreads: 1)
        group = own
        databases = Databases(threadPool: NIOThreadPool.singleton, on: own ?? MultiThreadedEventLoopGroup.singleton)
        try settings.register(on: databases, keys: keys)
    }

    var eventLoop: any EventLoop { (group ?? MultiThreadedEventLoopGroup.singleton).any() }

    public var db: any Database {
        databases.database(logger: logger, on: eventLoop)!
    }

    /// A new SQLite file with every migration applied, made under a temporary name and renamed into place
    /// when complete: a process killed while migrating leaves no half-made database behind (SQLite runs the
    /// early migrations' DDL outside a transaction; a kill in the first 0.1 s used to leave tables without
    /// their migration recorded, and the next run failed with "table already exists"). Nothing to do when
    /// the file exists.
    public static func createSQLiteFile(at path: String, keys: DataKeys?) async throws {
        guard !FileManager.default.fileExists(atPath: path) else { return }
        let temporary = path + ".creating"
        for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: temporary + suffix) }
        let handle = try DatabaseHandle(.sqliteFile(temporary), keys: keys)
        do {
            try await handle.migrate()
            await handle.close()
        } catch {
            await handle.close()
            throw error
        }
        try FileManager.default.moveItem(atPath: temporary, toPath: path)
    }

    /// Write-ahead logging for the SQLite file: readers (the web pages) do not block the writer.
    public func prepareSQLiteFile() async throws {
        guard case .sqliteFile = settings else { return }
        try await (db as! any SQLDatabase).raw("PRAGMA journal_mode=WAL").run()
    }

    /// Applies every pending migration (append-only list `JiuzhuMigrations.all`).
    public func migrate() async throws {
        let migrator = makeMigrator()
        try await migrator.setupIfNeeded().get()
        try await migrator.prepareBatch().get()
    }

    /// Applies the migrations up to and including `name` only: for tests that put data into an older
    /// schema and then migrate it.
    /// - Throws: `SchemaError.unknownMigration` when no migration has that name.
    public func migrate(through name: String) async throws {
        guard let last = JiuzhuMigrations.all.firstIndex(where: { $0.name == name }) else {
            throw SchemaError.unknownMigration(name)
        }
        let migrations = Migrations()
        migrations.add(Array(JiuzhuMigrations.all[...last]))
        let migrator = Migrator(databases: databases, migrations: migrations, logger: logger, on: eventLoop)
        try await migrator.setupIfNeeded().get()
        try await migrator.prepareBatch().get()
    }

    /// Makes the schema ready for a command: SQLite migrates by itself (zero set-up); on PostgreSQL
    /// migrating is the operator's explicit step, so a schema that is behind is refused.
    /// - Throws: `SchemaError.behind` naming the pending migrations.
    public func prepareSchema() async throws {
        if settings.isPostgres {
            let pending = try await pendingMigrations()
            if !pending.isEmpty { throw SchemaError.behind(pending) }
        } else {
            try await migrate()
        }
    }

    /// Names of migrations not yet applied.
    public func pendingMigrations() async throws -> [String] {
        let migrator = makeMigrator()
        try await migrator.setupIfNeeded().get()
        return try await migrator.previewPrepareBatch().get().map { $0.0.name }
    }

    public func revertAll() async throws {
        let migrator = makeMigrator()
        try await migrator.setupIfNeeded().get()
        try await migrator.revertAllBatches().get()
    }

    func makeMigrator() -> Migrator {
        let migrations = Migrations()
        migrations.add(JiuzhuMigrations.all)
        return Migrator(databases: databases, migrations: migrations, logger: logger, on: eventLoop)
    }

    public func close() async {
        await databases.shutdownAsync()
        try? await group?.shutdownGracefully()
    }
}

public enum SchemaError: Error, Equatable, Sendable, CustomStringConvertible {
    case behind([String])
    case unknownMigration(String)

    public var description: String {
        switch self {
        case .unknownMigration(let name): return "没有名为 \(name) 的迁移 (unknown migration)"
        case .behind(let names):
            return "数据库结构落后于本程序（待执行迁移：\(names.joined(separator: ", "))）。请先运行：jiuzhu migrate (database schema is behind; run `jiuzhu migrate`)"
        }
    }
}
