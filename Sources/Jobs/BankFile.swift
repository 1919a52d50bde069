import CSV
import Domain
import Foundation
import Persistence

/// The bank file of a payroll batch in a bank's format (`BankFormat`, docs/bank-formats.md). The built-in
/// `csv` is UTF-8 with a byte-order mark so Excel opens the Chinese correctly, CRLF line ends: a header
/// block (批次号, 发放月份, 笔数, 总金额), a blank line, then one row per payee: 序号, 乡镇, 村(社区), 姓名,
/// 公民身份号码, 银行账号, 补贴项目, 所属期, 金额(元), 备注 (the working assumption of reference-data.md
/// §6.1). In CSV, ID and account numbers are written as `="…"` so Excel keeps all 18/19 digits as text
/// instead of turning them into 1.1E+17; in XLSX they are text cells.
public enum BankFile {
    /// `低保发放_2021-07.csv`, `低保补发_2021-09.txt`: the name a batch's file is downloaded under.
    public static func fileName(_ batch: PayrollBatch, format: BankFormat = .csv) -> String {
        let what = batch.kind == .backPay ? "补发" : batch.kind == .reissue ? "退票重发\(batch.reissueRound)" : "发放"
        return "\(batch.programme.shortChinese)\(what)_\(batch.month).\(format.fileExtension)"
    }

    /// The bank file of a stored batch in `format`: its frozen lines (checked against the approval
    /// checksum) and, for back pay, the months each line settles.
    /// - Parameter issued: who produced this file and when: written in the header, so a file found later
    ///   says whose it was (issue 6).
    public static func render(batch: PayrollBatch, store: PayrollStore, format: BankFormat, divisions: Divisions, isDemo: Bool,
                              issued: (by: String, at: Date)? = nil) async throws -> Data {
        var settles: [String: [YearMonth]] = [:]
        if batch.kind == .backPay {
            for item in try await store.backPayItems(of: batch.id) { settles[item.recipientKey, default: []].append(item.month) }
        }
        return try render(batch: batch, lines: try await store.frozenLines(of: batch), format: format, divisions: divisions,
                          isDemo: isDemo, settles: settles, issued: issued)
    }

    /// The CSV of a stored batch (`render` in the built-in `csv` format).
    public static func csv(batch: PayrollBatch, store: PayrollStore, divisions: Divisions, isDemo: Bool,
                           issued: (by: String, at: Date)? = nil) async throws -> Data {
        try await render(batch: batch, store: store, format: .csv, divisions: divisions, isDemo: isDemo, issued: issued)
    }

    /// `render` in the built-in `csv` format.
    public static func csv(batch: PayrollBatch, lines: [PayrollLine], divisions: Divisions, isDemo: Bool,
                           settles: [String: [YearMonth]] = [:], issued: (by: String, at: Date)? = nil) throws -> Data {
        try render(batch: batch, lines: lines, format: .csv, divisions: divisions, isDemo: isDemo, settles: settles, issued: issued)
    }

    /// The file's bytes in `format` (docs/bank-formats.md).
    /// - Throws: `ProgrammeError.notImplemented` for a batch of a programme without rules;
    ///   `BankFileError.unknownDivision` for a line whose township or village is not in `divisions`
    ///   (the bank would file the money under a place that does not exist); `.tooWide` for a value longer
    ///   than its fixed-width field (never cut); `.notEncodable` for text the encoding cannot carry.
    /// - Parameter settles: for a back-pay batch (补发), the months each recipient's line settles: 所属期 is
    ///   their range and 补贴项目 says 补发, so the bank and the payee see it is not a month's payment.
    public static func render(batch: PayrollBatch, lines: [PayrollLine], format: BankFormat, divisions: Divisions, isDemo: Bool,
                              settles: [String: [YearMonth]] = [:], issued: (by: String, at: Date)? = nil) throws -> Data {
        let rules = try batch.programme.rules()
        let total = lines.reduce(Money.zero) { $0 + $1.amount }
        var header: [BankFormat.HeaderField: String] = [
            .batch: batch.id, .month: batch.month.description,
            .item: batch.programme.chinese + (batch.kind == .backPay ? "（补发）" : batch.kind == .reissue ? "（退票重发）" : ""),
            .count: String(lines.count), .totalYuan: total.yuanString, .totalFen: String(total.fen),
        ]
        header[.approver] = batch.approvedBy
        if let issued {
            header[.issuer] = issued.by
            header[.issuedAt] = ChinaClock.beijingTime(issued.at)
        }
        if isDemo { header[.demo] = format.kind == .fixed ? "演示数据" : "演示数据（虚构，不得用于实际发放）" }
        func period(_ m: YearMonth) -> String { String(format: "%04d%02d", m.year, m.month) }
        var rows: [[BankFormat.Field: String]] = []
        for (i, line) in lines.enumerated() {
            let town = try name(line.townshipCode, line: line, divisions: divisions)
            let village = try name(line.villageCode, line: line, divisions: divisions)
            guard DivisionCode(line.villageCode)?.townshipCode.value == line.townshipCode else {
                throw BankFileError.unknownDivision(household: line.householdID, code: "\(line.townshipCode)/\(line.villageCode)")
            }
            var label = rules.paymentLabel(area: line.area)
            var periodText = period(batch.month)
            var note = "\(line.householdSize)人"
            if batch.kind == .reissue { note = "退票重发；\(note)" }
            if batch.kind == .backPay {
                let months = (settles[line.recipientKey] ?? []).sorted()
                label += "补发"
                if let first = months.first, let last = months.last {
                    periodText = first == last ? period(first) : "\(period(first))-\(period(last))"
                }
                note = "补发 \(months.count) 个月；\(note)"
            }
            rows.append([.seq: String(i + 1), .township: town, .village: village, .name: line.payeeName,
                         .residentID: line.payeeResidentID.value, .account: line.bankAccount, .item: label, .period: periodText,
                         .amountYuan: line.amount.yuanString, .amountFen: String(line.amount.fen), .note: note])
        }
        switch format.kind {
        case .csv: return try csvData(format, header, rows)
        case .xlsx: return try xlsxData(format, header, rows)
        case .fixed: return try fixedData(format, header, rows)
        }
    }

    static func csvData(_ format: BankFormat, _ header: [BankFormat.HeaderField: String],
                        _ rows: [[BankFormat.Field: String]]) throws -> Data {
        let stream = OutputStream(toMemory: ())
        stream.open()
        if format.encoding == .utf8 {
            let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
            _ = bom.withUnsafeBufferPointer { stream.write($0.baseAddress!, maxLength: 3) }
        }
        let csv = try CSVWriter(stream: stream, newline: .crlf)
        for item in format.header {
            guard let v = header[item.field] else { continue }
            try csv.write(row: [item.field.label, item.field.isNumber || item.field == .totalYuan ? v : plainText(v)])
        }
        if !format.header.isEmpty { try csv.write(row: [""]) }
        try csv.write(row: format.columns.map { $0.label ?? $0.field.label })
        for r in rows {
            try csv.write(row: format.columns.map { c in
                let v = r[c.field] ?? ""
                switch c.field {
                case .residentID, .account: return excelText(v)
                case .seq, .amountYuan, .amountFen, .period: return v
                default: return plainText(v)
                }
            })
        }
        csv.stream.close()
        let utf8 = stream.property(forKey: .dataWrittenToMemoryStreamKey) as! Data
        guard format.encoding == .gb18030 else { return utf8 }
        return try encode(String(decoding: utf8, as: UTF8.self), format.encoding, line: 0, field: "file")
    }

    static func xlsxData(_ format: BankFormat, _ header: [BankFormat.HeaderField: String],
                         _ rows: [[BankFormat.Field: String]]) throws -> Data {
        var sheet = XLSXWorkbook.Sheet(name: "银行发放")
        for item in format.header {
            guard let v = header[item.field] else { continue }
            let value: XLSXWorkbook.Cell = item.field == .totalYuan ? .number(v, decimals: 2)
                : item.field.isNumber ? .number(v, decimals: 0) : .text(v)
            sheet.rows.append([.heading(item.field.label), value])
        }
        if !format.header.isEmpty { sheet.rows.append([]) }
        sheet.rows.append(format.columns.map { .heading($0.label ?? $0.field.label) })
        for r in rows {
            sheet.rows.append(format.columns.map { c in
                let v = r[c.field] ?? ""
                switch c.field {
                case .amountYuan: return .number(v, decimals: 2)
                case .seq, .amountFen: return .number(v, decimals: 0)
                default: return .text(v)
                }
            })
        }
        sheet.widths = format.columns.map { c in
            switch c.field {
            case .residentID, .account: return 24
            case .village, .item: return 16
            case .seq: return 6
            default: return 12
            }
        }
        return try XLSXWorkbook(sheets: [sheet]).data()
    }

    static func fixedData(_ format: BankFormat, _ header: [BankFormat.HeaderField: String],
                          _ rows: [[BankFormat.Field: String]]) throws -> Data {
        var out = Data()
        let crlf = Data([0x0D, 0x0A])
        if !format.header.isEmpty {
            for item in format.header {
                out += try fixedField(header[item.field] ?? "", width: item.width ?? 0, number: item.field.isNumber,
                                      encoding: format.encoding, line: 0, field: item.field.rawValue)
            }
            out += crlf
        }
        for (i, r) in rows.enumerated() {
            for c in format.columns {
                out += try fixedField(r[c.field] ?? "", width: c.width ?? 0, number: c.field.isNumber,
                                      encoding: format.encoding, line: i + 1, field: c.field.rawValue)
            }
            out += crlf
        }
        return out
    }

    /// A value padded to `width` bytes: numbers right-aligned with zeros, text left-aligned with spaces.
    /// - Throws: `BankFileError.tooWide` naming the record (0: the header) and field; never cut.
    static func fixedField(_ value: String, width: Int, number: Bool, encoding: BankFormat.TextEncoding,
                           line: Int, field: String) throws -> Data {
        let bytes = try encode(value, encoding, line: line, field: field)
        guard bytes.count <= width else { throw BankFileError.tooWide(line: line, field: field, width: width, bytes: bytes.count) }
        let pad = Data(repeating: number ? 0x30 : 0x20, count: width - bytes.count)
        return number ? pad + bytes : bytes + pad
    }

    static func encode(_ text: String, _ encoding: BankFormat.TextEncoding, line: Int, field: String) throws -> Data {
        guard let d = text.data(using: encoding.foundation, allowLossyConversion: false) else {
            throw BankFileError.notEncodable(line: line, field: field, encoding: encoding.rawValue)
        }
        return d
    }

    static func name(_ code: String, line: PayrollLine, divisions: Divisions) throws(BankFileError) -> String {
        guard let c = DivisionCode(code), let d = divisions.division(c) else {
            throw .unknownDivision(household: line.householdID, code: code)
        }
        return d.name
    }

    /// A text cell that Excel must never read as a formula: a leading = + - @ gets an apostrophe.
    static func plainText(_ s: String) -> String {
        guard let first = s.first, "=+-@\t\r".contains(first) else { return s }
        return "'" + s
    }

    /// `="0123…"`: Excel shows the digits as text, never as a number in scientific notation.
    static func excelText(_ digits: String) -> String { "=\"\(digits)\"" }
}

public enum BankFileError: Error, Equatable, Sendable {
    case unknownDivision(household: String, code: String)
    /// A value longer than its fixed-width field: record `line` (0 is the header), `bytes` against `width`.
    case tooWide(line: Int, field: String, width: Int, bytes: Int)
    /// Text the file's encoding cannot carry (a rare character outside GB18030 is impossible; outside
    /// UTF-8, none): named, never replaced by "?".
    case notEncodable(line: Int, field: String, encoding: String)

    public var message: String {
        switch self {
        case let .unknownDivision(household, code):
            return "家庭 \(household) 的乡镇或村（社区）代码“\(code)”不在本县区划表中，银行文件未生成：请先更正该户住址 (unknown division code)"
        case let .tooWide(line, field, width, bytes):
            return "银行文件\(line == 0 ? "表头" : "第 \(line) 笔")的 \(field) 为 \(bytes) 字节，超过该银行格式规定的 \(width) 字节，银行文件未生成：请调整格式定义或核对该值 (value wider than its field)"
        case let .notEncodable(line, field, encoding):
            return "银行文件\(line == 0 ? "表头" : "第 \(line) 笔")的 \(field) 含有 \(encoding) 无法表示的字符，银行文件未生成 (text not encodable)"
        }
    }
}
