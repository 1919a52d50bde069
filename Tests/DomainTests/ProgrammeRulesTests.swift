import Foundation
import Testing
@testable import Domain

@Suite struct ProgrammeRulesTests {
    /// The contract tokens, each parsed to its programme; anything else is refused by name.
    @Test func tokens() throws {
        #expect(try Programme.allCases.map { try Programme(token: $0.rawValue) } == Programme.allCases)
        #expect(Programme.allCases.map(\.rawValue) == ["dibao", "tekun", "temporary", "vagrant-relief", "orphan", "unsupported-child"])
        #expect(throws: ProgrammeError.unknown("Dibao")) { try Programme(token: "Dibao") }
        #expect(ProgrammeError.unknown("x").message.contains("unsupported-child（目前已实现：dibao、tekun、temporary、orphan、unsupported-child）"))
    }

    /// A programme without rules is refused by name, never answered with another programme's rules.
    @Test func unimplementedProgrammesAreRefused() {
        #expect(Programme.implemented == [.dibao, .tekun, .temporary, .orphan, .unsupportedChild])
        #expect(Programme.managed == [.dibao, .tekun, .temporary, .orphan, .unsupportedChild])
        #expect(Programme.supportingPersonApart == [.tekun, .orphan])
        for p in Programme.allCases where ![.dibao, .tekun, .temporary, .orphan, .unsupportedChild].contains(p) {
            #expect(throws: ProgrammeError.notImplemented(p)) { try p.rules() }
        }
        #expect(ProgrammeError.notImplemented(.vagrantRelief).message.hasPrefix("流浪乞讨人员救助（vagrant-relief）在救助管理站办理"))
        #expect(ProgrammeError.notImplemented(.vagrantRelief).message.contains("测算和发放支持 dibao、tekun、temporary、orphan、unsupported-child"))
    }

    /// rules.md §8 example 2 through the seam: standard 600, 3 people, income 1,000 → 800, one `basic` component.
    @Test func dibaoThroughTheSeam() throws {
        let household = try HouseholdComposition(area: .urban, members: [
            Member(residentID: try ResidentID("110101197503149130"), name: "张某甲", relationship: .head,
                   income: [IncomeItem(kind: .wage, period: .monthly, amount: .yuan(1000))]),
            Member(residentID: try ResidentID("110101197708029247"), name: "李某", relationship: .spouse),
            Member(residentID: try ResidentID("110101200511209150"), name: "张某乙", relationship: .child),
        ])
        let rules = try Programme.dibao.rules()
        #expect(rules.recipient == .household)
        #expect(rules.cadence == .monthly)
        let d = try rules.assess(AssessmentInput(household: household, month: YearMonth(year: 2021, month: 7)!),
                                 policy: .pengxi2021)
        #expect(d.programme == .dibao)
        #expect(d.monthlyBenefit == .yuan(800))
        #expect(d.components == [AmountComponent(.basic, .yuan(800))])
        #expect(d.standard == .yuan(600))
        #expect(d.householdSize == 3)
        #expect(d.policyVersion == "510921/2021-01")
        // Naming one member asks for 单人保: an eligible household is enrolled whole, never one member of it.
        let one = try rules.assess(AssessmentInput(household: household, month: YearMonth(year: 2021, month: 7)!,
                                                   subject: try ResidentID("110101197708029247")), policy: .pengxi2021)
        #expect((one.eligible, one.reasons) == (false, [.householdEligible]))
        #expect(throws: AssessmentError.subject("被评估人 110101************ 不是本户成员 (subject not in the household)")) {
            try rules.assess(AssessmentInput(household: household, month: YearMonth(year: 2021, month: 7)!,
                                             subject: try ResidentID("110101194408160012")), policy: .pengxi2021)
        }
        // Not eligible: nothing payable, no components.
        let rich = try HouseholdComposition(area: .rural, members: [
            Member(residentID: try ResidentID("110101197503149130"), name: "甲", relationship: .head,
                   income: [IncomeItem(kind: .wage, period: .monthly, amount: .yuan(420))]),
        ])
        let none = try rules.assess(AssessmentInput(household: rich, month: YearMonth(year: 2021, month: 7)!), policy: .pengxi2021)
        #expect(!none.eligible)
        #expect(none.monthlyBenefit == .zero)
        #expect(none.components.isEmpty)
    }

    /// rules.md §9: the 低保 deadlines come from the policy, and delegation replaces the 30/45 WD totals by 20.
    @Test func dibaoDeadlinesFromThePolicy() {
        let rules = DibaoRules()
        #expect(rules.deadlines(policy: .pengxi2021).map(\.limit) == [
            .workingDays(3), .calendarDays(7), .workingDays(10), .workingDays(3), .workingDays(30), .workingDays(45),
        ])
        var delegated = Policy.pengxi2021
        delegated.dibao!.confirmationDelegatedToTownship = true
        #expect(rules.deadlines(policy: delegated).map(\.limit).last == .workingDays(20))
        #expect(rules.deadlines(policy: delegated).count == 5)
    }

    /// Field case C01 as a hold rule of 低保; the checks every programme makes come after it.
    @Test func dibaoHoldsAChangedHousehold() throws {
        var e = PayableEnrollment(enrollmentID: "e1", householdID: "h1", townshipCode: "510921100000",
                                  villageCode: "510921100901", area: .urban, components: [AmountComponent(.basic, .yuan(900))], householdSize: 3,
                                  payeeName: "张某甲", payeeResidentID: try ResidentID("110101197503149130"),
                                  bankAccount: "6217000000000001", countedMembers: 3)
        #expect(DibaoRules().hold(e, policy: .pengxi2021) == nil)
        // A decided amount below zero is held by name, never silently left out.
        var negative = e
        negative.components = [AmountComponent(.pensionOffset, .yuan(-100))]
        #expect(PayrollPlan.lines(for: [negative], rules: DibaoRules(), policy: .pengxi2021).holds.map { $0.reason.prefix(while: { $0 != "：" }) } == ["NEGATIVE_AMOUNT"])
        e.countedMembers = 2
        #expect(DibaoRules().hold(e, policy: .pengxi2021)?.reason == "MEMBERS_CHANGED：在户 2 人，核定 3 人，须复核调整后再发放")
    }

    @Test func labels() {
        #expect(DibaoRules().paymentLabel(area: .urban) == "城市低保金")
        #expect(FundUse(programme: .dibao, area: .rural, amount: .zero).label == "农村低保金")
        #expect(FundUse(programme: .temporary, area: nil, amount: .zero).label == "临时救助")
    }
}
