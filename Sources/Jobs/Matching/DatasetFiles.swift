import CSV
import Domain
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Persistence
import ZIPFoundation

/// Opens a department's file as rows: CSV (UTF-8, with or without BOM, or GB18030: what Excel saves on a
/// Chinese Windows PC) or XLSX (the first sheet). docs/matching.md.
public enum DatasetFiles {
    /// The file's rows, its SHA-256 (streamed, 1 MiB at a time), about how many data rows it has (line
    /// breaks less the heading; for progress), and a clean-up to call when done.
    /// - Throws: `DatasetError.unreadable` naming the file and what is wrong.
    public static func open(_ url: URL) throws -> (rows: any DatasetRowSource, sha256: String, estimate: Int, close: @Sendable () -> Void) {
        guard let handle = try? FileHandle(forReadingFrom: url) else { throw DatasetError.unreadable("无法打开 \(url.path)") }
        defer { try? handle.close() }
        var hasher = Checksum.Streaming()
        var head = Data()
        // Encoding: every line valid UTF-8, or else GB18030 (a line break never falls inside either's characters).
        var utf8 = true
        var carry = Data()
        var lines = 0
        // A line valid as UTF-8 with characters beyond ASCII, and a line that is not: the file mixes encodings.
        var utf8Chinese = false
        var firstInvalidLine: Int?
        while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hasher.update(chunk)
            lines += chunk.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
            if head.count < 8 { head.append(chunk.prefix(8 - head.count)) }
            var data = carry + chunk
            if let last = data.lastIndex(of: 0x0A) {
                carry = data[(last + 1)...]
                data = data[..<(last + 1)]
                var line = lines - chunk.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }  // complete lines before this chunk
                for piece in data.split(separator: 0x0A, omittingEmptySubsequences: false) {
                    line += 1
                    if String(validating: piece, as: UTF8.self) == nil {
                        firstInvalidLine = firstInvalidLine ?? line
                    } else if piece.contains(where: { $0 >= 0x80 }) {
                        utf8Chinese = true
                    }
                }
            } else {
                carry = data
            }
        }
        if !carry.isEmpty {
            if String(validating: carry, as: UTF8.self) == nil { firstInvalidLine = firstInvalidLine ?? lines + 1 }
            else if carry.contains(where: { $0 >= 0x80 }) { utf8Chinese = true }
        }
        utf8 = firstInvalidLine == nil
        let sha = hasher.hex()
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            let rows = try XLSXRows(url)
            return (rows, sha, max(0, rows.rows.count - 1), {})
        }
        if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            throw DatasetError.unreadable("这是旧版 Excel（.xls）文件：请在 Excel 中另存为 .xlsx 或 CSV 后再导入 (legacy .xls)")
        }
        let estimate = max(0, lines - 1)
        if utf8 { return (try CSVRows(url), sha, estimate, {}) }
        if utf8Chinese, let bad = firstInvalidLine {
            throw DatasetError.unreadable("文件的编码混杂：有的行是 UTF-8，第 \(bad) 行起有 GB18030（或其他）编码的行；请在 Excel 中整体另存为“CSV UTF-8”后再导入 (mixed encodings)")
        }
        // GB18030: transcoded line by line into a temporary UTF-8 copy, read the same way, removed after.
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-\(UUID().uuidString).csv")
        FileManager.default.createFile(atPath: temp.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let close: @Sendable () -> Void = { try? FileManager.default.removeItem(at: temp) }
        do {
            let input = try FileHandle(forReadingFrom: url)
            let output = try FileHandle(forWritingTo: temp)
            defer { try? input.close(); try? output.close() }
            var carry = Data()
            var line = 1
            func write(_ bytes: Data) throws {
                guard let text = String(data: bytes, encoding: String.Encoding(rawValue: 0x8000_0632)) else {
                    throw DatasetError.unreadable("第 \(line) 行既不是 UTF-8 也不是 GB18030 文本 (not UTF-8 or GB18030)")
                }
                output.write(Data(text.utf8))
            }
            while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
                var data = carry + chunk
                while let nl = data.firstIndex(of: 0x0A) {
                    try write(data[...nl])
                    line += 1
                    data = data[(nl + 1)...]
                }
                carry = Data(data)
            }
            if !carry.isEmpty { try write(carry) }
            return (try CSVRows(temp), sha, estimate, close)
        } catch {
            close()
            throw error
        }
    }
}

/// CSV rows read as a stream by CSV.swift (never the whole file in memory); blank rows skipped.
struct CSVRows: DatasetRowSource {
    let reader: CSVReader
    var line = 0

    init(_ url: URL) throws {
        guard let stream = InputStream(url: url) else { throw DatasetError.unreadable("无法打开 \(url.path)") }
        do { reader = try CSVReader(stream: stream, hasHeaderRow: false, trimFields: false) }
        catch { throw DatasetError.unreadable("CSV 格式有误：\(error)") }
    }

    mutating func header() throws -> [DatasetCell]? {
        guard let row = try nextRow() else { return nil }
        var cells = row.cells
        if let first = cells.first, first.text.hasPrefix("\u{FEFF}") { cells[0] = DatasetCell(String(first.text.dropFirst())) }
        return cells
    }

    mutating func next() throws -> (number: Int, cells: [DatasetCell])? { try nextRow() }

    mutating func nextRow() throws -> (number: Int, cells: [DatasetCell])? {
        while true {
            guard let row = reader.next() else {
                // At the end of a file stream, CSV.swift's byte reader reports `cannotReadFile` (a read of
                // nothing) on Linux; any other error is the file's.
                if let error = reader.error {
                    if case CSVError.cannotReadFile = error { return nil }
                    throw DatasetError.unreadable("第 \(line + 1) 行 CSV 格式有误：\(error)")
                }
                return nil
            }
            line += 1
            if row.allSatisfy({ $0.trimmingWhitespace().isEmpty }) { continue }
            return (line, row.map { DatasetCell($0) })
        }
    }
}

/// The first sheet of an XLSX workbook. The sheet's XML is parsed by Foundation's XMLParser, which reads
/// the sheet whole (Excel caps a sheet at 1,048,576 rows); files at province scale go as CSV, which streams
/// (docs/adr/0024-matching.md).
struct XLSXRows: DatasetRowSource {
    var rows: [(number: Int, cells: [DatasetCell])]
    var position = 0
    /// The largest part the XML parser reads (its own limit is 10,000,000 bytes).
    static let maxPartBytes: UInt64 = 9_900_000

    static func tooLarge(_ part: String) -> String {
        "XLSX 工作表太大（\(part) 解压后超过 \(maxPartBytes / 1_000_000) MB，约 2.9 万行）：请在 Excel 中另存为“CSV UTF-8”后导入，CSV 不限行数 (sheet too large for XLSX; use CSV)"
    }

    init(_ url: URL) throws {
        let archive: Archive
        do { archive = try Archive(url: url, accessMode: .read) } catch {
            throw DatasetError.unreadable("不是有效的 XLSX 文件 (not a valid XLSX file)")
        }
        // Every part read is capped while it unpacks, whatever its header claims (a 1.5 MB file whose
        // workbook.xml unpacked to 1.5 GB took the server to 5.7 GB, found when tried as an attacker would).
        func entry(_ path: String) throws -> Data? {
            guard let e = archive[path] else { return nil }
            var data = Data()
            _ = try archive.extract(e, skipCRC32: false) { chunk in
                guard data.count + chunk.count <= Int(XLSXRows.maxPartBytes) else { throw DatasetError.unreadable(XLSXRows.tooLarge(path)) }
                data.append(chunk)
            }
            return data
        }
        guard let sheetPath = try XLSXRows.firstSheetPath(archive: archive, entry: entry), let sheetEntry = archive[sheetPath] else {
            throw DatasetError.unreadable("XLSX 文件中没有工作表 (no worksheet)")
        }
        // Foundation's XML parser reads a part whole and refuses one over 10 MB (about 29,000 rows of a
        // typical export): larger sheets go as CSV, which streams (docs/adr/0024-matching.md).
        for entry in [sheetEntry, archive["xl/sharedStrings.xml"]].compactMap({ $0 }) where entry.uncompressedSize > XLSXRows.maxPartBytes {
            throw DatasetError.unreadable(XLSXRows.tooLarge(entry.path))
        }
        guard let sheet = try entry(sheetPath) else { throw DatasetError.unreadable("XLSX 文件中没有工作表 (no worksheet)") }
        let shared = try entry("xl/sharedStrings.xml").map(SharedStrings.parse) ?? []
        let parser = SheetParser(shared: shared)
        let xml = XMLParser(data: sheet)
        xml.delegate = parser
        guard xml.parse(), parser.failure == nil else {
            throw DatasetError.unreadable(parser.failure ?? "工作表 XML 有误 (bad worksheet XML)")
        }
        rows = parser.rows.filter { !$0.cells.allSatisfy { $0.text.trimmingWhitespace().isEmpty } }
    }

    /// The workbook's first sheet (`xl/workbook.xml` and its relationships), else `xl/worksheets/sheet1.xml`.
    static func firstSheetPath(archive: Archive, entry: (String) throws -> Data?) throws -> String? {
        guard let workbook = try entry("xl/workbook.xml"), let rels = try entry("xl/_rels/workbook.xml.rels") else {
            return archive["xl/worksheets/sheet1.xml"] == nil ? nil : "xl/worksheets/sheet1.xml"
        }
        final class Collect: NSObject, XMLParserDelegate {
            var firstSheetRel: String?
            var targets: [String: String] = [:]
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                let local = name.split(separator: ":").last.map(String.init) ?? name
                if local == "sheet", firstSheetRel == nil {
                    firstSheetRel = attributes["r:id"] ?? attributes.first(where: { $0.key.hasSuffix(":id") })?.value
                }
                if local == "Relationship", let id = attributes["Id"], let target = attributes["Target"] { targets[id] = target }
            }
        }
        let c = Collect()
        for data in [workbook, rels] {
            let p = XMLParser(data: data)
            p.delegate = c
            _ = p.parse()
        }
        guard let rel = c.firstSheetRel, let target = c.targets[rel] else { return nil }
        return target.hasPrefix("/") ? String(target.dropFirst()) : "xl/" + target
    }

    mutating func header() throws -> [DatasetCell]? {
        guard position < rows.count else { return nil }
        position += 1
        return rows[position - 1].cells
    }

    mutating func next() throws -> (number: Int, cells: [DatasetCell])? {
        guard position < rows.count else { return nil }
        position += 1
        return rows[position - 1]
    }
}

/// `xl/sharedStrings.xml`: each `<si>`'s text runs joined, phonetic runs (`<rPh>`) left out.
enum SharedStrings {
    static func parse(_ data: Data) throws -> [String] {
        final class P: NSObject, XMLParserDelegate {
            var strings: [String] = []
            var current = ""
            var inText = false
            var phonetic = 0
            func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                        attributes: [String: String] = [:]) {
                switch name {
                case "si": current = ""
                case "rPh": phonetic += 1
                case "t": inText = phonetic == 0
                default: break
                }
            }
            func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
                switch name {
                case "si": strings.append(current)
                case "rPh": phonetic -= 1
                case "t": inText = false
                default: break
                }
            }
            func parser(_ parser: XMLParser, foundCharacters string: String) { if inText { current += string } }
        }
        let p = P()
        let x = XMLParser(data: data)
        x.delegate = p
        guard x.parse() else { throw DatasetError.unreadable("共享字符串表有误 (bad sharedStrings.xml)") }
        return p.strings
    }
}

/// A worksheet's `<row>`s: cells placed by their reference (`C7` → third column), shared and inline strings
/// resolved, numbers kept as written and marked numeric.
final class SheetParser: NSObject, XMLParserDelegate {
    let shared: [String]
    var rows: [(number: Int, cells: [DatasetCell])] = []
    var failure: String?
    var row: [Int: DatasetCell] = [:]
    var rowNumber = 0
    var cellColumn = 0
    var cellType = ""
    var text = ""
    var collecting = false
    var nextColumn = 0

    init(shared: [String]) { self.shared = shared }

    /// The 0-based column of a reference (`C7` → 2); past Excel's last column (XFD, three letters) it is
    /// 16,384 whatever the letters, so no arithmetic can overflow.
    static func column(of reference: String) -> Int? {
        var n = 0
        var letters = 0
        for ch in reference.unicodeScalars {
            guard ch.value >= 65 && ch.value <= 90 else { break }
            letters += 1
            guard letters <= 3 else { return 16_384 }
            n = n * 26 + Int(ch.value - 64)
        }
        return letters == 0 ? nil : n - 1
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch name {
        case "row":
            row = [:]
            nextColumn = 0
            // Excel's last row is 1,048,576; a number past it (or one that would overflow) is not a sheet Excel wrote.
            let number = attributes["r"].map { Int($0) ?? 0 } ?? (rowNumber < 1_048_576 ? rowNumber + 1 : 0)
            guard (1...1_048_576).contains(number) else {
                failure = "行号 \(attributes["r"] ?? "\(rowNumber)之后") 超出 Excel 的最大行 1048576 (row beyond Excel's last row)"
                parser.abortParsing()
                return
            }
            rowNumber = number
        case "c":
            cellColumn = attributes["r"].flatMap(SheetParser.column) ?? nextColumn
            // Excel's last column is XFD (16,384); a reference beyond it is not a sheet Excel wrote, and a row
            // built that wide would take all the memory there is (found when tried as an attacker would).
            guard cellColumn < 16_384 else {
                failure = "第 \(rowNumber) 行的单元格 \(attributes["r"] ?? "") 超出 Excel 的最大列 XFD (cell beyond Excel's last column)"
                parser.abortParsing()
                return
            }
            nextColumn = cellColumn + 1
            cellType = attributes["t"] ?? "n"
            text = ""
        case "v", "t": collecting = true
        default: break
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "v", "t": collecting = false
        case "c":
            let cell: DatasetCell
            switch cellType {
            case "s":
                guard let i = Int(text), i >= 0, i < shared.count else {
                    failure = "第 \(rowNumber) 行引用了不存在的共享字符串 \(text) (bad shared string)"
                    parser.abortParsing()
                    return
                }
                cell = DatasetCell(shared[i])
            case "n": cell = DatasetCell(text, numeric: !text.isEmpty)
            default: cell = DatasetCell(text)
            }
            row[cellColumn] = cell
        case "row":
            let width = (row.keys.max() ?? -1) + 1
            rows.append((rowNumber, (0..<width).map { row[$0] ?? DatasetCell("") }))
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { if collecting { text += string } }
}
