import Foundation
import Testing
@testable import Domain

/// 孤儿 and 事实无人抚养儿童 (rules.md §5) through their rules and the assess contract.
@Suite struct ChildAllowanceRulesTests {
    /// Pengxi 2021 (orphans 1,400 institutional / 900 scattered, schooling past 18: high school and
    /// vocational) with a 事实无人抚养儿童 amount of 900 (a test value: Pengxi's own is not known).
    static let file = try! PolicyFile.parse(Data("""
        {"region": "510921", "name": "蓬溪县（事实无人抚养为测试值）", "versions": [
          {"effective": "2021-01",
           "dibao": {"standard": {"urban": "600.00", "rural": "420.00"}, "method": "gap", "nearPovertyMultiplier": "1.5",
                     "exemptIncome": ["assistance"], "gradualExitMonths": 6, "confirmationDelegatedToTownship": false},
           "orphan": {"institutional": "1400.00", "scattered": "900.00", "continueWhileInSchool": ["high-school", "vocational"]},
           "unsupportedChild": {"amount": "900.00"}}]}
        """.utf8))
    static var policy: Policy { file.versions[0] }
    static let july = YearMonth(year: 2021, month: 7)!
    /// Born 2010-05-01 (11 in 2021), and 2003-07-15 (18 in July 2021).
    static let child = "110101201005010039"
    static let turning18 = "110101200307150016"

    static func household(_ id: String = child, facts: ChildFacts?, schooling: Schooling? = nil) -> HouseholdComposition {
        var grandmother = Member(residentID: try! ResidentID("110101194408169738"), name: "王奶奶", relationship: .head)
        grandmother.workCapacity = .none
        var c = Member(residentID: try! ResidentID(id), name: "小明", relationship: .grandchild, schooling: schooling)
        c.childFacts = facts
        return try! HouseholdComposition(area: .rural, members: [grandmother, c])
    }

    func orphan(_ h: HouseholdComposition, subject: String = child, month: YearMonth = july,
                since: YearMonth? = nil) throws(AssessmentError) -> BenefitDecision {
        try OrphanRules().assess(AssessmentInput(household: h, month: month, subject: try! ResidentID(subject), supportedSince: since),
                                 policy: Self.policy)
    }

    struct OrphanCase: Sendable, CustomTestStringConvertible {
        var name: String
        var facts: ChildFacts
        var amount: String
        var reasons: [IneligibilityReason]
        var testDescription: String { name }
    }

    @Test(arguments: [
        OrphanCase(name: "both parents dead, scattered", facts: .init(placement: .scattered, father: .deceased, mother: .deceased),
                   amount: "900.00", reasons: []),
        OrphanCase(name: "parents not found, institutional", facts: .init(placement: .institutional, father: .unknown, mother: .unknown),
                   amount: "1400.00", reasons: []),
        OrphanCase(name: "HIV, parents alive", facts: .init(placement: .scattered, father: .capable, mother: .capable, hivAffected: true),
                   amount: "900.00", reasons: []),
        OrphanCase(name: "one parent alive", facts: .init(placement: .scattered, father: .deceased, mother: .capable),
                   amount: "0.00", reasons: [.notOrphan]),
        OrphanCase(name: "one parent dead, the other declared missing: not found",
                   facts: .init(placement: .scattered, father: .deceased, mother: .missing), amount: "900.00", reasons: []),
    ])
    func orphanGrounds(_ c: OrphanCase) throws {
        let d = try orphan(Self.household(facts: c.facts))
        #expect(d.monthlyBenefit.yuanString == c.amount)
        #expect(d.reasons == c.reasons)
        #expect(d.components == (c.reasons.isEmpty ? [AmountComponent(.basic, try Money(yuan: c.amount))] : []))
        #expect(d.householdSize == 1)
    }

    /// Paid to the month of the 18th birthday; after it only in the listed schooling and only when the
    /// support began before it.
    @Test(arguments: [
        ("2021-07", nil as Schooling?, nil as String?, true),
        ("2021-08", nil, "2015-03", false),
        ("2021-08", .highSchool, "2015-03", true),
        ("2021-08", .vocational, "2015-03", true),
        ("2021-08", .undergraduate, "2015-03", false),
        ("2021-08", .highSchool, nil, false),
        ("2021-08", .highSchool, "2021-08", false),
    ])
    func eighteenthBirthday(month: String, schooling: Schooling?, since: String?, eligible: Bool) throws {
        let h = Self.household(Self.turning18, facts: .init(placement: .scattered, father: .deceased, mother: .deceased),
                               schooling: schooling)
        let d = try orphan(h, subject: Self.turning18, month: try YearMonth(parsing: month),
                           since: try since.map { try YearMonth(parsing: $0) })
        #expect(d.eligible == eligible)
        #expect(d.reasons == (eligible ? [] : [.age18]))
    }

    @Test func parentFoundAliveStopsFromTheNextMonth() throws {
        let facts = ChildFacts(placement: .scattered, father: nil, mother: nil, parentFoundAlive: try CivilDate(parsing: "2021-05-10"))
        #expect(try orphan(Self.household(facts: facts), month: YearMonth(year: 2021, month: 5)!).monthlyBenefit == .yuan(900))
        let june = try orphan(Self.household(facts: facts), month: YearMonth(year: 2021, month: 6)!)
        #expect(june.reasons == [.parentFound])
        #expect(june.monthlyBenefit == .zero)
    }

    @Test func missingFactsAreNamed() {
        #expect(throws: AssessmentError.missing("儿童情况 childFacts（养育方式、父亲和母亲的情况）")) { try orphan(Self.household(facts: nil)) }
        #expect(throws: AssessmentError.missing("父亲和母亲两方的情况（只登记了一方）")) {
            try orphan(Self.household(facts: .init(placement: .scattered, father: .deceased, mother: nil)))
        }
        #expect(throws: AssessmentError.missing("养育方式 placement（institutional 机构养育 / scattered 散居）")) {
            try orphan(Self.household(facts: .init(placement: nil, father: .deceased, mother: .deceased)))
        }
        #expect(throws: AssessmentError.policy(.programmeNotConfigured(programme: "unsupportedChild", version: "510921/2021-01"))) {
            try UnsupportedChildRules().assess(AssessmentInput(household: Self.household(facts: .init(placement: nil, father: .imprisoned, mother: .outOfContact)),
                                                               month: Self.july, subject: try ResidentID(Self.child)), policy: .pengxi2021)
        }
    }

    struct UnsupportedCase: Sendable, CustomTestStringConvertible {
        var name: String
        var father: ParentSituation
        var mother: ParentSituation
        var other: [OtherSupport]
        var allowance: Money
        var components: [AmountComponent]
        var reasons: [IneligibilityReason]
        var testDescription: String { name }
    }

    /// 民发〔2019〕62号: who qualifies, and only the difference to what the child already receives, rounded once.
    @Test(arguments: [
        UnsupportedCase(name: "imprisoned + out of contact", father: .imprisoned, mother: .outOfContact, other: [], allowance: .zero,
                        components: [.init(.basic, .yuan(900))], reasons: []),
        UnsupportedCase(name: "dead + severely disabled", father: .deceased, mother: .severeDisability, other: [], allowance: .zero,
                        components: [.init(.basic, .yuan(900))], reasons: []),
        UnsupportedCase(name: "dead + capable", father: .deceased, mother: .capable, other: [], allowance: .zero,
                        components: [], reasons: [.parentsCanSupport]),
        UnsupportedCase(name: "both dead: an orphan", father: .deceased, mother: .deceased, other: [], allowance: .zero,
                        components: [], reasons: [.parentsCanSupport]),
        UnsupportedCase(name: "低保 300 per person", father: .imprisoned, mother: .missing,
                        other: [OtherSupport("低保", FenRatio(.yuan(300)))], allowance: .zero,
                        components: [.init(.difference, .yuan(600))], reasons: []),
        UnsupportedCase(name: "低保 1,000 ÷ 3 per person, rounded once", father: .imprisoned, mother: .missing,
                        other: [OtherSupport("低保", FenRatio(numerator: 100_000, denominator: 3))], allowance: .zero,
                        components: [.init(.difference, Money(fen: 56_667))], reasons: []),
        UnsupportedCase(name: "特困 520 + disability allowance 100", father: .seriousIllness, mother: .restricted,
                        other: [OtherSupport("特困", FenRatio(.yuan(520)))], allowance: .yuan(100),
                        components: [.init(.difference, .yuan(280))], reasons: []),
        UnsupportedCase(name: "receives the standard already", father: .seriousIllness, mother: .compulsoryRehab,
                        other: [OtherSupport("特困", FenRatio(.yuan(900)))], allowance: .zero,
                        components: [], reasons: [.otherSupportCoversStandard]),
    ])
    func unsupportedChild(_ c: UnsupportedCase) throws {
        let h = Self.household(facts: .init(placement: nil, father: c.father, mother: c.mother, disabilityAllowance: c.allowance))
        let d = try UnsupportedChildRules().assess(AssessmentInput(household: h, month: Self.july, subject: try ResidentID(Self.child),
                                                                   otherSupport: c.other), policy: Self.policy)
        #expect(d.components == c.components)
        #expect(d.reasons == c.reasons)
        #expect(d.monthlyBenefit == c.components.reduce(.zero) { $0 + $1.amount })
    }

    func evaluate(_ json: String) throws(AssessError) -> AssessContract.Response {
        try AssessContract.evaluate(json: Data(json.utf8), policyBook: PolicyBook([Self.policy]), defaultRegion: "510921")
    }

    /// The contract: orphans with `placement`, `parentFoundAlive`, `approved`; 事实无人抚养 with `receiving[]`;
    /// keys of another programme refused.
    @Test func throughTheContract() throws {
        let orphan = try evaluate(#"{"program":"orphan","month":"2021-07","area":"rural","members":[{"id":"\#(Self.child)","relationship":"head","placement":"institutional"}]}"#)
        #expect(orphan.monthlyBenefit == "1400.00")
        #expect(orphan.components == [.init(kind: "basic", amount: "1400.00")])
        let early = try evaluate(#"{"program":"orphan","month":"2021-07","area":"rural","approved":"2021-07-05","members":[{"id":"\#(Self.child)","relationship":"head","placement":"scattered"}]}"#)
        #expect(early.monthlyBenefit == "0.00")
        #expect(early.reasons.map(\.code) == ["NOT_STARTED"])
        let found = try evaluate(#"{"program":"orphan","month":"2021-07","area":"rural","members":[{"id":"\#(Self.child)","relationship":"head","placement":"scattered","parentFoundAlive":"2021-06-01"}]}"#)
        #expect(found.reasons.map(\.code) == ["PARENT_FOUND"])
        let difference = try evaluate(#"{"program":"unsupported-child","month":"2021-07","area":"rural","members":[{"id":"110101194408169738","relationship":"head"},{"id":"\#(Self.child)","relationship":"grandchild","subject":true,"receiving":[{"program":"dibao","monthly":"300.00"},{"program":"disability-allowance","monthly":"100.00"}]}]}"#)
        #expect(difference.components == [.init(kind: "difference", amount: "500.00")])
        #expect(throws: AssessError(member: 0, key: "members[0].selfCareFailed", value: "2", reason: "不适用于 orphan（孤儿） (does not apply to this programme)")) {
            try evaluate(#"{"program":"orphan","month":"2021-07","area":"rural","members":[{"id":"\#(Self.child)","relationship":"head","placement":"scattered","selfCareFailed":2}]}"#)
        }
        #expect(throws: AssessError(member: 0, key: "members[0].placement", value: "dispersed", reason: "应为 institutional、scattered")) {
            try evaluate(#"{"program":"orphan","month":"2021-07","area":"rural","members":[{"id":"\#(Self.child)","relationship":"head","placement":"dispersed"}]}"#)
        }
        #expect(throws: AssessError(member: 0, key: "members[0].receiving", value: "[]", reason: "只适用于被评估人 (only for the subject)")) {
            try evaluate(#"{"program":"unsupported-child","month":"2021-07","area":"rural","members":[{"id":"110101194408169738","relationship":"head","receiving":[]},{"id":"\#(Self.child)","relationship":"grandchild","subject":true}]}"#)
        }
        #expect(throws: AssessError(member: 1, key: "members[1].receiving[0].program", value: "unsupported-child",
                                    reason: "应为 dibao、tekun、orphan 或 disability-allowance（不能是所评估的项目本身）")) {
            try evaluate(#"{"program":"unsupported-child","month":"2021-07","area":"rural","members":[{"id":"110101194408169738","relationship":"head"},{"id":"\#(Self.child)","relationship":"grandchild","subject":true,"receiving":[{"program":"unsupported-child","monthly":"1.00"}]}]}"#)
        }
        // Approved before the 18th birthday: an orphan still in high school continues (the contract's `approved`).
        let continuing = try evaluate(#"{"program":"orphan","month":"2021-09","area":"rural","approved":"2019-06-01","members":[{"id":"\#(Self.turning18)","relationship":"head","placement":"scattered","student":"high-school"}]}"#)
        #expect(continuing.monthlyBenefit == "900.00")
        #expect(throws: AssessError(member: 1, key: "members[1].receiving[1].program", value: "dibao", reason: "同一项目只能填写一次，请合计为一项 (listed twice)")) {
            try evaluate(#"{"program":"unsupported-child","month":"2021-07","area":"rural","members":[{"id":"110101194408169738","relationship":"head"},{"id":"\#(Self.child)","relationship":"grandchild","subject":true,"receiving":[{"program":"dibao","monthly":"300.00"},{"program":"dibao","monthly":"300.00"}]}]}"#)
        }
        #expect(throws: AssessError(member: 0, key: "members[0].placement", value: "scattered", reason: "只适用于被评估人 (only for the subject)")) {
            try evaluate(#"{"program":"orphan","month":"2021-07","area":"rural","members":[{"id":"110101194408169738","relationship":"head","placement":"scattered"},{"id":"\#(Self.child)","relationship":"grandchild","subject":true,"placement":"scattered"}]}"#)
        }
        #expect(throws: AssessError(member: 0, key: "members[0].parentFoundAlive", value: "2000-01-01", reason: "早于本人出生日期 2010-05-01 (before birth)")) {
            try evaluate(#"{"program":"orphan","month":"2021-07","area":"rural","members":[{"id":"\#(Self.child)","relationship":"head","placement":"scattered","parentFoundAlive":"2000-01-01"}]}"#)
        }
        #expect(throws: AssessError(key: "approved", value: "2001-01-01", reason: "早于被评估人出生日期 2010-05-01 (before birth)")) {
            try evaluate(#"{"program":"orphan","month":"2021-07","area":"rural","approved":"2001-01-01","members":[{"id":"\#(Self.child)","relationship":"head","placement":"scattered"}]}"#)
        }
        #expect(throws: AssessError(key: "approved", value: "2021-07-05", reason: "不适用于 temporary（临时救助） (does not apply to this programme)")) {
            try evaluate(#"{"program":"temporary","month":"2021-07","area":"rural","approved":"2021-07-05","temporary":{"type":"emergency","months":"2"},"members":[{"id":"\#(Self.child)","relationship":"head"}]}"#)
        }
    }
}
