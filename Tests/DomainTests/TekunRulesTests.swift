import Foundation
import Testing
@testable import Domain

/// 特困 (rules.md §2) through `TekunRules` and the assess contract with a policy file.
@Suite struct TekunRulesTests {
    /// Hefei-like care standards (rules.md §8 example 13) on Pengxi's 2021 standards.
    static let file = try! PolicyFile.parse(Data("""
        {"region": "510921", "name": "蓬溪县（护理标准为示例）", "versions": [
          {"effective": "2021-01",
           "dibao": {"standard": {"urban": "600.00", "rural": "420.00"}, "method": "gap", "nearPovertyMultiplier": "1.5",
                     "exemptIncome": ["assistance"], "gradualExitMonths": 6, "confirmationDelegatedToTownship": false},
           "tekun": {"basic": {"urban": "780.00", "rural": "520.00"},
                     "care": {"dispersed": {"full": {"annual": "8652.00"}, "partial": {"annual": "4944.00"}, "none": {"annual": "742.00"}},
                              "centralized": {"full": {"annual": "12360.00"}, "partial": {"annual": "7416.00"}, "none": {"annual": "989.00"}}},
                     "pensionCountedInStandard": false, "minimumRatioToDibao": "1.3"}}]}
        """.utf8))
    static var policy: Policy { file.versions[0] }
    static let july = YearMonth(year: 2021, month: 7)!

    /// 孙某 of field case C02: born 1944, rural, single, no income.
    static func sun(placement: TekunPlacement? = .dispersed, failed: Int? = 0, income: [IncomeItem] = [],
                    status: MemberStatus = .active) -> HouseholdComposition {
        var m = member("110101194408169738", "孙某", .head, status: status)
        m.tekunPlacement = placement
        m.selfCareFailed = failed
        m.income = income
        return try! HouseholdComposition(area: .rural, members: [m])
    }

    func assess(_ h: HouseholdComposition, subject: String = "110101194408169738", policy: Policy = policy,
                month: YearMonth = july) throws(AssessmentError) -> BenefitDecision {
        try TekunRules().assess(AssessmentInput(household: h, month: month, subject: try! ResidentID(subject)), policy: policy)
    }

    /// rules.md §8 examples 12 and 13: the tier from the failed indicators, and the care amount from the
    /// annual standard ÷ 12 exact, rounded once with the basic standard.
    @Test(arguments: [
        (TekunPlacement.dispersed, 0, "none", "581.83"), (.dispersed, 3, "partial", "932.00"), (.dispersed, 4, "full", "1241.00"),
        (.centralized, 0, "none", "602.42"), (.centralized, 1, "partial", "1138.00"), (.centralized, 6, "full", "1550.00"),
    ])
    func careTiers(placement: TekunPlacement, failed: Int, tier: String, total: String) throws {
        #expect(CareTier(selfCareFailed: failed).rawValue == tier)
        let d = try assess(Self.sun(placement: placement, failed: failed))
        #expect(d.eligible)
        #expect(d.monthlyBenefit.yuanString == total)
        #expect(d.components.first == AmountComponent(.basic, .yuan(520)))
        #expect(d.components.reduce(Money.zero) { $0 + $1.amount } == d.monthlyBenefit)
        #expect(d.householdSize == 1)
    }

    /// The three conditions as the data shows them (TK-2021 Arts. 5, 6, 24).
    @Test func eligibility() throws {
        // 45 years old, no disability: has labour capacity.
        var m = member("110101197605051230", "钱某", .head)
        m.tekunPlacement = .dispersed
        m.selfCareFailed = 0
        let adult = try HouseholdComposition(area: .urban, members: [m])
        #expect(try assess(adult, subject: "110101197605051230").reasons == [.hasLabourCapacity])
        // Intellectual grade 3 qualifies; physical grade 3 does not.
        m.disability = Disability(grade: 3, type: .intellectual)
        #expect(try assess(try HouseholdComposition(area: .urban, members: [m]), subject: "110101197605051230").eligible)
        m.disability = Disability(grade: 3, type: .physical)
        #expect(try assess(try HouseholdComposition(area: .urban, members: [m]), subject: "110101197605051230").reasons == [.hasLabourCapacity])
        // A minor qualifies to 18; at 19 only while in high school (recognised as a minor).
        var child = member("110101200203151233", "小周", .head)
        child.tekunPlacement = .dispersed
        child.selfCareFailed = 0
        let c = try HouseholdComposition(area: .rural, members: [child])
        #expect(try assess(c, subject: "110101200203151233", month: YearMonth(year: 2020, month: 3)!).eligible)
        #expect(try assess(c, subject: "110101200203151233").reasons == [.hasLabourCapacity])
        child.schooling = .highSchool
        let inSchool = try HouseholdComposition(area: .rural, members: [child])
        // A first application at 19 does not qualify by schooling; a recognition made before 18 continues.
        let first = try assess(inSchool, subject: "110101200203151233")
        #expect(first.reasons == [.hasLabourCapacity])
        #expect(first.trace.contains { $0.detail.contains("不是成年前已认定") })
        let continued = try TekunRules().assess(AssessmentInput(household: inSchool, month: Self.july,
                                                                subject: try ResidentID("110101200203151233"),
                                                                supportedSince: YearMonth(year: 2019, month: 1)!), policy: Self.policy)
        #expect(continued.eligible)
        #expect(continued.trace.contains { $0.detail.contains("自 2019-01 起已认定") })
        // Own wage of 420 is not below the rural 低保 standard; a basic pension does not count.
        #expect(try assess(Self.sun(income: [IncomeItem(kind: .wage, period: .monthly, amount: .yuan(420))])).reasons
                == [.ownIncomeAtOrAboveStandard])
        #expect(try assess(Self.sun(income: [IncomeItem(kind: .basicPension, period: .monthly, amount: .yuan(500))])).eligible)
        // Dead people are not supported.
        #expect(try assess(Self.sun(status: .deceased)).reasons == [.subjectNotCounted])
        #expect(try assess(Self.sun(status: .deceased)).monthlyBenefit == .zero)
    }

    @Test func missingFactsAndPolicyAreRefused() throws {
        #expect(throws: AssessmentError.missing("供养方式 placement（dispersed 分散 / centralized 集中）")) {
            try assess(Self.sun(placement: nil))
        }
        #expect(throws: AssessmentError.missing("生活自理能力评估 selfCareFailed（0–6）")) { try assess(Self.sun(failed: nil)) }
        // The bundled Pengxi file has no care standards (rules.md §7: not found): refused, not guessed.
        #expect(throws: AssessmentError.policy(.careNotConfigured(placement: "dispersed", tier: "none", version: "510921/2021-01"))) {
            try assess(Self.sun(), policy: .pengxi2021)
        }
        #expect(throws: AssessmentError.subject("特困按人认定：请指定被评估的成员 (tekun assesses one member: name the subject)")) {
            try TekunRules().assess(AssessmentInput(household: Self.sun(), month: Self.july), policy: Self.policy)
        }
    }

    /// rules.md §8 example 9 (建平 2021): urban standard 1,155 including the basic pension of 120 → the
    /// treasury pays 1,035, as a negative `pension-offset` component.
    @Test func example9PensionCountedInStandard() throws {
        var p = Self.policy
        p.tekun = TekunPolicy(basic: [.urban: .yuan(1155), .rural: .yuan(875)],
                              care: [.dispersed: [.full: .monthly(.yuan(300)), .partial: .monthly(.yuan(150)), .none: .monthly(.zero)]],
                              pensionCountedInStandard: true, minimumRatioToDibao: nil)
        var m = member("110101194408169738", "孙某", .head)
        m.tekunPlacement = .dispersed
        m.selfCareFailed = 0
        m.income = [IncomeItem(kind: .basicPension, period: .monthly, amount: .yuan(120))]
        let d = try assess(try HouseholdComposition(area: .urban, members: [m]), policy: p)
        #expect(d.monthlyBenefit.yuanString == "1035.00")
        #expect(d.components == [AmountComponent(.basic, .yuan(1155)), AmountComponent(.pensionOffset, .yuan(-120))])
        // The offset is never more than the standard, and the total is rounded once: an annual pension of
        // 1,000.02 (83.335 a month) against 1,155 + 0 care leaves 1,071.665 → 1,071.67.
        m.income = [IncomeItem(kind: .basicPension, period: .monthly, amount: .yuan(5000))]
        let capped = try assess(try HouseholdComposition(area: .urban, members: [m]), policy: p)
        #expect(capped.monthlyBenefit == .zero)
        #expect(capped.components == [AmountComponent(.basic, .yuan(1155)), AmountComponent(.pensionOffset, .yuan(-1155))])
        m.income = [IncomeItem(kind: .basicPension, period: .annual, amount: try Money(yuan: "1000.02"))]
        let once = try assess(try HouseholdComposition(area: .urban, members: [m]), policy: p)
        #expect(once.monthlyBenefit.yuanString == "1071.67")
        #expect(once.components.reduce(Money.zero) { $0 + $1.amount } == once.monthlyBenefit)
    }

    /// A minor's support is held at 18 unless in the listed schooling or another ground applies.
    @Test(arguments: [("2020-02", false), ("2020-03", true)])
    func heldAt18(month: String, held: Bool) throws {
        var child = member("110101200203151233", "小周", .head)   // 18 on 2020-03-15: 17 on 03-01, 18 on 04-01
        child.tekunPlacement = .dispersed
        let m = try YearMonth(parsing: month)
        let e = PayableEnrollment(enrollmentID: "e", householdID: "h", memberID: "m", townshipCode: "t", villageCode: "v",
                                  area: .rural, components: [AmountComponent(.basic, .yuan(520))], householdSize: 1,
                                  payeeName: "小周", payeeResidentID: child.residentID, bankAccount: "1", countedMembers: 1,
                                  memberName: "小周", memberStatus: .active, member: child, month: m.next)
        #expect((TekunRules().hold(e, policy: .pengxi2021) != nil) == held)
        if held { #expect(TekunRules().hold(e, policy: .pengxi2021)?.reason.hasPrefix("AGE_18") == true) }
        child.schooling = .vocational
        var inSchool = e
        inSchool.member = child
        #expect(TekunRules().hold(inSchool, policy: .pengxi2021) == nil)
    }

    /// rules.md §8 examples 7 and 8: the 1.3 × 低保 check on standards (a warning, never a block).
    @Test(arguments: [("788.00", "1025.00", false), ("788.00", "1024.00", true), ("520.00", "680.00", false), ("520.00", "675.00", true)])
    func ratioWarning(dibao: String, tekun: String, warns: Bool) throws {
        let text = """
            {"region": "510500", "name": "示例", "versions": [{"effective": "2024-01",
              "dibao": {"standard": {"urban": "\(dibao)", "rural": "\(dibao)"}, "method": "gap", "nearPovertyMultiplier": "1.5",
                        "exemptIncome": [], "gradualExitMonths": 6, "confirmationDelegatedToTownship": false},
              "tekun": {"basic": {"urban": "\(tekun)", "rural": "\(tekun)"}, "pensionCountedInStandard": false,
                        "minimumRatioToDibao": "1.3"}}]}
            """
        let f = try PolicyFile.parse(Data(text.utf8))
        #expect(f.warnings.isEmpty == !warns)
    }

    /// The assess contract: `subject`, `placement`, `selfCareFailed` and `careTier`, as `jiuzhu assess
    /// --policy` answers them; 低保 refuses the 特困 keys.
    @Test func throughTheContract() throws {
        let book = PolicyBook(Self.file.versions)
        let r = try AssessContract.evaluate(json: Data("""
            {"program":"tekun","month":"2021-07","area":"rural","members":[
              {"id":"110101194408169738","name":"孙某","relationship":"head","placement":"centralized","selfCareFailed":4,
               "subject":true},
              {"id":"110101197605051230","name":"钱某","relationship":"child","income":[{"kind":"wage","monthly":"3000.00"}]}]}
            """.utf8), policyBook: book, defaultRegion: "510921")
        #expect(r.careTier == "full")
        #expect(r.monthlyBenefit == "1550.00")
        #expect(r.components == [.init(kind: "basic", amount: "520.00"), .init(kind: "care", amount: "1030.00")])
        #expect(r.householdSize == 1)
        let dibao = #expect(throws: AssessError.self) {
            try AssessContract.evaluate(json: Data("""
                {"program":"dibao","month":"2021-07","area":"rural","members":[
                  {"id":"110101194408169738","relationship":"head","placement":"centralized"}]}
                """.utf8), policyBook: book, defaultRegion: "510921")
        }
        #expect(dibao?.key == "members[0].placement")
        let noSubject = #expect(throws: AssessError.self) {
            try AssessContract.evaluate(json: Data("""
                {"program":"tekun","month":"2021-07","area":"rural","members":[
                  {"id":"110101194408169738","relationship":"head","placement":"dispersed","selfCareFailed":0},
                  {"id":"110101197605051230","relationship":"child"}]}
                """.utf8), policyBook: book, defaultRegion: "510921")
        }
        #expect(noSubject?.key == "members")
        let badTier = #expect(throws: AssessError.self) {
            try AssessContract.evaluate(json: Data("""
                {"program":"tekun","month":"2021-07","area":"rural","members":[
                  {"id":"110101194408169738","relationship":"head","placement":"dispersed","selfCareFailed":7}]}
                """.utf8), policyBook: book, defaultRegion: "510921")
        }
        #expect(badTier?.key == "members[0].selfCareFailed")
    }
}
