import Foundation

/// A Word document written as the minimal parts of WordprocessingML (ECMA-376): content types,
/// relationships, the document with its A4 section, and styles. Like `XLSXWorkbook`, ours because no
/// Swift library writes DOCX; proven by python-docx in the tests (docs/adr/0023-office-files.md).
public struct DOCXDocument: Sendable {
    public enum Block: Sendable, Hashable {
        /// Centred, bold, 16 pt.
        case title(String)
        /// Bold, 14 pt (一、项目概况).
        case heading(String)
        case paragraph(String)
        /// A table with borders; the first row bold when `header`.
        case table(rows: [[String]], header: Bool)
    }

    public var blocks: [Block]

    public init(blocks: [Block]) { self.blocks = blocks }

    /// The `.docx` bytes.
    public func data() throws -> Data {
        let package = try OOXMLPackage()
        let add = package.add
        try add("[Content_Types].xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
            <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
            <Default Extension="xml" ContentType="application/xml"/>\
            <Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>\
            <Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>\
            </Types>
            """)
        try add("_rels/.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>\
            </Relationships>
            """)
        try add("word/_rels/document.xml.rels", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
            <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
            </Relationships>
            """)
        try add("word/styles.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">\
            <w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="宋体" w:eastAsia="宋体" w:hAnsi="宋体"/><w:sz w:val="24"/></w:rPr></w:rPrDefault></w:docDefaults>\
            <w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>\
            <w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/></w:style>\
            </w:styles>
            """)
        var body = ""
        for b in blocks {
            switch b {
            case .title(let t): body += Self.paragraph(t, bold: true, size: 32, centred: true)
            case .heading(let t): body += Self.paragraph(t, bold: true, size: 28, centred: false)
            case .paragraph(let t):
                for line in t.split(separator: "\n", omittingEmptySubsequences: false) {
                    body += Self.paragraph(String(line), bold: false, size: 24, centred: false, indent: true)
                }
            case let .table(rows, header): body += Self.table(rows, header: header)
            }
        }
        // A4 portrait, 2.54 cm margins (twentieths of a point).
        body += #"<w:sectPr><w:pgSz w:w="11906" w:h="16838"/><w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="851" w:footer="992" w:gutter="0"/></w:sectPr>"#
        try add("word/document.xml", """
            <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
            <w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>\(body)</w:body></w:document>
            """)
        return try package.data()
    }

    static func run(_ text: String, bold: Bool, size: Int) -> String {
        "<w:r><w:rPr>\(bold ? "<w:b/>" : "")<w:sz w:val=\"\(size)\"/></w:rPr><w:t xml:space=\"preserve\">\(XLSXWorkbook.escape(text))</w:t></w:r>"
    }

    static func paragraph(_ text: String, bold: Bool, size: Int, centred: Bool, indent: Bool = false) -> String {
        let props = (centred ? "<w:jc w:val=\"center\"/>" : "") + (indent ? "<w:ind w:firstLine=\"480\"/>" : "")
        return "<w:p><w:pPr>\(props)</w:pPr>\(run(text, bold: bold, size: size))</w:p>"
    }

    static func table(_ rows: [[String]], header: Bool) -> String {
        let border = "<w:top w:val=\"single\" w:sz=\"4\"/><w:left w:val=\"single\" w:sz=\"4\"/><w:bottom w:val=\"single\" w:sz=\"4\"/><w:right w:val=\"single\" w:sz=\"4\"/><w:insideH w:val=\"single\" w:sz=\"4\"/><w:insideV w:val=\"single\" w:sz=\"4\"/>"
        let columns = rows.map(\.count).max() ?? 0
        var out = "<w:tbl><w:tblPr><w:tblW w:w=\"0\" w:type=\"auto\"/><w:tblBorders>\(border)</w:tblBorders></w:tblPr><w:tblGrid>"
        out += String(repeating: "<w:gridCol w:w=\"\(9000 / max(columns, 1))\"/>", count: columns) + "</w:tblGrid>"
        for (i, row) in rows.enumerated() {
            out += "<w:tr>"
            for c in 0..<columns {
                let text = c < row.count ? row[c] : ""
                out += "<w:tc><w:tcPr><w:tcW w:w=\"0\" w:type=\"auto\"/></w:tcPr><w:p>\(run(text, bold: header && i == 0, size: 21))</w:p></w:tc>"
            }
            out += "</w:tr>"
        }
        return out + "</w:tbl><w:p/>"
    }
}
