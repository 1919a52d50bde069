import Domain
import FluentKit
import Foundation
import Logging
import Persistence
import SQLKit

/// Runs `body` against a fresh, migrated database of its own: in-memory SQLite, or, when
/// `TEST_DATABASE_URL` is set, a new PostgreSQL database created for this test and dropped after.
/// Tests never share a database, so they run in parallel safely. With `migrated: false` the database
/// is empty (for migration tests). A migrated database has `policies` imported, as `jiuzhu policy
/// import` would (the bundled Pengxi file unless a test says otherwise).
public func withTestDatabase<T: Sendable>(migrated: Bool = true, policies: [PolicyFile] = PolicyBook.bundledFiles,
                                          _ body: (DatabaseHandle) async throws -> T) async throws -> T {
    let (settings, cleanup) = try await TestDatabases.make()
    let handle = try DatabaseHandle(settings, keys: TestDatabases.keys, logger: Logger(label: "test.db"))
    do {
        if migrated {
            try await handle.migrate()
            // The test key becomes the database's, as at a server's start: its triggers are then live.
            try await DataKeyRotation(handle.db).verify()
            for file in policies {
                _ = try await PolicyStore(handle.db).importFile(file, fileSHA256: "test", actor: "test")
            }
        }
        let result = try await body(handle)
        await handle.close()
        try await cleanup()
        return result
    } catch {
        await handle.close()
        try? await cleanup()
        throw error
    }
}

public enum TestDatabases {
    /// The data key of every test database (a fixed test value, never a real one), as text for
    /// `JIUZHU_DATA_KEY` when a test runs the `jiuzhu` binary.
    public static let keyText = "dGVzdC1vbmx5IGRhdGEga2V5IGZvciBqaXV6aHUgISE="
    public static let keys = DataKeys(current: try! DataKeys.Key(text: keyText, name: "test key"))

    /// The PostgreSQL server URL for tests, if any (never `DATABASE_URL`).
    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Settings for a new empty database and the function that removes it.
    /// - Parameter onDisk: on SQLite, a file that outlives one application (a restart), not memory.
    public static func make(onDisk: Bool = false) async throws -> (DatabaseSettings, @Sendable () async throws -> Void) {
        guard let url = postgresURL else {
            guard onDisk else { return (.sqliteMemory, {}) }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-test-\(UUID().uuidString).sqlite").path
            return (.sqliteFile(path), {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            })
        }
        let name = "jz_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        let admin = try DatabaseHandle(.postgres(url: url), keys: nil)
        do {
            try await (admin.db as! any SQLDatabase).raw("CREATE DATABASE \(unsafeRaw: String(name))").run()
        } catch {
            await admin.close()
            throw error
        }
        await admin.close()
        var components = URLComponents(string: url)!
        components.path = "/" + name
        let testURL = components.string!
        return (.postgres(url: testURL), {
            let admin = try DatabaseHandle(.postgres(url: url), keys: nil)
            try? await (admin.db as! any SQLDatabase).raw("DROP DATABASE IF EXISTS \(unsafeRaw: String(name)) WITH (FORCE)").run()
            await admin.close()
        })
    }
}
