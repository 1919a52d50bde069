import Domain
import FluentKit
import Persistence
import SQLKit
import TestSupport
import Testing

@Suite struct ApplicationStoreTests {
    let d = Fixtures.date

    func visit(_ date: String) -> HomeVisit {
        HomeVisit(date: d(date), investigators: ["王调查", "李调查"], findings: "无车辆")
    }

    /// Takes an application to county review.
    func toCountyReview(_ store: ApplicationStore, householdID: String, closeRelative: Bool = false) async throws -> String {
        let id = try await store.open(householdID: householdID, programme: .dibao, acceptedOn: d("2021-07-01"), closeRelative: closeRelative, actor: "t")
        try await store.record(.recordInformationCheck(on: d("2021-07-02"), summary: "无异常"), on: id, actor: "t")
        try await store.record(.recordHomeVisit(visit("2021-07-05")), on: id, actor: "t")
        try await store.record(.completeInvestigation(on: d("2021-07-06")), on: id, actor: "t")
        try await store.record(.townshipReview(on: d("2021-07-07"), recommend: true, opinion: "拟纳入"), on: id, actor: "t")
        try await store.record(.closePublicNotice(on: d("2021-07-14")), on: id, actor: "t")
        return id
    }

    /// A household stopped at a later month (2021-11) and approved again from 2021-08: the newest decision
    /// governs from its first month, so the two enrollments never overlap and August pays one line
    /// (found by an adversarial test: the overlap made the whole county's batch fail).
    @Test func approvalEndsAnEnrollmentStillRunningAtItsFirstMonth() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            try await (handle.db as! any SQLDatabase).raw("UPDATE enrollments SET end_month = 202111").run()
            let store = ApplicationStore(handle.db)
            let id = try await toCountyReview(store, householdID: "h01")
            try await store.approve(id, on: d("2021-07-20"), actor: "county")
            let enrollments = try await EnrollmentStore(handle.db).enrollments(ofHousehold: "h01")
            #expect(enrollments.map { "\($0.startMonth)…\($0.endMonth?.description ?? "")" } == ["2021-01…2021-07", "2021-08…"])
            let august = try await PayrollStore(handle.db).generate(programme: .dibao, month: Fixtures.month("2021-08"),
                                                                    countyCode: "510921", actor: "t")
            #expect(august.batch.lineCount == 1)
            #expect(august.holds.isEmpty)
        }
    }

    /// Two enrollments running in one month for one household (e.g. written before this rule): that
    /// household is held, naming why, and the rest of the batch is generated.
    @Test func overlappingEnrollmentsAreHeldNotFatal() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let other = Fixtures.household("h2", members: [Fixtures.member("110101199003079163", "甲", .head)])
            try await Fixtures.registerAndEnroll(other, from: "2021-01", on: handle.db)
            try await (handle.db as! any SQLDatabase).raw("""
                INSERT INTO enrollments (id, county_code, household_id, member_id, programme, area, household_size,
                  monthly_benefit_fen, components, start_month, end_month, decision_id)
                SELECT 'dup', county_code, household_id, NULL, programme, area, household_size, monthly_benefit_fen,
                  components, 202106, NULL, decision_id FROM enrollments WHERE household_id = 'h01'
                """).run()
            let g = try await PayrollStore(handle.db).generate(programme: .dibao, month: Fixtures.month("2021-07"),
                                                               countyCode: "510921", actor: "t")
            #expect(g.created)
            #expect(g.batch.lineCount == 1)
            #expect(g.holds.map(\.householdID) == ["h01", "h01"])
            #expect(g.holds.allSatisfy { $0.reason.hasPrefix("OVERLAPPING_ENROLLMENTS") })
        }
    }

    @Test func approvalWritesDecisionWithTraceAndEnrollment() async throws {
        try await withTestDatabase { handle async throws in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let store = ApplicationStore(handle.db)
            let id = try await toCountyReview(store, householdID: "h01")
            let decision = try await store.approve(id, on: d("2021-07-20"), actor: "county")
            #expect(decision.monthlyBenefit.yuanString == "900.00")
            let stored = try await store.application(id)
            #expect(stored.application.state == .approved)
            #expect(stored.application.firstPaidMonth?.description == "2021-08")
            #expect(stored.deadline?.description == "2021-08-12")
            let enrollments = try await EnrollmentStore(handle.db).enrollments(ofHousehold: "h01")
            #expect(enrollments.count == 1)
            #expect(enrollments[0].startMonth.description == "2021-08")
            #expect(enrollments[0].monthlyBenefit.yuanString == "900.00")
            let decisions = try await EnrollmentStore(handle.db).decisions(ofHousehold: "h01")
            #expect(decisions.first?.trace.contains { $0.step == "补差计算" } == true)
            #expect(try await store.events(of: id).count == 6)
        }
    }

    @Test func outOfOrderStepChangesNothing() async throws {
        try await withTestDatabase { handle async throws in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let store = ApplicationStore(handle.db)
            let id = try await store.open(householdID: "h01", programme: .dibao, acceptedOn: d("2021-07-01"), closeRelative: false, actor: "t")
            await #expect(throws: WorkflowError.self) {
                try await store.record(.closePublicNotice(on: d("2021-07-14")), on: id, actor: "t")
            }
            await #expect(throws: WorkflowError.self) { try await store.approve(id, on: d("2021-07-14"), actor: "t") }
            #expect(try await store.application(id).application.state == .accepted)
            #expect(try await store.events(of: id).isEmpty)
            #expect(try await EnrollmentStore(handle.db).enrollments(ofHousehold: "h01").isEmpty)
        }
    }

    /// Intake in December 2026: the 30-working-day limit falls in 2027, which the holiday calendar does
    /// not cover yet. The application is accepted; its deadline stays unknown rather than guessed.
    @Test func intakeBeyondTheCalendarKeepsTheDeadlineOpen() async throws {
        try await withTestDatabase { handle async throws in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let store = ApplicationStore(handle.db, today: { Fixtures.date("2026-12-31") })
            let id = try await store.open(householdID: "h01", programme: .dibao, acceptedOn: d("2026-12-10"), closeRelative: false, actor: "t")
            #expect(try await store.application(id).deadline == nil)
            let refused = try await store.record(.refuse(on: d("2026-12-30"), reason: "收入高于标准"), on: id, actor: "t")
            #expect(refused.state == .refused)
            #expect(refused.refusalNoticeDue == nil)
            #expect(try await store.list(in: .county("510921"), openOnly: false).map(\.deadline) == [nil])
        }
    }

    @Test func futureDatesAreRefused() async throws {
        try await withTestDatabase { handle async throws in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let store = ApplicationStore(handle.db, today: { Fixtures.date("2021-07-03") })
            await #expect(throws: WorkflowError.dateInFuture(d("2021-07-04"), today: d("2021-07-03"))) {
                try await store.open(householdID: "h01", programme: .dibao, acceptedOn: d("2021-07-04"), closeRelative: false, actor: "t")
            }
            let id = try await store.open(householdID: "h01", programme: .dibao, acceptedOn: d("2021-07-01"), closeRelative: false, actor: "t")
            await #expect(throws: WorkflowError.self) {
                try await store.record(.recordInformationCheck(on: d("9999-12-31"), summary: "x"), on: id, actor: "t")
            }
            #expect(try await store.events(of: id).isEmpty)
        }
    }

    @Test func secondOpenApplicationIsRefused() async throws {
        try await withTestDatabase { handle async throws in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let store = ApplicationStore(handle.db)
            _ = try await store.open(householdID: "h01", programme: .dibao, acceptedOn: d("2021-07-01"), closeRelative: false, actor: "t")
            await #expect(throws: ApplicationStoreError.self) {
                try await store.open(householdID: "h01", programme: .dibao, acceptedOn: d("2021-07-02"), closeRelative: false, actor: "t")
            }
        }
    }

    @Test func closeRelativeNeedsCountyVisitBeforeApproval() async throws {
        try await withTestDatabase { handle async throws in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let store = ApplicationStore(handle.db)
            let id = try await toCountyReview(store, householdID: "h01", closeRelative: true)
            await #expect(throws: WorkflowError.countyVisitRequired) { try await store.approve(id, on: d("2021-07-20"), actor: "t") }
            try await store.record(.recordCountyHomeVisit(visit("2021-07-19")), on: id, actor: "county")
            #expect(try await store.approve(id, on: d("2021-07-20"), actor: "county").monthlyBenefit.yuanString == "900.00")
        }
    }

    /// Field case C01 (a): after the spouse's death is recorded, a new decision counts two people: 300.00.
    @Test func deceasedMemberIsNotCounted() async throws {
        try await withTestDatabase { handle async throws in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            try await RegistryStore(handle.db).setStatus(of: try ResidentID("110101197708029247"), to: .deceased,
                                                         since: d("2021-05-12"))
            let store = ApplicationStore(handle.db)
            let id = try await toCountyReview(store, householdID: "h01")
            let decision = try await store.approve(id, on: d("2021-07-20"), actor: "county")
            #expect(decision.householdSize == 2)
            #expect(decision.monthlyBenefit.yuanString == "300.00")
        }
    }

    @Test func ineligibleHouseholdCannotBeApprovedButCanBeRefused() async throws {
        try await withTestDatabase { handle async throws in
            let rich = Fixtures.household("rich", members: [Fixtures.member("110101199003079163", "甲", .head, monthly: [(.wage, "5000")])])
            try await RegistryStore(handle.db).register([rich])
            let store = ApplicationStore(handle.db)
            let id = try await toCountyReview(store, householdID: "rich")
            await #expect(throws: ApplicationStoreError.self) { try await store.approve(id, on: d("2021-07-20"), actor: "t") }
            let refused = try await store.record(.refuse(on: d("2021-09-30"), reason: "月人均收入高于标准"), on: id, actor: "t")
            #expect(refused.refusalNoticeDue?.description == "2021-10-11")
            #expect(try await EnrollmentStore(handle.db).decisions(ofHousehold: "rich").first?.outcome == "refused")
            // The refusal stays in the working list, waiting on its written notice, until the delivery is recorded.
            let pending = try await store.list(in: .county("510921"), openOnly: true)
            #expect(pending.map { "\($0.id == id) \($0.state.rawValue) \($0.step?.step ?? "")" } == ["true refused 书面告知不予纳入理由"])
            _ = try await store.record(.deliverRefusalNotice(on: d("2021-10-08")), on: id, actor: "t")
            #expect(try await store.list(in: .county("510921"), openOnly: true).isEmpty)
            #expect(try await store.list(in: .county("510921"), openOnly: false).map(\.id) == [id])
        }
    }

    /// 单人保 (DB-2021 Art. 8): in a near-poverty household (per capita 800, below 900), the spouse with a
    /// grade 2 disability applies alone; approved, she is enrolled as one member at 600.00 and paid on a
    /// line of her own; the household itself stays unenrolled.
    @Test func singleMemberApplicationIsEnrolledAlone() async throws {
        try await withTestDatabase { handle async throws in
            var spouse = Fixtures.member("110101198202021242", "陈某", .spouse)
            spouse.disability = Disability(grade: 2, type: .physical)
            let liu = Fixtures.household("liu", members: [
                Fixtures.member("110101198001011232", "刘某", .head, monthly: [(.wage, "2400")]), spouse,
                Fixtures.member("110101200803031251", "刘小", .child),
            ])
            try await RegistryStore(handle.db).register([liu])
            let store = ApplicationStore(handle.db)
            let id = try await store.open(householdID: "liu", programme: .dibao, subject: spouse.residentID, acceptedOn: d("2021-07-01"),
                                          closeRelative: false, actor: "t")
            try await store.record(.recordInformationCheck(on: d("2021-07-02"), summary: "无异常"), on: id, actor: "t")
            try await store.record(.recordHomeVisit(visit("2021-07-05")), on: id, actor: "t")
            try await store.record(.completeInvestigation(on: d("2021-07-06")), on: id, actor: "t")
            try await store.record(.townshipReview(on: d("2021-07-07"), recommend: true, opinion: "拟单人保"), on: id, actor: "t")
            try await store.record(.closePublicNotice(on: d("2021-07-14")), on: id, actor: "t")
            let decision = try await store.approve(id, on: d("2021-07-20"), actor: "t")
            #expect((decision.monthlyBenefit.yuanString, decision.householdSize, decision.subject) == ("600.00", 1, spouse.residentID))
            let enrolled = try await EnrollmentStore(handle.db).enrollments(ofHousehold: "liu")
            #expect(enrolled.map { "\($0.programme.rawValue) \($0.memberID != nil) \($0.monthlyBenefit.yuanString)" } == ["dibao true 600.00"])
            let g = try await PayrollStore(handle.db).generate(programme: .dibao, month: d("2021-08-01").yearMonth, countyCode: "510921", actor: "t")
            #expect(g.holds.isEmpty)
            let lines = try await PayrollStore(handle.db).lines(of: g.batch.id)
            #expect(lines.map { "\($0.memberID == enrolled[0].memberID) \($0.householdSize) \($0.amount.yuanString)" } == ["true 1 600.00"])
            // A household enrolled whole covers its members: no 单人保 application for one of them.
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            await #expect(throws: StoreError.conflict("本户自 2021-01 起已整户纳入低保，成员已在保障范围内，不能再单独申请（单人保只适用于未整户纳入的低保边缘家庭，民发〔2021〕57号 第8条） (household already enrolled)")) {
                try await store.open(householdID: "h01", programme: .dibao, subject: try ResidentID("110101197708029247"),
                                     acceptedOn: d("2021-07-01"), closeRelative: false, actor: "t")
            }
        }
    }
}
