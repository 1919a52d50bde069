import Testing
@testable import Domain

@Suite struct PolicyTests {
    @Test func pengxi2021FromJanuary() throws {
        let p = try PolicyBook.bundled.policy(region: "510921", month: YearMonth(parsing: "2021-07"))
        #expect(p.version == "510921/2021-01")
        #expect(p.dibaoStandard(for: .urban).yuanString == "600.00")
        #expect(p.dibaoStandard(for: .rural).yuanString == "420.00")
        #expect(p.tekunBasicStandard[.rural]!.yuanString == "520.00")
        #expect(p.orphanInstitutional.yuanString == "1400.00")
        #expect(p.orphanScattered.yuanString == "900.00")
        #expect(!p.confirmationDelegatedToTownship)
    }

    @Test func noPolicyBeforeJanuary2021() throws {
        let dec = try YearMonth(parsing: "2020-12")
        #expect(throws: PolicyError.noPolicyInForce(region: "510921", month: dec)) {
            try PolicyBook.bundled.policy(region: "510921", month: dec)
        }
        #expect(throws: PolicyError.self) { try PolicyBook.bundled.policy(region: "510922", month: dec.next) }
    }

    /// rules.md §8 example 16: near-poverty lines 630 (rural) and 900 (urban).
    @Test func nearPovertyLines() {
        #expect(Policy.pengxi2021.nearPovertyLine(for: .rural).roundedHalfUp().yuanString == "630.00")
        #expect(Policy.pengxi2021.nearPovertyLine(for: .urban).roundedHalfUp().yuanString == "900.00")
    }

    /// rules.md §8 example 15: urban 780 = 1.3 × 600 passes; rural 520 < 546 is a warning.
    @Test func tekunRatioWarning() {
        let w = Policy.pengxi2021.warnings
        #expect(w == [.tekunBelowRatio(area: .rural, tekun: .yuan(520), dibao: .yuan(420), ratio: Ratio(13, 10),
                                       minimum: Money(fen: 54_600))])
        #expect(w.first?.message.contains("546.00") == true)
    }

    @Test func deadlinesDependOnDelegation() {
        var p = Policy.pengxi2021
        #expect(p.totalDeadlineWorkingDays(extended: false) == 30)
        #expect(p.totalDeadlineWorkingDays(extended: true) == 45)
        p.confirmationDelegatedToTownship = true
        #expect(p.totalDeadlineWorkingDays(extended: true) == 20)
    }

    @Test func laterVersionWins() throws {
        var p2 = Policy.pengxi2021
        p2.effective = try YearMonth(parsing: "2021-12")
        p2.dibaoStandard[.urban] = .yuan(615)
        let book = PolicyBook([.pengxi2021, p2])
        #expect(try book.policy(region: "510921", month: YearMonth(parsing: "2021-11")).dibaoStandard(for: .urban) == .yuan(600))
        #expect(try book.policy(region: "510921", month: YearMonth(parsing: "2022-03")).dibaoStandard(for: .urban) == .yuan(615))
    }
}
