/// A calendar month (`YYYY-MM`): the unit of standards, benefits and payroll.
public struct YearMonth: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init?(year: Int, month: Int) {
        guard (1...12).contains(month), (1900...9999).contains(year) else { return nil }
        self.year = year
        self.month = month
    }

    init(uncheckedYear year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    /// Parses `YYYY-MM`.
    /// - Throws: `DomainInputError.invalidMonth` naming the text.
    public init(parsing text: String) throws(DomainInputError) {
        let parts = text.trimmingWhitespace().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let ym = YearMonth(year: y, month: m)
        else { throw .invalidMonth(text) }
        self = ym
    }

    /// The month as a sortable integer `YYYYMM` (how it is stored).
    public var number: Int { year * 100 + month }

    public init?(number: Int) { self.init(year: number / 100, month: number % 100) }

    public var next: YearMonth { adding(months: 1) }
    public var previous: YearMonth { adding(months: -1) }

    public func adding(months: Int) -> YearMonth {
        let total = year * 12 + (month - 1) + months
        return YearMonth(uncheckedYear: total / 12, month: total % 12 + 1)
    }

    /// Whole months from `other` to this month: 2022-01 since 2021-01 is 12.
    public func monthsSince(_ other: YearMonth) -> Int { (year * 12 + month) - (other.year * 12 + other.month) }

    public var firstDay: CivilDate { CivilDate(year: year, month: month, day: 1)! }
    public var lastDay: CivilDate { CivilDate(year: year, month: month, day: CivilDate.daysIn(year: year, month: month))! }

    public var description: String { "\(String(year).leftPadded(to: 4))-\(String(month).leftPadded(to: 2))" }

    public static func < (a: YearMonth, b: YearMonth) -> Bool { a.number < b.number }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try YearMonth(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
