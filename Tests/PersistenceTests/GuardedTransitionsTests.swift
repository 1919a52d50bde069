import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing

/// Every state change of a batch or an application is a guarded transition (issue 6): run at the same
/// moment, exactly one wins and the other is refused by name; on PostgreSQL these are real races.
@Suite struct GuardedTransitionsTests {
    static func count(_ handle: DatabaseHandle, _ q: SQLQueryString) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await (handle.db as! any SQLDatabase).raw(q).first(decoding: N.self)?.n ?? -1
    }

    /// Runs `body` `n` times at once; the outcomes, successes first.
    static func together<T: Sendable>(_ n: Int, _ body: @escaping @Sendable (Int) async throws -> T) async -> [Result<T, any Error>] {
        await withTaskGroup(of: Result<T, any Error>.self) { group in
            for i in 0..<n { group.addTask { do { return .success(try await body(i)) } catch { return .failure(error) } } }
            return await group.reduce(into: []) { $0.append($1) }
        }
    }

    static func generated(_ handle: DatabaseHandle, month: String = "2021-07") async throws -> PayrollBatch {
        try await PayrollStore(handle.db).generate(programme: .dibao, month: Fixtures.month(month), countyCode: "510921", actor: "maker").batch
    }

    /// Approving and discarding one draft at once: an approved batch is never deleted.
    @Test func approveAndDiscardAtOnce() async throws {
        try await withTestDatabase { handle in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let store = PayrollStore(handle.db)
            for month in ["2021-01", "2021-02", "2021-03", "2021-04", "2021-05", "2021-06"] {
                let b = try await Self.generated(handle, month: month)
                let outcomes = await Self.together(2) { i in
                    if i == 0 { _ = try await store.approve(b.id, actor: "checker") } else { try await store.discardDraft(b.id, actor: "maker") }
                    return i
                }
                let won = outcomes.compactMap { try? $0.get() }
                #expect(won.count == 1, "\(month)")
                let left = try await store.batches(countyCode: "510921").filter { $0.month == Fixtures.month(month) }
                if won == [0] {
                    #expect(left.map(\.state) == [.approved])
                    #expect(try await store.lines(of: b.id).count == 1)
                    let refusal = outcomes.compactMap { if case .failure(let e) = $0 { return e as? PayrollError } else { return nil } }
                    #expect(refusal == [.invalidTransition(from: .approved, to: .draft)])
                } else {
                    #expect(left.isEmpty)
                }
            }
        }
    }

    /// Five exports of one batch at once: one export, one audit entry.
    @Test func parallelExportsRecordOneExport() async throws {
        try await withTestDatabase { handle in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: handle.db)
            let store = PayrollStore(handle.db)
            let b = try await Self.generated(handle)
            _ = try await store.approve(b.id, actor: "checker")
            let outcomes = await Self.together(5) { _ in try await store.markExported(b.id, actor: "finance") }
            #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1)
            let refusals = outcomes.compactMap { if case .failure(let e) = $0 { return e as? PayrollError } else { return nil } }
            #expect(refusals == Array(repeating: .invalidTransition(from: .exported, to: .exported), count: 4))
            #expect(try await Self.count(handle, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'payroll.exported' AND subject = \(bind: b.id)") == 1)
            let approvals = await Self.together(3) { _ in try await store.approve(b.id, actor: "checker") }
            #expect(approvals.allSatisfy { (try? $0.get()) == nil })
        }
    }

    /// One application confirmed three times at once: one decision, one enrollment.
    @Test func parallelApprovalsOfOneApplication() async throws {
        try await withTestDatabase { handle in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let d = Fixtures.date
            let store = ApplicationStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let id = try await store.open(householdID: "h01", programme: .dibao, acceptedOn: d("2021-07-01"), closeRelative: false, actor: "t")
            try await store.record(.recordInformationCheck(on: d("2021-07-02"), summary: "比对无异常"), on: id, actor: "t")
            try await store.record(.recordHomeVisit(HomeVisit(date: d("2021-07-05"), investigators: ["王", "李"], findings: "属实")), on: id, actor: "t")
            try await store.record(.completeInvestigation(on: d("2021-07-06")), on: id, actor: "t")
            try await store.record(.townshipReview(on: d("2021-07-07"), recommend: true, opinion: "拟纳入"), on: id, actor: "t")
            try await store.record(.closePublicNotice(on: d("2021-07-15")), on: id, actor: "t")
            let outcomes = await Self.together(3) { _ in try await store.approve(id, on: d("2021-07-20"), actor: "county") }
            #expect(outcomes.filter { (try? $0.get()) != nil }.count == 1)
            #expect(try await Self.count(handle, "SELECT COUNT(*) AS n FROM enrollments WHERE household_id = 'h01'") == 1)
            #expect(try await Self.count(handle, "SELECT COUNT(*) AS n FROM decisions WHERE application_id = \(bind: id)") == 1)
        }
    }

    /// Segregation of duties: who generated a batch cannot approve it when a second person is asked.
    @Test func approvalNeedsASecondPerson() async throws {
        try await withTestDatabase { handle in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: handle.db)
            let store = PayrollStore(handle.db)
            let b = try await Self.generated(handle)
            await #expect(throws: PayrollError.sameApprover("maker")) { try await store.approve(b.id, actor: "maker", secondPerson: true) }
            #expect(try await store.batch(id: b.id).state == .draft)
            #expect(try await store.approve(b.id, actor: "checker", secondPerson: true).approvedBy == "checker")
        }
    }

    /// A line altered in the database after approval is caught before any bank file; untouched, the
    /// lines come back as approved.
    @Test(arguments: [
        "UPDATE payroll_lines SET bank_account = '\(try! TestDatabases.keys.seal("6217999999999999", as: .bankAccount))'",
        "UPDATE payroll_lines SET amount_fen = amount_fen + 100",
        "UPDATE payroll_lines SET payee_name = '王某'",
        "DELETE FROM payroll_lines",
    ])
    func linesAlteredAfterApprovalAreCaught(statement: String) async throws {
        try await withTestDatabase { handle in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: handle.db)
            let store = PayrollStore(handle.db)
            let b = try await store.approve(try await Self.generated(handle).id, actor: "checker")
            #expect(try await store.frozenLines(of: b).map(\.bankAccount) == ["6217000000000001"])
            try await (handle.db as! any SQLDatabase).raw(SQLQueryString(stringLiteral: statement)).run()
            await #expect(throws: PayrollError.linesChanged(batch: b.id, approvedBy: "checker")) { try await store.frozenLines(of: b) }
        }
    }
}
