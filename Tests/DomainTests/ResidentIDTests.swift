import Foundation
import Testing
@testable import Domain

@Suite struct ResidentIDTests {
    /// The vectors of Vectors/idcard_test_vectors.csv (GB 11643-1999 examples and synthetic).
    static let valid: [(String, String, Sex, String)] = [
        ("11010519491231002X", "1949-12-31", .female, "110105"),
        ("440524188001010014", "1880-01-01", .male, "440524"),
        ("120223198902021249", "1989-02-02", .female, "120223"),
        ("130132199210293822", "1992-10-29", .female, "130132"),
        ("34052419800101001X", "1980-01-01", .male, "340524"),
        ("510921195001010010", "1950-01-01", .male, "510921"),
        ("510921195001010029", "1950-01-01", .female, "510921"),
        ("510921198512310334", "1985-12-31", .male, "510921"),
        ("510921201006150045", "2010-06-15", .female, "510921"),
    ]

    @Test(arguments: valid)
    func acceptsValidNumbers(id: String, birth: String, sex: Sex, address: String) throws {
        let r = try ResidentID(id)
        #expect(r.value == id)
        #expect(r.birthDate.description == birth)
        #expect(r.sex == sex)
        #expect(r.addressCode == address)
    }

    @Test func refusesWrongCheckDigits() {
        #expect(throws: ResidentIDError.checkDigitMismatch("130402198207290622", expected: "4", likelySpreadsheetDamage: false)) {
            try ResidentID("130402198207290622")
        }
        #expect(throws: ResidentIDError.checkDigitMismatch("510921195001010011", expected: "0", likelySpreadsheetDamage: false)) {
            try ResidentID("510921195001010011")
        }
        // lower-case x is normalised first; the check digit here is 0, so it is still invalid.
        #expect(throws: ResidentIDError.checkDigitMismatch("51092119500101001x", expected: "0", likelySpreadsheetDamage: false)) {
            try ResidentID("51092119500101001x")
        }
    }

    @Test func refusesImpossibleBirthDate() {
        #expect(throws: ResidentIDError.invalidBirthDate("510921194202290050")) { try ResidentID("510921194202290050") }
    }

    @Test func convertsFifteenDigits() throws {
        #expect(try ResidentID("340524800101001").value == "34052419800101001X")
    }

    /// Field case C10: roster rows mangled by a spreadsheet.
    @Test func fieldCaseC10SpreadsheetDamage() throws {
        // Row 1: the cell shown as scientific notation.
        #expect(throws: ResidentIDError.scientificNotation("1.10101E+17")) { try ResidentID("1.10101E+17") }
        // Row 2: the digits Excel kept (15 significant), with zeros for the rest.
        do {
            _ = try ResidentID("110101199003079000")
            Issue.record("a zero-tailed number must be refused")
        } catch {
            guard case .checkDigitMismatch(_, _, likelySpreadsheetDamage: true) = error else {
                Issue.record("expected a spreadsheet hint, got \(error)"); return
            }
            #expect(error.message.contains("表格软件"))
        }
        // Row 3: lower-case x accepted and stored upper-case.
        #expect(try ResidentID("11010119720528959x").value == "11010119720528959X")
        // Row 4: full-width digits accepted and normalised.
        #expect(try ResidentID("１１０１０１１９９００３０７９１６３").value == "110101199003079163")
        // Spaces and a full-width space inside are dropped.
        #expect(try ResidentID(" 110101 19900307 9163　").value == "110101199003079163")
    }

    @Test(arguments: [
        ("", ResidentIDError.empty),
        ("12345", .wrongLength("12345", 5)),
        ("11010119900307916", .wrongLength("11010119900307916", 17)),
        ("1101011990030791633", .wrongLength("1101011990030791633", 19)),
        ("11010119900307916A", .invalidCharacters("11010119900307916A", "A")),
        ("ABCDEFGHIJKLMNO", .invalidCharacters("ABCDEFGHIJKLMNO", "A")),
    ])
    func refusesMalformed(raw: String, error: ResidentIDError) {
        #expect(throws: error) { try ResidentID(raw) }
    }

    @Test func maskAndAge() throws {
        let r = try ResidentID("510921195001010010")
        #expect(r.masked == "510921************")
        #expect(r.age(on: CivilDate(year: 2021, month: 1, day: 1)!) == 71)
        #expect(r.age(on: CivilDate(year: 2020, month: 12, day: 31)!) == 70)
    }

    /// Checks the product against the vectors file (a copy of the shared idcard_test_vectors.csv kept in
    /// the repository, so the test always runs).
    @Test func vectorsFile() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Vectors/idcard_test_vectors.csv")
        let text = try String(contentsOf: url, encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline)
        #expect(lines.count == 14)
        for line in lines.dropFirst() {
            let cols = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            let ok = cols[2] == "True" && cols[3] == "True"
            let parsed = try? ResidentID(cols[0])
            #expect((parsed != nil) == ok, "vector \(cols[0])")
            if let parsed, ok { #expect(parsed.sex == (cols[4] == "M" ? .male : .female)) }
        }
    }
}

/// Identifiers taken out of kept free text (the audit trail), and what is left alone.
@Suite struct RedactionTests {
    @Test(arguments: [
        ("姓名 51092119730204714X，0 户", "姓名 510921************，0 户"),
        ("姓名 510921197302047141", "姓名 510921************"),
        ("GET /households/51092119730204714x：无此记录", "GET /households/510921************：无此记录"),
        ("q=510921-19730204-714X", "q=510921-********-****"),
        ("账号 6217 0000 0000 0001 变更", "账号 6217 00** **** **** 变更"),
        ("５１０９２１１９７３０２０４７１４Ｘ", "５１０９２１************"),
        ("村 510921112243 户 3", "村 510921112243 户 3"),
        ("电话 13800138000", "电话 13800138000"),
        ("2021-06-01 2021-06-30 900.00", "2021-06-01 2021-06-30 900.00"),
        ("51092119730204714", "510921***********"),
        ("510921　19611128　3656", "510921　********　****"),
        ("510921.19611128/3656", "510921.********/****"),
        ("510921 _19611128,,3656", "510921 _********,,****"),
        ("GET /households/510921%2019611128%203656", "GET /households/510921 ******** ****"),
        ("%E5%A7%93 51092119611128365X", "姓 510921************"),
    ])
    func identifiersAreRedacted(text: String, expected: String) {
        #expect(Redaction.identifiers(in: text) == expected)
    }
}

/// Issue 8: one normaliser for every ID that enters; province codes against the national list; numbers that
/// pass but look spreadsheet-damaged flagged; every message exact about what is wrong.
@Suite struct ResidentIDNormaliserTests {
    @Test(arguments: [
        ("00000019900101123X", ResidentIDError.unknownProvince("00000019900101123X", "00")),
        ("990101199001011230", ResidentIDError.unknownProvince("990101199001011230", "99")),
        ("000000900101123", ResidentIDError.unknownProvince("000000900101123", "00")),
    ])
    func regionCodesThatNeverExistedAreRefused(raw: String, error: ResidentIDError) {
        #expect(throws: error) { try ResidentID(raw) }
        #expect(error.message.contains("不是任何省级行政区划代码"))
    }

    /// People keep the number they were issued: an older county code of a real province is accepted.
    @Test func olderCountyCodesOfARealProvinceAreAccepted() throws {
        // 510922 was 射洪县 before it became a city; 513030 is an old 达县 code.
        for body in ["51092219800101001", "51303019800101001"] {
            let id = body + String(ResidentID.checkCharacter(for: Array(body)))
            #expect(try ResidentID(id).addressCode == String(body.prefix(6)))
        }
    }

    @Test func aNonNumericValueIsNotCalledScientificNotation() {
        #expect(throws: ResidentIDError.invalidCharacters("ABCDEFGHIJKLMNOPQR", "A")) { try ResidentID("ABCDEFGHIJKLMNOPQR") }
        #expect(throws: ResidentIDError.invalidCharacters("11010119900307916E", "E")) { try ResidentID("11010119900307916E") }
        #expect(throws: ResidentIDError.wrongLength("无", 1)) { try ResidentID("无") }
        #expect(throws: ResidentIDError.scientificNotation("1.10101E+17")) { try ResidentID("1.10101E+17") }
        #expect(throws: ResidentIDError.scientificNotation("1.10101199003079e17")) { try ResidentID("1.10101199003079e17") }
        #expect(ResidentIDError.invalidCharacters("ABCDEFGHIJKLMNOPQR", "A").message
            == "身份证号码“ABCDEFGHIJKLMNOPQR”含有不应有的字符“A”：前 17 位须为数字，末位为数字或 X (invalid character)")
    }

    @Test(arguments: [
        "\u{200B}110101199003079163",          // zero-width space
        "\u{FEFF}110101199003079163",          // byte-order mark
        "110101\u{2060}199003079163\u{200E}",  // word joiner, direction mark
        "110101\u{00AD}199003079163",          // soft hyphen
        "=\"110101199003079163\"",             // a CSV cell written as a formula to keep it text
        "'110101199003079163",                 // Excel's text marker
        "１１０１０１１９９００３０７９１６３",  // full-width digits
        "110101 1990 0307 9163",
    ])
    func invisibleCharactersAndWrappersAreDropped(raw: String) throws {
        #expect(try ResidentID(raw).value == "110101199003079163")
    }

    @Test func aValidNumberEndingInThreeZerosIsFlaggedForAPerson() throws {
        let suspect = try ResidentID("510921198512310000")
        #expect(suspect.looksSpreadsheetDamaged)
        #expect(try ResidentID("510921198512310334").looksSpreadsheetDamaged == false)
    }

    @Test func theInvisibleCharacterIsNamedByItsCode() {
        let e = ResidentIDError.invalidCharacters("x", "\u{0007}")
        #expect(e.message.contains("U+0007"))
    }
}
