/// A 居民身份证号码 (resident ID number) under GB 11643-1999, always 18 characters, normalised.
///
/// Normalisation accepts what clerks and spreadsheets actually produce: surrounding and inner spaces,
/// full-width digits and `Ｘ`, a lower-case `x`, and the old 15-digit numbers (converted by inserting
/// "19" before the year and computing the check character). It refuses numbers mangled by Excel
/// (`1.10101E+17`, or 18 digits whose check fails because the tail became zeros), saying so.
public struct ResidentID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The 18 normalised characters, e.g. `11010519491231002X`.
    public let value: String

    /// The ISO 7064 MOD 11-2 weights of GB 11643-1999.
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters: [Character] = ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]

    /// The province-level codes of GB/T 2260 (the first two digits of every region code). Only the
    /// province is checked: county codes change (Pengxi's own was renumbered) and people keep the number
    /// they were issued, so an older county code is accepted (docs/adr/0024-matching.md).
    public static let provinceCodes: Set<String> = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35",
                                                    "36", "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54",
                                                    "61", "62", "63", "64", "65", "71", "81", "82"]

    /// Characters dropped before anything is checked: spaces of every width, tabs and line breaks, and the
    /// invisible ones copied in from web pages and word processors (zero-width space and joiners, the
    /// byte-order mark, word joiner, soft hyphen, direction marks).
    static func isIgnorable(_ v: UInt32) -> Bool {
        switch v {
        case 0x20, 0x09, 0x0A, 0x0D, 0xA0, 0x3000, 0x2000...0x200F, 0x2028, 0x2029, 0x202A...0x202F, 0x2060, 0xFEFF, 0xAD:
            return true
        default: return false
        }
    }

    /// The one normaliser every ID number goes through (registry, applications, imported datasets):
    /// drops ignorable characters, full-width digits and `Ｘ` become ASCII, `x` becomes `X`, and the
    /// wrappers a spreadsheet leaves (`="…"`, a leading `'`) are taken off. Nothing is validated here.
    public static func normalizedText(_ raw: String) -> String {
        var text = raw
        let trimmed = raw.trimmingWhitespace()
        if trimmed.hasPrefix("=\""), trimmed.hasSuffix("\""), trimmed.count >= 3 {
            text = String(trimmed.dropFirst(2).dropLast())
        } else if trimmed.hasPrefix("'") || trimmed.hasPrefix("\u{2018}") || trimmed.hasPrefix("\u{2019}") {
            text = String(trimmed.dropFirst())
        }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if isIgnorable(v) { continue }
            switch v {
            case 0xFF10...0xFF19: out.append(Unicode.Scalar(v - 0xFF10 + 0x30)!)
            case 0xFF38, 0xFF58, 0x78: out.append("X")
            default: out.append(scalar)
            }
        }
        return String(out)
    }

    /// Validates and normalises `raw` (`normalizedText`, then length, characters, province, birth date
    /// and the GB 11643-1999 check character; 15-digit numbers become 18 by inserting "19" and computing
    /// the check character).
    /// - Throws: `ResidentIDError` naming the value and exactly what is wrong with it.
    public init(_ raw: String) throws(ResidentIDError) {
        let text = ResidentID.normalizedText(raw)
        var chars = Array(text)
        if chars.isEmpty { throw .empty }
        if ResidentID.looksScientific(text) { throw .scientificNotation(raw) }
        if chars.count == 15 {
            if let bad = chars.first(where: { !($0.isASCII && $0.isNumber) }) { throw .invalidCharacters(raw, bad) }
            try ResidentID.checkProvince(chars, raw)
            var body = Array(chars[0..<6]) + ["1", "9"] + Array(chars[6..<15])
            let check = ResidentID.checkCharacter(for: body)
            body.append(check)
            chars = body
        } else {
            guard chars.count == 18 else { throw .wrongLength(raw, chars.count) }
            if let bad = chars[0..<17].first(where: { !($0.isASCII && $0.isNumber) }) { throw .invalidCharacters(raw, bad) }
            guard chars[17] == "X" || (chars[17].isASCII && chars[17].isNumber) else { throw .invalidCharacters(raw, chars[17]) }
            try ResidentID.checkProvince(chars, raw)
            let expected = ResidentID.checkCharacter(for: Array(chars[0..<17]))
            if expected != chars[17] {
                throw .checkDigitMismatch(raw, expected: expected, likelySpreadsheetDamage: String(chars).hasSuffix("000"))
            }
        }
        let digits = chars.map { Int(String($0)) ?? 10 }
        let y = digits[6] * 1000 + digits[7] * 100 + digits[8] * 10 + digits[9]
        let m = digits[10] * 10 + digits[11]
        let d = digits[12] * 10 + digits[13]
        guard y >= 1850, CivilDate(year: y, month: m, day: d) != nil else { throw .invalidBirthDate(raw) }
        self.value = String(chars)
    }

    /// `1.10101E+17`, `1.1E17`, `110101199003079E+3`: what a spreadsheet shows for a long number.
    static func looksScientific(_ text: String) -> Bool {
        let parts = text.uppercased().split(separator: "E", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        let mantissa = parts[0].split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(mantissa.count), mantissa.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              !mantissa[0].isEmpty else { return false }
        var exponent = Substring(parts[1])
        if exponent.first == "+" || exponent.first == "-" { exponent = exponent.dropFirst() }
        return !exponent.isEmpty && exponent.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func checkProvince(_ chars: [Character], _ raw: String) throws(ResidentIDError) {
        let province = String(chars[0..<2])
        guard provinceCodes.contains(province) else { throw .unknownProvince(raw, province) }
    }

    /// A valid number whose last three characters are `000`: what is left when a spreadsheet stored an
    /// 18-digit number as a number (15 significant digits) and the check character happened to fit
    /// (1 in 11). Accepted, with a warning that a person clears against the card (field case C10).
    public var looksSpreadsheetDamaged: Bool { value.hasSuffix("000") }

    /// Trusts an already-normalised value read back from storage (validated on the way in).
    public init(trustedNormalized value: String) { self.value = value }

    /// The GB 11643 check character for the first 17 digits.
    public static func checkCharacter(for first17: [Character]) -> Character {
        var sum = 0
        for (i, c) in first17.enumerated() { sum += (Int(String(c)) ?? 0) * weights[i] }
        return checkCharacters[sum % 11]
    }

    /// The six-digit address code of the household registration at issue (GB/T 2260).
    public var addressCode: String { String(value.prefix(6)) }

    public var birthDate: CivilDate {
        let s = Array(value)
        let n = { (r: Range<Int>) in Int(String(s[r]))! }
        return CivilDate(year: n(6..<10), month: n(10..<12), day: n(12..<14))!
    }

    /// Digit 17: odd for men, even for women.
    public var sex: Sex { Int(String(Array(value)[16]))! % 2 == 1 ? .male : .female }

    /// Age in whole years on `date`.
    public func age(on date: CivilDate) -> Int {
        let b = birthDate
        var years = date.year - b.year
        if (date.month, date.day) < (b.month, b.day) { years -= 1 }
        return years
    }

    /// The region code and nothing else, e.g. `510921************`, for notices, lists and the audit trail.
    /// Not the last four: the birth date in the middle is shown beside it and stored in the clear, and the
    /// two together are the whole number (found when tried as a new user would).
    public var masked: String { String(value.prefix(6)) + String(repeating: "*", count: 12) }

    public var description: String { value }

    public static func < (a: ResidentID, b: ResidentID) -> Bool { a.value < b.value }
}

extension ResidentID: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try ResidentID(text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(value)
    }
}

public enum Sex: String, Codable, Sendable {
    case male, female

    public var chinese: String { self == .male ? "男" : "女" }
}

/// Why a resident ID number was refused. Every case carries the text as given.
public enum ResidentIDError: Error, Equatable, Sendable {
    case empty
    case scientificNotation(String)
    case wrongLength(String, Int)
    /// The text as given and the first character that does not belong in an ID number.
    case invalidCharacters(String, Character)
    /// The first two digits are no province of GB/T 2260 (`00…`, `99…`).
    case unknownProvince(String, String)
    case checkDigitMismatch(String, expected: Character, likelySpreadsheetDamage: Bool)
    case invalidBirthDate(String)

    public var message: String {
        switch self {
        case .empty:
            return "身份证号码为空 (resident ID is empty)"
        case .scientificNotation(let raw):
            return "身份证号码“\(raw)”是科学计数法，已被表格软件损坏：请把该列设为文本后重新录入 (number was turned into scientific notation by a spreadsheet)"
        case .wrongLength(let raw, let n):
            return "身份证号码“\(raw)”有 \(n) 位，应为 18 位（或旧 15 位） (must have 18 or 15 characters)"
        case let .invalidCharacters(raw, bad):
            let shown = bad.unicodeScalars.first.map { scalar -> String in
                guard scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.properties.generalCategory == .format else {
                    return String(bad)
                }
                let hex = String(scalar.value, radix: 16, uppercase: true)
                return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            } ?? String(bad)
            return "身份证号码“\(raw)”含有不应有的字符“\(shown)”：前 17 位须为数字，末位为数字或 X (invalid character)"
        case let .unknownProvince(raw, province):
            return "身份证号码“\(raw)”的前两位“\(province)”不是任何省级行政区划代码（GB/T 2260） (no such province code)"
        case .checkDigitMismatch(let raw, let expected, let spreadsheet):
            let hint = spreadsheet
                ? "；末尾为 000，可能是表格软件按数字保存丢失了末几位，请把该列设为文本后重新录入"
                : "；请核对原始证件"
            return "身份证号码“\(raw)”校验位错误（按前 17 位应为 \(expected)）\(hint) (check digit mismatch)"
        case .invalidBirthDate(let raw):
            return "身份证号码“\(raw)”中的出生日期不存在 (birth date in the number is not a real date)"
        }
    }
}
