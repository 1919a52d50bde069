import Domain
import FluentKit
import Foundation
import Jobs
import Persistence
import SQLKit
import TestSupport
import Testing

/// ID and account numbers sealed at rest (issue 6, ADR 0021): nowhere in the database in the clear, found
/// by blind index, refused with the wrong key, resealed by rotation, and sealed by the migration from
/// a database that held them in the clear.
@Suite struct SealedColumnsTests {
    static let keyA = try! DataKeys.Key(text: "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=", name: "A")
    static let keyB = try! DataKeys.Key(text: "QkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkI=", name: "B")
    static let keyC = try! DataKeys.Key(text: "Q0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0NDQ0M=", name: "C")

    /// Every text cell of every table: (table, column, value).
    static func cells(_ db: any Database) async throws -> [(String, String, String)] {
        let sql = db as! any SQLDatabase
        struct T: Decodable { var name: String }
        let tables = try await sql.raw(sql.dialect.name == "postgresql"
            ? "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"
            : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all(decoding: T.self)
        var out: [(String, String, String)] = []
        for t in tables {
            for row in try await sql.raw("SELECT * FROM \(ident: t.name)").all() {
                for c in row.allColumns {
                    if let v = try? row.decode(column: c, as: String.self) { out.append((t.name, c, v)) }
                }
            }
        }
        return out
    }

    /// A small demo county with every programme's records (registry, decisions, payroll, temporary grants,
    /// station stays): no registered ID number and no account number appears in any cell in the clear.
    @Test func nothingInTheClear() async throws {
        try await withTestDatabase { handle async throws in
            let county = DemoCounty(households: 40)
            _ = try await DemoLoader(database: handle.db, county: county).load()
            _ = try await DemoTemporaryGrants(database: handle.db, county: county).load()
            _ = try await DemoStationStays(database: handle.db, county: county).load()
            let run = PayrollRun(database: handle.db, countyCode: "510921", bankFileDirectory: nil, isDemo: true)
            _ = try await run.run(programme: .dibao, months: [YearMonth(year: 2021, month: 1)!], actor: "t")
            let registry = RegistryStore(handle.db)
            let (rows, _) = try await registry.search(in: .county("510921"), text: nil, townshipCode: nil, programme: nil,
                                                      month: YearMonth(year: 2021, month: 1)!, limit: 1_000)
            var ids = Set<String>(), accounts = Set<String>()
            for r in rows {
                let h = try #require(try await registry.household(r.id))
                ids.formUnion(h.composition.members.map(\.residentID.value))
                if let a = h.bankAccount { accounts.insert(a) }
            }
            #expect(ids.count > 80)
            #expect(accounts.count >= 40)
            let cells = try await Self.cells(handle.db)
            #expect(cells.count > 1_000)
            let leaks = cells.filter { _, _, v in
                ids.contains { v.contains($0) } || accounts.contains { v.contains($0) }
            }
            #expect(leaks.isEmpty, "in the clear: \(leaks.prefix(5).map { "\($0.0).\($0.1)" })")
            // And the sealed values read back: the payroll's lines carry the registered accounts.
            let batch = try #require(try await PayrollStore(handle.db).batches(countyCode: "510921").first)
            #expect(Set(try await PayrollStore(handle.db).lines(of: batch.id).map(\.bankAccount)).isSubset(of: accounts))
        }
    }

    /// A database sealed with key A: opened with C it is refused (naming the key); with B and A as the
    /// previous key the rotation is asked for; rotated, everything is found with B alone; rotating again
    /// changes nothing.
    @Test func wrongKeyIsRefusedAndRotationReseals() async throws {
        let (settings, cleanup) = try await TestDatabases.make(onDisk: true)
        do {
            try await rotation(settings)
        } catch {
            try? await cleanup()
            throw error
        }
        try await cleanup()
    }

    func withHandle(_ settings: DatabaseSettings, _ keys: DataKeys?, _ body: (DatabaseHandle) async throws -> Void) async throws {
        let handle = try DatabaseHandle(settings, keys: keys)
        do { try await body(handle) } catch { await handle.close(); throw error }
        await handle.close()
    }

    func rotation(_ settings: DatabaseSettings) async throws {
        let station = StationPersonKey.resident(try ResidentID("110101199003079163"))
        try await withHandle(settings, DataKeys(current: Self.keyA)) { handle in
            try await handle.migrate()
            for file in PolicyBook.bundledFiles { _ = try await PolicyStore(handle.db).importFile(file, fileSHA256: "t", actor: "t") }
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: handle.db)
            _ = try await ReliefStationStore(handle.db, today: { Fixtures.date("2021-08-01") })
                .admit(station, name: "受助人", countyCode: "510921", admittedAt: Date(timeIntervalSince1970: 1_627_700_000),
                       belongings: "", health: "", minor: false, actor: "t")
            // A department's row about 李某 (issue 8): its number, key and record are sealed too.
            let deaths = ArrayRows([["姓名", "身份证号", "死亡日期"], ["李某", "110101197708029247", "2021-07-12"]])
            _ = try await MatchStore(handle.db, today: { Fixtures.date("2021-07-20") })
                .importDataset(deaths, mapping: .standard(.deaths), fileName: "d.csv", sha256: "a", countyCode: "510921", actor: "t")
        }
        try await withHandle(settings, DataKeys(current: Self.keyC)) { handle in
            await #expect(throws: DataKeyError.unknownKey(Self.keyA.id, "数据库", given: Self.keyC.id)) { try await DataKeyRotation(handle.db).verify() }
            // Nothing opens with the wrong key; the error names the column and row.
            await #expect(throws: DataKeyError.self) { _ = try await RegistryStore(handle.db).household("h01") }
        }
        try await withHandle(settings, DataKeys(current: Self.keyB, previous: [Self.keyA])) { handle in
            await #expect(throws: DataKeyError.rotationPending(Self.keyA.id)) { try await DataKeyRotation(handle.db).verify() }
            let r = try await DataKeyRotation(handle.db).rotate()
            #expect(r.resealed["members.resident_id"] == 3)
            #expect(r.resealed["households.bank_account"] == 1)
            #expect(r.resealed["station_stays.snapshot"] == 1)
            #expect(r.stationPersons == 1)
            #expect(r.resealed["dataset_records.record_key"] == 1)
            // Every sealed value now names key B.
            let sealed = try await Self.cells(handle.db).filter { $0.2.hasPrefix("e1:") }
            #expect(sealed.count == 8)  // three members, the account, the stay, the dataset row's number, key and record
            #expect(sealed.allSatisfy { $0.2.hasPrefix("e1:\(Self.keyB.id):") })
            let again = try await DataKeyRotation(handle.db).rotate()
            #expect(again.resealed.values.allSatisfy { $0 == 0 } && again.stationPersons == 0)
            #expect(again.from == Self.keyB.id)
        }
        // The variables swapped: the key rotated away from is never made current again.
        try await withHandle(settings, DataKeys(current: Self.keyA, previous: [Self.keyB])) { handle in
            await #expect(throws: DataKeyError.retiredKey(Self.keyA.id)) { _ = try await DataKeyRotation(handle.db).rotate() }
        }
        try await withHandle(settings, DataKeys(current: Self.keyB)) { handle in
            try await DataKeyRotation(handle.db).verify()
            let registry = RegistryStore(handle.db)
            #expect(try await registry.household("h01")?.bankAccount == "6217000000000001")
            _ = try await registry.memberID(of: try ResidentID("110101197503149130"))
            // The dataset row opens, and its fact is found again by its recomputed key index.
            #expect(try await MatchStore(handle.db).hits(household: "h01").map(\.residentID.value) == ["110101197708029247"])
            let again = ArrayRows([["姓名", "身份证号", "死亡日期"], ["李某", "110101197708029247", "2021-07-12"]])
            let r = try await MatchStore(handle.db, today: { Fixtures.date("2021-07-21") })
                .importDataset(again, mapping: .standard(.deaths), fileName: "d2.csv", sha256: "b", countyCode: "510921", actor: "t")
            #expect((r.added, r.known, r.hits.count) == (0, 1, 0))
            // The station finds the person by the recomputed index: their stay is still open.
            await #expect(throws: StayError.self) {
                _ = try await ReliefStationStore(handle.db, today: { Fixtures.date("2021-08-02") })
                    .admit(station, name: "受助人", countyCode: "510921", admittedAt: Date(timeIntervalSince1970: 1_627_790_000),
                           belongings: "", health: "", minor: false, actor: "t")
            }
        }
    }

    /// A database from before migration 0020 holds the numbers in the clear: without a key the migration
    /// is refused and nothing changes; with one, every value is sealed and found.
    @Test func migrationSealsWhatWasInTheClear() async throws {
        let (settings, cleanup) = try await TestDatabases.make(onDisk: true)
        do {
            try await withHandle(settings, nil) { handle in
                try await handle.migrate(through: "0019_ApiTokens")
                try await Fixtures.registerAtFirstSchema(Fixtures.h01(), on: handle.db)
                await #expect(throws: DataKeyError.missing) { try await handle.migrate() }
                #expect(try await handle.pendingMigrations() == ["0020_SealIdentifiers", "0021_DataKeyGuard", "0022_FundLedger", "0023_Matching", "0024_Monitoring"])
                struct Row: Decodable { var residentId: String }
                let clear = try await (handle.db as! any SQLDatabase).raw("SELECT resident_id FROM members ORDER BY position")
                    .all(decoding: Row.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
                #expect(clear.first?.residentId == "110101197503149130")
            }
            try await withHandle(settings, TestDatabases.keys) { handle in
                try await handle.migrate()
                #expect(try await handle.pendingMigrations().isEmpty)
                try await DataKeyRotation(handle.db).verify()
                let h = try #require(try await RegistryStore(handle.db).household("h01"))
                #expect(h.bankAccount == "6217000000000001")
                // Migration 0022 indexed the account (field case C20 finds shared accounts by it).
                struct Index: Decodable { var bankAccountIndex: String? }
                let index = try await (handle.db as! any SQLDatabase).raw("SELECT bank_account_index FROM households WHERE id = 'h01'")
                    .first(decoding: Index.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))?.bankAccountIndex
                #expect(index == TestDatabases.keys.index("6217-0000-0000-0001", as: .bankAccount))
                #expect(h.composition.members.first?.residentID.value == "110101197503149130")
                _ = try await RegistryStore(handle.db).memberID(of: try ResidentID("110101197503149130"))
                let leaks = try await Self.cells(handle.db).filter { $0.2.contains("110101197503149130") || $0.2.contains("6217000000000001") }
                #expect(leaks.isEmpty, "\(leaks.map { "\($0.0).\($0.1)" })")
            }
        } catch {
            try? await cleanup()
            throw error
        }
        try await cleanup()
    }

    /// A sealed ID that opens to something that is not an ID number is named by table, column and row,
    /// never shown (found when tried as an attacker would: the error page printed it).
    @Test func unreadableSealedValuesAreNotShown() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: handle.db)
            let sql = handle.db as! any SQLDatabase
            try await sql.raw("UPDATE members SET resident_id = \(bind: try TestDatabases.keys.seal("110101197503149131", as: .residentID)) WHERE relationship = 'head'").run()
            struct M: Decodable { var id: String }
            let head = try #require(try await sql.raw("SELECT id FROM members WHERE relationship = 'head'").first(decoding: M.self))
            await #expect(throws: StoreError.unreadable(table: "members", column: "resident_id", value: "（加密存储的值，不显示；行 \(head.id)）")) {
                _ = try await RegistryStore(handle.db).household("h01")
            }
        }
    }

    /// The database refuses, by trigger, a sealed column written in the clear or under a key other than
    /// its own: a server left running with the old key after a rotation cannot mix keys.
    @Test func databaseRefusesValuesNotUnderItsKey() async throws {
        let (settings, cleanup) = try await TestDatabases.make(onDisk: true)
        do {
            try await withHandle(settings, TestDatabases.keys) { handle in
                try await handle.migrate()
                try await DataKeyRotation(handle.db).verify()
                try await RegistryStore(handle.db).register([Fixtures.h01()])
                let sql = handle.db as! any SQLDatabase
                for value in ["110101197503149130", try DataKeys(current: Self.keyC).seal("110101197503149130", as: .residentID)] {
                    let error = await #expect(throws: (any Error).self) {
                        try await sql.raw("UPDATE members SET resident_id = \(bind: value) WHERE relationship = 'head'").run()
                    }
                    #expect(String(describing: error).contains("members.resident_id is not sealed with the database"))
                }
            }
            // A process with another key (a server left running after a rotation): its registration is refused whole.
            try await withHandle(settings, DataKeys(current: Self.keyC)) { stale in
                let error = await #expect(throws: (any Error).self) {
                    try await RegistryStore(stale.db).register([Fixtures.household("h-stale", members: [Fixtures.member("110101199003079163", "王某", .head)])])
                }
                #expect(String(describing: error).contains("is not sealed with the database"))
            }
            try await withHandle(settings, TestDatabases.keys) { handle async throws in
                #expect(try await RegistryStore(handle.db).household("h-stale") == nil)
                #expect(try await RegistryStore(handle.db).household("h01") != nil)
            }
        } catch {
            try? await cleanup()
            throw error
        }
        try await cleanup()
    }

    /// Keys from the environment: a value that is not a key is named; an unreadable key file is named.
    @Test func keysFromTheEnvironment() throws {
        #expect(try DataKeys.fromEnvironment([:]) == nil)
        #expect(throws: DataKeyError.malformed("JIUZHU_DATA_KEY")) { try DataKeys.fromEnvironment(["JIUZHU_DATA_KEY": "c2hvcnQ="]) }
        #expect(throws: DataKeyError.malformed("JIUZHU_DATA_KEY_PREVIOUS (key 2)")) {
            try DataKeys.fromEnvironment(["JIUZHU_DATA_KEY": TestDatabases.keyText,
                                          "JIUZHU_DATA_KEY_PREVIOUS": "\(TestDatabases.keyText),nope"])
        }
        #expect(throws: DataKeyError.unreadableFile("/nonexistent/jiuzhu.key")) {
            try DataKeys.fromEnvironment(["JIUZHU_DATA_KEY_FILE": "/nonexistent/jiuzhu.key"])
        }
        #expect(throws: DataKeyError.twoSources) {
            try DataKeys.fromEnvironment(["JIUZHU_DATA_KEY": TestDatabases.keyText, "JIUZHU_DATA_KEY_FILE": "/nonexistent/jiuzhu.key"])
        }
        #expect(throws: DataKeyError.missing) { try DataKeys.fromEnvironment(["JIUZHU_DATA_KEY_PREVIOUS": TestDatabases.keyText]) }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-empty-\(UUID().uuidString).key").path
        #expect(FileManager.default.createFile(atPath: empty, contents: Data("\n".utf8)))
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: DataKeyError.malformed("JIUZHU_DATA_KEY_FILE (\(empty))")) { try DataKeys.fromEnvironment(["JIUZHU_DATA_KEY_FILE": empty]) }
        // A previous key opens values only for a rotation.
        let old = try DataKeys(current: Self.keyA).seal("6217000000000001", as: .bankAccount)
        let daily = DataKeys(current: Self.keyB, previous: [Self.keyA])
        #expect(throws: DataKeyError.unknownKey(Self.keyA.id, "p ", given: Self.keyB.id)) { try daily.open(old, as: .bankAccount, place: "p") }
        #expect(try daily.forRotation().open(old, as: .bankAccount, place: "p") == "6217000000000001")
        let keys = try #require(try DataKeys.fromEnvironment(["JIUZHU_DATA_KEY": TestDatabases.keyText]))
        #expect(keys.current.id == TestDatabases.keys.current.id)
        // Sealed twice, two different texts (a fresh nonce); one index; a value of one kind does not open as another.
        let a = try keys.seal("110101197503149130", as: .residentID)
        let b = try keys.seal("110101197503149130", as: .residentID)
        #expect(a != b && a.hasPrefix("e1:\(keys.current.id):"))
        #expect(try keys.open(a, as: .residentID, place: "p") == "110101197503149130")
        #expect(keys.index("110101197503149130", as: .residentID) == keys.index("110101197503149130", as: .residentID))
        #expect(throws: DataKeyError.damaged("p")) { try keys.open(a, as: .bankAccount, place: "p") }
        #expect(throws: DataKeyError.notSealed("p")) { try keys.open("110101197503149130", as: .residentID, place: "p") }
    }
}
