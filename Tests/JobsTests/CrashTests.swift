import Domain
import FluentKit
import Foundation
import Jobs
import Persistence
import SQLKit
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The process killed (SIGKILL) at random points during the demo and during payroll runs (issue 6): each
/// time the database is as before or as after a transaction, never between; no month is paid twice; the
/// audit chain holds; and running again completes to the same fund table as an uninterrupted run.
/// Bounded: a few kills each, a small county, a fixed seed.
@Suite(.serialized) struct CrashTests {
    /// The `jiuzhu` binary built beside the test bundle (`swift build --build-tests` builds both).
    static func binary() throws -> URL {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("jiuzhu")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw CrashTestError.noBinary(dir.path)
    }

    enum CrashTestError: Error { case noBinary(String), timedOut([String]) }

    /// Runs `jiuzhu arguments`, killing it after `killAfter` seconds unless it finished; its exit status,
    /// or nil when killed.
    static func run(_ arguments: [String], environment: [String: String] = [:], killAfter: Double?) throws -> Int32? {
        let q = Spawn.quote
        let command = "exec " + (["env", "-u", "DATABASE_URL"] + environment.map { "\($0.key)=\($0.value)" } + [try binary().path] + arguments)
            .map(q).joined(separator: " ") + " > /dev/null 2>&1 < /dev/null"
        let pid = try Spawn.spawn(command)
        let deadline = Date().addingTimeInterval(killAfter ?? 600)
        var status: Int32 = 0
        while Date() < deadline {
            let r = waitpid(pid, &status, WNOHANG)
            if r == pid { return (status >> 8) & 0xff }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = Spawn.wait(pid)
        if killAfter == nil { throw CrashTestError.timedOut(arguments) }
        return nil
    }

    /// What must hold after any kill: every batch whole (its count and total are its lines'), nobody paid
    /// twice for a programme and month by regular batches, every back-pay month once, the audit chain intact.
    static func checkInvariants(_ db: any Database, _ label: String) async throws {
        let sql = db as! any SQLDatabase
        struct Broken: Decodable { var id: String }
        let torn = try await sql.raw("""
            SELECT b.id FROM payroll_batches b LEFT JOIN payroll_lines l ON l.batch_id = b.id
            GROUP BY b.id, b.line_count, b.total_fen
            HAVING COUNT(l.id) <> b.line_count OR COALESCE(SUM(l.amount_fen), 0) <> b.total_fen
            """).all(decoding: Broken.self)
        #expect(torn.isEmpty, "\(label): batches not whole \(torn.map(\.id))")
        struct Twice: Decodable { var recipientKey: String; var programme: String; var month: Int }
        let twice = try await sql.raw("""
            SELECT l.recipient_key, b.programme, b.month FROM payroll_lines l JOIN payroll_batches b ON b.id = l.batch_id
            WHERE b.kind = 'regular' GROUP BY l.recipient_key, b.programme, b.month HAVING COUNT(*) > 1
            """).all(decoding: Twice.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
        #expect(twice.isEmpty, "\(label): paid twice \(twice.prefix(3).map { "\($0.recipientKey) \($0.programme) \($0.month)" })")
        let backTwice = try await sql.raw("""
            SELECT recipient_key, programme, for_month AS month FROM back_pay_items GROUP BY recipient_key, programme, for_month HAVING COUNT(*) > 1
            """).all(decoding: Twice.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
        #expect(backTwice.isEmpty, "\(label): back pay twice")
        let v = try await AuditStore(db).verify()
        #expect(v.firstBroken == nil, "\(label): audit chain \(v.firstBroken.map { "\($0.seq) \($0.reason)" } ?? "")")
    }

    /// How a `jiuzhu` command is pointed at `settings` (an on-disk database): its `--db` argument or its
    /// `DATABASE_URL`, with the test key.
    static func commandLine(for settings: DatabaseSettings) -> (arguments: [String], environment: [String: String]) {
        var env = [DataKeys.variable: TestDatabases.keyText]
        switch settings {
        case .sqliteFile(let path): return (["--db", path], env)
        case .postgres(let url): env["DATABASE_URL"] = url; return ([], env)
        case .sqliteMemory:
            Issue.record("an on-disk database was asked for")
            return ([], env)
        }
    }

    /// The keys of a database the tests made (the test key), or of a demo database (its key file).
    static func keys(_ settings: DatabaseSettings) throws -> DataKeys {
        if case .sqliteFile(let path) = settings, FileManager.default.fileExists(atPath: path + ".key") {
            return try DataKeys.fromEnvironment([DataKeys.fileVariable: path + ".key"])!
        }
        return TestDatabases.keys
    }

    static func fundTable(_ settings: DatabaseSettings) async throws -> String {
        let handle = try DatabaseHandle(settings, keys: try keys(settings))
        do {
            let text = try await FundStore(handle.db).fundTable(countyCode: "510921", year: 2021).render()
            await handle.close()
            return text
        } catch {
            await handle.close()
            throw error
        }
    }

    static func withHandle(_ settings: DatabaseSettings, _ body: (any Database) async throws -> Void) async throws {
        let handle = try DatabaseHandle(settings, keys: try keys(settings))
        do { try await body(handle.db) } catch { await handle.close(); throw error }
        await handle.close()
    }

    /// The demo (registry, every programme's 2021 payroll, 调标 and 补发, grants, stays) killed five times,
    /// then finished: the same 附表1 as a run never killed. The demo keeps its own SQLite file.
    @Test func demoKilledAndResumed() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let reference = dir.appendingPathComponent("reference.sqlite").path
        let crashed = dir.appendingPathComponent("crashed.sqlite").path
        let args = ["demo", "--no-serve", "--households", "150"]
        #expect(try Self.run(args + ["--db", reference], killAfter: nil) == 0)
        var g = SeededGenerator(state: 611)
        var kills = 0
        for round in 0..<5 {
            let after = Double.random(in: 0.3...2.5, using: &g)
            if try Self.run(args + ["--db", crashed], killAfter: after) == nil {
                kills += 1
                if FileManager.default.fileExists(atPath: crashed) {
                    try await Self.withHandle(.sqliteFile(crashed)) { db in
                        // A kill before the schema was complete leaves nothing to check yet.
                        if (try? await AuditStore(db).verify()) != nil { try await Self.checkInvariants(db, "demo kill \(round) at \(after)s") }
                    }
                }
            }
        }
        #expect(kills >= 3)
        #expect(try Self.run(args + ["--db", crashed], killAfter: nil) == 0)
        try await Self.withHandle(.sqliteFile(crashed)) { try await Self.checkInvariants($0, "demo resumed") }
        #expect(try await Self.fundTable(.sqliteFile(crashed)) == (try await Self.fundTable(.sqliteFile(reference))))
    }

    /// `jiuzhu payroll run` for each month of 2021, killed at random points and run again until it
    /// finishes, on the test database (SQLite file or PostgreSQL): every month paid once, the same totals
    /// as the months run in one go.
    @Test func payrollRunsKilledAndResumed() async throws {
        let (settings, cleanup) = try await TestDatabases.make(onDisk: true)
        let (refSettings, refCleanup) = try await TestDatabases.make(onDisk: true)
        do {
            try await payrollRuns(settings, refSettings)
        } catch {
            try? await cleanup()
            try? await refCleanup()
            throw error
        }
        try await cleanup()
        try await refCleanup()
    }

    func payrollRuns(_ settings: DatabaseSettings, _ refSettings: DatabaseSettings) async throws {
        let (target, env) = Self.commandLine(for: settings)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-crash-bank-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        for s in [settings, refSettings] {
            let handle = try DatabaseHandle(s, keys: TestDatabases.keys)
            try await handle.migrate()
            _ = try await DemoLoader(database: handle.db, county: DemoCounty(households: 600)).load(progress: .silent)
            await handle.close()
        }
        // The reference: the months paid in-process, never interrupted.
        let ref = try DatabaseHandle(refSettings, keys: TestDatabases.keys)
        let run = PayrollRun(database: ref.db, countyCode: "510921", bankFileDirectory: nil, isDemo: true)
        for m in 1...6 { _ = try await run.runMonth(programme: .dibao, YearMonth(year: 2021, month: m)!, actor: "cli") }
        await ref.close()
        var g = SeededGenerator(state: 612)
        var kills = 0
        for m in 1...6 {
            let month = String(format: "2021-%02d", m)
            let args = ["payroll", "run", "--month", month, "--out", dir.path] + target
            for attempt in 0..<3 {
                if try Self.run(args, environment: env, killAfter: Double.random(in: 0.01...0.4, using: &g)) == nil {
                    kills += 1
                    try await Self.withHandle(settings) { try await Self.checkInvariants($0, "\(month) kill \(attempt)") }
                }
            }
            #expect(try Self.run(args, environment: env, killAfter: nil) == 0, "\(month)")
        }
        #expect(kills >= 4)
        try await Self.withHandle(settings) { db in
            try await Self.checkInvariants(db, "payroll resumed")
            let batches = try await PayrollStore(db).batches(countyCode: "510921")
            #expect(batches.filter { $0.programme == .dibao }.map(\.state) == Array(repeating: .exported, count: 6))
        }
        #expect(try await Self.fundTable(settings) == (try await Self.fundTable(refSettings)))
    }
}

extension CrashTests {
    /// `jiuzhu policy import` (the county's policy file) killed at random points: the versions are all
    /// there or none, the audit chain holds; run to the end, every version is entered once, and again
    /// nothing changes.
    @Test func policyImportKilledAndResumed() async throws {
        let (settings, cleanup) = try await TestDatabases.make(onDisk: true)
        do {
            try await policyImport(settings)
        } catch {
            try? await cleanup()
            throw error
        }
        try await cleanup()
    }

    func policyImport(_ settings: DatabaseSettings) async throws {
        // The county's file with its version repeated for every month of 2001–2020 (240 versions), so the
        // import is long enough to be killed inside.
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: DatabaseRestartTests.root
            .appendingPathComponent("ReferenceData/policy-510921.json"))) as! [String: Any]
        let version = (json["versions"] as! [[String: Any]])[0]
        json["versions"] = (0..<240).map { i -> [String: Any] in
            var v = version
            v["effective"] = String(format: "%04d-%02d", 2001 + i / 12, i % 12 + 1)
            return v
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-crash-policy-\(UUID().uuidString).json")
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let expected = try PolicyFile.parse(try Data(contentsOf: file)).versions.count
        #expect(expected == 240)
        let (target, env) = Self.commandLine(for: settings)
        // Migrated beforehand: the kills land in the import.
        let handle = try DatabaseHandle(settings, keys: TestDatabases.keys)
        do { try await handle.migrate() } catch { await handle.close(); throw error }
        await handle.close()
        func versions() async throws -> Int {
            var n = -1
            try await Self.withHandle(settings) { db in
                struct N: Decodable { var n: Int }
                n = try await (db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM policy_versions WHERE region = '510921'")
                    .first(decoding: N.self)?.n ?? -1
                #expect(try await AuditStore(db).verify().firstBroken == nil)
            }
            return n
        }
        let args = ["policy", "import", file.path, "--by", "测试员"] + target
        // Kills spread over an uninterrupted run's length (timed on a database of its own).
        let (timing, timingCleanup) = try await TestDatabases.make(onDisk: true)
        let (timingTarget, timingEnv) = Self.commandLine(for: timing)
        let timingHandle = try DatabaseHandle(timing, keys: TestDatabases.keys)
        do { try await timingHandle.migrate() } catch { await timingHandle.close(); throw error }
        await timingHandle.close()
        let started = Date()
        #expect(try Self.run(["policy", "import", file.path, "--by", "测试员"] + timingTarget, environment: timingEnv, killAfter: nil) == 0)
        let length = Date().timeIntervalSince(started)
        try await timingCleanup()
        var g = SeededGenerator(state: 613)
        var kills = 0
        for round in 0..<6 {
            if try Self.run(args, environment: env, killAfter: Double.random(in: 0.2...0.9, using: &g) * length) == nil {
                kills += 1
                let n = try await versions()
                // As before the import (none) or as after it (all), never between.
                #expect([0, expected].contains(n), "kill \(round): \(n) of \(expected) versions")
            }
        }
        #expect(kills >= 2)
        #expect(try Self.run(args, environment: env, killAfter: nil) == 0)
        #expect(try await versions() == expected)
        #expect(try Self.run(args, environment: env, killAfter: nil) == 0)
        #expect(try await versions() == expected)
    }
}

/// A deterministic generator (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

/// Child processes with posix_spawn and waitpid (Foundation's Process does not always notice a child's
/// exit here, leaving it a zombie).
enum Spawn {
    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// Starts `/bin/bash -c command`; its pid.
    static func spawn(_ command: String) throws -> pid_t {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/bash", "-c", command].map { (s: String) in strdup(s) } + [nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, "/bin/bash", nil, nil, argv, environ)
        guard rc == 0 else { throw POSIXError(POSIXErrorCode(rawValue: rc) ?? .EIO) }
        return pid
    }

    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        return (status >> 8) & 0xff
    }
}
