import Testing
@testable import Domain

@Suite struct PayrollAndFundTests {
    @Test func batchTransitions() throws {
        try PayrollPlan.transition(from: .draft, to: .approved)
        try PayrollPlan.transition(from: .approved, to: .exported)
        #expect(throws: PayrollError.invalidTransition(from: .draft, to: .exported)) {
            try PayrollPlan.transition(from: .draft, to: .exported)
        }
        #expect(throws: PayrollError.self) { try PayrollPlan.transition(from: .exported, to: .draft) }
    }

    @Test func linesHoldChangedHouseholdsMissingPayeesAndAccounts() throws {
        let id = try ResidentID("110101197503149130")
        let e = PayableEnrollment(enrollmentID: "e1", householdID: "h1", townshipCode: "510921100000", villageCode: "510921100901",
                                  area: .urban, components: [AmountComponent(.basic, .yuan(900))], householdSize: 3, payeeName: "张某甲",
                                  payeeResidentID: id, bankAccount: "6217000000000001", countedMembers: 3)
        var noAccount = e
        noAccount.householdID = "h2"
        noAccount.bankAccount = "  "
        // Field case C01: a member died and the household was not reviewed yet: held, not paid 900.
        var changed = e
        changed.householdID = "h3"
        changed.countedMembers = 2
        var noPayee = e
        noPayee.householdID = "h4"
        noPayee.payeeName = nil
        noPayee.payeeResidentID = nil
        let (lines, holds) = PayrollPlan.lines(for: [e, noAccount, changed, noPayee], rules: DibaoRules(), policy: .pengxi2021)
        #expect(lines.map(\.householdID) == ["h1"])
        #expect(holds.map(\.householdID) == ["h2", "h3", "h4"])
        #expect(holds.map { $0.reason.prefix(while: { $0 != "：" }) } == ["NO_BANK_ACCOUNT", "MEMBERS_CHANGED", "NO_ACTIVE_PAYEE"])
    }

    /// The seed's 附表1: central 5904.29, provincial 749.86, city 20 → raised 6674.15 (万元).
    @Test func fundTableFromTheSeed() throws {
        let d = try CivilDate(parsing: "2021-03-01")
        let allocations = [
            Allocation(year: 2021, source: .central, documentNumber: "川财社〔2021〕1号", date: d, amount: Money(fen: 5_904_290_000), programme: nil),
            Allocation(year: 2021, source: .provincial, documentNumber: "川财社〔2021〕2号", date: d, amount: Money(fen: 749_860_000), programme: nil),
            Allocation(year: 2021, source: .city, documentNumber: "遂财社〔2021〕3号", date: d, amount: Money(fen: 20_000_000), programme: nil),
            Allocation(year: 2020, source: .city, documentNumber: "old", date: d, amount: Money(fen: 1), programme: nil),
        ]
        let uses = [FundUse(programme: .dibao, area: .urban, amount: Money(fen: 940_000_000)),
                    FundUse(programme: .dibao, area: .rural, amount: Money(fen: 4_053_840_000))]
        let t = FundTable(year: 2021, allocations: allocations, uses: uses)
        #expect(t.totalRaised.wanYuanString == "6674.15")
        #expect(t.totalUsed.wanYuanString == "4993.84")
        #expect(t.balance.wanYuanString == "1680.31")
        #expect(t.executionRatePercent == "74.82")  // 4993.84 / 6674.15 = 74.824…%
        let text = t.render()
        #expect(text.contains("6674.15"))
        #expect(text.contains("城市低保金"))
    }
}
