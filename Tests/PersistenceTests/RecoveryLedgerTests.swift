import Domain
import FluentKit
import Persistence
import SQLKit
import TestSupport
import Testing

/// Field case C16 through the database: the recovery ledger balances, a waiver needs its approval, and an
/// offset shows on the one-off payment it is deducted from.
@Suite struct RecoveryLedgerTests {
    func day(_ s: String) -> CivilDate { Fixtures.date(s) }

    @Test func c16RecoveryLedgerBalances() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary(cap: "5300.00")]) { handle in
            let people = [("zhou", "110101196506061113", "周某甲"), ("wu", "110101196607071134", "吴某乙"), ("zheng", "110101196708081155", "郑某乙")]
            try await RegistryStore(handle.db).register(people.map { Fixtures.household($0.0, members: [Fixtures.member($0.1, $0.2, .head)]) }
                                                        + [Fixtures.h01()])
            let ledger = RecoveryStore(handle.db)
            func owe(_ h: String, _ month: String, _ yuan: Int64, _ why: String) async throws {
                try await ledger.recordOverpayment(countyCode: "510921", householdID: h, programme: .dibao, month: Fixtures.month(month),
                                                   amount: .yuan(yuan), reason: why, actor: "county")
            }
            // R1: 周某甲 died 2021-02; March and April were paid: 2,400 owed, nothing collected.
            try await owe("zhou", "2021-03", 1_200, "户主 2021-02 死亡后仍发放")
            try await owe("zhou", "2021-04", 1_200, "户主 2021-02 死亡后仍发放")
            try await owe("wu", "2021-06", 1_800, "重复享受")
            try await owe("zheng", "2021-05", 3_000, "收入核查后不符合")
            try await owe("h01", "2021-08", 1_200, "成员死亡后未及时减员（C01）")
            await #expect(throws: StoreError.conflict("该户 2021-03 的低保多发款已登记，不能重复登记 (already owed)")) {
                try await owe("zhou", "2021-03", 1_200, "again")
            }
            // R2 repaid in cash; R3 waived with approval 2021-17 (refused without it).
            try await ledger.record(RecoveryEntry(kind: .recovered, amount: .yuan(1_800), date: day("2021-10-12"), note: "现金退回"),
                                    countyCode: "510921", householdID: "wu", programme: .dibao, actor: "county")
            await #expect(throws: RecoveryError.waiverWithoutApproval) {
                try await ledger.record(RecoveryEntry(kind: .waived, amount: .yuan(3_000), date: day("2021-11-03")),
                                        countyCode: "510921", householdID: "zheng", programme: .dibao, actor: "county")
            }
            try await ledger.record(RecoveryEntry(kind: .waived, amount: .yuan(3_000), date: day("2021-11-03"), reference: "2021-17",
                                                  note: "困难减免"), countyCode: "510921", householdID: "zheng", programme: .dibao, actor: "county")
            // R4: a 2,000 grant to H01, paid by payroll, with 1,200 deducted.
            let temporary = TemporaryCaseStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let id = try await temporary.open(.household(id: "h01"), type: .emergency, cause: "火灾", size: .amount(.yuan(2_000)),
                                              acceptedOn: day("2021-11-15"), actor: "town")
            try await temporary.recordInvestigation(id, HomeVisit(date: day("2021-11-15"), investigators: ["王", "李"], findings: "房屋失火"), actor: "town")
            let reviewed = try await temporary.townshipDecision(id, on: day("2021-11-16"), opinion: "拟救助", payment: .payroll, actor: "town")
            if reviewed.temporaryCase.state == .countyReview {
                _ = try await temporary.countyApprove(id, on: day("2021-11-18"), opinion: "同意", actor: "county")
            }
            await #expect(throws: StoreError.conflict("抵扣合计 2000.00 元须少于该笔临时救助 2000.00 元 (an offset leaves part of the grant to pay)")) {
                try await ledger.record(RecoveryEntry(kind: .offset, amount: .yuan(2_000), date: day("2021-11-20"), grantID: id),
                                        countyCode: "510921", householdID: "h01", programme: .dibao, actor: "county")
            }
            try await ledger.record(RecoveryEntry(kind: .offset, amount: .yuan(1_200), date: day("2021-11-20"), grantID: id),
                                    countyCode: "510921", householdID: "h01", programme: .dibao, actor: "county")
            let accounts = try await ledger.accounts(countyCode: "510921")
            let sum = { (f: (RecoveryAccount) -> Money) in accounts.reduce(Money.zero) { $0 + f($1) } }
            #expect(sum(\.owed) == .yuan(8_400))
            #expect([sum(\.recovered), sum(\.offset), sum(\.waived), sum(\.outstanding)] == [.yuan(1_800), .yuan(1_200), .yuan(3_000), .yuan(2_400)])
            #expect(accounts.first { $0.householdID == "zhou" }?.outstanding == .yuan(2_400))
            #expect(accounts.first { $0.householdID == "zheng" }?.entries.first?.reference == "2021-17")
            // The one-off payment: gross 2,000 / offset 1,200 / paid 800.
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let g = try await payroll.generate(programme: .temporary, month: Fixtures.month("2021-11"), countyCode: "510921", actor: "c")
            let line = try #require(try await payroll.lines(of: g.batch.id).first)
            #expect(line.components == [AmountComponent(.basic, .yuan(2_000)), AmountComponent(.recoveryOffset, .zero - .yuan(1_200))])
            #expect(line.amount == .yuan(800))
            #expect(g.batch.total == .yuan(800))
            // Once on a batch, the grant takes no more offsets.
            await #expect(throws: StoreError.conflict("临时救助 \(id) 已列入发放批次，不能再抵扣 (already on a batch)")) {
                try await ledger.record(RecoveryEntry(kind: .offset, amount: .yuan(1), date: day("2021-11-25"), grantID: id),
                                        countyCode: "510921", householdID: "h01", programme: .dibao, actor: "county")
            }
            // More than is outstanding is refused.
            await #expect(throws: RecoveryError.moreThanOutstanding(amount: .yuan(2_401), outstanding: .yuan(2_400))) {
                try await ledger.record(RecoveryEntry(kind: .recovered, amount: .yuan(2_401), date: day("2021-12-01")),
                                        countyCode: "510921", householdID: "zhou", programme: .dibao, actor: "county")
            }
        }
    }
}
