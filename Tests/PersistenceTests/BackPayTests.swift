import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing

/// Back pay (补发, docs/adr/0016): a standard signed after months were paid (调标), a held month released,
/// a month approved after its batch — each owed exactly once, in a batch of its own.
@Suite struct BackPayTests {
    static func file(raised: Bool) -> PolicyFile { Fixtures.urbanRaisedInJuly(signed: raised) }

    static let months = (1...8).map { YearMonth(year: 2021, month: $0)! }

    func enroll(_ household: HouseholdFile, from: String, policy: Policy, on db: any Database) async throws {
        try await Fixtures.registerAndEnroll(household, from: from, policy: policy, on: db)
    }

    /// Generates, approves and exports a regular month.
    @discardableResult
    func pay(_ month: YearMonth, _ store: PayrollStore) async throws -> PayrollStore.Generation {
        let g = try await store.generate(programme: .dibao, month: month, countyCode: "510921", actor: "t")
        _ = try await store.approve(g.batch.id, actor: "t")
        _ = try await store.markExported(g.batch.id, actor: "t")
        return g
    }

    /// H01 (wage 900, 3 persons): 1,500 − 900 = 600 a month at 500; 1,800 − 900 = 900 at 600. July and
    /// August paid at 600 are owed 300 each: one line of 600.00 with two items, paid once.
    @Test func aRaiseSignedLaterIsBackPaidOnce() async throws {
        try await withTestDatabase(policies: [Self.file(raised: false)]) { handle async throws in
            let store = PayrollStore(handle.db)
            try await enroll(Fixtures.h01(), from: "2021-01", policy: Self.file(raised: false).versions[0], on: handle.db)
            for m in Self.months { #expect(try await pay(m, store).batch.total.yuanString == "600.00") }
            _ = try await PolicyStore(handle.db).importFile(Self.file(raised: true), fileSHA256: "b", actor: "股长")
            let enrollments = EnrollmentStore(handle.db)
            let adjusted = try await enrollments.adjustStandard(programme: .dibao, countyCode: "510921", version: "510921/2021-07",
                                                                on: Fixtures.date("2021-09-10"), actor: "股长", today: Fixtures.date("2021-09-10"))
            #expect(adjusted == StandardAdjustment(version: "510921/2021-07", changed: 1, unchanged: 0, monthlyChange: .yuan(300), needsReview: []))
            let periods = try await enrollments.enrollments(ofHousehold: "h01").map { "\($0.startMonth)…\($0.endMonth?.description ?? "") \($0.monthlyBenefit.yuanString)" }
            #expect(periods == ["2021-01…2021-06 600.00", "2021-07… 900.00"])
            let decision = try await enrollments.decisions(ofHousehold: "h01").first!
            #expect(decision.trace.last?.detail.hasPrefix("按 510921/2021-07（自 2021-07 起执行，2021-09-10 签发，测试调标文号）自 2021-07 起重新核定：原 600.00 元/月（510921/2021-01）→ 900.00 元/月") == true)

            let g = try await store.generateBackPay(programme: .dibao, month: Fixtures.month("2021-09"), from: Fixtures.month("2021-07"),
                                                    countyCode: "510921", actor: "t")
            #expect(g.created)
            let batch = try #require(g.batch)
            #expect(batch.kind == .backPay)
            #expect((batch.lineCount, batch.total.yuanString) == (1, "600.00"))
            #expect(g.items.map { "\($0.month) \($0.entitled.yuanString) − \($0.paid.yuanString) = \($0.owed.yuanString) \($0.basis.rawValue)" }
                    == ["2021-07 900.00 − 600.00 = 300.00 difference", "2021-08 900.00 − 600.00 = 300.00 difference"])
            #expect(g.items[0].trace.last?.detail == "900.00 − 600.00 = 300.00 元（基本保障金 300.00）")
            #expect(try await store.backPayItems(of: batch.id) == g.items)
            #expect(try await store.lines(of: batch.id).map(\.amount.yuanString) == ["600.00"])
            // Asking again returns the same batch; the month's regular batch is untouched.
            let again = try await store.generateBackPay(programme: .dibao, month: Fixtures.month("2021-09"), from: Fixtures.month("2021-07"),
                                                        countyCode: "510921", actor: "t")
            #expect((again.created, again.batch?.id) == (false, batch.id))
            // September is paid at the new amount, decided under the version in force.
            let september = try await pay(Fixtures.month("2021-09"), store)
            #expect((september.batch.total.yuanString, september.decidedUnderOtherVersions) == ("900.00", 0))
            #expect(try await store.batches(countyCode: "510921").prefix(2).map(\.kind) == [.regular, .backPay])
            // Never twice: a later back-pay run over the same months owes nothing; 调标 again changes nothing.
            _ = try await store.approve(batch.id, actor: "t")
            let later = try await store.generateBackPay(programme: .dibao, month: Fixtures.month("2021-10"), from: Fixtures.month("2021-07"),
                                                        countyCode: "510921", actor: "t")
            #expect(later.batch == nil)
            #expect(later.items.isEmpty)
            #expect(later.monthsNotFrozen == [Fixtures.month("2021-10")])
            let second = try await enrollments.adjustStandard(programme: .dibao, countyCode: "510921", version: "510921/2021-07",
                                                              on: Fixtures.date("2021-10-10"), actor: "股长", today: Fixtures.date("2021-10-10"))
            #expect((second.changed, second.unchanged) == (0, 0))
        }
    }

    /// A month held for want of an account and paid once the account is registered (`released`); a
    /// household approved after July's batch was generated (`unpaid`); one still without an account
    /// stays held, listed with the month.
    @Test func heldAndLateMonthsArePaidOnceTheReasonIsGone() async throws {
        try await withTestDatabase { handle async throws in
            let store = PayrollStore(handle.db)
            let policy = Policy.pengxi2021
            let sql = handle.db as! any SQLDatabase
            try await enroll(Fixtures.h01(), from: "2021-07", policy: policy, on: handle.db)
            let h03 = Fixtures.household("h03", account: nil, members: [Fixtures.member("110101195001011239", "王某", .head)])
            try await enroll(h03, from: "2021-07", policy: policy, on: handle.db)
            try await sql.update("households").set("bank_account", to: SQLLiteral.null).where("id", .equal, "h01").run()
            let july = try await pay(Fixtures.month("2021-07"), store)
            #expect(july.holds.map(\.householdID).sorted() == ["h01", "h03"])
            try await sql.update("households").set("bank_account", to: try TestDatabases.keys.seal("6217000000000001", as: .bankAccount)).where("id", .equal, "h01").run()
            let h02 = Fixtures.household("h02", members: [Fixtures.member("110101196001011233", "赵某", .head, monthly: [(.wage, "100")])])
            try await enroll(h02, from: "2021-07", policy: policy, on: handle.db)
            let g = try await store.generateBackPay(programme: .dibao, month: Fixtures.month("2021-08"), from: Fixtures.month("2021-07"),
                                                    countyCode: "510921", actor: "t")
            #expect(g.items.map { "\($0.recipientKey) \($0.month) \($0.owed.yuanString) \($0.basis.rawValue)" }
                    == ["h01 2021-07 900.00 released", "h02 2021-07 500.00 unpaid"])
            #expect(g.heldMonths.map { "\($0.hold.householdID) \($0.month) \($0.hold.reason)" } == ["h03 2021-07 NO_BANK_ACCOUNT：未登记收款账号"])
            #expect(g.monthsNotFrozen == [Fixtures.month("2021-08")])
            #expect(g.batch?.total.yuanString == "1400.00")
        }
    }

    @Test func badRequestsAreRefusedByName() async throws {
        try await withTestDatabase { handle async throws in
            let store = PayrollStore(handle.db)
            await #expect(throws: StoreError.outOfRange("补发起始月份 2021-09 晚于发放月份 2021-08 (from after month)")) {
                try await store.generateBackPay(programme: .dibao, month: Fixtures.month("2021-08"), from: Fixtures.month("2021-09"),
                                                countyCode: "510921", actor: "t")
            }
            await #expect(throws: PayrollError.notPaidByPayroll("临时救助")) {
                try await store.generateBackPay(programme: .temporary, month: Fixtures.month("2021-08"), from: Fixtures.month("2021-07"),
                                                countyCode: "510921", actor: "t")
            }
            await #expect(throws: StoreError.notFound(what: "政策版本", id: "510921/2021-07")) {
                try await EnrollmentStore(handle.db).adjustStandard(programme: .dibao, countyCode: "510921", version: "510921/2021-07",
                                                                    on: Fixtures.date("2021-09-10"), actor: "t", today: Fixtures.date("2021-09-10"))
            }
        }
    }

    /// A standard lowered so far that H01 no longer qualifies (urban 300: 900 − 900 = 0): 调标 never stops a
    /// case by itself; it is listed for a review, and the enrollment stays as it was.
    @Test func aLoweredStandardLeavesIneligibleCasesForAReview() async throws {
        try await withTestDatabase(policies: [Fixtures.urbanRaisedInJuly(signed: true, julyUrban: "300.00")]) { handle async throws in
            try await enroll(Fixtures.h01(), from: "2021-01", policy: Fixtures.urbanRaisedInJuly(signed: false).versions[0], on: handle.db)
            let store = EnrollmentStore(handle.db)
            let r = try await store.adjustStandard(programme: .dibao, countyCode: "510921", version: "510921/2021-07",
                                                   on: Fixtures.date("2021-09-10"), actor: "t", today: Fixtures.date("2021-09-10"))
            #expect((r.changed, r.unchanged) == (0, 0))
            #expect(r.needsReview.map { "\($0.householdID) \($0.reason)" } == ["h01 按 510921/2021-07 已不符合条件，须复核后决定是否停发"])
            #expect(try await store.enrollments(ofHousehold: "h01").map { "\($0.startMonth)…\($0.endMonth?.description ?? "") \($0.monthlyBenefit.yuanString)" }
                    == ["2021-01… 600.00"])
        }
    }

    /// A decision recorded before 0015 kept no input: 调标 leaves it for a review, named.
    @Test func decisionsWithoutInputAreLeftForReview() async throws {
        try await withTestDatabase(policies: [Self.file(raised: true)]) { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            // Not before the version was signed.
            await #expect(throws: WorkflowError.dateBefore(Fixtures.date("2021-06-01"), what: "510921/2021-07 的签发日期",
                                                           earlier: Fixtures.date("2021-09-10"))) {
                try await EnrollmentStore(handle.db).adjustStandard(programme: .dibao, countyCode: "510921", version: "510921/2021-07",
                                                                    on: Fixtures.date("2021-06-01"), actor: "t", today: Fixtures.date("2021-09-10"))
            }
            // A household decided after the adjustment's date is left for its own review, named.
            try await Fixtures.registerAndEnroll(Fixtures.household("late", members: [Fixtures.member("110101199003079163", "甲", .head)]),
                                                 from: "2021-11", policy: Self.file(raised: false).versions[0], on: handle.db)
            try await (handle.db as! any SQLDatabase).raw("UPDATE decisions SET decided_on = '2021-10-20' WHERE household_id = 'late'").run()
            let r = try await EnrollmentStore(handle.db).adjustStandard(programme: .dibao, countyCode: "510921", version: "510921/2021-07",
                                                                        on: Fixtures.date("2021-09-10"), actor: "t", today: Fixtures.date("2021-09-10"))
            #expect(r.needsReview.map(\.householdID) == ["h01", "late"])
            #expect(r.needsReview.map(\.reason) == ["原决定未保存测算依据（0015 之前记录），须逐户复核",
                                                     "原决定（2021-10-20）晚于调标日期 2021-09-10，须以其后的日期复核"])
        }
    }

    /// 0015 on a database with batches and lines: every batch becomes `regular`, no line is lost, and a
    /// back-pay batch may share a month with the regular one while a second regular one may not.
    @Test func migrationKeepsBatchesAndLines() async throws {
        try await withTestDatabase(migrated: false) { handle async throws in
            try await handle.migrate(through: "0014_ReliefStation")
            let sql = handle.db as! any SQLDatabase
            try await sql.raw("""
                INSERT INTO payroll_batches (id, county_code, programme, month, state, line_count, total_fen, created_at, created_by)
                VALUES ('b1', '510921', 'dibao', 202107, 'exported', 1, 90000, \(bind: Date()), 't')
                """).run()
            try await sql.raw("""
                INSERT INTO payroll_lines (id, batch_id, seq, household_id, recipient_key, township_code, village_code, area,
                  payee_name, payee_resident_id, bank_account, household_size, amount_fen, components)
                VALUES ('l1', 'b1', 1, 'h01', 'h01', '510921112', '510921112243', 'urban', '张某甲', '110101197503149130',
                  '6217000000000001', 3, 90000, '[{"fen":90000,"kind":"basic"}]')
                """).run()
            try await handle.migrate()
            let store = PayrollStore(handle.db)
            let b = try #require(try await store.batch(countyCode: "510921", programme: .dibao, month: Fixtures.month("2021-07")))
            #expect((b.id, b.kind, b.state) == ("b1", .regular, .exported))
            #expect(try await store.lines(of: "b1").map(\.amount.yuanString) == ["900.00"])
            try await sql.raw("""
                INSERT INTO payroll_batches (id, county_code, programme, month, kind, state, line_count, total_fen, created_at, created_by)
                VALUES ('b2', '510921', 'dibao', 202107, 'back-pay', 'draft', 0, 0, \(bind: Date()), 't')
                """).run()
            // The unique key refuses a second regular batch of the month (the drivers word it differently;
            // both name the table).
            do {
                try await sql.raw("""
                    INSERT INTO payroll_batches (id, county_code, programme, month, kind, state, line_count, total_fen, created_at, created_by)
                    VALUES ('b3', '510921', 'dibao', 202107, 'regular', 'draft', 0, 0, \(bind: Date()), 't')
                    """).run()
                Issue.record("a second regular batch of 2021-07 was accepted")
            } catch {
                #expect(String(reflecting: error).contains("payroll_batches"), "\(String(reflecting: error))")
            }
            // The lines still cascade with their batch (the foreign key points at the rebuilt table).
            try await sql.raw("DELETE FROM payroll_batches WHERE id = 'b1'").run()
            struct N: Decodable { var n: Int }
            #expect(try await sql.raw("SELECT COUNT(*) AS n FROM payroll_lines").first(decoding: N.self)?.n == 0)
        }
    }
}
