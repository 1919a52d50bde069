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
