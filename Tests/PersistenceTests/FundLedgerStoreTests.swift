import Domain
import FluentKit
import Foundation
import Jobs
import Persistence
import SQLKit
import TestSupport
import Testing

/// Field cases C13 and C14 through the database: credits and timeliness, positions, cost sharing.
@Suite struct FundLedgerStoreTests {
    /// 2021-04 … 2021-07 of two townships, handed over.
    func paidMonths(_ db: any Database) async throws -> [String: PayrollBatch] {
        try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-04", on: db)
        let other = Fixtures.household("h02", area: .rural, village: "510921100901",
                                       members: [Fixtures.member("110101196001011014", "宋某", .head, monthly: [(.wage, "100")])])
        try await Fixtures.registerAndEnroll(other, from: "2021-04", on: db)
        let store = PayrollStore(db)
        let run = PayrollRun(database: db, countyCode: "510921", bankFileDirectory: nil, isDemo: false)
        var out: [String: PayrollBatch] = [:]
        for m in ["2021-04", "2021-05", "2021-06", "2021-07"] {
            out[m] = try await run.runMonth(programme: .dibao, Fixtures.month(m), actor: "t").batch
        }
        _ = store
        return out
    }

    /// C14: township X (三凤镇) credits April–June together on 2021-06-28; July is credited on 2021-07-23.
    @Test func c14TimelinessFromRecordedCredits() async throws {
        try await withTestDatabase { handle async throws in
            let b = try await paidMonths(handle.db)
            let ledger = FundLedgerStore(handle.db)
            let x = "510921112000", y = "510921100000"
            for m in ["2021-04", "2021-05", "2021-06"] {
                try await ledger.recordCredit(batchID: b[m]!.id, townshipCode: x, creditedOn: Fixtures.date("2021-06-28"), actor: "finance")
            }
            for m in ["2021-04", "2021-05", "2021-06"] {
                try await ledger.recordCredit(batchID: b[m]!.id, townshipCode: y, creditedOn: Fixtures.date("\(m)-08"), actor: "finance")
            }
            try await ledger.recordCredit(batchID: b["2021-07"]!.id, townshipCode: nil, creditedOn: Fixtures.date("2021-07-23"), actor: "finance")
            // The same day again changes nothing; another day is refused; a township not on the batch too.
            try await ledger.recordCredit(batchID: b["2021-07"]!.id, townshipCode: x, creditedOn: Fixtures.date("2021-07-23"), actor: "finance")
            await #expect(throws: StoreError.conflict("乡镇 \(x) 的入账日期已登记为 2021-07-23，不能改为 2021-07-24 (credit day recorded)")) {
                try await ledger.recordCredit(batchID: b["2021-07"]!.id, townshipCode: x, creditedOn: Fixtures.date("2021-07-24"), actor: "finance")
            }
            await #expect(throws: StoreError.outOfRange("入账日期 2021-05-31 早于 2021-06-01：2021-07 的发放不会在此之前入账 (credited too early)")) {
                try await ledger.recordCredit(batchID: b["2021-07"]!.id, townshipCode: nil, creditedOn: Fixtures.date("2021-05-31"), actor: "finance")
            }
            let f = try await ledger.timeliness(countyCode: "510921", year: 2021)
            // By month, then township code (赤城镇 510921100 before 三凤镇 510921112).
            let table: [(String, String, Int, [String])] = [
                ("2021-04", y, 0, []), ("2021-04", x, 79, ["2021-05", "2021-06"]),
                ("2021-05", y, 0, []), ("2021-05", x, 49, ["2021-04", "2021-06"]),
                ("2021-06", y, 0, []), ("2021-06", x, 18, ["2021-04", "2021-05"]),
                ("2021-07", y, 13, []), ("2021-07", x, 13, []),
            ]
            #expect(f.count == table.count)
            for (i, (m, t, late, lumped)) in table.enumerated() where i < f.count {
                #expect(f[i].credit.month.description == m && f[i].credit.townshipCode == t, "\(i)")
                #expect(f[i].daysLate == late, "\(m) \(t)")
                #expect(f[i].lumpedWith.map(\.description) == lumped, "\(m) \(t)")
            }
        }
    }

    /// C13 wiring: the policy's sharing, the year's spending of the programme, the earmarked allocations.
    @Test func c13CostSharingFromTheLedger() async throws {
        let text = PolicyBook.bundledPolicyText[0]
        #expect(text.contains(#""effective": "2021-01","#))
        let shared = try PolicyFile.parse(Data(text.replacingOccurrences(of: #""effective": "2021-01","#, with:
            #""effective": "2021-01", "funds": {"costSharing": [{"programme": "dibao", "shares": {"city": "0.5", "county": "0.5"}}]},"#).utf8))
        try await withTestDatabase(policies: [shared]) { handle async throws in
            _ = try await paidMonths(handle.db)
            let funds = FundStore(handle.db)
            for (doc, day, yuan) in [("遂财社〔2021〕5号", "2021-03-20", Int64(1_000)), ("遂财社〔2021〕9号", "2021-09-15", Int64(2_390))] {
                try await funds.add(Allocation(year: 2021, source: .city, documentNumber: doc, date: Fixtures.date(day), amount: .yuan(yuan),
                                               programme: .dibao), countyCode: "510921")
            }
            let s = try #require(try await FundLedgerStore(handle.db).costSharing(countyCode: "510921", year: 2021).first)
            let spending = try await funds.uses(countyCode: "510921", year: 2021).filter { $0.programme == .dibao }
                .reduce(Money.zero) { $0 + $1.amount }
            #expect(s.spending == spending)
            #expect(s.levels.map(\.source) == [.city, .county])
            #expect(s.levels[0].received == .yuan(3_390))
            #expect(s.levels[0].due + s.levels[1].due == spending)
            #expect(s.levels[0].overTransferred == .yuan(3_390) - s.levels[0].due)
        }
    }

    /// An earmarked allocation, part spent: the rest is unspent since it arrived, idle after 12 months.
    @Test func positionOfAnEarmarkedAccount() async throws {
        try await withTestDatabase { handle async throws in
            let b = try await paidMonths(handle.db)
            try await FundStore(handle.db).add(Allocation(year: 2021, source: .central, documentNumber: "财社〔2021〕1号",
                                                          date: Fixtures.date("2021-03-15"), amount: .yuan(100_000), programme: .dibao),
                                               countyCode: "510921")
            let today = ChinaClock.today()
            let p = try await FundLedgerStore(handle.db).position(countyCode: "510921", programme: .dibao, asOf: today)
            let spent = b.values.reduce(Money.zero) { $0 + $1.total }
            #expect(p.received == .yuan(100_000))
            #expect(p.spent == spent)
            #expect(p.balance == .yuan(100_000) - spent)
            #expect(p.idle == p.balance)  // 2021-03-15 is long past 12 months
            // Before the batches were handed over (today), nothing was spent.
            let before = try await FundLedgerStore(handle.db).position(countyCode: "510921", programme: .dibao, asOf: Fixtures.date("2021-12-31"))
            #expect(before.spent == .zero)
            #expect(before.executionRatePercent == "0.00")
        }
    }
}

/// The county's allocation plan: each step in order, by its role's person, with its reference; issued
/// shares are money in the programmes' accounts.
@Suite struct AllocationPlanTests {
    @Test func aPlanMovesThroughItsStepsAndFundsTheProgrammes() async throws {
        try await withTestDatabase { handle async throws in
            let funds = FundStore(handle.db)
            // An allocation without its document number is refused (issue 7, bad input).
            await #expect(throws: StoreError.outOfRange("资金下达须登记文号，未登记 (an allocation needs its document number)")) {
                try await funds.add(Allocation(year: 2021, source: .central, documentNumber: "  ", date: Fixtures.date("2021-01-20"),
                                               amount: .yuan(1), programme: nil), countyCode: "510921")
            }
            try await funds.add(Allocation(year: 2021, source: .central, documentNumber: "财社〔2021〕1号", date: Fixtures.date("2021-01-20"),
                                           amount: .yuan(1_000_000), programme: nil), countyCode: "510921")
            let plans = AllocationPlanStore(handle.db)
            let lines = [AllocationPlanLine(programme: .dibao, source: .central, amount: .yuan(700_000)),
                         AllocationPlanLine(programme: .tekun, source: .central, amount: .yuan(300_000))]
            await #expect(throws: AllocationPlanError.moreThanReceived(source: .central, planned: .yuan(1_000_001), received: .yuan(1_000_000))) {
                _ = try await plans.propose(year: 2021, title: "x", lines: lines + [AllocationPlanLine(programme: .temporary, source: .central, amount: .yuan(1))],
                                            countyCode: "510921", actor: "section")
            }
            let id = try await plans.propose(year: 2021, title: "2021年困难群众救助资金分配方案", lines: lines, countyCode: "510921", actor: "section")
            let day = Fixtures.date("2021-02-01")
            await #expect(throws: AllocationPlanError.outOfOrder(step: .decided, last: .proposed)) {
                try await plans.advance(id, to: .decided, reference: "党组会〔2021〕3号", note: "", on: day, actor: "deputy")
            }
            await #expect(throws: AllocationPlanError.sameActor(step: .reviewed, actor: "section")) {
                try await plans.advance(id, to: .reviewed, reference: nil, note: "", on: day, actor: "section")
            }
            try await plans.advance(id, to: .reviewed, reference: nil, note: "同意", on: day, actor: "deputy")
            await #expect(throws: AllocationPlanError.referenceRequired(.decided)) {
                try await plans.advance(id, to: .decided, reference: " ", note: "", on: day, actor: "secretary")
            }
            try await plans.advance(id, to: .decided, reference: "党组会〔2021〕3号", note: "", on: day, actor: "secretary")
            try await plans.advance(id, to: .cosigned, reference: nil, note: "会签", on: day, actor: "finance")
            // Not issued yet: the programmes have no share.
            #expect(try await FundLedgerStore(handle.db).position(countyCode: "510921", programme: .dibao, asOf: Fixtures.date("2021-12-31")).received == .zero)
            try await plans.advance(id, to: .issued, reference: "蓬民发〔2021〕5号", note: "", on: Fixtures.date("2021-02-10"), actor: "section")
            let plan = try #require(try await plans.plans(year: 2021, countyCode: "510921").first)
            #expect(plan.steps.map { "\($0.step.rawValue) \($0.actor) \($0.reference ?? "")" }
                == ["proposed section ", "reviewed deputy ", "decided secretary 党组会〔2021〕3号", "cosigned finance ", "issued section 蓬民发〔2021〕5号"])
            #expect(plan.issuedOn == Fixtures.date("2021-02-10"))
            let dibao = try await FundLedgerStore(handle.db).position(countyCode: "510921", programme: .dibao, asOf: Fixtures.date("2021-12-31"))
            #expect(dibao.received == .yuan(700_000))
            #expect(dibao.unspent.map(\.receipt.date) == [Fixtures.date("2021-02-10")])
            // A second plan may only allocate what is left.
            await #expect(throws: AllocationPlanError.moreThanReceived(source: .central, planned: .yuan(1), received: .zero)) {
                _ = try await plans.propose(year: 2021, title: "追加", lines: [AllocationPlanLine(programme: .temporary, source: .central, amount: .yuan(1))],
                                            countyCode: "510921", actor: "section")
            }
        }
    }
}
