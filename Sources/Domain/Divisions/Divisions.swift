/// A 12-digit 统计用区划代码 (statistical division code), e.g. `510921112243`.
public struct DivisionCode: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public let value: String

    /// Accepts 12 digits, or a 6-digit county / 9-digit township code padded with zeros.
    public init?(_ raw: String) {
        let t = raw.trimmingWhitespace()
        guard [6, 9, 12].contains(t.count), t.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        value = t.padding(toLength: 12)
    }

    /// The 6-digit county code (`510921`).
    public var countyCode: String { String(value.prefix(6)) }
    /// The 12-digit code of the township this code lies in.
    public var townshipCode: DivisionCode { DivisionCode(String(value.prefix(9)))! }

    public var description: String { value }
    public static func < (a: DivisionCode, b: DivisionCode) -> Bool { a.value < b.value }
}

public enum DivisionLevel: String, Codable, Sendable {
    case county, township, village
}

public struct Division: Hashable, Sendable {
    public let code: DivisionCode
    public let name: String
    public let level: DivisionLevel
    /// True for made-up villages used by demo data; their codes are not real NBS codes.
    public let isSynthetic: Bool
}

/// The divisions table of an installed county: the only source of valid township and village codes.
public struct Divisions: Sendable {
    public let county: Division
    public let townships: [Division]
    public let villages: [Division]
    private let byCode: [DivisionCode: Division]

    public init(_ all: [Division]) {
        county = all.first { $0.level == .county }!
        townships = all.filter { $0.level == .township }
        villages = all.filter { $0.level == .village }
        byCode = Dictionary(uniqueKeysWithValues: all.map { ($0.code, $0) })
    }

    /// Pengxi County, Suining, Sichuan (蓬溪县, 510921): 20 towns and their villages.
    public static let pengxi: Divisions = Divisions(pengxiRows.map {
        Division(code: DivisionCode($0.code)!, name: $0.name, level: $0.level, isSynthetic: $0.synthetic)
    })

    public func division(_ code: DivisionCode) -> Division? { byCode[code] }

    /// The village with this code, or an error naming the code when it is not in the table.
    /// - Throws: `RegistryError.unknownVillage`.
    public func village(_ raw: String) throws(RegistryError) -> Division {
        guard let code = DivisionCode(raw), let d = byCode[code], d.level == .village else {
            throw .unknownVillage(raw)
        }
        return d
    }

    public func villages(in township: DivisionCode) -> [Division] {
        villages.filter { $0.code.townshipCode == township }
    }

    /// The township a village lies in.
    public func township(of code: DivisionCode) -> Division? { byCode[code.townshipCode] }
}
