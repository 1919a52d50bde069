import Testing
@testable import Domain

@Suite struct DibaoAssessmentTests {
    struct Example: Sendable, CustomTestStringConvertible {
        let name: String
        let area: Area
        let standard: Int64
        let size: Int
        let householdIncome: String
        let benefit: String
        var testDescription: String { name }
    }

    /// rules.md §8 examples 1, 2, 4 and 14 (household income = per-capita × size where stated so).
    static let examples: [Example] = [
        Example(name: "§8 #1 standard 500, 3 people, income 700", area: .urban, standard: 500, size: 3,
                householdIncome: "700", benefit: "800.00"),
        Example(name: "§8 #2 standard 600, 3 people, income 1000", area: .urban, standard: 600, size: 3,
                householdIncome: "1000", benefit: "800.00"),
        Example(name: "§8 #4 standard 500, per-capita 400, one person", area: .urban, standard: 500, size: 1,
                householdIncome: "400", benefit: "100.00"),
        Example(name: "§8 #14 county urban 600, 3 people, per-capita 250", area: .urban, standard: 600, size: 3,
                householdIncome: "750", benefit: "1050.00"),
        Example(name: "rural 420, 2 people, no income", area: .rural, standard: 420, size: 2,
                householdIncome: "0", benefit: "840.00"),
        Example(name: "income equal to the standard is not eligible", area: .urban, standard: 600, size: 2,
                householdIncome: "1200", benefit: "0.00"),
    ]

    @Test(arguments: examples)
    func gapMethod(_ e: Example) throws {
        var members = [member(ids[0], "甲", .head, monthly: [(.wage, e.householdIncome)])]
        for i in 1..<e.size { members.append(member(ids[i], "成员\(i)", .child)) }
        let household = try HouseholdComposition(area: e.area, members: members)
        let p = e.area == .urban ? policy(urban: e.standard) : policy(rural: e.standard)
        let d = try DibaoAssessment.assess(household, month: month2021_07, policy: p)
        #expect(d.monthlyBenefit.yuanString == e.benefit)
        #expect(d.eligible == (e.benefit != "0.00"))
        #expect(d.householdSize == e.size)
    }

    /// Field case C01 (a): 900 with three members; after the spouse's death, 300 (not 600).
    @Test func fieldCaseC01a() throws {
        var members = [
            member("110101197503149130", "张某甲", .head, monthly: [(.wage, "900")]),
            member("110101197708029247", "李某", .spouse),
            member("110101200511209150", "张某乙", .child),
        ]
        let p = Policy.pengxi2021
        let before = try DibaoAssessment.assess(try HouseholdComposition(area: .urban, members: members),
                                            month: month2021_07, policy: p)
        #expect(before.monthlyBenefit.yuanString == "900.00")
        members[1].status = .deceased
        members[1].statusSince = CivilDate(year: 2021, month: 5, day: 12)
        let after = try DibaoAssessment.assess(try HouseholdComposition(area: .urban, members: members),
                                           month: month2021_07, policy: p)
        #expect(after.householdSize == 2)
        #expect(after.perCapitaIncome.roundedHalfUp().yuanString == "450.00")
        #expect(after.monthlyBenefit.yuanString == "300.00")
        #expect(after.trace.contains { $0.step == "不计入成员" && $0.detail.contains("李某") })
    }

    /// Field case C01 (b): five on file, one deceased and one moved out: size 3, 210.00 (not 1,050).
    @Test func fieldCaseC01b() throws {
        let members = [
            member(ids[0], "王某", .head, monthly: [(.business, "1050")]),
            member(ids[1], "王某甲", .spouse),
            member(ids[2], "王某乙", .child),
            member(ids[3], "赵某", .parent, status: .deceased),
            member(ids[4], "王某丙", .sibling, status: .movedOut),
        ]
        let d = try DibaoAssessment.assess(try HouseholdComposition(area: .rural, members: members),
                                       month: month2021_07, policy: .pengxi2021)
        #expect(d.householdSize == 3)
        #expect(d.perCapitaIncome.roundedHalfUp().yuanString == "350.00")
        #expect(d.monthlyBenefit.yuanString == "210.00")
    }

    @Test func exemptIncomeIsLeftOut() throws {
        let members = [member(ids[0], "甲", .head, monthly: [(.wage, "300"), (.basicPension, "120"),
                                                             (.scholarship, "50"), (.assistance, "420")])]
        let d = try DibaoAssessment.assess(try HouseholdComposition(area: .rural, members: members),
                                       month: month2021_07, policy: .pengxi2021)
        #expect(d.monthlyBenefit.yuanString == "120.00")
        #expect(d.trace.filter { $0.step == "豁免收入" }.count == 3)
    }

    /// Annual amounts are divided by 12 exactly; rounding happens once at the end.
    @Test(arguments: [
        ("1000.00", "516.67"),   // 600 − 83.333… = 516.666… → 516.67
        ("0.06", "600.00"),      // 600 − 0.005 = 599.995 → half-up 600.00
        ("0.18", "599.99"),      // 600 − 0.015 = 599.985 → 599.99
    ] as [(String, String)])
    func annualIncomeIsExact(annual: String, expected: String) throws {
        let members = [member(ids[0], "甲", .head, annual: [(.wage, annual)])]
        let d = try DibaoAssessment.assess(try HouseholdComposition(area: .urban, members: members),
                                       month: month2021_07, policy: .pengxi2021)
        #expect(d.monthlyBenefit.yuanString == expected)
    }

    /// 600 − 7199.99 / 12 = 0.000833… yuan: the gap is positive (eligible, per the contract) but rounds to 0.00.
    @Test func tinyPositiveGapRoundsToZero() throws {
        let members = [member(ids[0], "甲", .head, annual: [(.wage, "7199.99")])]
        let d = try DibaoAssessment.assess(try HouseholdComposition(area: .urban, members: members),
                                       month: month2021_07, policy: .pengxi2021)
        #expect(d.eligible)
        #expect(d.monthlyBenefit.yuanString == "0.00")
    }

    @Test func twoAnnualItemsAreSummedBeforeRounding() throws {
        // 2 × (0.06 / 12) = 0.01 exactly: 600 × 1 − 0.01 = 599.99 (rounding each item first would give 600.00).
        let members = [member(ids[0], "甲", .head, annual: [(.wage, "0.06"), (.business, "0.06")])]
        let d = try DibaoAssessment.assess(try HouseholdComposition(area: .urban, members: members),
                                       month: month2021_07, policy: .pengxi2021)
        #expect(d.monthlyBenefit.yuanString == "599.99")
    }
}

@Suite struct HouseholdCompositionTests {
    @Test func refusesASecondHead() {
        #expect(throws: RegistryError.secondHead("严某", try! ResidentID("110101198107139621"))) {
            try HouseholdComposition(area: .urban, members: [
                member("110101197902259513", "曹某", .head), member("110101198107139621", "严某", .head),
            ])
        }
    }

    @Test(arguments: ["=HYPERLINK(\"x\")", "<script>", "+1", "@x", "a\u{7}b", String(repeating: "张", count: 41), "李'四"])
    func refusesImplausibleNames(name: String) {
        #expect(throws: RegistryError.invalidName(name)) {
            try HouseholdComposition(area: .urban, members: [member(ids[0], name, .head)])
        }
    }

    @Test(arguments: ["张三", "阿依古丽·买买提", "欧阳修", "Zhang San"])
    func acceptsRealNames(name: String) throws {
        _ = try HouseholdComposition(area: .urban, members: [member(ids[0], name, .head)])
    }

    @Test func refusesNoHeadDuplicateAndNegativeIncome() {
        #expect(throws: RegistryError.noHead) {
            try HouseholdComposition(area: .urban, members: [member(ids[0], "甲", .spouse)])
        }
        #expect(throws: RegistryError.duplicateMember(try! ResidentID(ids[0]))) {
            try HouseholdComposition(area: .urban, members: [member(ids[0], "甲", .head), member(ids[0], "乙", .child)])
        }
        #expect(throws: RegistryError.self) {
            try HouseholdComposition(area: .urban, members: [member(ids[0], "甲", .head, monthly: [(.wage, "-1")])])
        }
    }
}

@Suite struct CitationTests {
    /// A decision for a month before 民发〔2021〕57号 came into force (2021-07-01) cites the 2012 measures.
    @Test func tracesCiteTheRulesInForce() throws {
        let h = try HouseholdComposition(area: .rural, members: [member(ids[0], "甲", .head, monthly: [(.wage, "100")])])
        let january = try DibaoAssessment.assess(h, month: YearMonth(year: 2021, month: 1)!, policy: .pengxi2021)
        #expect(!january.trace.contains { $0.source?.contains("民发〔2021〕57号") == true })
        #expect(january.trace.contains { $0.source?.contains("民发〔2012〕220号 第27条") == true })
        let july = try DibaoAssessment.assess(h, month: month2021_07, policy: .pengxi2021)
        #expect(july.trace.contains { $0.source?.contains("民发〔2021〕57号 第23条") == true })
    }
}

/// 分类施保 and the floor rule, policy data off by default (rules.md §1.9).
@Suite struct DibaoLocalRulesTests {
    /// rules.md §8 example 3 (Zhongshan 2020): standard 1,100, per-capita income 700, three members, one
    /// minor with a 440 top-up: 1,200, and 1,640 with the top-up, as two components.
    @Test func example3TopUpForAMinor() throws {
        var p = policy(urban: 1100)
        p.dibao!.topUps = [TopUp(category: .minor, amount: .yuan(440)), TopUp(category: .elderly, amount: .yuan(100))]
        let h = try HouseholdComposition(area: .urban, members: [
            member(ids[0], "甲", .head, monthly: [(.wage, "2100")]),
            member(ids[1], "乙", .spouse),
            member(ids[2], "丙", .child),   // born 2005-11-20: 15 in July 2021
        ])
        let d = try DibaoAssessment.assess(h, month: month2021_07, policy: p)
        #expect(d.components == [AmountComponent(.basic, .yuan(1200)), AmountComponent(.topUp, .yuan(440))])
        #expect(d.monthlyBenefit.yuanString == "1640.00")
        #expect(d.trace.contains { $0.step == "分类施保" && $0.detail.contains("丙") })
        // Without the top-up configured: 1,200.
        let plain = try DibaoAssessment.assess(h, month: month2021_07, policy: policy(urban: 1100))
        #expect(plain.monthlyBenefit.yuanString == "1200.00")
        // The child turns 18 on 2023-11-20: the top-up runs through November, not December.
        #expect(try DibaoAssessment.assess(h, month: YearMonth(year: 2023, month: 11)!, policy: p).monthlyBenefit.yuanString == "1640.00")
        #expect(try DibaoAssessment.assess(h, month: YearMonth(year: 2023, month: 12)!, policy: p).monthlyBenefit.yuanString == "1200.00")
    }

    /// rules.md §8 example 5 (derived): floor 20 % of 600, per-capita income 550, two members: 240
    /// (100 without the rule).
    @Test func example5Floor() throws {
        var p = policy(urban: 600)
        let h = try HouseholdComposition(area: .urban, members: [
            member(ids[0], "甲", .head, monthly: [(.wage, "1100")]), member(ids[1], "乙", .spouse),
        ])
        #expect(try DibaoAssessment.assess(h, month: month2021_07, policy: p).monthlyBenefit.yuanString == "100.00")
        p.dibao!.floorShareOfStandard = Ratio(20, 100)
        let d = try DibaoAssessment.assess(h, month: month2021_07, policy: p)
        #expect(d.monthlyBenefit.yuanString == "240.00")
        #expect(d.components == [AmountComponent(.basic, .yuan(240))])
        #expect(d.trace.contains { $0.step == "保底" })
        // A household at or above the standard gets nothing, floor or not.
        let rich = try HouseholdComposition(area: .urban, members: [member(ids[0], "甲", .head, monthly: [(.wage, "600")])])
        #expect(try DibaoAssessment.assess(rich, month: month2021_07, policy: p).monthlyBenefit == .zero)
    }

    /// A member in two categories gets the highest top-up once (就高不重复, docs/adr/0009).
    @Test func highestTopUpOnly() throws {
        var p = policy(urban: 600)
        p.dibao!.topUps = [TopUp(category: .elderly, amount: .yuan(60)), TopUp(category: .seriouslyIll, amount: .yuan(90))]
        var old = member("110101194001011234", "老", .head)
        old.seriousIllness = true
        let d = try DibaoAssessment.assess(try HouseholdComposition(area: .urban, members: [old]), month: month2021_07, policy: p)
        #expect(d.components == [AmountComponent(.basic, .yuan(600)), AmountComponent(.topUp, .yuan(90))])
    }

    @Test func versionWithoutDibaoIsRefused() throws {
        var p = Policy.pengxi2021
        p.dibao = nil
        let h = try HouseholdComposition(area: .urban, members: [member(ids[0], "甲", .head)])
        #expect(throws: AssessmentError.policy(.programmeNotConfigured(programme: "dibao", version: "510921/2021-01"))) {
            try DibaoAssessment.assess(h, month: month2021_07, policy: p)
        }
    }
}
