/// An exact ratio such as 3/2 (the near-poverty multiplier) or 13/10, never a floating-point factor.
public struct Ratio: Hashable, Sendable, Codable, CustomStringConvertible {
    public let numerator: Int64
    public let denominator: Int64

    public init(_ numerator: Int64, _ denominator: Int64) {
        precondition(denominator > 0)
        self.numerator = numerator
        self.denominator = denominator
    }

    /// `money × ratio`, exact.
    public func times(_ money: Money) -> FenRatio { FenRatio(numerator: money.fen * numerator, denominator: denominator) }

    public var description: String {
        var n = numerator, d = denominator, s = ""
        // Show as a decimal when the denominator is a power of ten (1.5, 1.3).
        var places = 0
        while d % 10 == 0 { d /= 10; places += 1 }
        if d == 1 && places > 0 {
            let p = Int64(Array(repeating: 10, count: places).reduce(1, *))
            s = "\(n / p).\(String(n % p).leftPadded(to: places))"
            return s
        }
        n = numerator; d = denominator
        return d == 1 ? "\(n)" : "\(n)/\(d)"
    }
}

extension Ratio {
    /// Parses a non-negative decimal string such as `"1.5"`, `"0.20"` or `"2"` exactly: at most 4 whole
    /// digits and 4 decimals, so that every product with an amount stays far from overflow; `nil` for
    /// anything else (signs, exponents, commas, spaces, empty parts).
    public init?(decimal text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 4,
              whole.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard parts.count == 1 || !fraction.isEmpty, fraction.count <= 4,
              fraction.allSatisfy({ $0.isASCII && $0.isNumber }),
              let w = Int64(whole) else { return nil }
        var denominator: Int64 = 1
        for _ in 0..<fraction.count { denominator *= 10 }
        let f = fraction.isEmpty ? 0 : Int64(fraction)!
        self.init(w * denominator + f, denominator)
    }

    /// `ratio × n`, exact, as a ratio (for month multiples times household size).
    public func times(_ n: Int) -> Ratio { Ratio(numerator * Int64(n), denominator) }
}
