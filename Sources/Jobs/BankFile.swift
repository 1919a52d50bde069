import CSV
import Domain
import Foundation
import Persistence

/// The bank file of a payroll batch: CSV, UTF-8 with a byte-order mark so Excel opens the Chinese
/// correctly, CRLF line ends.
///
/// Layout (the working assumption of reference-data.md §6.1, since no Sichuan format is published):
/// a header block (批次号, 发放月份, 笔数, 总金额), a blank line, then one row per payee: 序号, 乡镇,
/// 村(社区), 姓名, 公民身份号码, 银行账号, 补贴项目, 所属期, 金额(元), 备注. ID and account numbers are
/// written as `="…"` so Excel keeps all 18/19 digits as text instead of turning them into 1.1E+17.
public enum BankFile {
    /// `低保发放_2021-07.csv`, `低保补发_2021-09.csv`: the name a batch's file is downloaded under.
    public static func fileName(_ batch: PayrollBatch) -> String {
        "\(batch.programme.shortChinese)\(batch.kind == .backPay ? "补发" : "发放")_\(batch.month).csv"
    }

    /// The bank file of a stored batch: its lines and, for back pay, the months each line settles.
    /// - Parameter issued: who produced this copy and when (an export or a download): written in the header,
    ///   so a file found later says whose it was (issue 6).
    public static func csv(batch: PayrollBatch, store: PayrollStore, divisions: Divisions, isDemo: Bool,
                           issued: (by: String, at: Date)? = nil) async throws -> Data {
        var settles: [String: [YearMonth]] = [:]
        if batch.kind == .backPay {
            for item in try await store.backPayItems(of: batch.id) { settles[item.recipientKey, default: []].append(item.month) }
        }
        return try csv(batch: batch, lines: try await store.frozenLines(of: batch), divisions: divisions, isDemo: isDemo,
                       settles: settles, issued: issued)
    }

    /// - Throws: `ProgrammeError.notImplemented` for a batch of a programme without rules;
    ///   `BankFileError.unknownDivision` for a line whose township or village is not in `divisions`
    ///   (the bank would file the money under a place that does not exist); CSV write errors.
    /// - Parameter settles: for a back-pay batch (补发), the months each recipient's line settles: 所属期 is
    ///   their range and 补贴项目 says 补发, so the bank and the payee see it is not a month's payment.
    public static func csv(batch: PayrollBatch, lines: [PayrollLine], divisions: Divisions, isDemo: Bool,
                           settles: [String: [YearMonth]] = [:], issued: (by: String, at: Date)? = nil) throws -> Data {
        let rules = try batch.programme.rules()
        let stream = OutputStream(toMemory: ())
        stream.open()
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        _ = bom.withUnsafeBufferPointer { stream.write($0.baseAddress!, maxLength: 3) }
        let csv = try CSVWriter(stream: stream, newline: .crlf)
        let total = lines.reduce(Money.zero) { $0 + $1.amount }
        try csv.write(row: ["批次号", batch.id])
        try csv.write(row: ["发放月份", batch.month.description])
        try csv.write(row: ["补贴项目", batch.programme.chinese + (batch.kind == .backPay ? "（补发）" : "")])
        try csv.write(row: ["笔数", String(lines.count)])
        try csv.write(row: ["总金额(元)", total.yuanString])
        if let approver = batch.approvedBy { try csv.write(row: ["审核人", plainText(approver)]) }
        if let issued {
            try csv.write(row: ["制表人", plainText(issued.by)])
            try csv.write(row: ["制表时间", ChinaClock.beijingTime(issued.at)])
        }
        if isDemo { try csv.write(row: ["备注", "演示数据（虚构，不得用于实际发放）"]) }
        try csv.write(row: [""])
        try csv.write(row: ["序号", "乡镇", "村(社区)", "姓名", "公民身份号码", "银行账号", "补贴项目", "所属期", "金额(元)", "备注"])
        func period(_ m: YearMonth) -> String { String(format: "%04d%02d", m.year, m.month) }
        for (i, line) in lines.enumerated() {
            let town = try name(line.townshipCode, line: line, divisions: divisions)
            let village = try name(line.villageCode, line: line, divisions: divisions)
            guard DivisionCode(line.villageCode)?.townshipCode.value == line.townshipCode else {
                throw BankFileError.unknownDivision(household: line.householdID, code: "\(line.townshipCode)/\(line.villageCode)")
            }
            var label = rules.paymentLabel(area: line.area)
            var periodText = period(batch.month)
            var note = "\(line.householdSize)人"
            if batch.kind == .backPay {
                let months = (settles[line.recipientKey] ?? []).sorted()
                label += "补发"
                if let first = months.first, let last = months.last {
                    periodText = first == last ? period(first) : "\(period(first))-\(period(last))"
                }
                note = "补发 \(months.count) 个月；\(note)"
            }
            try csv.write(row: [
                String(i + 1), plainText(town), plainText(village), plainText(line.payeeName), excelText(line.payeeResidentID.value),
                excelText(line.bankAccount), label, periodText, line.amount.yuanString, note,
            ])
        }
        csv.stream.close()
        return stream.property(forKey: .dataWrittenToMemoryStreamKey) as! Data
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

    public var message: String {
        switch self {
        case let .unknownDivision(household, code):
            return "家庭 \(household) 的乡镇或村（社区）代码“\(code)”不在本县区划表中，银行文件未生成：请先更正该户住址 (unknown division code)"
        }
    }
}
