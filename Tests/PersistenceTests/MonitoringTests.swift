import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing

/// Issue 8, rules.md §6: the low-income register, early warnings through verification to an outcome with
/// working-day deadlines, referrals with feedback deadlines, and the loop's counts.
@Suite struct MonitoringTests {
    let d = Fixtures.date

    /// A large medical bill from the 医保 file raises a warning for the township, due in 10 working days
    /// (2021-09-30 + 10 WD over the National Day holiday, with Saturday 10-09 worked = 2021-10-20); visited, it is closed by a referral to
    /// the medical-assistance department, whose feedback is due 10 working days later.
    @Test func aMedicalBillRunsTheLoop() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let file = ArrayRows([["姓名", "身份证号", "结算日期", "个人自付金额"], ["李某", "110101197708029247", "2021-09-28", "23456.70"],
                                  ["李某", "110101197708029247", "2021-09-29", "800.00"]])
            _ = try await MatchStore(handle.db, today: { Fixtures.date("2021-09-30") })
                .importDataset(file, mapping: .standard(.medicalBills), fileName: "m.csv", sha256: "m", countyCode: "510921", actor: "t")
            let store = MonitoringStore(handle.db, today: { Fixtures.date("2021-10-25") })
            let county = AccessScope.county("510921")
            var warnings = try await store.warnings(in: county)
            #expect(warnings.map(\.warning.source) == [.medicalBill])
            let w = try #require(warnings.first)
            #expect(w.warning.detail == "李某：2021-09-28 医疗费用个人自付 23456.70 元（预警线 10000.00 元）")
            #expect((w.warning.raisedOn, w.warning.dueOn, w.warning.stage) == (d("2021-09-30"), d("2021-10-20"), .raised))
            #expect(w.warning.isOverdue(on: d("2021-10-22")))
            var loop = try await store.loop(in: county, month: Fixtures.month("2021-10"))
            #expect((loop.registered[.dibao], loop.raised, loop.verified, loop.closed, loop.overdue) == (1, 1, 0, 0, 1))
            await #expect(throws: MonitoringError.tooFewInvestigators(1)) {
                try await store.verify(w.id, visit: HomeVisit(date: d("2021-10-08"), investigators: ["王", " 王 "], findings: "住院"), actor: "t")
            }
            await #expect(throws: MonitoringError.wrongStage(.raised)) {
                try await store.close(w.id, outcome: .noNeed, note: "x", on: d("2021-10-09"), actor: "t")
            }
            try await store.verify(w.id, visit: HomeVisit(date: d("2021-10-08"), investigators: ["王", "李"], findings: "住院治疗，自付较多"), actor: "t")
            try await store.close(w.id, outcome: .referral(.medical), note: "申请医疗救助", on: d("2021-10-11"), actor: "t")
            warnings = try await store.warnings(in: county)
            #expect(warnings[0].warning.stage == .closed)
            let referrals = try await store.referrals(in: county)
            #expect(referrals.map(\.referral.department) == [.medical])
            #expect(referrals[0].referral.feedbackDue == d("2021-10-25"))
            #expect(referrals[0].personName == "张某甲")
            #expect(warnings[0].referralID == referrals[0].id)
            loop = try await store.loop(in: county, month: Fixtures.month("2021-10"))
            #expect((loop.raised, loop.verified, loop.helped, loop.closed, loop.overdue, loop.openReferrals) == (1, 1, 1, 1, 0, 1))
            try await store.closeReferral(referrals[0].id, feedback: "已按规定给予医疗救助 8,000 元", on: d("2021-10-20"), actor: "t")
            await #expect(throws: MonitoringError.alreadyClosed) {
                try await store.closeReferral(referrals[0].id, feedback: "again", on: d("2021-10-21"), actor: "t")
            }
            // The same file again raises nothing twice.
            _ = try await MatchStore(handle.db, today: { Fixtures.date("2021-10-01") })
                .importDataset(ArrayRows([["姓名", "身份证号", "结算日期", "个人自付金额"], ["李某", "110101197708029247", "2021-09-28", "23456.70"]]),
                               mapping: .standard(.medicalBills), fileName: "m2.csv", sha256: "m2", countyCode: "510921", actor: "t")
            #expect(try await store.warnings(in: county).count == 1)
        }
    }

    /// A 低保 application refused with per-capita income under 1.5 × the standard puts the household on the
    /// register as 低保边缘家庭; one above it does not.
    @Test func aRefusalBelowTheNearPovertyLineRegistersTheHousehold() async throws {
        try await withTestDatabase { handle async throws in
            let near = Fixtures.household("near", members: [Fixtures.member("110101199003079163", "边缘", .head, monthly: [(.wage, "700")])])
            let above = Fixtures.household("above", members: [Fixtures.member("11010119720528959X", "较高", .head, monthly: [(.wage, "1000")])])
            try await RegistryStore(handle.db).register([near, above])
            let store = ApplicationStore(handle.db, today: { Fixtures.date("2021-07-20") })
            for h in ["near", "above"] {
                let app = try await store.open(householdID: h, programme: .dibao, acceptedOn: d("2021-07-01"), closeRelative: false, actor: "t")
                try await store.record(.refuse(on: d("2021-07-10"), reason: "人均收入高于低保标准"), on: app, actor: "t")
            }
            let loop = try await MonitoringStore(handle.db).loop(in: .county("510921"), month: Fixtures.month("2021-07"))
            #expect(loop.registered[.nearPoverty] == 1)
            struct R: Decodable { var householdId: String; var source: String }
            let rows = try await (handle.db as! any SQLDatabase).raw("SELECT household_id, source FROM low_income_households")
                .all(decoding: R.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))
            #expect(rows.map(\.householdId) == ["near"])
            #expect(rows[0].source.hasPrefix("application:"))
        }
    }

    /// The window refers a person with no file; a referral in another township's area is not seen.
    @Test func referralsFromTheWindow() async throws {
        try await withTestDatabase { handle async throws in
            let store = MonitoringStore(handle.db, today: { Fixtures.date("2021-07-20") })
            await #expect(throws: MonitoringError.missing("求助人姓名")) {
                try await store.refer(householdID: nil, personName: " ", townshipCode: "510921112000", department: .education,
                                      request: "孩子上学困难", on: d("2021-07-19"), actor: "t")
            }
            let id = try await store.refer(householdID: nil, personName: "路某", townshipCode: "510921112000", department: .education,
                                           request: "孩子上学困难", on: d("2021-07-19"), actor: "t")
            #expect(try await store.referrals(in: .county("510921")).map(\.id) == [id])
            let other = AccessScope(Divisions.pengxi.division(DivisionCode("510921100000")!)!)
            #expect(try await store.referrals(in: other).isEmpty)
            #expect(try await store.referrals(in: .county("510921"))[0].referral.feedbackDue == d("2021-08-02"))
        }
    }
}
