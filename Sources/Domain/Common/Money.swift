/// An amount of money as an exact integer count of fen (分, 0.01 yuan).
///
/// Never a floating-point number. Amounts are parsed from and shown as yuan strings with two decimals;
/// reports show 万元 (10,000 yuan) with two decimals, rounded half-up once.
public struct Money: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var fen: Int64

    public init(fen: Int64) { self.fen = fen }

    public static let zero = Money(fen: 0)

    /// Whole yuan, e.g. a standard of 600 yuan.
    public static func yuan(_ yuan: Int64) -> Money { Money(fen: yuan * 100) }

    /// The largest amount accepted from input: 999,999,999,999.99 yuan (sums of many such stay far
    /// from Int64 overflow).
    public static let maximumInputWholeYuanDigits = 12

    /// Parses a yuan amount: `900`, `900.5`, `900.50`, `-12.30`, `1,234.00` (commas only as thousands
    /// separators). At most two decimals and 12 whole digits.
    /// - Throws: `DomainInputError.invalidAmount` naming the text (three decimals, letters, empty, too large).
    public init(yuan text: String) throws(DomainInputError) {
        var s = text.trimmingWhitespace()
        if s.contains(",") {
            // "1,234,567.89" is Excel's grouping; "9,0,0" is a typo, not 900.
            let whole = s.split(separator: ".", omittingEmptySubsequences: false)[0]
            let groups = whole.drop { $0 == "-" || $0 == "+" }.split(separator: ",", omittingEmptySubsequences: false)
            guard groups.count > 1, (1...3).contains(groups[0].count), groups.dropFirst().allSatisfy({ $0.count == 3 })
            else { throw .invalidAmount(text) }
            s = s.replacingAll(",", with: "")
        }
        var negative = false
        if s.hasPrefix("-") { negative = true; s.removeFirst() } else if s.hasPrefix("+") { s.removeFirst() }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard !s.isEmpty, parts.count <= 2,
              let whole = parts.first, !whole.isEmpty, whole.allSatisfy({ $0.isASCII && $0.isNumber }),
              whole.count <= Money.maximumInputWholeYuanDigits
        else { throw .invalidAmount(text) }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 2, fraction.allSatisfy({ $0.isASCII && $0.isNumber }),
              parts.count == 1 || !fraction.isEmpty
        else { throw .invalidAmount(text) }
        fraction = fraction.padding(toLength: 2)
        guard let w = Int64(whole), let f = Int64(fraction) else { throw .invalidAmount(text) }
        let value = w * 100 + f
        self.fen = negative ? -value : value
    }

    /// `900.00`, `-12.30`.
    public var yuanString: String {
        let sign = fen < 0 ? "-" : ""
        let m = fen.magnitude
        return "\(sign)\(m / 100).\(String(m % 100).leftPadded(to: 2))"
    }

    /// `4,168,717.00`: yuan with thousands separators, for pages people read.
    public var groupedYuanString: String {
        let plain = yuanString
        let negative = plain.hasPrefix("-")
        let digits = negative ? String(plain.dropFirst()) : plain
        let parts = digits.split(separator: ".")
        var whole = String(parts[0])
        var grouped = ""
        while whole.count > 3 {
            grouped = "," + whole.suffix(3) + grouped
            whole = String(whole.dropLast(3))
        }
        return (negative ? "-" : "") + whole + grouped + "." + parts[1]
    }

    /// 万元 with two decimals, half-up: 59,042,900.00 yuan → `5904.29`.
    public var wanYuanString: String {
        Money(fen: FenRatio(numerator: fen, denominator: 10_000).roundedHalfUp().fen).yuanString
    }

    public var description: String { yuanString }

    public static func < (a: Money, b: Money) -> Bool { a.fen < b.fen }
    public static func + (a: Money, b: Money) -> Money { Money(fen: a.fen + b.fen) }
    public static func - (a: Money, b: Money) -> Money { Money(fen: a.fen - b.fen) }
    public static func * (a: Money, n: Int) -> Money { Money(fen: a.fen * Int64(n)) }
    public static func += (a: inout Money, b: Money) { a = a + b }
    public static prefix func - (a: Money) -> Money { Money(fen: -a.fen) }
}

extension Money: Codable {
    /// Encoded as a yuan string (`"900.00"`) so JSON never carries a float.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try Money(yuan: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(yuanString)
    }
}

/// An exact amount of fen that need not be whole: `numerator / denominator` fen.
///
/// Used for values that are not whole fen on the way (an annual income ÷ 12, a per-capita income), so
/// that rounding happens once, at the end.
public struct FenRatio: Hashable, Sendable {
    public var numerator: Int64
    public var denominator: Int64

    public init(numerator: Int64, denominator: Int64) {
        precondition(denominator > 0, "FenRatio denominator must be positive")
        self.numerator = numerator
        self.denominator = denominator
    }

    public init(_ money: Money) { self.init(numerator: money.fen, denominator: 1) }

    /// Rounds half-up (half away from zero) to whole fen.
    public func roundedHalfUp() -> Money {
        let q = numerator / denominator
        let r = numerator % denominator
        if r == 0 { return Money(fen: q) }
        if 2 * r.magnitude >= UInt64(denominator) { return Money(fen: numerator < 0 ? q - 1 : q + 1) }
        return Money(fen: q)
    }

    public static func + (a: FenRatio, b: FenRatio) -> FenRatio {
        if a.denominator == b.denominator {
            return FenRatio(numerator: a.numerator + b.numerator, denominator: a.denominator)
        }
        return FenRatio(numerator: a.numerator * b.denominator + b.numerator * a.denominator,
                        denominator: a.denominator * b.denominator).reduced()
    }

    public static func - (a: FenRatio, b: FenRatio) -> FenRatio {
        a + FenRatio(numerator: -b.numerator, denominator: b.denominator)
    }

    public func divided(by n: Int) -> FenRatio {
        precondition(n > 0)
        return FenRatio(numerator: numerator, denominator: denominator * Int64(n)).reduced()
    }

    public var isPositive: Bool { numerator > 0 }

    func reduced() -> FenRatio {
        var a = numerator.magnitude, b = UInt64(denominator)
        while b != 0 { (a, b) = (b, a % b) }
        let g = Int64(max(a, 1))
        return FenRatio(numerator: numerator / g, denominator: denominator / g)
    }

    public static func == (a: FenRatio, b: FenRatio) -> Bool {
        a.numerator * b.denominator == b.numerator * a.denominator
    }

    public func hash(into hasher: inout Hasher) {
        let r = reduced()
        hasher.combine(r.numerator)
        hasher.combine(r.denominator)
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }

    func padding(toLength n: Int) -> String {
        count >= n ? self : self + String(repeating: "0", count: n - count)
    }
}
