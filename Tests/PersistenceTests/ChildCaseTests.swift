import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing

/// 孤儿 and 事实无人抚养儿童 in the stores: facts, an application without 公示, approval paid from the next
/// month, 孤儿 taking the child out of the 低保 count, the 事实无人抚养 difference to the household's 低保
/// share, the 18th birthday, a parent found (overpayments), and a stored birth date that disagrees with
/// the ID.
@Suite struct ChildCaseTests {
    let d = Fixtures.date
    static let childID = try! ResidentID("110101201005010039")
    static let policy = Fixtures.pengxiWithChildren

    /// 王奶奶 (rural, no income) with her grandson 小明 (born 2010), 低保 since January: 420 × 2 = 840.
    static func grandmother() -> HouseholdFile {
        Fixtures.household("wang", area: .rural, members: [
            Fixtures.member("110101194408169738", "王奶奶", .head),
            Fixtures.member(childID.value, "小明", .grandchild),
        ])
    }

    static func store(_ db: any Database) -> ApplicationStore { ApplicationStore(db, today: { Fixtures.date("2021-12-31") }) }

    /// Accepted 03-01, checked and visited, the township's opinion on 03-05 goes straight to the county
    /// (no 公示), approved 03-10: paid from April.
    static func approve(_ programme: Programme, on db: any Database) async throws -> (String, BenefitDecision) {
        let store = store(db)
        let d = Fixtures.date
        let id = try await store.open(householdID: "wang", programme: programme, subject: childID, acceptedOn: d("2021-03-01"),
                                      closeRelative: false, actor: "t")
        try await store.record(.recordInformationCheck(on: d("2021-03-02"), summary: "部门信息比对：父母均已死亡"), on: id, actor: "t")
        try await store.record(.recordHomeVisit(HomeVisit(date: d("2021-03-03"), investigators: ["王", "李"], findings: "随祖母生活")), on: id, actor: "t")
        try await store.record(.completeInvestigation(on: d("2021-03-04")), on: id, actor: "t")
        let reviewed = try await store.record(.townshipReview(on: d("2021-03-05"), recommend: true, opinion: "拟认定"), on: id, actor: "t")
        #expect(reviewed.state == .countyReview)
        #expect(reviewed.noticeStart == nil)
        return (id, try await store.approve(id, on: d("2021-03-10"), actor: "county"))
    }

    /// The payee of a child's allowance dies (found by matching, issue 8): the child's line is held, not paid
    /// to the dead grandmother's account (found when tried as a new user would).
    @Test func aDeadPayeeHoldsTheChildsLine() async throws {
        try await withTestDatabase(policies: [Self.policy]) { handle in
            try await RegistryStore(handle.db).register([Self.grandmother()])
            try await RegistryStore(handle.db).setChildFacts(householdID: "wang", residentID: Self.childID, placement: .scattered, father: .deceased,
                                                             mother: .deceased, hivAffected: false, disabilityAllowance: .zero, today: d("2021-12-31"))
            _ = try await Self.approve(.orphan, on: handle.db)
            let r = try await MatchStore(handle.db, today: { Fixtures.date("2021-03-20") })
                .importDataset(ArrayRows([["姓名", "身份证号", "死亡日期"], ["王奶奶", "110101194408169738", "2021-03-15"]]),
                               mapping: .standard(.deaths), fileName: "d.csv", sha256: "d", countyCode: "510921", actor: "t")
            #expect(r.hits.map(\.subjectName) == ["王奶奶"])
            let april = try await PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
                .generate(programme: .orphan, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "t")
            #expect(april.batch.lineCount == 0)
            #expect(april.holds.map(\.reason) == ["MATCH_HIT：DECEASED（王奶奶）死亡信息：2021-03-15 死亡；自 2021-04 起不应再计入或发放，已发的追回（信息比对发现，经办人核实处理前暂停发放）"])
        }
    }

    @Test func orphanLeavesTheDibaoCount() async throws {
        try await withTestDatabase(policies: [Self.policy]) { handle in
            try await Fixtures.registerAndEnroll(Self.grandmother(), from: "2021-01", on: handle.db)
            let registry = RegistryStore(handle.db)
            await #expect(throws: StoreError.notFound(what: "本户在户成员", id: "110101************")) {
                try await registry.setChildFacts(householdID: "wang", residentID: try ResidentID("110101197503149130"), placement: .scattered,
                                                 father: .deceased, mother: .deceased, hivAffected: false, disabilityAllowance: .zero,
                                                 today: d("2021-12-31"))
            }
            await #expect(throws: StoreError.outOfRange("王奶奶已满18周岁（77 岁），不能新登记儿童情况 (not a child)")) {
                try await registry.setChildFacts(householdID: "wang", residentID: try ResidentID("110101194408169738"), placement: .scattered,
                                                 father: .deceased, mother: .deceased, hivAffected: false, disabilityAllowance: .zero,
                                                 today: d("2021-12-31"))
            }
            try await registry.setChildFacts(householdID: "wang", residentID: Self.childID, placement: .scattered, father: .deceased,
                                             mother: .unknown, hivAffected: false, disabilityAllowance: .zero, today: d("2021-12-31"))
            let (_, decision) = try await Self.approve(.orphan, on: handle.db)
            #expect(decision.monthlyBenefit == .yuan(900))
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let orphanApril = try await payroll.generate(programme: .orphan, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "t")
            #expect(orphanApril.batch.total == .yuan(900))
            #expect(try await payroll.lines(of: orphanApril.batch.id).map(\.memberID).count == 1)
            // The grandmother's 低保 is held until its review: 小明 is supported apart from April.
            let dibaoApril = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "t")
            #expect(dibaoApril.holds.map { $0.reason.prefix(while: { $0 != "：" }) } == ["MEMBERS_CHANGED"])
            let outcome = try await EnrollmentStore(handle.db).review(householdID: "wang", programme: .dibao, on: d("2021-04-20"),
                                                                      actor: "t", today: d("2021-12-31"))
            #expect(outcome == .adjusted(from: Fixtures.month("2021-05"), old: .yuan(840), new: .yuan(420)))
            // No orphan for March (approved 03-10): a March batch pays nobody.
            #expect(try await payroll.generate(programme: .orphan, month: Fixtures.month("2021-03"), countyCode: "510921", actor: "t")
                .batch.lineCount == 0)
        }
    }

    /// 事实无人抚养: the child stays in the 低保 household and is paid only the difference to its share
    /// (900 − 840 ÷ 2 = 480).
    @Test func unsupportedChildGetsTheDifference() async throws {
        try await withTestDatabase(policies: [Self.policy]) { handle in
            try await Fixtures.registerAndEnroll(Self.grandmother(), from: "2021-01", on: handle.db)
            try await RegistryStore(handle.db).setChildFacts(householdID: "wang", residentID: Self.childID, placement: .scattered,
                                                             father: .imprisoned, mother: .outOfContact, hivAffected: false,
                                                             disabilityAllowance: .zero, today: d("2021-12-31"))
            let (_, decision) = try await Self.approve(.unsupportedChild, on: handle.db)
            #expect(decision.components == [AmountComponent(.difference, .yuan(480))])
            #expect(decision.trace.map(\.detail).contains("低保（按户人均：840.00 ÷ 2 人） 420.00 元/月"))
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let dibaoApril = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "t")
            #expect(dibaoApril.batch.total == .yuan(840))
            #expect(dibaoApril.holds.isEmpty)
            let childApril = try await payroll.generate(programme: .unsupportedChild, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "t")
            #expect(childApril.batch.total == .yuan(480))
        }
    }

    /// A parent found alive: the county ends the allowance, and the months paid after the month the parent
    /// was found are flagged as overpayments.
    @Test func parentFoundFlagsOverpayments() async throws {
        try await withTestDatabase(policies: [Self.policy]) { handle in
            try await RegistryStore(handle.db).register([Self.grandmother()])
            try await RegistryStore(handle.db).setChildFacts(householdID: "wang", residentID: Self.childID, placement: .scattered,
                                                             father: .deceased, mother: .unknown, hivAffected: false,
                                                             disabilityAllowance: .zero, today: d("2021-12-31"))
            _ = try await Self.approve(.orphan, on: handle.db)
            let run = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            for month in ["2021-04", "2021-05", "2021-06"] {
                let g = try await run.generate(programme: .orphan, month: Fixtures.month(month), countyCode: "510921", actor: "t")
                _ = try await run.approve(g.batch.id, actor: "t")
                _ = try await run.markExported(g.batch.id, actor: "t")
            }
            let memberID = try await RegistryStore(handle.db).memberID(of: Self.childID)
            let terminations = TerminationStore(handle.db, today: { Fixtures.date("2021-12-31") })
            await #expect(throws: WorkflowError.missing("事实发生日期（如查找到父母的日期）")) {
                try await terminations.propose(householdID: "wang", memberID: memberID, programme: .orphan, ground: .parentFound,
                                               on: d("2021-06-25"), opinion: "母亲在外省被查找到", actor: "town")
            }
            await #expect(throws: WorkflowError.missing("适用于孤儿的终止理由（死亡或被宣告死亡、宣告失踪、父母查找到、生还或恢复抚养能力、年满18周岁且不在规定学段就读、自愿申请退出）")) {
                try await terminations.propose(householdID: "wang", memberID: memberID, programme: .orphan, ground: .labourCapacity,
                                               on: d("2021-06-25"), opinion: "x", actor: "town")
            }
            let id = try await terminations.propose(householdID: "wang", memberID: memberID, programme: .orphan, ground: .parentFound,
                                                    on: d("2021-06-25"), opinion: "母亲在外省被查找到", factOn: d("2021-04-20"), actor: "town")
            // Children's allowances have no 公示: the proposal goes straight to the county.
            let proposed = try await terminations.termination(id).termination
            #expect(proposed.state == .countyReview)
            #expect(proposed.noticeStart == nil)
            let decided = try await terminations.record(.decide(on: d("2021-06-28")), on: id, actor: "county")
            #expect(decided.stopsFrom == Fixtures.month("2021-07"))
            #expect(decided.overpaidMonths == [Fixtures.month("2021-05"), Fixtures.month("2021-06")])
            struct Row: Decodable { var month: Int; var amount: Int64 }
            let rows = try await (handle.db as! any SQLDatabase).raw("SELECT month, amount_fen AS amount FROM overpayments ORDER BY month")
                .all(decoding: Row.self)
            #expect(rows.map(\.month) == [202105, 202106])
            #expect(rows.map(\.amount) == [90_000, 90_000])
        }
    }

    /// Field case: an orphan past the 18th birthday month is held, not paid (the policy lists no schooling
    /// for this child).
    @Test func heldAfterThe18thBirthday() async throws {
        try await withTestDatabase(policies: [Self.policy]) { handle in
            let turning = try ResidentID("110101200307150016")
            let h = Fixtures.household("li", area: .rural, members: [Fixtures.member(turning.value, "李某", .head)])
            try await RegistryStore(handle.db).register([h])
            try await RegistryStore(handle.db).setChildFacts(householdID: "li", residentID: turning, placement: .scattered, father: .deceased,
                                                             mother: .deceased, hivAffected: false, disabilityAllowance: .zero,
                                                             today: d("2021-03-31"))
            let memberID = try await RegistryStore(handle.db).memberID(of: turning)
            let registered = try #require(try await RegistryStore(handle.db).household("li"))
            let decision = try OrphanRules().assess(AssessmentInput(household: registered.composition, month: Fixtures.month("2021-04"),
                                                                    subject: turning), policy: Self.policy.versions[0])
            try await handle.db.transaction { tx in
                try await EnrollmentStore.bulkApprove([.init(householdID: "li", memberID: memberID, countyCode: "510921",
                                                             decidedOn: d("2021-03-20"), decision: decision)], on: tx)
            }
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            #expect(try await payroll.generate(programme: .orphan, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
                .batch.total == .yuan(900))
            let august = try await payroll.generate(programme: .orphan, month: Fixtures.month("2021-08"), countyCode: "510921", actor: "t")
            #expect(august.batch.lineCount == 0)
            #expect(august.holds.map(\.reason) == ["AGE_18：李某已于 2021-07 满18周岁且不在政策规定的学段就读，自次月起停发，须办理终止 (国办发〔2010〕54号)"])
        }
    }

    /// TK-2021 Art. 9 and item 9 of the issue: a child already supported apart as 特困 is not also
    /// recognised as an orphan; the refusal names both.
    @Test func oneProgrammeSupportingTheChildApart() async throws {
        try await withTestDatabase(policies: [Self.policy]) { handle in
            try await RegistryStore(handle.db).register([Self.grandmother()])
            try await RegistryStore(handle.db).setChildFacts(householdID: "wang", residentID: Self.childID, placement: .scattered,
                                                             father: .deceased, mother: .deceased, hivAffected: false,
                                                             disabilityAllowance: .zero, today: d("2021-12-31"))
            let memberID = try await RegistryStore(handle.db).memberID(of: Self.childID)
            let tekun = BenefitDecision(programme: .tekun, month: Fixtures.month("2021-02"), area: .rural, eligible: true, householdSize: 1,
                                        subject: Self.childID, standard: .yuan(520), perCapitaIncome: nil, monthlyBenefit: .yuan(520),
                                        components: [AmountComponent(.basic, .yuan(520))], reasons: [], trace: [],
                                        policyVersion: "510921/2021-01")
            try await handle.db.transaction { tx in
                try await EnrollmentStore.bulkApprove([.init(householdID: "wang", memberID: memberID, countyCode: "510921",
                                                             decidedOn: d("2021-01-20"), decision: tekun)], on: tx)
            }
            do {
                _ = try await Self.approve(.orphan, on: handle.db)
                Issue.record("an orphan was approved for a child supported as 特困")
            } catch let StoreError.conflict(message) {
                #expect(message.hasPrefix("该成员自 2021-02 起已由特困保障（决定 "))
                #expect(message.hasSuffix("同一人不能同时享受特困和孤儿：请先终止特困，或不予纳入本申请 (supported by a programme that excludes this one)"))
            }
            #expect(try await EnrollmentStore(handle.db).enrollments(ofHousehold: "wang").map(\.programme) == [.tekun])
        }
    }

    /// The difference kept up to date: a review computes it against the household's 低保 share again, and a
    /// 低保 approved after the allowance holds the child's line (DIFFERENCE_CHANGED) until a review.
    @Test func differenceKeptUpToDate() async throws {
        try await withTestDatabase(policies: [Self.policy]) { handle in
            try await RegistryStore(handle.db).register([Self.grandmother()])
            try await RegistryStore(handle.db).setChildFacts(householdID: "wang", residentID: Self.childID, placement: .scattered,
                                                             father: .imprisoned, mother: .outOfContact, hivAffected: false,
                                                             disabilityAllowance: .zero, today: d("2021-12-31"))
            let (_, decision) = try await Self.approve(.unsupportedChild, on: handle.db)
            #expect(decision.components == [AmountComponent(.basic, .yuan(900))])
            // 低保 for the household from May: 420 × 2 = 840, the child's share 420.
            let dibao = try DibaoAssessment.assess(Self.grandmother().composition, month: Fixtures.month("2021-05"), policy: .pengxi2021)
            try await handle.db.transaction { tx in
                try await EnrollmentStore.bulkApprove([.init(householdID: "wang", countyCode: "510921", decidedOn: d("2021-04-20"),
                                                             decision: dibao.benefitDecision)], on: tx)
            }
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            #expect(try await payroll.generate(programme: .unsupportedChild, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "t")
                .batch.total == .yuan(900))
            let may = try await payroll.generate(programme: .unsupportedChild, month: Fixtures.month("2021-05"), countyCode: "510921", actor: "t")
            #expect(may.batch.lineCount == 0)
            #expect(may.holds.map(\.reason) == ["DIFFERENCE_CHANGED：小明本月已享受 420.00 元，按标准 900.00 元应补差 480.00 元，核定 900.00 元，须复核调整后再发放 (民发〔2019〕62号 三)"])
            let memberID = try await RegistryStore(handle.db).memberID(of: Self.childID)
            let outcome = try await EnrollmentStore(handle.db).review(householdID: "wang", memberID: memberID, programme: .unsupportedChild,
                                                                      on: d("2021-05-20"), actor: "t", today: d("2021-12-31"))
            #expect(outcome == .adjusted(from: Fixtures.month("2021-06"), old: .yuan(900), new: .yuan(480)))
            let june = try await payroll.generate(programme: .unsupportedChild, month: Fixtures.month("2021-06"), countyCode: "510921", actor: "t")
            #expect(june.batch.total == .yuan(480))
            #expect(june.holds.isEmpty)
            // Reviewed again with nothing changed: the difference stays.
            #expect(try await EnrollmentStore(handle.db).review(householdID: "wang", memberID: memberID, programme: .unsupportedChild,
                                                                on: d("2021-06-20"), actor: "t", today: d("2021-12-31")) == .unchanged(.yuan(480)))
        }
    }

    /// One child, one of 孤儿 and 事实无人抚养: the second approval is refused naming the first.
    @Test func orphanAndUnsupportedExcludeEachOther() async throws {
        try await withTestDatabase(policies: [Self.policy]) { handle in
            try await RegistryStore(handle.db).register([Self.grandmother()])
            try await RegistryStore(handle.db).setChildFacts(householdID: "wang", residentID: Self.childID, placement: .scattered,
                                                             father: .imprisoned, mother: .deceased, hivAffected: true,
                                                             disabilityAllowance: .zero, today: d("2021-12-31"))
            _ = try await Self.approve(.unsupportedChild, on: handle.db)
            do {
                _ = try await Self.approve(.orphan, on: handle.db)
                Issue.record("an orphan was approved for a child paid as 事实无人抚养")
            } catch let StoreError.conflict(message) {
                #expect(message.contains("已由事实无人抚养保障"))
                #expect(message.contains("同一人不能同时享受事实无人抚养和孤儿"))
            }
        }
    }

    /// A parent found before the decision's month: the allowance ends with the month found, so a batch
    /// generated after the decision does not pay the months between.
    @Test func parentFoundEndsWithTheFactsMonth() async throws {
        try await withTestDatabase(policies: [Self.policy]) { handle in
            try await RegistryStore(handle.db).register([Self.grandmother()])
            try await RegistryStore(handle.db).setChildFacts(householdID: "wang", residentID: Self.childID, placement: .scattered,
                                                             father: .deceased, mother: .unknown, hivAffected: false,
                                                             disabilityAllowance: .zero, today: d("2021-12-31"))
            _ = try await Self.approve(.orphan, on: handle.db)
            let memberID = try await RegistryStore(handle.db).memberID(of: Self.childID)
            let terminations = TerminationStore(handle.db, today: { Fixtures.date("2021-12-31") })
            await #expect(throws: WorkflowError.missing("年满18周岁的事实（小明在 2021-06-25 为 11 周岁）")) {
                try await terminations.propose(householdID: "wang", memberID: memberID, programme: .orphan, ground: .adulthood,
                                               on: d("2021-06-25"), opinion: "成年", actor: "town")
            }
            await #expect(throws: WorkflowError.dateBefore(d("2001-01-01"), what: "出生日期", earlier: d("2010-05-01"))) {
                try await terminations.propose(householdID: "wang", memberID: memberID, programme: .orphan, ground: .parentFound,
                                               on: d("2021-06-25"), opinion: "x", factOn: d("2001-01-01"), actor: "town")
            }
            let id = try await terminations.propose(householdID: "wang", memberID: memberID, programme: .orphan, ground: .parentFound,
                                                    on: d("2021-06-25"), opinion: "母亲被查找到", factOn: d("2021-04-20"), actor: "town")
            let decided = try await terminations.record(.decide(on: d("2021-06-28")), on: id, actor: "county")
            #expect(decided.stopsFrom == Fixtures.month("2021-05"))
            #expect(decided.overpaidMonths == [])
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            #expect(try await payroll.generate(programme: .orphan, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "t").batch.lineCount == 1)
            #expect(try await payroll.generate(programme: .orphan, month: Fixtures.month("2021-05"), countyCode: "510921", actor: "t").batch.lineCount == 0)
        }
    }

    /// A birth date disagreeing with the ID holds that household's line only; the rest of the batch is paid.
    @Test func recordProblemHoldsOneHousehold() async throws {
        try await withTestDatabase(policies: [Self.policy]) { handle in
            let other = Fixtures.household("li", area: .rural, members: [Fixtures.member("110101201207070048", "李某", .head)])
            try await RegistryStore(handle.db).register([Self.grandmother(), other])
            for (hh, rid) in [("wang", Self.childID), ("li", try ResidentID("110101201207070048"))] {
                try await RegistryStore(handle.db).setChildFacts(householdID: hh, residentID: rid, placement: .scattered, father: .deceased,
                                                                 mother: .deceased, hivAffected: false, disabilityAllowance: .zero,
                                                                 today: d("2021-12-31"))
                let file = try #require(try await RegistryStore(handle.db).household(hh))
                let decision = try OrphanRules().assess(AssessmentInput(household: file.composition, month: Fixtures.month("2021-04"),
                                                                        subject: rid), policy: Self.policy.versions[0])
                let memberID = try await RegistryStore(handle.db).memberID(of: rid)
                try await handle.db.transaction { tx in
                    try await EnrollmentStore.bulkApprove([.init(householdID: hh, memberID: memberID, countyCode: "510921",
                                                                 decidedOn: d("2021-03-20"), decision: decision)], on: tx)
                }
            }
            try await (handle.db as! any SQLDatabase).raw("UPDATE members SET birth_date = '2002-05-01' WHERE name = '小明'").run()
            let april = try await PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
                .generate(programme: .orphan, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "t")
            #expect(april.batch.lineCount == 1)
            #expect(april.holds.map { $0.reason.prefix(while: { $0 != "：" }) } == ["RECORD_PROBLEM"])
            #expect(april.holds.first?.householdID == "wang")
        }
    }

    /// A birth date changed outside Jiuzhu so that it disagrees with the ID: nothing is computed from it.
    @Test func birthDateDisagreeingWithTheIDIsAnError() async throws {
        try await withTestDatabase(policies: [Self.policy]) { handle in
            try await RegistryStore(handle.db).register([Self.grandmother()])
            try await (handle.db as! any SQLDatabase).raw("UPDATE members SET birth_date = '2002-05-01' WHERE name = '小明'").run()
            await #expect(throws: StoreError.conflict("成员小明（110101************）登记的出生日期 2002-05-01 与身份证号码中的出生日期 2010-05-01 不一致，已停止计算：请核实身份证号码或出生日期后更正 (birth date disagrees with the ID number)")) {
                _ = try await RegistryStore(handle.db).household("wang")
            }
        }
    }
}
