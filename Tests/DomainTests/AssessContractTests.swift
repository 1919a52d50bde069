import Foundation
import Testing
@testable import Domain

@Suite struct AssessContractTests {
    func evaluate(_ json: String) throws(AssessError) -> AssessContract.Response {
        try AssessContract.evaluate(json: Data(json.utf8), policyBook: .bundled, defaultRegion: "510921")
    }

    func household(income: String, area: String = "urban") -> String {
        """
        {"program":"dibao","month":"2021-07","area":"\(area)","members":[
          {"id":"110101197503149130","name":"张某甲","relationship":"head","income":[{"kind":"wage","monthly":"\(income)"}]},
          {"id":"110101197708029247","name":"李某","relationship":"spouse"},
          {"id":"110101200511209150","name":"张某乙","relationship":"child","student":"high-school"}]}
        """
    }

    /// rules.md §8 example 2 (standard 600, 3 people, income 1,000 → 800) and example 14 (per-capita 250 → 1,050),
    /// as `jiuzhu assess` answers them.
    @Test(arguments: [("1000.00", "800.00", "333.33"), ("750.00", "1050.00", "250.00"), ("900.00", "900.00", "300.00")])
    func worked(income: String, benefit: String, perCapita: String) throws {
        let r = try evaluate(household(income: income))
        #expect(r.monthlyBenefit == benefit)
        #expect(r.perCapitaIncome == perCapita)
        #expect(r.standard == "600.00")
        #expect(r.householdSize == 3)
        #expect(r.eligible)
        #expect(r.policy == "510921/2021-01")
        #expect(r.trace.contains { $0.contains("补差计算") })
    }

    /// The amount's parts (assess-format.md `components[]`): for 低保 by the gap method, one `basic` part.
    @Test func componentsSumToTheBenefit() throws {
        let r = try evaluate(household(income: "1000.00"))
        #expect(r.components == [.init(kind: "basic", amount: "800.00")])
        let none = try evaluate(household(income: "1260.00", area: "rural"))
        #expect(none.components.isEmpty)
    }

    /// Programmes not implemented yet are refused by name under the key `program`; unknown ones list the tokens.
    @Test(arguments: [("vagrant-relief", "在救助管理站办理"), ("vagrant", "应为 dibao、tekun")])
    func programmesNotAnsweredAreNamed(program: String, reason: String) {
        let json = #"{"program":"\#(program)","month":"2021-07","area":"urban","members":[{"id":"110101197503149130","relationship":"head"}]}"#
        #expect(throws: AssessError.self) { try evaluate(json) }
        do { _ = try evaluate(json) } catch {
            #expect(error.key == "program")
            #expect(error.value == program)
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }

    @Test func notEligibleCarriesReasons() throws {
        let r = try evaluate(household(income: "1260.00", area: "rural"))
        #expect(!r.eligible)
        #expect(r.monthlyBenefit == "0.00")
        #expect(r.reasons.map(\.code) == ["INCOME_AT_OR_ABOVE_STANDARD"])
    }

    @Test(arguments: [
        (#"{"program":"dibao","month":"2021-07","area":"urban","members":[{"id":"110101197503149130","relationship":"head","income":[{"kind":"wage","monthly":900}]}]}"#, "members[0].income[0].monthly"),
        (#"{"program":"dibao","month":"2021-07","area":"urban","members":[{"id":"110101199003079000","relationship":"head"}]}"#, "members[0].id"),
        (#"{"program":"dibao","month":"2021-07","area":"urban","members":[{"id":"110101197503149130","relationship":"head"},{"id":"110101197708029247","relationship":"head"}]}"#, "members[1].relationship"),
        (#"{"program":"dibao","month":"2021-07","region":"510922","area":"urban","members":[{"id":"110101197503149130","relationship":"head"}]}"#, "region"),
        (#"{"program":"dibao","month":"2020-12","area":"urban","members":[{"id":"110101197503149130","relationship":"head"}]}"#, "month"),
        (#"{"program":"dibao","month":"2021-07","area":"urban","members":[{"id":"110101197503149130","relationship":"head","disability":{"grade":true,"type":"physical"}}]}"#, "members[0].disability"),
        (#"{"program":"dibao","month":"2021-07","area":"urban","members":[{"id":"510921201006150045","relationship":"head","status":"deceased","since":"2099-01-01"}]}"#, "members[0].since"),
        (#"{"program":"dibao","month":"2021-07","area":"urban","members":[{"id":"110101197503149130","relationship":"head","disability":{"grade":2,"type":"physical","since":"2020"}}]}"#, "members[0].disability.since"),
        (#"{"program":"dibao","programme":"tekun","month":"2021-07","area":"urban","members":[{"id":"110101197503149130","relationship":"head"}]}"#, "programme"),
        (#"{"program":"dibao","month":"2021-07","area":"urban","members":[{"id":"110101197503149130","relationship":"head","placement":"dispersed"}]}"#, "members[0].placement"),
        (#"{"program":"dibao","month":"2021-07","area":"urban","members":[{"id":"110101197503149130","relationship":"head","income":[{"kind":"wage","monthy":"900.00"}]}]}"#, "members[0].income[0].monthy"),
    ] as [(String, String)])
    func invalidInputNamesTheKey(json: String, key: String) {
        do {
            _ = try evaluate(json)
            Issue.record("expected an error for \(key)")
        } catch {
            #expect(error.key == key, "\(error.description)")
        }
    }
}

/// `jiuzhu assess --policy FILE`: any region's figures, from a policy file, through the same contract.
@Suite struct AssessWithPolicyFileTests {
    /// A Zhongshan-like region: urban standard 1,100, a 440 top-up per minor, a 20 % floor.
    static let file = try! PolicyFile.parse(Data("""
        {"region": "442000", "name": "中山市（示例）", "versions": [
          {"effective": "2020-01", "dibao": {"standard": {"urban": "1100.00", "rural": "1100.00"}, "method": "gap",
            "topUps": [{"category": "minor", "amount": "440.00"}], "floorShareOfStandard": "0.20",
            "nearPovertyMultiplier": "1.5", "exemptIncome": ["scholarship"], "gradualExitMonths": 6,
            "confirmationDelegatedToTownship": false}}]}
        """.utf8))

    func evaluate(_ json: String) throws(AssessError) -> AssessContract.Response {
        try AssessContract.evaluate(json: Data(json.utf8), policyBook: PolicyBook(Self.file.versions), defaultRegion: Self.file.region)
    }

    /// rules.md §8 example 3: per-capita income 700, three members, one minor → 1,200 + 440 = 1,640.
    @Test func example3() throws {
        let r = try evaluate("""
            {"program":"dibao","month":"2020-06","area":"urban","members":[
              {"id":"110101197503149130","relationship":"head","income":[{"kind":"wage","monthly":"2100.00"}]},
              {"id":"110101197708029247","relationship":"spouse"},
              {"id":"110101200511209150","relationship":"child"}]}
            """)
        #expect(r.monthlyBenefit == "1640.00")
        #expect(r.components == [.init(kind: "basic", amount: "1200.00"), .init(kind: "top-up", amount: "440.00")])
        #expect(r.policy == "442000/2020-01")
        #expect(r.warnings.isEmpty)
    }

    /// rules.md §8 example 5 with this file's floor: per-capita 1,050 of 1,100 → 220 × 2 = 440 (gap 100).
    @Test func floorThroughTheContract() throws {
        let r = try evaluate("""
            {"program":"dibao","month":"2020-06","area":"urban","members":[
              {"id":"110101197503149130","relationship":"head","income":[{"kind":"wage","monthly":"2100.00"}]},
              {"id":"110101197708029247","relationship":"spouse"}]}
            """)
        #expect(r.monthlyBenefit == "440.00")
    }

    /// A month with no version: refused by name; a month 13+ months into a version: warned.
    @Test func monthsOutsideAndLongAfter() throws {
        let before = #expect(throws: AssessError.self) {
            try evaluate(#"{"program":"dibao","month":"2019-12","area":"urban","members":[{"id":"110101197503149130","relationship":"head"}]}"#)
        }
        #expect(before?.key == "month")
        let late = try evaluate(#"{"program":"dibao","month":"2021-01","area":"urban","members":[{"id":"110101197503149130","relationship":"head"}]}"#)
        #expect(late.warnings == ["保障标准自 2020-01 起未调整（442000/2020-01，至 2021-01 已执行 13 个月），请确认是否已有新标准 (standards unchanged since 2020-01)"])
    }
}

@Suite struct AssessDuplicateKeyTests {
    /// A key written twice is refused with its path (Foundation's parser would keep the last one).
    @Test func duplicateIncomeIsRefused() {
        let error = #expect(throws: AssessError.self) {
            try AssessContract.evaluate(json: Data(#"{"program":"dibao","month":"2021-07","area":"urban","members":[{"id":"110101197503149130","relationship":"head","income":[{"kind":"wage","monthly":"900.00","monthly":"9.00"}]}]}"#.utf8),
                                        policyBook: .bundled, defaultRegion: "510921")
        }
        #expect(error?.key == "members[0].income[0].monthly")
    }
}
