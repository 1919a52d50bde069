import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing

/// 特困 end to end in the stores: case facts, a member's application with its own procedure limit,
/// approval of the person, payroll by member, and field case C02 (one person, one programme).
@Suite struct TekunCaseTests {
    let d = Fixtures.date

    static let policy = Fixtures.pengxiWithCare

    /// 孙某 of C02: rural, single, no income, 低保 420.00 since January.
    static let sunID = try! ResidentID("110101194408169738")
    static func sun() -> HouseholdFile {
        Fixtures.household("sun", area: .rural, members: [Fixtures.member(sunID.value, "孙某", .head)])
    }

    /// The township's steps of a 特困 application accepted on 2021-03-01, up to county review (公示 03-05 to 03-11).
    static func recordToCountyReview(_ store: ApplicationStore, id: String) async throws {
        let d = Fixtures.date
        try await store.record(.recordInformationCheck(on: d("2021-03-02"), summary: "无收入、无财产"), on: id, actor: "t")
        try await store.record(.recordHomeVisit(HomeVisit(date: d("2021-03-03"), investigators: ["王", "李"], findings: "独居，无赡养人")), on: id, actor: "t")
        try await store.record(.completeInvestigation(on: d("2021-03-04")), on: id, actor: "t")
        try await store.record(.townshipReview(on: d("2021-03-05"), recommend: true, opinion: "拟认定分散供养特困"), on: id, actor: "t")
        try await store.record(.closePublicNotice(on: d("2021-03-12")), on: id, actor: "t")
    }

    /// Opens `subject`'s 特困 application on 2021-03-01 and takes it to county review.
    static func toCountyReview(_ store: ApplicationStore, household: String, subject: ResidentID) async throws -> String {
        let id = try await store.open(householdID: household, programme: .tekun, subject: subject,
                                      acceptedOn: Fixtures.date("2021-03-01"), closeRelative: false, actor: "t")
        try await recordToCountyReview(store, id: id)
        return id
    }

    func approve(_ store: ApplicationStore, household: String, subject: ResidentID) async throws -> BenefitDecision {
        let id = try await Self.toCountyReview(store, household: household, subject: subject)
        return try await store.approve(id, on: d("2021-03-15"), actor: "county")
    }

    /// C02: approved as 分散特困 on 2021-03-15 → 特困 520.00 from April; the 低保 case closes with March;
    /// the April payrolls list 孙某 once.
    @Test func fieldCaseC02() async throws {
        try await withTestDatabase(policies: [Self.policy]) { handle in
            try await Fixtures.registerAndEnroll(Self.sun(), from: "2021-01", on: handle.db)
            let registry = RegistryStore(handle.db)
            try await registry.setTekunFacts(householdID: "sun", residentID: Self.sunID, placement: .dispersed,
                                             selfCareFailed: 0, assessedOn: d("2021-03-10"), today: d("2021-12-31"))
            let store = ApplicationStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let decision = try await approve(store, household: "sun", subject: Self.sunID)
            #expect(decision.monthlyBenefit.yuanString == "520.00")
            #expect(decision.subject == Self.sunID)
            let enrollments = try await EnrollmentStore(handle.db).enrollments(ofHousehold: "sun")
            #expect(enrollments.map(\.programme) == [.dibao, .tekun])
            #expect(enrollments[0].endMonth == Fixtures.month("2021-03"))
            #expect(enrollments[1].startMonth == Fixtures.month("2021-04"))
            #expect(enrollments[1].memberID != nil)
            let stopped = try await EnrollmentStore(handle.db).decisions(ofHousehold: "sun").filter { $0.outcome == "transferred" }
            #expect(stopped.count == 1)
            #expect(stopped.first?.trace.contains { $0.detail.contains("已纳入特困") } == true)
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let dibaoApril = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "t")
            let tekunApril = try await payroll.generate(programme: .tekun, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "t")
            #expect(dibaoApril.batch.lineCount == 0)
            #expect(tekunApril.batch.lineCount == 1)
            #expect(tekunApril.batch.total.yuanString == "520.00")
            #expect(try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-03"), countyCode: "510921", actor: "t")
                        .batch.total.yuanString == "420.00")
        }
    }

    /// The orphan-like variant of C02 with 特困: an old man leaves a two-person 低保 household. The
    /// household is not stopped; its line is held (MEMBERS_CHANGED) until a review recomputes it for
    /// his wife alone — never paid for him twice.
    @Test func memberLeavesALargerHousehold() async throws {
        try await withTestDatabase(policies: [Self.policy]) { handle in
            let h = Fixtures.household("pair", area: .rural, members: [
                Fixtures.member(Self.sunID.value, "孙某", .head),
                Fixtures.member("110101197605051230", "钱某", .spouse, monthly: [(.wage, "300")]),
            ])
            try await Fixtures.registerAndEnroll(h, from: "2021-01", on: handle.db)   // (420 × 2 − 300) = 540
            try await RegistryStore(handle.db).setTekunFacts(householdID: "pair", residentID: Self.sunID, placement: .dispersed,
                                                             selfCareFailed: 4, assessedOn: d("2021-03-10"), today: d("2021-12-31"))
            let store = ApplicationStore(handle.db, today: { Fixtures.date("2021-12-31") })
            #expect(try await approve(store, household: "pair", subject: Self.sunID).monthlyBenefit.yuanString == "1241.00")
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let april = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "t")
            #expect(april.batch.lineCount == 0)
            #expect(april.holds.map { $0.reason.prefix(while: { $0 != "：" }) } == ["MEMBERS_CHANGED"])
            let outcome = try await EnrollmentStore(handle.db).review(householdID: "pair", programme: .dibao, on: d("2021-04-20"),
                                                                      actor: "t", today: d("2021-12-31"))
            #expect(outcome == .adjusted(from: Fixtures.month("2021-05"), old: .yuan(540), new: .yuan(120)))
            let may = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-05"), countyCode: "510921", actor: "t")
            #expect(may.batch.total.yuanString == "120.00")
            #expect(may.holds.isEmpty)
        }
    }

    /// Member programmes need the member (低保 takes one only for 单人保, `IndividualInclusionTests`); 特困 has no recorded extension; its limit is
    /// township 15 WD + 公示 7 days + county 15 WD.
    @Test func applicationsOfAMember() async throws {
        try await withTestDatabase(policies: [Self.policy]) { handle in
            try await RegistryStore(handle.db).register([Self.sun()])
            let store = ApplicationStore(handle.db, today: { Fixtures.date("2021-12-31") })
            await #expect(throws: ApplicationStoreError.subjectRequired(.tekun)) {
                try await store.open(householdID: "sun", programme: .tekun, acceptedOn: d("2021-03-01"), closeRelative: false, actor: "t")
            }
            await #expect(throws: StoreError.notFound(what: "本户在户成员", id: "110101************")) {
                try await store.open(householdID: "sun", programme: .tekun, subject: try ResidentID("110101194408160012"),
                                     acceptedOn: d("2021-03-01"), closeRelative: false, actor: "t")
            }
            let id = try await store.open(householdID: "sun", programme: .tekun, subject: Self.sunID, acceptedOn: d("2021-03-01"),
                                          closeRelative: false, actor: "t")
            // 2021-03-01 + 15 WD = 03-22, + 7 days = 03-29, + 15 WD = 04-20 (清明 04-05 is not a working day).
            #expect(try await store.application(id).deadline == d("2021-04-20"))
            #expect(try await store.list(in: .county("510921"), openOnly: true).first?.memberName == "孙某")
            await #expect(throws: ApplicationStoreError.noExtension(.tekun)) {
                try await store.record(.extendDeadline(reason: "情况复杂"), on: id, actor: "t")
            }
            // Approval without the self-care assessment is refused by name.
            try await Self.recordToCountyReview(store, id: id)
            await #expect(throws: AssessmentError.missing("供养方式 placement（dispersed 分散 / centralized 集中）")) {
                try await store.approve(id, on: d("2021-03-15"), actor: "county")
            }
            #expect(try await EnrollmentStore(handle.db).enrollments(ofHousehold: "sun").isEmpty)
        }
    }

    /// Case facts are checked and survive a round trip; a stored count outside 0–6 is unreadable.
    @Test func caseFacts() async throws {
        try await withTestDatabase { handle in
            try await RegistryStore(handle.db).register([Self.sun()])
            let registry = RegistryStore(handle.db)
            await #expect(throws: StoreError.outOfRange("六项指标中不能达到的项数应为 0–6，收到 7 (0–6)")) {
                try await registry.setTekunFacts(householdID: "sun", residentID: Self.sunID, placement: .dispersed, selfCareFailed: 7,
                                                 assessedOn: d("2021-03-10"), today: d("2021-12-31"))
            }
            try await registry.setTekunFacts(householdID: "sun", residentID: Self.sunID, placement: .centralized, selfCareFailed: 5,
                                             assessedOn: d("2021-03-10"), today: d("2021-12-31"))
            let m = try #require(try await registry.household("sun")?.composition.members.first)
            #expect(m.tekunPlacement == .centralized)
            #expect(m.selfCareFailed == 5)
            await #expect(throws: StoreError.outOfRange("评估日期 2021-03-09 早于已登记的评估（2021-03-10）：较早的评估不能替换较新的 (older than the recorded assessment)")) {
                try await registry.setTekunFacts(householdID: "sun", residentID: TekunCaseTests.sunID, placement: .dispersed, selfCareFailed: 1,
                                                 assessedOn: d("2021-03-09"), today: d("2021-12-31"))
            }
            await #expect(throws: StoreError.outOfRange("评估日期 1900-01-01 早于出生日期 1944-08-16 (assessed before birth)")) {
                try await registry.setTekunFacts(householdID: "sun", residentID: TekunCaseTests.sunID, placement: .dispersed, selfCareFailed: 1,
                                                 assessedOn: d("1900-01-01"), today: d("2021-12-31"))
            }
            try await (handle.db as! any SQLDatabase).raw("UPDATE members SET self_care_failed = 9").run()
            await #expect(throws: StoreError.unreadable(table: "members", column: "self_care_failed", value: "9")) {
                try await registry.household("sun")
            }
        }
    }
}

/// Found by the adversarial pass on 特困: refusal of a member's application, the 公示 of a member, and
/// approval while another programme's batch already lists the household (C02, paid twice).
@Suite struct TekunAdversarialTests {
    let d = Fixtures.date

    /// A 45-year-old cannot be approved and must be refusable, even with no self-care assessment recorded.
    @Test func memberApplicationCanBeRefused() async throws {
        try await withTestDatabase(policies: [TekunCaseTests.policy]) { handle in
            let wang = try ResidentID("110101197605051230")
            try await RegistryStore(handle.db).register([Fixtures.household("w", area: .rural, members: [Fixtures.member(wang.value, "王某", .head)])])
            let store = ApplicationStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let id = try await TekunCaseTests.toCountyReview(store, household: "w", subject: wang)
            let refused = try await store.record(.refuse(on: d("2021-03-16"), reason: "有劳动能力"), on: id, actor: "county")
            #expect(refused.state == .refused)
            let decision = try #require(try await EnrollmentStore(handle.db).decisions(ofHousehold: "w").first)
            #expect(decision.outcome == "refused")
            #expect(decision.householdSize == 1)
            #expect(decision.trace.contains { $0.detail.contains("未测算") })
        }
    }

    /// 特困 from April while April's 低保 batch already lists the household: refused until it is dealt with.
    @Test func approvalWhileAnotherBatchListsTheHousehold() async throws {
        try await withTestDatabase(policies: [TekunCaseTests.policy]) { handle in
            try await Fixtures.registerAndEnroll(TekunCaseTests.sun(), from: "2021-01", on: handle.db)
            try await RegistryStore(handle.db).setTekunFacts(householdID: "sun", residentID: TekunCaseTests.sunID, placement: .dispersed,
                                                             selfCareFailed: 0, assessedOn: d("2021-03-10"), today: d("2021-12-31"))
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let april = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "t")
            let store = ApplicationStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let id = try await TekunCaseTests.toCountyReview(store, household: "sun", subject: TekunCaseTests.sunID)
            await #expect(throws: StoreError.conflict("2021-04 的低保发放批次（待审核）已列入本户，自 2021-04 起确认特困将对同一人重复发放：草稿请先作废；已审核或已导出的月份，请以该月之后的日期确认，或先复核本户低保 (another programme's batch lists this household)")) {
                try await store.approve(id, on: d("2021-03-15"), actor: "county")
            }
            #expect(try await EnrollmentStore(handle.db).enrollments(ofHousehold: "sun").map(\.programme) == [.dibao])
            // Discarding the draft lets the decision through; April is then paid once, by 特困.
            try await payroll.discardDraft(april.batch.id, actor: "t")
            #expect(try await store.approve(id, on: d("2021-03-15"), actor: "county").monthlyBenefit.yuanString == "520.00")
            #expect(try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "t").batch.lineCount == 0)
        }
    }
}

/// Ending 特困 support (TK-2021 Arts. 24–26): 公示, objection and re-publication, the county's decision
/// stopping support from the following month; a death is not published.
@Suite struct TerminationTests {
    let d = Fixtures.date

    func enrolled(_ handle: DatabaseHandle) async throws -> String {
        try await RegistryStore(handle.db).register([TekunCaseTests.sun()])
        try await RegistryStore(handle.db).setTekunFacts(householdID: "sun", residentID: TekunCaseTests.sunID, placement: .dispersed,
                                                         selfCareFailed: 0, assessedOn: d("2021-03-10"), today: d("2021-12-31"))
        let store = ApplicationStore(handle.db, today: { Fixtures.date("2021-12-31") })
        _ = try await TekunCaseTests().approve(store, household: "sun", subject: TekunCaseTests.sunID)
        return try await RegistryStore(handle.db).memberID(of: TekunCaseTests.sunID)
    }

    @Test func publishedObjectedRepublishedDecided() async throws {
        try await withTestDatabase(policies: [TekunCaseTests.policy]) { handle in
            let member = try await enrolled(handle)
            let store = TerminationStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let id = try await store.propose(householdID: "sun", memberID: member, programme: .tekun, ground: .supporterAble,
                                             on: d("2021-06-01"), opinion: "其子返乡就业，具备赡养能力", actor: "township")
            await #expect(throws: StoreError.conflict("该对象已有办理中的终止程序（\(id.prefix(8))），请在原程序上继续办理 (a termination is open)")) {
                try await store.propose(householdID: "sun", memberID: member, programme: .tekun, ground: .withdrawal,
                                        on: d("2021-06-02"), opinion: "x", actor: "t")
            }
            await #expect(throws: WorkflowError.noticeNotOver(ends: d("2021-06-07"))) {
                try await store.record(.closePublicNotice(on: d("2021-06-07")), on: id, actor: "t")
            }
            try await store.record(.raiseObjection(on: d("2021-06-03"), note: "其子收入不稳定"), on: id, actor: "t")
            let republished = try await store.record(.resolveObjection(on: d("2021-06-10"), opinion: "核查：其子月收入 4000 元，能够赡养"), on: id, actor: "t")
            #expect(republished.state == .publicNotice)
            #expect(republished.noticeStart == d("2021-06-10"))
            #expect(republished.objectionDue == d("2021-06-25"))   // 15 WD from the objection (端午 06-14 off)
            try await store.record(.closePublicNotice(on: d("2021-06-17")), on: id, actor: "t")
            let decided = try await store.record(.decide(on: d("2021-06-20")), on: id, actor: "county")
            #expect(decided.stopsFrom == Fixtures.month("2021-07"))
            let e = try await EnrollmentStore(handle.db).enrollments(ofHousehold: "sun").filter { $0.programme == .tekun }
            #expect(e.map(\.endMonth) == [Fixtures.month("2021-06")])
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            #expect(try await payroll.generate(programme: .tekun, month: Fixtures.month("2021-06"), countyCode: "510921", actor: "t").batch.lineCount == 1)
            #expect(try await payroll.generate(programme: .tekun, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t").batch.lineCount == 0)
            let decision = try #require(try await EnrollmentStore(handle.db).decisions(ofHousehold: "sun").first { $0.outcome == "terminated" })
            #expect(decision.trace.map(\.step) == ["终止理由", "乡镇核实意见", "公示", "终止"])
            #expect(decision.trace[2].detail == "公示 2021-06-10 至 2021-06-16，异议 1 件已核查")
        }
    }

    @Test func deathIsNotPublished() async throws {
        try await withTestDatabase(policies: [TekunCaseTests.policy]) { handle in
            let member = try await enrolled(handle)
            let store = TerminationStore(handle.db, today: { Fixtures.date("2021-12-31") })
            await #expect(throws: WorkflowError.missing("死亡日期（或先在家庭成员中登记死亡及日期）")) {
                try await store.propose(householdID: "sun", memberID: member, programme: .tekun, ground: .death,
                                        on: d("2021-08-02"), opinion: "2021-07-28 病故，已火化", actor: "township")
            }
            let id = try await store.propose(householdID: "sun", memberID: member, programme: .tekun, ground: .death,
                                             on: d("2021-08-02"), opinion: "2021-07-28 病故，已火化", factOn: d("2021-07-28"), actor: "township")
            #expect(try await store.termination(id).termination.state == .countyReview)
            #expect(try await store.record(.decide(on: d("2021-08-03")), on: id, actor: "county").state == .terminated)
            await #expect(throws: WorkflowError.terminationOutOfOrder(event: "撤销终止，继续供养", state: "已终止")) {
                try await store.record(.cancel(on: d("2021-08-04"), reason: "x"), on: id, actor: "t")
            }
        }
    }
}

@Suite struct TerminationAfterPaymentTests {
    let d = Fixtures.date

    /// Decided in June while July's bank file is out: support ends with July (already paid), from August;
    /// a draft listing the person later must be discarded first.
    @Test func lastPaidMonthIsKept() async throws {
        try await withTestDatabase(policies: [TekunCaseTests.policy]) { handle in
            let member = try await TerminationTests().enrolled(handle)
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let july = try await payroll.generate(programme: .tekun, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            _ = try await payroll.approve(july.batch.id, actor: "t")
            _ = try await payroll.markExported(july.batch.id, actor: "t")
            let august = try await payroll.generate(programme: .tekun, month: Fixtures.month("2021-08"), countyCode: "510921", actor: "t")
            let store = TerminationStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let id = try await store.propose(householdID: "sun", memberID: member, programme: .tekun, ground: .withdrawal,
                                             on: d("2021-06-01"), opinion: "本人申请退出", actor: "t")
            try await store.record(.closePublicNotice(on: d("2021-06-08")), on: id, actor: "t")
            await #expect(throws: StoreError.conflict("2021-08 的特困发放批次草稿已列入该对象：请先作废该草稿，再决定终止 (a draft lists this person)")) {
                try await store.record(.decide(on: d("2021-06-20")), on: id, actor: "county")
            }
            try await payroll.discardDraft(august.batch.id, actor: "t")
            let t = try await store.record(.decide(on: d("2021-06-20")), on: id, actor: "county")
            #expect(t.lastMonth == Fixtures.month("2021-07"))
            #expect(t.stopsFrom == Fixtures.month("2021-08"))
            let decision = try #require(try await EnrollmentStore(handle.db).decisions(ofHousehold: "sun").first { $0.outcome == "terminated" })
            #expect(decision.trace.last?.detail.hasPrefix("县级 2021-06-20 决定终止，自 2021-08 起停止供养（2021-07 已发放）") == true)
            #expect(try await payroll.generate(programme: .tekun, month: Fixtures.month("2021-08"), countyCode: "510921", actor: "t").batch.lineCount == 0)
        }
    }
}
