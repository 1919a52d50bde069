import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing

/// The audit trail is append-only and hash-chained (ADR 0019): the database refuses changes, and a change
/// made around the refusal is found by `verify`, which names the first broken entry.
@Suite struct AuditChainTests {
    static func draft(_ n: Int, household: String? = nil) -> AuditDraft {
        AuditDraft(countyCode: "510921", actor: "clerk", address: "10.0.0.\(n)", action: "view.household", subject: "h\(n)",
                   householdID: household, detail: "第 \(n) 条", before: n == 2 ? #"{"account":"6217…0001"}"# : nil,
                   after: n == 2 ? #"{"account":"6217…0002"}"# : nil)
    }

    static func sql(_ handle: DatabaseHandle) -> any SQLDatabase { handle.db as! any SQLDatabase }

    /// Lifts the guard that refuses changes, as someone with the database's owner account could.
    static func dropGuards(_ handle: DatabaseHandle) async throws {
        let sql = sql(handle)
        if sql.dialect.name == "sqlite" {
            try await sql.raw("DROP TRIGGER audit_log_no_update").run()
            try await sql.raw("DROP TRIGGER audit_log_no_delete").run()
        } else {
            try await sql.raw("DROP TRIGGER audit_log_no_change ON audit_log").run()
        }
    }

    @Test func appendsLinkAndVerify() async throws {
        try await withTestDatabase { handle in
            let store = AuditStore(handle.db)
            let base = try await store.search(.init(), limit: 1, offset: 0).total  // the policy import's entry
            for n in 1...3 { try await store.append(Self.draft(n)) }
            let v = try await store.verify()
            #expect(v.firstBroken == nil)
            #expect(v.checked == base + 3)
            let (entries, total) = try await store.search(.init(actor: "clerk"), limit: 10, offset: 0)
            #expect(total == 3)
            #expect(entries.map(\.draft.subject) == ["h3", "h2", "h1"])
            #expect(entries[0].prevHash == entries[1].hash && entries[1].prevHash == entries[2].hash)
            #expect(v.head?.hash == entries[0].hash)
            #expect(entries[1].draft.before == #"{"account":"6217…0001"}"#)
        }
    }

    @Test func theDatabaseRefusesChanges() async throws {
        try await withTestDatabase { handle in
            try await AuditStore(handle.db).append(Self.draft(1))
            for statement: SQLQueryString in ["UPDATE audit_log SET actor = 'someone-else'", "DELETE FROM audit_log"] {
                await #expect {
                    try await Self.sql(handle).raw(statement).run()
                } throws: { String(reflecting: $0).contains("audit_log is append-only") }
            }
            #expect(try await AuditStore(handle.db).verify().firstBroken == nil)
        }
    }

    /// Around the guard: an edited entry, a removed one, a forged one without a sequence number.
    @Test(arguments: [
        ("UPDATE audit_log SET detail = '改过' WHERE seq = 3", 3, "内容与哈希不符：本条被修改"),
        ("UPDATE audit_log SET household_id = 'h-other' WHERE seq = 2", 2, "内容与哈希不符：本条被修改"),
        ("DELETE FROM audit_log WHERE seq = 2", 3, "序号应为 2，实为 3：其前的记录被删除"),
        ("UPDATE audit_log SET hash = prev_hash WHERE seq = 4", 4, "内容与哈希不符：本条被修改"),
        ("INSERT INTO audit_log (id, county_code, at, actor, action, subject, detail) VALUES ('x', '510921', '2021-01-01', 'x', 'x', 'x', 'x')", 0,
         "1 条记录不在链上（无序号）：绕过系统写入"),
    ] as [(String, Int64, String)])
    func tamperingIsFound(statement: String, seq: Int64, reason: String) async throws {
        try await withTestDatabase { handle in
            let store = AuditStore(handle.db)
            for n in 1...4 { try await store.append(Self.draft(n)) }
            try await Self.dropGuards(handle)
            try await Self.sql(handle).raw(SQLQueryString(stringLiteral: statement)).run()
            let v = try await store.verify()
            #expect(v.firstBroken?.seq == seq)
            #expect(v.firstBroken?.reason == reason)
        }
    }

    /// An entry that links to a wrong predecessor is named (its predecessor replaced).
    @Test func relinkedEntryIsFound() async throws {
        try await withTestDatabase { handle in
            let store = AuditStore(handle.db)
            for n in 1...3 { try await store.append(Self.draft(n)) }
            try await Self.dropGuards(handle)
            try await Self.sql(handle).raw("UPDATE audit_log SET prev_hash = \(bind: AuditEntry.genesis) WHERE seq = 3").run()
            #expect(try await store.verify().firstBroken?.reason == "所记前一条哈希与前一条不符：前一条被修改、删除或替换")
        }
    }

    /// Appends from many tasks at once never fork the chain (PostgreSQL: the advisory lock; SQLite: one
    /// writer).
    @Test func concurrentAppendsStayInOneChain() async throws {
        try await withTestDatabase { handle in
            let store = AuditStore(handle.db)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 1...16 { group.addTask { try await store.append(Self.draft(n)) } }
                try await group.waitForAll()
            }
            let v = try await store.verify()
            #expect(v.firstBroken == nil)
            #expect(try await store.search(.init(actor: "clerk"), limit: 1, offset: 0).total == 16)
        }
    }

    /// An entry rolls back with the change it records.
    @Test func entryRollsBackWithItsTransaction() async throws {
        try await withTestDatabase { handle in
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await handle.db.transaction { tx in
                    try await AuditChain.append(Self.draft(1), on: tx)
                    throw Boom()
                }
            }
            #expect(try await AuditStore(handle.db).search(.init(actor: "clerk"), limit: 1, offset: 0).total == 0)
            try await AuditStore(handle.db).append(Self.draft(2))
            #expect(try await AuditStore(handle.db).verify().firstBroken == nil)
        }
    }

    /// Entries written before migration 0017 are chained by it, oldest first, and verify.
    @Test func migrationChainsEarlierEntries() async throws {
        try await withTestDatabase(migrated: false) { handle in
            try await handle.migrate(through: "0016_Access")
            for (n, at) in [(2, "2021-03-02"), (1, "2021-03-01")] {
                try await Self.sql(handle).insert(into: "audit_log").columns("id", "county_code", "at", "actor", "action", "subject", "detail")
                    .values("old-\(n)", "510921", ChinaClock.instant(Fixtures.date(at), time: "09:00")!, "clerk", "payroll.approved", "b\(n)", "").run()
            }
            try await handle.migrate()
            let store = AuditStore(handle.db)
            let v = try await store.verify()
            #expect(v.firstBroken == nil)
            let (entries, _) = try await store.search(.init(actor: "clerk"), limit: 10, offset: 0)
            #expect(entries.map(\.id) == ["old-2", "old-1"])
            #expect(entries.last?.atUTC == "2021-03-01T01:00:00.000Z")
            try await store.append(Self.draft(3))
            #expect(try await store.verify().firstBroken == nil)
        }
    }

    /// Days are Beijing days; a person's households and an action prefix narrow the search.
    @Test func searchByHouseholdDaysAndAction() async throws {
        try await withTestDatabase { handle in
            let store = AuditStore(handle.db)
            let early = ChinaClock.instant(Fixtures.date("2026-03-01"), time: "07:30")!  // 2026-02-28 23:30 UTC
            try await AuditChain.append(Self.draft(1, household: "h01"), on: handle.db, now: early)
            try await AuditChain.append(AuditDraft(countyCode: "510921", actor: "town", action: "download.document", subject: "h01",
                                                   householdID: "h01"), on: handle.db, now: early.addingTimeInterval(86_400))
            try await AuditChain.append(Self.draft(3, household: "h02"), on: handle.db, now: early.addingTimeInterval(86_400))
            let march1 = try await store.search(.init(householdIDs: ["h01"], from: Fixtures.date("2026-03-01"), through: Fixtures.date("2026-03-01")),
                                                limit: 10, offset: 0)
            #expect(march1.entries.map(\.draft.actor) == ["clerk"])
            #expect(try await store.search(.init(householdIDs: ["h01"], actionPrefix: "download."), limit: 10, offset: 0).total == 1)
            #expect(try await store.actors(.init(householdIDs: ["h01"])).map { "\($0.actor) \($0.entries)" } == ["clerk 1", "town 1"])
            #expect(try await store.search(.init(householdIDs: []), limit: 10, offset: 0).total == 0)
        }
    }

    /// A registry change and its entry are one transaction, with the values before and after; a refused
    /// change leaves no entry.
    @Test func changeIsRecordedWithBeforeAndAfter() async throws {
        try await withTestDatabase { handle in
            let registry = RegistryStore(handle.db)
            let draft = AuditDraft(countyCode: "510921", actor: "town", address: "10.0.0.7", action: "household.payee", subject: "h01")
            try await registry.register([Fixtures.h01()], recording: AuditDraft(countyCode: "510921", actor: "town", action: "household.register", subject: "h01"))
            try await registry.setPayee(householdID: "h01", residentID: try ResidentID("110101197708029247"), recording: draft)
            await #expect(throws: StoreError.notFound(what: "本户在户成员", id: "110101************")) {
                try await registry.setPayee(householdID: "h01", residentID: try ResidentID("110101198001010010"), recording: draft)
            }
            let (entries, total) = try await AuditStore(handle.db).search(.init(householdIDs: ["h01"]), limit: 10, offset: 0)
            #expect(total == 2)
            #expect(entries[0].draft.before == "收款人 张某甲 110101************")
            #expect(entries[0].draft.after == "收款人 李某 110101************")
            #expect(entries[0].draft.address == "10.0.0.7")
            #expect(entries[1].draft.after == "村 510921112243；成员 张某甲 110101************ head active、李某 110101************ spouse active、张某乙 110101************ child active；收款人 110101************")
            #expect(try await AuditStore(handle.db).verify().firstBroken == nil)
        }
    }
}
