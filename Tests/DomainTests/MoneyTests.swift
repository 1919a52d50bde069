import Testing
@testable import Domain

@Suite struct MoneyTests {
    @Test(arguments: [
        ("900", 90_000), ("900.5", 90_050), ("900.50", 90_050), ("0.01", 1), ("-12.30", -1_230),
        ("1,234.00", 123_400), (" 600 ", 60_000), ("+5", 500), ("1,234,567.89", 123_456_789),
        ("999999999999.99", 99_999_999_999_999),
    ] as [(String, Int64)])
    func parsesYuan(text: String, fen: Int64) throws {
        #expect(try Money(yuan: text).fen == fen)
    }

    @Test(arguments: ["", "abc", "1.234", "1.", ".5", "1e3", "--1", "12,3a", "1.2.3", "９００", "9,0,0", "1,23", ",100",
                      "1234567890123", "99999999999999.99"])
    func refusesMalformedAmounts(text: String) {
        #expect(throws: DomainInputError.invalidAmount(text)) { try Money(yuan: text) }
    }

    @Test(arguments: [(90_000, "900.00"), (1, "0.01"), (-1_230, "-12.30"), (0, "0.00")] as [(Int64, String)])
    func formatsYuan(fen: Int64, text: String) {
        #expect(Money(fen: fen).yuanString == text)
    }

    @Test(arguments: [(416_871_700, "4,168,717.00"), (99_999, "999.99"), (100_000, "1,000.00"), (-123_456_789, "-1,234,567.89"),
                      (0, "0.00")] as [(Int64, String)])
    func groupsThousands(fen: Int64, text: String) {
        #expect(Money(fen: fen).groupedYuanString == text)
    }

    @Test(arguments: [
        (5_904_290_000, "5904.29"), (6_674_150_000, "6674.15"), (20_000_000, "20.00"),
        (4_993_840_000, "4993.84"), (5_000, "0.01"), (4_999, "0.00"), (15_000, "0.02"),
    ] as [(Int64, String)])
    func formatsWanYuanHalfUp(fen: Int64, text: String) {
        #expect(Money(fen: fen).wanYuanString == text)
    }

    @Test(arguments: [
        (1, 2, 1), (-1, 2, -1), (1, 3, 0), (2, 3, 1), (5, 12, 0), (6, 12, 1), (7, 12, 1), (25, 10, 3), (24, 10, 2),
    ] as [(Int64, Int64, Int64)])
    func roundsHalfUpOnce(numerator: Int64, denominator: Int64, fen: Int64) {
        #expect(FenRatio(numerator: numerator, denominator: denominator).roundedHalfUp().fen == fen)
    }

    @Test func monthsAndDates() throws {
        let m = try YearMonth(parsing: "2021-12")
        #expect(m.next.description == "2022-01")
        #expect(m.adding(months: -12).description == "2020-12")
        #expect(throws: DomainInputError.invalidMonth("2021-13")) { try YearMonth(parsing: "2021-13") }
        #expect(throws: DomainInputError.invalidDate("2021-02-29")) { try CivilDate(parsing: "2021-02-29") }
        let d = try CivilDate(parsing: "2020-02-29")
        #expect(d.adding(days: 366).description == "2021-03-01")
        #expect(try CivilDate(parsing: "2021-10-09").isoWeekday == 6)
        #expect(CivilDate(dayNumber: 0).description == "1970-01-01")
    }
}
