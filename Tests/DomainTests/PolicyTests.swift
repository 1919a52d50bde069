import Foundation
import Testing
@testable import Domain

@Suite struct PolicyTests {
    @Test func pengxi2021FromJanuary() throws {
        let p = try PolicyBook.bundled.policy(region: "510921", month: YearMonth(parsing: "2021-07"))
        #expect(p.version == "510921/2021-01")
        #expect(p.regionName == "蓬溪县")
        let dibao = try p.dibaoPolicy()
        #expect(dibao.standard(for: .urban).yuanString == "600.00")
        #expect(dibao.standard(for: .rural).yuanString == "420.00")
        #expect(p.tekun?.basic(for: .rural).yuanString == "520.00")
        #expect(p.orphan?.institutional.yuanString == "1400.00")
        #expect(p.orphan?.scattered.yuanString == "900.00")
        #expect(p.orphan?.continueWhileInSchool == [.highSchool, .vocational])
        #expect(!p.confirmationDelegatedToTownship)
        #expect(p.signed == nil)
        #expect(p.temporary == nil)
    }

    /// The bundled Swift literal is exactly the file in ReferenceData (regenerate with
    /// scripts/gen-reference-data.py after editing the file).
    @Test func bundledTextIsTheReferenceFile() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../ReferenceData/policy-510921.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(PolicyBook.bundledPolicyText == [text.trimmingCharacters(in: .newlines)])
    }

    @Test func noPolicyBeforeJanuary2021() throws {
        let dec = try YearMonth(parsing: "2020-12")
        #expect(throws: PolicyError.noPolicyInForce(region: "510921", month: dec)) {
            try PolicyBook.bundled.policy(region: "510921", month: dec)
        }
        #expect(throws: PolicyError.noPolicyInForce(region: "510922", month: dec.next)) {
            try PolicyBook.bundled.policy(region: "510922", month: dec.next)
        }
    }

    /// rules.md §8 example 16: near-poverty lines 630 (rural) and 900 (urban).
    @Test func nearPovertyLines() throws {
        let d = try Policy.pengxi2021.dibaoPolicy()
        #expect(d.nearPovertyLine(for: .rural).roundedHalfUp().yuanString == "630.00")
        #expect(d.nearPovertyLine(for: .urban).roundedHalfUp().yuanString == "900.00")
    }

    /// rules.md §8 example 15: urban 780 = 1.3 × 600 passes; rural 520 < 546 is a warning.
    @Test func tekunRatioWarning() {
        let w = Policy.pengxi2021.warnings
        #expect(w == [.tekunBelowRatio(version: "510921/2021-01", area: .rural, tekun: .yuan(520), dibao: .yuan(420),
                                       ratio: Ratio(13, 10), minimum: Money(fen: 54_600))])
        #expect(w.first?.message.contains("546.00") == true)
        #expect(PolicyBook.bundledFiles[0].warnings == w)
    }

    @Test func deadlinesDependOnDelegation() {
        var p = Policy.pengxi2021
        #expect(p.totalDeadlineWorkingDays(extended: false) == 30)
        #expect(p.totalDeadlineWorkingDays(extended: true) == 45)
        p.dibao!.confirmationDelegatedToTownship = true
        #expect(p.totalDeadlineWorkingDays(extended: true) == 20)
    }

    @Test func laterVersionWins() throws {
        var p2 = Policy.pengxi2021
        p2.effective = try YearMonth(parsing: "2021-12")
        p2.dibao!.standard[.urban] = .yuan(615)
        let book = PolicyBook([.pengxi2021, p2])
        #expect(try book.policy(region: "510921", month: YearMonth(parsing: "2021-11")).dibaoPolicy().standard(for: .urban) == .yuan(600))
        #expect(try book.policy(region: "510921", month: YearMonth(parsing: "2022-03")).dibaoPolicy().standard(for: .urban) == .yuan(615))
    }

    /// A version in force for more than 12 months is said so: 2021-12 is its 12th month, 2022-01 its 13th.
    @Test(arguments: [("2021-12", nil), ("2022-01", 13), ("2026-11", 71)] as [(String, Int?)])
    func unchangedSince(month: String, months: Int?) throws {
        let m = try YearMonth(parsing: month)
        let w = PolicyBook.bundled.unchangedWarning(region: "510921", month: m)
        #expect(w == months.map { .unchangedSince(version: "510921/2021-01", effective: YearMonth(year: 2021, month: 1)!,
                                                  month: m, months: $0) })
        if months != nil { #expect(w?.message.contains("standards unchanged since 2021-01") == true) }
    }

    /// The national basic-pension exemption is limited to the 14th Five-Year Plan (2021–2025): data with
    /// its months. In 2026 the same pension is counted, and the trace says why.
    @Test func basicPensionExemptionEndsWith2025() throws {
        let h = try HouseholdComposition(area: .rural, members: [
            member(ids[0], "甲", .head, monthly: [(.basicPension, "120"), (.wage, "100")]),
        ])
        let dec2025 = try DibaoAssessment.assess(h, month: YearMonth(year: 2025, month: 12)!, policy: .pengxi2021)
        #expect(dec2025.monthlyBenefit.yuanString == "320.00")
        #expect(dec2025.trace.contains { $0.step == "豁免收入" && $0.detail.contains("2021-01 至 2025-12") })
        let jan2026 = try DibaoAssessment.assess(h, month: YearMonth(year: 2026, month: 1)!, policy: .pengxi2021)
        #expect(jan2026.monthlyBenefit.yuanString == "200.00")
        #expect(jan2026.trace.contains { $0.step == "计入收入" && $0.detail.contains("不含本月") })
    }
}

/// The policy file (docs/policy-format.md): what is accepted, and each refusal naming version and key.
@Suite struct PolicyFileTests {
    static let good = """
    {"region": "510921", "name": "蓬溪县", "versions": [
      {"effective": "2021-01", "signed": "2020-12-28", "document": "蓬府发〔2020〕1号",
       "dibao": {"standard": {"urban": "600.00", "rural": "420.00"}, "method": "gap",
                 "topUps": [{"category": "minor", "amount": "440.00"}], "floorShareOfStandard": "0.20",
                 "nearPovertyMultiplier": "1.5", "exemptIncome": ["scholarship",
                 {"kind": "basic-pension", "from": "2021-01", "through": "2025-12"}],
                 "gradualExitMonths": 6, "confirmationDelegatedToTownship": false},
       "tekun": {"basic": {"urban": "780.00", "rural": "520.00"},
                 "care": {"dispersed": {"full": {"annual": "8652.00"}, "partial": {"annual": "4944.00"}, "none": {"annual": "742.00"}}},
                 "pensionCountedInStandard": false, "minimumRatioToDibao": "1.3"},
       "temporary": {"base": "urban-dibao", "types": {"emergency": {"minMonths": "2", "maxMonths": "4"},
                     "expenditure": {"minMonths": "5", "maxMonths": "12", "perCapita": false}},
                     "townshipLimit": {"months": "2"}},
       "orphan": {"institutional": "1400.00", "scattered": "900.00", "continueWhileInSchool": ["high-school"]},
       "unsupportedChild": {"amount": "900.00"}, "reliefStation": {"maxStayDays": 10},
       "payment": {"dueDay": 15, "sharedContactHouseholds": 6},
       "funds": {"idleMonths": 9, "costSharing": [{"programme": "temporary", "shares": {"city": "0.5", "county": "0.5"}}]}},
      {"effective": "2022-01", "dibao": {"standard": {"urban": "620.00", "rural": "410.00"}, "method": "gap",
                 "nearPovertyMultiplier": "1.5", "exemptIncome": [], "gradualExitMonths": 6,
                 "confirmationDelegatedToTownship": true}}
    ]}
    """

    @Test func everySectionParses() throws {
        let f = try PolicyFile.parse(Data(Self.good.utf8))
        #expect(f.region == "510921")
        #expect(f.versions.map(\.version) == ["510921/2021-01", "510921/2022-01"])
        let v = f.versions[0]
        #expect(v.signed == CivilDate(year: 2020, month: 12, day: 28))
        #expect(v.document == "蓬府发〔2020〕1号")
        #expect(v.dibao?.topUps == [TopUp(category: .minor, amount: .yuan(440))])
        #expect(v.dibao?.floorShareOfStandard?.description == "0.20")
        #expect(v.tekun?.care[.dispersed]?[.none]?.monthly.roundedHalfUp().yuanString == "61.83")
        #expect(v.tekun?.care[.centralized] == nil)
        #expect(v.tekun?.careSummary == "分散供养 全护理 8652.00 元/年 ÷ 12、半护理 4944.00 元/年 ÷ 12、全自理 742.00 元/年 ÷ 12")
        #expect(v.temporary?.types[.emergency] == .init(minMonths: Ratio(2, 1), maxMonths: Ratio(4, 1), perCapita: false))
        #expect(v.temporary?.townshipLimit == .months(Ratio(2, 1)))
        #expect(v.unsupportedChild?.amount == .yuan(900))
        #expect(v.reliefStation?.maxStayDays == 10)
        #expect(v.payment == PaymentPolicy(dueDay: 15, sharedContactHouseholds: 6, accountChangeHoldDays: 15))
        #expect(v.funds == FundsPolicy(idleMonths: 9, costSharing: [.temporary: [.city: Ratio(5, 10), .county: Ratio(5, 10)]]))
        // Absent sections: the documented defaults.
        #expect(f.versions[1].payment == PaymentPolicy(dueDay: 10, sharedContactHouseholds: 5, accountChangeHoldDays: 15))
        #expect(f.versions[1].funds == FundsPolicy(idleMonths: 12, costSharing: [:]))
        #expect(f.versions[1].tekun == nil)
        #expect(f.versions[1].confirmationDelegatedToTownship)
        // Rural 410 after 420: accepted with a warning, as is rural 特困 below 1.3 × 低保.
        #expect(f.warnings.contains(.standardLowered(version: "510921/2022-01", key: "dibao.standard.rural",
                                                     previous: .yuan(420), now: .yuan(410))))
        // …and every programme the 2022 version leaves out is named.
        #expect(f.warnings.count == 7)
        #expect(f.warnings.filter { if case .programmeDropped = $0 { return true } else { return false } }.count == 5)
        // What is stored parses back to the same versions.
        let again = try PolicyFile.parse(Data(PolicyFile.fileText(region: f.region, name: f.name,
                                                                   versionBodies: f.versionBodies).utf8))
        #expect(again.versions == f.versions)
        #expect(again.versionBodies == f.versionBodies)
    }

    /// rules.md §8 example 13: annual care standards ÷ 12, rounded only at the end.
    @Test func annualCareAmounts() throws {
        let f = try PolicyFile.parse(Data(Self.good.utf8))
        let care = try #require(f.versions[0].tekun?.care[.dispersed])
        #expect(care[.full]?.monthly.roundedHalfUp().yuanString == "721.00")
        #expect(care[.partial]?.monthly.roundedHalfUp().yuanString == "412.00")
        #expect(care[.none]?.monthly == FenRatio(numerator: 74_200, denominator: 12))
    }

    struct Refusal: CustomTestStringConvertible, Sendable {
        let change: (String, String)
        let version: String?
        let key: String
        var testDescription: String { key }
    }

    static let refusals: [Refusal] = [
        .init(change: (#""method": "gap","#, #""method": "gap", "standrad": {},"#), version: "2021-01", key: "versions[0].dibao.standrad"),
        .init(change: (#""region": "510921""#, #""region": "5109""#), version: nil, key: "region"),
        .init(change: (#""effective": "2022-01""#, #""effective": "2021-01""#), version: "2021-01", key: "versions[1].effective"),
        .init(change: (#""effective": "2022-01""#, #""effective": "2020-06""#), version: "2020-06", key: "versions[1].effective"),
        .init(change: (#""urban": "600.00""#, #""urban": "0.00""#), version: "2021-01", key: "versions[0].dibao.standard.urban"),
        .init(change: (#""urban": "600.00""#, #""urban": 600"#), version: "2021-01", key: "versions[0].dibao.standard.urban"),
        .init(change: (#""urban": "600.00""#, #""urban": "600.005""#), version: "2021-01", key: "versions[0].dibao.standard.urban"),
        .init(change: (#""rural": "420.00"}, "method""#, #""rural": "-1.00"}, "method""#), version: "2021-01", key: "versions[0].dibao.standard.rural"),
        .init(change: (#""minMonths": "5""#, #""minMonths": "13""#), version: "2021-01", key: "versions[0].temporary.types.expenditure.minMonths"),
        .init(change: (#", "none": {"annual": "742.00"}"#, ""), version: "2021-01", key: "versions[0].tekun.care.dispersed"),
        .init(change: (#""method": "gap","#, #""method": "banded","#), version: "2021-01", key: "versions[0].dibao.method"),
        .init(change: (#""category": "minor""#, #""category": "single-parent""#), version: "2021-01", key: "versions[0].dibao.topUps[0].category"),
        .init(change: (#""floorShareOfStandard": "0.20""#, #""floorShareOfStandard": "1.2""#), version: "2021-01", key: "versions[0].dibao.floorShareOfStandard"),
        .init(change: (#""gradualExitMonths": 6, "confirmationDelegatedToTownship": false"#, #""gradualExitMonths": "6", "confirmationDelegatedToTownship": false"#), version: "2021-01", key: "versions[0].dibao.gradualExitMonths"),
        .init(change: (#""confirmationDelegatedToTownship": false"#, #""confirmationDelegatedToTownship": 0"#), version: "2021-01", key: "versions[0].dibao.confirmationDelegatedToTownship"),
        .init(change: (#""through": "2025-12""#, #""through": "2020-12""#), version: "2021-01", key: "versions[0].dibao.exemptIncome[1]"),
        .init(change: (#"["scholarship","#, #"["scholarship", "scholarship","#), version: "2021-01", key: "versions[0].dibao.exemptIncome[1]"),
        .init(change: (#""signed": "2020-12-28""#, #""signed": "2020-13-28""#), version: "2021-01", key: "versions[0].signed"),
        .init(change: (#""townshipLimit": {"months": "2"}"#, #""townshipLimit": {"months": "2", "amount": "1200.00"}"#), version: "2021-01", key: "versions[0].temporary.townshipLimit"),
        .init(change: (#""maxStayDays": 10"#, #""maxStayDays": 0"#), version: "2021-01", key: "versions[0].reliefStation.maxStayDays"),
        .init(change: (#""continueWhileInSchool": ["high-school"]"#, #""continueWhileInSchool": ["college"]"#), version: "2021-01", key: "versions[0].orphan.continueWhileInSchool[0]"),
        .init(change: (#""nearPovertyMultiplier": "1.5", "exemptIncome": ["scholarship""#, #""exemptIncome": ["scholarship""#), version: "2021-01", key: "versions[0].dibao.nearPovertyMultiplier"),
        .init(change: (#""reliefStation": {"maxStayDays": 10},"#, #""reliefStation": {"maxStayDays": 10}, "dibo": {},"#), version: "2021-01", key: "versions[0].dibo"),
        .init(change: (#""dueDay": 15"#, #""dueDay": 32"#), version: "2021-01", key: "versions[0].payment.dueDay"),
        .init(change: (#""dueDay": 15"#, #""dueday": 15"#), version: "2021-01", key: "versions[0].payment.dueday"),
        .init(change: (#""county": "0.5""#, #""county": "0.4""#), version: "2021-01", key: "versions[0].funds.costSharing[0].shares"),
        .init(change: (#""city": "0.5""#, #""town": "0.5""#), version: "2021-01", key: "versions[0].funds.costSharing[0].shares.town"),
        .init(change: (#"{"programme": "temporary""#, #"{"programme": "temporary", "shares": {"county": "1"}}, {"programme": "temporary""#), version: "2021-01", key: "versions[0].funds.costSharing[1]"),
        // Found by the adversarial pass: overflow, duplicates, lenient strings, counted income exempted.
        .init(change: (#""minMonths": "2", "maxMonths": "4""#, #""minMonths": "999999999.999999", "maxMonths": "999999999.999998""#), version: "2021-01", key: "versions[0].temporary.types.emergency.minMonths"),
        .init(change: (#""minimumRatioToDibao": "1.3""#, #""minimumRatioToDibao": "99999.9""#), version: "2021-01", key: "versions[0].tekun.minimumRatioToDibao"),
        .init(change: (#""urban": "600.00", "rural": "420.00""#, #""urban": "600.00", "urban": "6000.00", "rural": "420.00""#), version: nil, key: "versions[0].dibao.standard.urban"),
        .init(change: (#""region": "510921""#, #""region": "510921", "region": "510922""#), version: nil, key: "region"),
        .init(change: (#""urban": "600.00""#, #""urban": "+600""#), version: "2021-01", key: "versions[0].dibao.standard.urban"),
        .init(change: (#""urban": "600.00""#, #""urban": " 600""#), version: "2021-01", key: "versions[0].dibao.standard.urban"),
        .init(change: (#""urban": "600.00""#, #""urban": "1,600.00""#), version: "2021-01", key: "versions[0].dibao.standard.urban"),
        .init(change: (#""effective": "2021-01""#, #""effective": " 2021-01""#), version: nil, key: "versions[0].effective"),
        .init(change: (#"["scholarship","#, #"["wage", "scholarship","#), version: "2021-01", key: "versions[0].dibao.exemptIncome[0]"),
        .init(change: (#""region": "510921""#, #""region": "000000""#), version: nil, key: "region"),
        .init(change: (#""name": "蓬溪县""#, #""name": " ""#), version: nil, key: "name"),
        .init(change: (#""document": "蓬府发〔2020〕1号""#, #""document": "蓬府发\u0000〔2020〕1号""#), version: "2021-01", key: "versions[0].document"),
        // 特困's standard including income (§8 example 9) and the centralised basic standard (§8 example 7).
        .init(change: (#""pensionCountedInStandard": false,"#, #""pensionCountedInStandard": false, "incomeInStandard": ["basic-pension"],"#),
              version: "2021-01", key: "versions[0].tekun.incomeInStandard[0]"),
        .init(change: (#""pensionCountedInStandard": false,"#, #""pensionCountedInStandard": false, "incomeInStandard": ["property", "property"],"#),
              version: "2021-01", key: "versions[0].tekun.incomeInStandard[1]"),
        .init(change: (#""pensionCountedInStandard": false,"#, #""pensionCountedInStandard": false, "incomeInStandard": ["land"],"#),
              version: "2021-01", key: "versions[0].tekun.incomeInStandard[0]"),
        .init(change: (#""tekun": {"basic": {"urban": "780.00", "rural": "520.00"},"#, #""tekun": {"basic": {"urban": "780.00", "rural": "520.00"}, "basicCentralized": {"rural": "600.00"},"#),
              version: "2021-01", key: "versions[0].tekun.basicCentralized.urban"),
    ]

    @Test(arguments: refusals)
    func refusedNamingVersionAndKey(_ r: Refusal) throws {
        #expect(Self.good.contains(r.change.0), "the test's change must apply")
        let bad = Self.good.replacingOccurrences(of: r.change.0, with: r.change.1)
        let error = #expect(throws: PolicyFileError.self) { try PolicyFile.parse(Data(bad.utf8)) }
        #expect(error?.key == r.key)
        #expect(error?.version == r.version)
    }

    /// A programme missing from a later version is warned about (it can no longer be paid from then).
    @Test func droppedProgrammeWarns() throws {
        let dropped = Self.good.replacingOccurrences(of: #"{"effective": "2022-01", "dibao""#, with: #"{"effective": "2022-01", "orphan": {"institutional": "1400.00", "scattered": "900.00", "continueWhileInSchool": []}, "dibao""#)
        #expect(dropped != Self.good)
        let f = try PolicyFile.parse(Data(dropped.utf8))
        #expect(f.warnings.contains(.programmeDropped(version: "510921/2022-01", programme: .tekun)))
        #expect(!f.warnings.contains(.programmeDropped(version: "510921/2022-01", programme: .orphan)))
    }

    /// Export writes keys in reading order and a key that differs is named with both values.
    @Test func prettyOrderAndDifference() throws {
        let f = try PolicyFile.parse(Data(Self.good.utf8))
        let pretty = PolicyFile.prettyText(region: f.region, name: f.name, versionBodies: f.versionBodies)
        let effective = try #require(pretty.range(of: "\"effective\""))
        let dibao = try #require(pretty.range(of: "\"dibao\""))
        #expect(effective.lowerBound < dibao.lowerBound)
        #expect(pretty.hasPrefix("{\n  \"region\": \"510921\""))
        #expect(try PolicyFile.parse(Data(pretty.utf8)).versions == f.versions)
        let changed = try PolicyFile.parse(Data(Self.good.replacingOccurrences(of: #""urban": "600.00""#, with: #""urban": "650.00""#).utf8))
        let d = try #require(PolicyFile.firstDifference(stored: f.versionBodies[0], new: changed.versionBodies[0]))
        #expect(d.path == "dibao.standard.urban")
        #expect(d.old == "600.00")
        #expect(d.new == "650.00")
        #expect(PolicyFile.firstDifference(stored: f.versionBodies[0], new: f.versionBodies[0]) == nil)
    }

    @Test func temporaryNeedsDibaoInTheSameVersion() throws {
        let bad2 = Self.good.replacingOccurrences(of: #"{"effective": "2022-01", "dibao": {"standard": {"urban": "620.00", "rural": "410.00"}, "method": "gap","#,
                                                  with: #"{"effective": "2022-01", "temporary": {"base": "urban-dibao", "types": {"special": {"minMonths": "12", "maxMonths": "48"}}, "townshipLimit": {"amount": "1200.00"}}, "orphan": {"standard": {"urban": "620.00", "rural": "410.00"}, "method": "gap","#)
        #expect(bad2 != Self.good)
        // The version has no dibao (its figures moved under an unknown orphan key, refused later).
        let error2 = #expect(throws: PolicyFileError.self) { try PolicyFile.parse(Data(bad2.utf8)) }
        #expect(error2?.key == "versions[1].temporary")
    }

    @Test func notJSON() {
        let error = #expect(throws: PolicyFileError.self) { try PolicyFile.parse(Data("{".utf8)) }
        #expect(error?.key == "(file)")
        #expect(error?.reason.hasPrefix("不是有效的 JSON") == true)
    }
}
