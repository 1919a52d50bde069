import Foundation
import Testing
@testable import Domain

/// The 临时救助 state machine (rules.md §3.2): which step may follow which, and each refusal exact.
@Suite struct TemporaryWorkflowTests {
    let d = { (s: String) in try! CivilDate(parsing: s) }
    let today = try! CivilDate(parsing: "2021-12-31")
    func new(_ type: TemporaryType = .emergency) -> TemporaryCase {
        TemporaryCase(type: type, acceptedOn: d("2021-03-01"), cause: "火灾", size: .months(Ratio(2, 1)))
    }
    var visit: HomeVisit { HomeVisit(date: d("2021-03-02"), investigators: ["王"], findings: "属实") }

    struct Refusal: Sendable {
        var name: String
        var type: TemporaryType
        var before: [TemporaryCaseEvent]
        var event: TemporaryCaseEvent
        var error: TemporaryCaseError
    }

    @Test func refusals() throws {
        let y = Money(fen: 120_000)
        let first = TemporaryCaseEvent.assistFirst(on: d("2021-03-01"), amount: y, approver: .township, paperworkDue: d("2021-03-08"))
        let cases: [Refusal] = [
            .init(name: "expenditure paid first", type: .expenditure, before: [],
                  event: .assistFirst(on: d("2021-03-01"), amount: y, approver: .township, paperworkDue: nil),
                  error: .assistFirstOnlyEmergency(.expenditure)),
            .init(name: "above the limit", type: .emergency, before: [],
                  event: .assistFirst(on: d("2021-03-01"), amount: Money(fen: 180_000), approver: .county, paperworkDue: nil),
                  error: .assistFirstAboveLimit(Money(fen: 180_000))),
            .init(name: "decision without investigation", type: .emergency, before: [],
                  event: .townshipDecision(on: d("2021-03-03"), opinion: "同意", amount: y, approver: .township, payment: .payroll),
                  error: .missing("调查核实记录")),
            .init(name: "refused after paid first", type: .emergency, before: [first],
                  event: .refuse(on: d("2021-03-03"), reason: "不符合"), error: .alreadyPaidFirst),
            .init(name: "paperwork for another amount", type: .emergency, before: [first, .recordInvestigation(visit)],
                  event: .townshipDecision(on: d("2021-03-03"), opinion: "同意", amount: Money(fen: 130_000), approver: .township, payment: .reserveFund),
                  error: .paidAmountDiffers(paid: y, now: Money(fen: 130_000))),
            .init(name: "county before township", type: .emergency, before: [],
                  event: .countyApprove(on: d("2021-03-03"), opinion: "同意"), error: .outOfOrder(event: "县级审批", state: .accepted)),
            .init(name: "future", type: .emergency, before: [],
                  event: .refuse(on: d("2022-01-01"), reason: "x"), error: .dateInFuture(d("2022-01-01"), today: today)),
            .init(name: "before acceptance", type: .emergency, before: [],
                  event: .refuse(on: d("2021-02-28"), reason: "x"), error: .dateBefore(d("2021-02-28"), earlier: d("2021-03-01"))),
            .init(name: "no investigator", type: .emergency, before: [],
                  event: .recordInvestigation(HomeVisit(date: d("2021-03-02"), investigators: [" "], findings: "x")),
                  error: .missing("调查人员")),
        ]
        for c in cases {
            var t = TemporaryCase(type: c.type, acceptedOn: d("2021-03-01"), cause: "x", size: .months(Ratio(2, 1)))
            for e in c.before { t = try TemporaryWorkflow.apply(e, to: t, today: today) }
            #expect(throws: c.error, "\(c.name)") { try TemporaryWorkflow.apply(c.event, to: t, today: today) }
        }
    }

    @Test func fullChainToTheCounty() throws {
        var t = new(.expenditure)
        #expect(TemporaryWorkflow.nextSteps(for: t) == ["recordInvestigation", "refuse"])
        t = try TemporaryWorkflow.apply(.recordInvestigation(visit), to: t, today: today)
        #expect(TemporaryWorkflow.nextSteps(for: t) == ["recordInvestigation", "townshipDecision", "refuse"])
        t = try TemporaryWorkflow.apply(.townshipDecision(on: d("2021-03-03"), opinion: "拟救助", amount: Money(fen: 300_000),
                                                          approver: .county, payment: .payroll), to: t, today: today)
        #expect(t.state == .countyReview)
        #expect(t.decidedOn == nil)
        t = try TemporaryWorkflow.apply(.countyApprove(on: d("2021-03-05"), opinion: "同意"), to: t, today: today)
        #expect(t.state == .approved)
        #expect(t.decidedOn == d("2021-03-05"))
        #expect(TemporaryWorkflow.nextSteps(for: t) == [])
    }

    @Test func paperworkOverdueStaysOverdue() throws {
        var t = try TemporaryWorkflow.apply(.assistFirst(on: d("2021-03-01"), amount: Money(fen: 120_000), approver: .township,
                                                         paperworkDue: d("2021-03-08")), to: new(), today: today)
        #expect(TemporaryWorkflow.nextSteps(for: t) == ["recordInvestigation"])
        #expect(!t.paperworkOverdue(today: d("2021-03-08")))
        #expect(t.paperworkOverdue(today: d("2021-03-09")))
        // A date far past the holiday calendar's end is still overdue: no calendar is consulted.
        #expect(t.paperworkOverdue(today: d("2031-01-01")))
        t = try TemporaryWorkflow.apply(.recordInvestigation(visit), to: t, today: today)
        t = try TemporaryWorkflow.apply(.townshipDecision(on: d("2021-03-05"), opinion: "补齐", amount: Money(fen: 120_000),
                                                          approver: .township, payment: .payroll), to: t, today: today)
        #expect(t.state == .approved)
        #expect(t.payment == .reserveFund)
        #expect(!t.paperworkLate)
        #expect(!t.paperworkOverdue(today: d("2021-03-09")))
    }

    @Test func policyKeysForTheProcedure() throws {
        let text = """
            {"region": "510921", "name": "x", "versions": [{"effective": "2021-01",
              "dibao": {"standard": {"urban": "600.00", "rural": "420.00"}, "method": "gap", "nearPovertyMultiplier": "1.5",
                        "exemptIncome": [], "gradualExitMonths": 6, "confirmationDelegatedToTownship": false},
              "temporary": {"base": "urban-dibao", "types": {"emergency": {"minMonths": "2", "maxMonths": "4"}},
                            "townshipLimit": {"months": "2"}, "procedureWorkingDays": 15, "paperworkWorkingDays": PAPER}}]}
            """
        let ok = try PolicyFile.parse(Data(text.replacingOccurrences(of: "PAPER", with: "5").utf8))
        #expect(ok.versions[0].temporary?.paperworkWorkingDays == 5)
        #expect(ok.versions[0].temporary?.procedureWorkingDays == 15)
        #expect(TemporaryRules().deadlines(policy: ok.versions[0]).map(\.step) == ["受理至审批办结", "急难型先行救助后补齐审批手续"])
        for bad in ["0", "61", "\"5\"", "5.5", "5.0", "5e0"] {
            #expect(throws: PolicyFileError.self, "\(bad)") {
                try PolicyFile.parse(Data(text.replacingOccurrences(of: "PAPER", with: bad).utf8))
            }
            do { _ = try PolicyFile.parse(Data(text.replacingOccurrences(of: "PAPER", with: bad).utf8)) }
            catch { #expect(error.key == "versions[0].temporary.paperworkWorkingDays", "\(bad)") }
        }
    }
}
