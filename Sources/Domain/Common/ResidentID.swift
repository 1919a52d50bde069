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

    /// Validates and normalises `raw`.
    /// - Throws: `ResidentIDError` naming the value and the fault.
    public init(_ raw: String) throws(ResidentIDError) {
        var chars: [Character] = []
        for scalar in raw.unicodeScalars {
            switch scalar.value {
            case 0x20, 0x09, 0x3000, 0xA0, 0x0A, 0x0D: continue  // spaces, tabs, full-width space
            case 0xFF10...0xFF19: chars.append(Character(Unicode.Scalar(scalar.value - 0xFF10 + 0x30)!))
            case 0xFF38, 0xFF58: chars.append("X")  // full-width X / x
            case 0x78: chars.append("X")
            default: chars.append(Character(scalar))
            }
        }
        let text = String(chars)
        if text.isEmpty { throw .empty }
        if text.contains("E") || text.contains("e") || (text.contains(".") && text.count < 18) {
            throw .scientificNotation(raw)
        }
        if chars.count == 15 {
            guard chars.allSatisfy({ $0.isASCII && $0.isNumber }) else { throw .invalidCharacters(raw) }
            var body = Array(chars[0..<6]) + ["1", "9"] + Array(chars[6..<15])
            let check = ResidentID.checkCharacter(for: body)
            body.append(check)
            chars = body
        } else {
            guard chars.count == 18 else { throw .wrongLength(raw, chars.count) }
            guard chars[0..<17].allSatisfy({ $0.isASCII && $0.isNumber }),
                  chars[17] == "X" || (chars[17].isASCII && chars[17].isNumber)
            else { throw .invalidCharacters(raw) }
            let expected = ResidentID.checkCharacter(for: Array(chars[0..<17]))
            if expected != chars[17] {
                let tail = String(chars[14..<18])
                throw .checkDigitMismatch(raw, expected: expected, likelySpreadsheetDamage: tail.hasSuffix("000"))
            }
        }
        let digits = chars.map { Int(String($0)) ?? 10 }
        let y = digits[6] * 1000 + digits[7] * 100 + digits[8] * 10 + digits[9]
        let m = digits[10] * 10 + digits[11]
        let d = digits[12] * 10 + digits[13]
        guard y >= 1850, CivilDate(year: y, month: m, day: d) != nil else { throw .invalidBirthDate(raw) }
        self.value = String(chars)
    }

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
    case invalidCharacters(String)
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
        case .invalidCharacters(let raw):
            return "身份证号码“\(raw)”含有非法字符：前 17 位须为数字，末位为数字或 X (invalid characters)"
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
