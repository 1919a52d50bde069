import Foundation
import ZIPFoundation

/// A workbook written as the minimal parts of SpreadsheetML (ECMA-376): content types, relationships, a
/// workbook, one worksheet per sheet and a style sheet. No Swift library writes XLSX (CoreXLSX only
/// reads), so the XML is ours and the ZIP container is ZIPFoundation's; the files are proven by openpyxl
/// and LibreOffice in the tests (docs/adr/0023-office-files.md).
///
/// Text is written inline (`t="inlineStr"`), so an ID or account number stays text and is never shown as
/// 1.1E+17; amounts are numbers with two decimals.
public struct XLSXWorkbook: Sendable {
    public enum Cell: Hashable, Sendable {
        case text(String)
        /// Bold text (a header).
        case heading(String)
        /// A number shown with `decimals` places (0 or 2), written exactly as given (`"6674.15"`).
        case number(String, decimals: Int)
        case empty
    }

    public struct Sheet: Sendable {
        public var name: String
        public var rows: [[Cell]]
        /// Column widths in characters, from column A; nil: the reader's default.
        public var widths: [Double]
        /// Cell ranges merged, as `A1:F1`.
        public var merged: [String]

        public init(name: String, rows: [[Cell]] = [], widths: [Double] = [], merged: [String] = []) {
            self.name = name
            self.rows = rows
            self.widths = widths
            self.merged = merged
        }
    }

    public var sheets: [Sheet]

    public init(sheets: [Sheet]) { self.sheets = sheets }

    /// The `.xlsx` bytes.
    /// - Throws: ZIPFoundation's errors (none expected in memory); `XLSXError.sheetName` for a sheet name
    ///   Excel refuses (empty, over 31 characters, `[]:*?/\`, or twice).
    public func data() throws -> Data {
        var seen = Set<String>()
        for s in sheets {
            guard !s.name.isEmpty, s.name.count <= 31, !s.name.contains(where: { "[]:*?/\\".contains($0) }),
                  seen.insert(s.name.lowercased()).inserted else { throw XLSXError.sheetName(s.name) }
        }
        let package = try OOXMLPackage()
        let add = package.add
        let n = sheets.count
        try add("[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
            <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
            \((0..<n).map { "<Override PartName=\"/xl/worksheets/sheet\($0 + 1).xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>" }.joined())\
            </Types>
            """)
        try add("_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
            </Relationships>
            """)
        try add("xl/workbook.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <sheets>\(sheets.enumerated().map { i, s in "<sheet name=\"\(Self.escape(s.name))\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>" }.joined())</sheets>\
            </workbook>
            """)
        try add("xl/_rels/workbook.xml.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            \(sheets.indices.map { "<Relationship Id=\"rId\($0 + 1)\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet\($0 + 1).xml\"/>" }.joined())\
            <Relationship Id="rId\(n + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
            </Relationships>
            """)
        // Styles: 0 default, 1 bold, 2 number 0.00, 3 whole number; fonts: 0 normal, 1 bold.
        try add("xl/styles.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
            <fonts count="2"><font><sz val="11"/><name val="宋体"/></font><font><b/><sz val="11"/><name val="宋体"/></font></fonts>\
            <fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>\
            <borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
            <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
            <cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
            <xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>\
            <xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
            <xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>\
            <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
            </styleSheet>
            """)
        for (i, s) in sheets.enumerated() { try add("xl/worksheets/sheet\(i + 1).xml", Self.sheetXML(s)) }
        return try package.data()
    }

    static func sheetXML(_ s: Sheet) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
        out += "<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
        if !s.widths.isEmpty {
            out += "<cols>" + s.widths.enumerated().map { "<col min=\"\($0 + 1)\" max=\"\($0 + 1)\" width=\"\($1)\" customWidth=\"1\"/>" }.joined() + "</cols>"
        }
        out += "<sheetData>"
        for (r, row) in s.rows.enumerated() {
            out += "<row r=\"\(r + 1)\">"
            for (c, cell) in row.enumerated() {
                let ref = column(c) + String(r + 1)
                switch cell {
                case .empty: continue
                case .text(let t): out += "<c r=\"\(ref)\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escape(t))</t></is></c>"
                case .heading(let t): out += "<c r=\"\(ref)\" s=\"1\" t=\"inlineStr\"><is><t xml:space=\"preserve\">\(escape(t))</t></is></c>"
                case let .number(v, decimals): out += "<c r=\"\(ref)\" s=\"\(decimals == 0 ? 3 : 2)\"><v>\(escape(v))</v></c>"
                }
            }
            out += "</row>"
        }
        out += "</sheetData>"
        if !s.merged.isEmpty {
            out += "<mergeCells count=\"\(s.merged.count)\">" + s.merged.map { "<mergeCell ref=\"\($0)\"/>" }.joined() + "</mergeCells>"
        }
        out += "<pageSetup paperSize=\"9\" orientation=\"landscape\"/>"
        return out + "</worksheet>"
    }

    /// `A`, `B`, …, `Z`, `AA`: the column letters of a 0-based index.
    public static func column(_ index: Int) -> String {
        var n = index + 1, s = ""
        while n > 0 {
            let r = (n - 1) % 26
            s = String(UnicodeScalar(UInt8(65 + r))) + s
            n = (n - 1) / 26
        }
        return s
    }

    /// Text safe inside XML: the five entities escaped, and characters XML 1.0 forbids (control
    /// characters other than tab and line ends) dropped.
    public static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                if u.value < 0x20 && u != "\t" && u != "\n" && u != "\r" { continue }
                if u.value == 0xFFFE || u.value == 0xFFFF { continue }
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}

public enum XLSXError: Error, Equatable, Sendable {
    case sheetName(String)
    case notWritten

    public var message: String {
        switch self {
        case .sheetName(let n): return "工作表名称“\(n)”不可用：须为 1–31 个字符、不含 []:*?/\\ 且不重复 (bad sheet name)"
        case .notWritten: return "XLSX 文件未能生成 (the workbook was not written)"
        }
    }
}

/// An OOXML package being written (XLSX, DOCX): parts added as UTF-8 text, deflated, with a fixed
/// modification time so the same parts make the same bytes.
struct OOXMLPackage {
    let archive: Archive

    init() throws { archive = try Archive(data: Data(), accessMode: .create) }

    func add(_ path: String, _ text: String) throws {
        let bytes = Data(text.utf8)
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(bytes.count),
                             modificationDate: Date(timeIntervalSince1970: 1_609_459_200), compressionMethod: .deflate) { position, size in
            bytes.subdata(in: Int(position)..<Int(position) + size)
        }
    }

    /// - Throws: `XLSXError.notWritten` when the archive has no bytes.
    func data() throws -> Data {
        guard let data = archive.data else { throw XLSXError.notWritten }
        return data
    }
}
