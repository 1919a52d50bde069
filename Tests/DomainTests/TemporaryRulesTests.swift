import Foundation
import Testing
@testable import Domain

/// 临时救助 (rules.md §3) through `TemporaryRules` and the assess contract with a policy file.
@Suite struct TemporaryRulesTests {
    /// Huichang 2023 (rules.md §8 example 10): urban 低保 885; emergency 2–4, expenditure 5–12 (per capita
    /// as in Longhua, example 11, when asked), special 12–48 months; township up to 2 months; yearly cap
    /// 5,300 (field case C07).
    static func file(urban: String = "885.00", perCapita: Bool = false, cap: String? = "5300.00") -> PolicyFile {
        try! PolicyFile.parse(Data("""
            {"region": "360733", "name": "示例县", "versions": [{"effective": "2023-01",
              "dibao": {"standard": {"urban": "\(urban)", "rural": "\(urban)"}, "method": "gap", "nearPovertyMultiplier": "1.5",
                        "exemptIncome": [], "gradualExitMonths": 6, "confirmationDelegatedToTownship": false},
              "temporary": {"base": "urban-dibao", "types": {
                  "emergency": {"minMonths": "2", "maxMonths": "4"},
                  "expenditure": {"minMonths": "\(perCapita ? "2" : "5")", "maxMonths": "12", "perCapita": \(perCapita)},
                  "special": {"minMonths": "12", "maxMonths": "48"}},
                "townshipLimit": {"months": "2"}\(cap.map { #", "yearlyCap": {"amount": "\#($0)"}"# } ?? "")}}]}
            """.utf8))
    }

    func evaluate(_ file: PolicyFile, type: String, size: String, members: Int = 1, granted: String? = nil) throws(AssessError) -> AssessContract.Response {
        let ids = ["110101197503149130", "110101197708029247", "110101200511209150"]
        let people = (0..<members).map { #"{"id":"\#(ids[$0])","relationship":"\#($0 == 0 ? "head" : "child")"}"# }
            .joined(separator: ",")
        let g = granted.map { #", "grantedThisYear": "\#($0)""# } ?? ""
        return try AssessContract.evaluate(json: Data("""
            {"program":"temporary","month":"2023-06","area":"urban","temporary":{"type":"\(type)", \(size)\(g)},
             "members":[\(people)]}
            """.utf8), policyBook: PolicyBook(file.versions), defaultRegion: file.region)
    }

    /// rules.md §8 example 10: the ranges in months of 885.
    @Test(arguments: [("emergency", "1770.00", "3540.00"), ("expenditure", "4425.00", "10620.00"), ("special", "10620.00", "42480.00")])
    func example10Ranges(type: String, min: String, max: String) throws {
        let r = try evaluate(Self.file(cap: nil), type: type, size: #""months": "12""#)
        #expect(r.range == .init(min: min, max: max))
    }

    /// rules.md §8 example 11 (derived): per capita 600 × 4 months × 3 persons = 7,200; range 3,600–21,600;
    /// the township approves up to 2 months of the standard (1,200), so the county approves this one.
    @Test func example11PerCapita() throws {
        let r = try evaluate(Self.file(urban: "600.00", perCapita: true, cap: nil), type: "expenditure", size: #""months": "4""#, members: 3)
        #expect(r.oneOffAmount == "7200.00")
        #expect(r.range == .init(min: "3600.00", max: "21600.00"))
        #expect(r.approver == "county")
        #expect(r.monthlyBenefit == "0.00")
        #expect(r.eligible)
        // Exactly the township limit (2 months × 600) is still the township's.
        let small = try evaluate(Self.file(urban: "600.00", cap: nil), type: "emergency", size: #""amount": "1200.00""#)
        #expect(small.eligible)
        #expect(small.approver == "township")
    }

    /// Field case C07: the yearly cap is a ceiling on the sum, never the amount: 1,800 stays 1,800; 2,000
    /// after 4,000 becomes 1,300 (CAPPED); 6,000 becomes 5,300 (CAPPED); total 8,400.
    @Test func fieldCaseC07() throws {
        let f = Self.file(urban: "600.00")
        let a = try evaluate(f, type: "emergency", size: #""amount": "1800.00""#)
        let b = try evaluate(f, type: "emergency", size: #""amount": "2000.00""#, granted: "4000.00")
        let c = try evaluate(f, type: "special", size: #""amount": "7200.00""#, granted: "0")
        #expect(a.oneOffAmount == "1800.00")
        #expect(a.flags == [])
        #expect(b.oneOffAmount == "1300.00")
        #expect(b.flags == ["CAPPED"])
        #expect(c.oneOffAmount == "5300.00")
        #expect(c.flags == ["CAPPED"])
        let total = try [a, b, c].map { try Money(yuan: try #require($0.oneOffAmount)) }.reduce(Money.zero, +)
        #expect(total.yuanString == "8400.00")
        // The cap used up: refused with its reason.
        let d = try evaluate(f, type: "emergency", size: #""amount": "1800.00""#, granted: "5300.00")
        #expect(d.eligible == false)
        #expect(d.reasons.map(\.code) == ["YEARLY_CAP_REACHED"])
        #expect(d.oneOffAmount == "0.00")
    }

    /// Outside the range is refused with the range named, never clamped; the township approves small grants.
    @Test func rangeAndApprover() throws {
        let f = Self.file(urban: "600.00", cap: nil)
        let over = try evaluate(f, type: "emergency", size: #""months": "5""#)
        #expect(over.eligible == false)
        #expect(over.reasons.map(\.code) == ["OUTSIDE_RANGE"])
        #expect(over.oneOffAmount == "0.00")
        let township = try evaluate(f, type: "emergency", size: #""months": "2""#)
        #expect(township.oneOffAmount == "1200.00")
        #expect(township.approver == "township")
    }

    @Test func contractKeys() {
        let f = Self.file()
        let missing = #expect(throws: AssessError.self) {
            try AssessContract.evaluate(json: Data(#"{"program":"temporary","month":"2023-06","area":"urban","members":[{"id":"110101197503149130","relationship":"head"}]}"#.utf8),
                                        policyBook: PolicyBook(f.versions), defaultRegion: f.region)
        }
        #expect(missing?.key == "temporary")
        let notForDibao = #expect(throws: AssessError.self) {
            try AssessContract.evaluate(json: Data(#"{"program":"dibao","month":"2023-06","area":"urban","temporary":{"type":"emergency","months":"2"},"members":[{"id":"110101197503149130","relationship":"head"}]}"#.utf8),
                                        policyBook: PolicyBook(f.versions), defaultRegion: f.region)
        }
        #expect(notForDibao?.key == "temporary")
        let both = #expect(throws: AssessError.self) { try evaluate(f, type: "emergency", size: #""months": "2", "amount": "1200.00""#) }
        #expect(both?.key == "temporary")
        let badType = #expect(throws: AssessError.self) { try evaluate(f, type: "urgent", size: #""months": "2""#) }
        #expect(badType?.key == "temporary.type")
    }
}
