import Foundation
import Testing
@testable import Domain

/// 单人保 (DB-2021 Art. 8; Notice-2022 §1(1)) through the assess contract, on the bundled Pengxi policy:
/// urban standard 600, near-poverty line 1.5 × 600 = 900 per person.
@Suite struct IndividualInclusionTests {
    func evaluate(_ json: String) throws(AssessError) -> AssessContract.Response {
        try AssessContract.evaluate(json: Data(json.utf8), policyBook: .bundled, defaultRegion: "510921")
    }

    /// A household of three: the head earns `wage`; the spouse has `spouse` (a member key fragment) and is
    /// the subject; a child.
    func household(wage: String, spouse: String, spouseIncome: String? = nil) -> String {
        let income = spouseIncome.map { #","income":[{"kind":"transfer","monthly":"\#($0)"}]"# } ?? ""
        return """
            {"program":"dibao","month":"2021-07","area":"urban","members":[
              {"id":"110101198001011232","name":"刘某","relationship":"head","income":[{"kind":"wage","monthly":"\(wage)"}]},
              {"id":"110101198202021242","name":"陈某","relationship":"spouse","subject":true\(spouse)\(income)},
              {"id":"110101200803031251","name":"刘小","relationship":"child"}]}
            """
    }

    @Test(arguments: [
        // Per capita 800: not eligible whole, below 900; grade 2 physical → 600 − 0 as one person.
        ("2400.00", #","disability":{"grade":2,"type":"physical"}"#, nil, "600.00", [String]()),
        // Her own transfer income of 200 counts: 600 − 200.
        ("2400.00", #","disability":{"grade":1,"type":"visual"}"#, "200.00", "400.00", []),
        ("2400.00", #","disability":{"grade":3,"type":"intellectual"}"#, nil, "600.00", []),
        ("2400.00", #","seriousIllness":true"#, nil, "600.00", []),
        // Grade 3 physical is not a ground.
        ("2400.00", #","disability":{"grade":3,"type":"physical"}"#, nil, "0.00", ["NOT_INDIVIDUAL_CATEGORY"]),
        // Per capita 500 < 600: the whole household qualifies and is enrolled whole.
        ("1500.00", #","disability":{"grade":2,"type":"physical"}"#, nil, "0.00", ["HOUSEHOLD_ELIGIBLE"]),
        // Per capita 2,700 / 3 = 900: not below the near-poverty line.
        ("2700.00", #","disability":{"grade":2,"type":"physical"}"#, nil, "0.00", ["NOT_NEAR_POVERTY"]),
        // A member who died before the month is refused as not counted, whatever the household.
        ("2700.00", #","disability":{"grade":2,"type":"physical"},"status":"deceased","since":"2021-05-01""#, nil, "0.00", ["SUBJECT_NOT_COUNTED"]),
    ] as [(String, String, String?, String, [String])])
    func singleMember(wage: String, spouse: String, income: String?, benefit: String, reasons: [String]) throws {
        let r = try evaluate(household(wage: wage, spouse: spouse, spouseIncome: income))
        #expect(r.monthlyBenefit == benefit)
        #expect(r.reasons.map(\.code) == reasons)
        #expect(r.eligible == reasons.isEmpty)
        // Granted: a single-person household; refused: the household that was assessed.
        #expect(r.householdSize == (reasons.isEmpty ? 1 : (reasons == ["SUBJECT_NOT_COUNTED"] ? 2 : 3)))
        if reasons.isEmpty {
            #expect(r.trace.first == "单人保：陈某（110101************）单独申请（民发〔2021〕57号 第8条；民发〔2022〕83号 第一部分第（一）项）")
        }
    }

    /// Without a marked member 低保 assesses the household as before; two marked members are refused.
    @Test func subjectIsOptionalAndSingle() throws {
        let whole = try evaluate(household(wage: "1500.00", spouse: "").replacingOccurrences(of: #","subject":true"#, with: ""))
        #expect((whole.householdSize, whole.monthlyBenefit) == (3, "300.00"))
        let two = household(wage: "2400.00", spouse: "").replacingOccurrences(of: #""relationship":"child""#, with: #""relationship":"child","subject":true"#)
        #expect(throws: AssessError.self) { try evaluate(two) }
        do { _ = try evaluate(two) } catch { #expect(error.key == "members[2].subject") }
    }

    /// Payroll holds a 单人保 member who no longer counts, and pays one who does (never compared with the
    /// household's size).
    @Test func holdLooksAtTheMember() throws {
        let e = PayableEnrollment(enrollmentID: "e", householdID: "h", memberID: "m", townshipCode: "510921112",
                                  villageCode: "510921112243", area: .urban, components: [AmountComponent(.basic, .yuan(600))],
                                  householdSize: 1, payeeName: "陈某", payeeResidentID: try ResidentID("110101198202021242"),
                                  bankAccount: "6217", countedMembers: 3, memberName: "陈某", memberStatus: .active)
        #expect(DibaoRules().hold(e, policy: .pengxi2021) == nil)
        var dead = e
        dead.memberStatus = .deceased
        #expect(DibaoRules().hold(dead, policy: .pengxi2021)?.reason == "MEMBER_NOT_COUNTED：单人保对象陈某已死亡，须复核后再发放")
    }
}
