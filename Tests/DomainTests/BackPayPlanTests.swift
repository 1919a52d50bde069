import Foundation
import Testing
@testable import Domain

/// `BackPayPlan` as a pure function: the difference component by component, earlier back pay counted as
/// paid, overpaid months listed (never netted), and months that cannot be checked held.
@Suite struct BackPayPlanTests {
    let july = YearMonth(year: 2021, month: 7)!

    func candidate(_ key: String = "h1", month: YearMonth? = nil, entitled: [AmountComponent], line: [AmountComponent]?,
                   held: Bool = false, backPaid: [[AmountComponent]] = []) throws -> BackPayCandidate {
        let e = PayableEnrollment(enrollmentID: "e-\(key)", householdID: key, townshipCode: "510921112", villageCode: "510921112243",
                                  area: .urban, components: entitled, householdSize: 3, payeeName: "张某甲",
                                  payeeResidentID: try ResidentID("110101197503149130"), bankAccount: "6217000000000001",
                                  countedMembers: 3, month: month ?? july)
        return BackPayCandidate(enrollment: e, month: month ?? july, decisionID: "d-\(key)", policyVersion: "510921/2021-07",
                                regularLine: line, wasHeld: held, backPaid: backPaid)
    }

    @Test(arguments: [
        // basic raised by 60, top-up lowered by 10: owed 50 with both parts shown.
        ([AmountComponent(.basic, .yuan(960)), AmountComponent(.topUp, .yuan(30))],
         [AmountComponent(.basic, .yuan(900)), AmountComponent(.topUp, .yuan(40))], [[AmountComponent]](),
         "50.00", "basic 60.00, top-up -10.00"),
        // Already back-paid 40 of the 60: 20 left.
        ([AmountComponent(.basic, .yuan(960))], [AmountComponent(.basic, .yuan(900))], [[AmountComponent(.basic, .yuan(40))]],
         "20.00", "basic 20.00"),
    ] as [([AmountComponent], [AmountComponent], [[AmountComponent]], String, String)])
    func differenceByComponent(entitled: [AmountComponent], line: [AmountComponent], backPaid: [[AmountComponent]],
                               owed: String, parts: String) throws {
        let r = BackPayPlan.plan([try candidate(entitled: entitled, line: line, backPaid: backPaid)], rules: DibaoRules(),
                                 policies: [july: .pengxi2021])
        #expect(r.items.map(\.owed.yuanString) == [owed])
        #expect(r.items.first?.components.map { "\($0.kind.rawValue) \($0.amount.yuanString)" }.joined(separator: ", ") == parts)
        #expect(r.items.first?.basis == .difference)
    }

    @Test func overpaidOverlappingAndUncheckedMonths() throws {
        let r = BackPayPlan.plan([
            try candidate("over", entitled: [AmountComponent(.basic, .yuan(300))], line: [AmountComponent(.basic, .yuan(900))]),
            try candidate("twice", entitled: [AmountComponent(.basic, .yuan(300))], line: nil),
            try candidate("twice", entitled: [AmountComponent(.basic, .yuan(400))], line: nil),
            try candidate("nopolicy", month: YearMonth(year: 2021, month: 8)!, entitled: [AmountComponent(.basic, .yuan(300))], line: nil, held: true),
        ], rules: DibaoRules(), policies: [july: .pengxi2021])
        #expect(r.items.isEmpty)
        #expect(r.overpaid.map { "\($0.recipientKey) \($0.amount.yuanString)" } == ["over 600.00"])
        #expect(r.heldMonths.map { "\($0.hold.householdID) \($0.hold.reason)" } == [
            "twice OVERLAPPING_ENROLLMENTS：2021-07 有 2 条在保记录重叠，须核查后再补发",
            "twice OVERLAPPING_ENROLLMENTS：2021-07 有 2 条在保记录重叠，须核查后再补发",
            "nopolicy NO_POLICY：2021-08 没有政策版本",
        ])
    }
}
