import Foundation

/// Why the bank could not credit a line (退票原因; Shaanxi's system documents these, reference-data.md §6.1).
public enum ReturnReason: String, Codable, Sendable, CaseIterable {
    case nameMismatch = "NAME_MISMATCH"
    case accountInvalid = "ACCOUNT_INVALID"
    case idMismatch = "ID_MISMATCH"
    case accountFrozen = "ACCOUNT_FROZEN"
    case accountClosed = "ACCOUNT_CLOSED"
    case other = "OTHER"

    public var chinese: String {
        switch self {
        case .nameMismatch: return "户名不符"
        case .accountInvalid: return "账号错误"
        case .idMismatch: return "证件号不符"
        case .accountFrozen: return "账户冻结"
        case .accountClosed: return "账户已销户"
        case .other: return "其他"
        }
    }

    /// The reason a bank's text names: the first of the known words it contains, else `other`.
    public init(bankText: String) {
        let t = bankText.replacingOccurrences(of: " ", with: "")
        let words: [(ReturnReason, [String])] = [
            (.nameMismatch, ["户名不符", "户名错误", "姓名不符"]), (.accountInvalid, ["账号错误", "账号不存在", "卡号错误", "无此账号"]),
            (.idMismatch, ["证件号不符", "证件号码不符", "身份证号不符"]), (.accountFrozen, ["冻结", "止付"]),
            (.accountClosed, ["销户", "注销"]),
        ]
        self = words.first { $0.1.contains { t.contains($0) } }?.0 ?? .other
    }
}

/// One row of a bank's result file (回盘文件, docs/bank-returns.md).
public struct ReturnRow: Hashable, Sendable {
    /// Line of the file, from 1 at the column headings (what a person counts in Excel).
    public var fileLine: Int
    public var batchID: String
    /// 序号 of the line in the bank file handed over.
    public var seq: Int
    public var account: String
    public var amount: Money
    public var paid: Bool
    public var reasonText: String
    public var creditedOn: CivilDate?
    /// The bank's other columns, kept as they came (heading → value).
    public var extra: [String: String]
}

/// A batch line as reconciliation sees it.
public struct ReconcilableLine: Hashable, Sendable {
    public var lineID: String
    public var seq: Int
    public var accountKey: String
    public var amount: Money
    /// What an earlier import recorded for it: paid, or returned with the reason; nil when nothing yet.
    public var recorded: LineResult?
    /// Paid again by a follow-up batch already.
    public var repaid = false

    public init(lineID: String, seq: Int, accountKey: String, amount: Money, recorded: LineResult?, repaid: Bool = false) {
        self.repaid = repaid
        self.lineID = lineID
        self.seq = seq
        self.accountKey = accountKey
        self.amount = amount
        self.recorded = recorded
    }
}

/// What the bank said about a line.
public struct LineResult: Hashable, Sendable, Codable {
    public var paid: Bool
    public var reason: ReturnReason?
    public var reasonText: String
    public var creditedOn: CivilDate?

    public init(paid: Bool, reason: ReturnReason?, reasonText: String, creditedOn: CivilDate?) {
        self.paid = paid
        self.reason = reason
        self.reasonText = reasonText
        self.creditedOn = creditedOn
    }
}

/// A reason to refuse a whole result file (HOPE's rule: one conflict rejects the file), naming its line.
public enum ReturnConflict: Hashable, Sendable {
    case otherBatch(line: Int, batchID: String)
    case unknownLine(line: Int, seq: Int)
    case accountDiffers(line: Int, seq: Int)
    case amountDiffers(line: Int, seq: Int, file: Money, batch: Money)
    case duplicate(line: Int, seq: Int)
    /// A line an earlier file settled, reported differently now: only an override with its own
    /// permission imports it (the bank corrected itself).
    case resultChanged(line: Int, seq: Int, before: String, now: String)
    /// A returned line already paid again by a follow-up batch, reported credited now: importing it would
    /// count the money twice; the bank's correction is an overpayment to recover, not a result.
    case alreadyRepaid(line: Int, seq: Int)
    /// A credit day outside what the batch's month allows (before the month preceding it, or after today).
    case creditDay(line: Int, seq: Int, day: CivilDate)

    /// Whether a person with the override permission may import the file anyway.
    public var overridable: Bool { if case .resultChanged = self { return true } else { return false } }

    public var message: String {
        switch self {
        case let .otherBatch(line, batchID): return "第 \(line) 行属于批次 \(batchID)，与本文件其他行不是同一批次"
        case let .unknownLine(line, seq): return "第 \(line) 行：批次中没有序号 \(seq) 的发放记录"
        case let .accountDiffers(line, seq): return "第 \(line) 行：序号 \(seq) 的账号与交付银行的不一致"
        case let .amountDiffers(line, seq, file, batch):
            return "第 \(line) 行：序号 \(seq) 的金额 \(file.yuanString) 元与批次中的 \(batch.yuanString) 元不一致"
        case let .duplicate(line, seq): return "第 \(line) 行：序号 \(seq) 在文件中重复出现"
        case let .resultChanged(line, seq, before, now): return "第 \(line) 行：序号 \(seq) 此前已登记为“\(before)”，本文件为“\(now)”"
        case let .alreadyRepaid(line, seq): return "第 \(line) 行：序号 \(seq) 已由退票重发批次补发，不能再改为入账（如银行确已入账，请按多发追回登记）"
        case let .creditDay(line, seq, day): return "第 \(line) 行：序号 \(seq) 的入账日期 \(day) 不在该批次可能入账的日期范围内"
        }
    }
}

public enum BankReturnError: Error, Equatable, Sendable {
    case notReadable(String)
    case missingColumn(String)
    case badValue(line: Int, column: String, value: String, reason: String)
    case empty
    case conflicts([ReturnConflict])
    case closedBatch(String)
    case noBankFile(String)

    public var message: String {
        switch self {
        case .notReadable(let why): return "银行回盘文件无法读取：\(why) (not readable)"
        case .missingColumn(let c): return "银行回盘文件缺少“\(c)”列，整个文件未导入 (missing column)"
        case let .badValue(line, column, value, reason):
            return "银行回盘文件第 \(line) 行“\(column)”列的值“\(value)”\(reason)，整个文件未导入 (bad value)"
        case .empty: return "银行回盘文件没有数据行，未导入 (no rows)"
        case .conflicts(let list):
            return "银行回盘文件与批次不符，整个文件未导入：" + list.prefix(20).map(\.message).joined(separator: "；")
                + (list.count > 20 ? "；另有 \(list.count - 20) 处" : "") + " (conflicts)"
        case .closedBatch(let id): return "批次 \(id) 已对账关闭，不能再导入回盘文件 (batch closed)"
        case .noBankFile(let id): return "批次 \(id) 尚未交付银行文件，没有可对账的发放 (not handed over)"
        }
    }
}

public enum BankReturnFile {
    /// The column headings a result file must have; any others are kept as the bank's own.
    public static let required = ["批次号", "序号", "银行账号", "金额(元)", "处理结果"]
    public static let optional = ["失败原因", "入账日期"]

    /// Rows of a result file: CSV in UTF-8 (with or without BOM) or GB18030, the first row the headings
    /// (docs/bank-returns.md). 处理结果 is 成功 or 失败; 入账日期 YYYY-MM-DD (or YYYYMMDD) is required for 成功;
    /// 失败原因 for 失败.
    /// - Throws: `BankReturnError` naming the line, column and value; nothing is half-read.
    public static func parse(_ data: Data) throws(BankReturnError) -> [ReturnRow] {
        var bytes = data
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        let text: String
        if let utf8 = String(data: bytes, encoding: .utf8) { text = utf8 }
        else if let gb = String(data: bytes, encoding: String.Encoding(rawValue: 0x8000_0632)) { text = gb }
        else { throw .notReadable("既不是 UTF-8 也不是 GB18030 文本") }
        let records = try csvRecords(text)
        guard let headings = records.first?.map({ $0.trimmingWhitespace() }) else { throw .empty }
        var index: [String: Int] = [:]
        for (i, h) in headings.enumerated() {
            guard h.count <= 40 else { throw .badValue(line: 1, column: "第 \(i + 1) 列", value: String(h.prefix(20)) + "…", reason: "列名超过 40 个字") }
            if index[h] == nil { index[h] = i }
        }
        guard headings.count <= 40 else { throw .notReadable("列数超过 40") }
        for c in required where index[c] == nil { throw .missingColumn(c) }
        var rows: [ReturnRow] = []
        for (n, r) in records.dropFirst().enumerated() {
            let line = n + 2
            if r.allSatisfy({ $0.trimmingWhitespace().isEmpty }) { continue }
            func cell(_ c: String) -> String { index[c].flatMap { $0 < r.count ? r[$0] : nil }?.trimmingWhitespace() ?? "" }
            func bad(_ c: String, _ why: String) -> BankReturnError { .badValue(line: line, column: c, value: cell(c), reason: why) }
            let batch = cell("批次号")
            guard !batch.isEmpty else { throw bad("批次号", "为空") }
            guard let seq = Int(cell("序号")), seq > 0 else { throw bad("序号", "应为正整数") }
            let account = cell("银行账号").replacingOccurrences(of: "=\"", with: "").replacingOccurrences(of: "\"", with: "")
            guard !PayeeChecks.accountKey(account).isEmpty else { throw bad("银行账号", "应为账号") }
            guard let amount = try? Money(yuan: cell("金额(元)")) else { throw bad("金额(元)", "应为金额（元，至多两位小数）") }
            let paid: Bool
            switch cell("处理结果") {
            case "成功": paid = true
            case "失败": paid = false
            default: throw bad("处理结果", "应为“成功”或“失败”")
            }
            let reason = Redaction.identifiers(in: cell("失败原因"))
            guard reason.count <= 200 else { throw bad("失败原因", "超过 200 个字") }
            if !paid && reason.isEmpty { throw bad("失败原因", "为空：失败的记录须有原因") }
            var credited: CivilDate?
            let dateText = cell("入账日期")
            if !dateText.isEmpty {
                let normalized = dateText.count == 8 && dateText.allSatisfy(\.isNumber)
                    ? "\(dateText.prefix(4))-\(dateText.dropFirst(4).prefix(2))-\(dateText.suffix(2))" : dateText
                guard let d = try? CivilDate(parsing: normalized) else { throw bad("入账日期", "应为日期 YYYY-MM-DD") }
                credited = d
            }
            if paid && credited == nil { throw bad("入账日期", "为空：成功的记录须有入账日期") }
            var extra: [String: String] = [:]
            for (i, h) in headings.enumerated() where !required.contains(h) && !optional.contains(h) && i < r.count && !h.isEmpty {
                guard r[i].count <= 200 else { throw .badValue(line: line, column: h, value: String(r[i].prefix(20)) + "…", reason: "超过 200 个字") }
                // The bank's words may carry an ID or account number: kept masked (ADR 0021).
                extra[h] = Redaction.identifiers(in: r[i])
            }
            rows.append(ReturnRow(fileLine: line, batchID: batch, seq: seq, account: account, amount: amount, paid: paid,
                                  reasonText: reason, creditedOn: credited, extra: extra))
        }
        guard !rows.isEmpty else { throw .empty }
        return rows
    }

    /// RFC 4180 records: quoted fields with doubled quotes, CRLF or LF.
    static func csvRecords(_ text: String) throws(BankReturnError) -> [[String]] {
        var records: [[String]] = [], field = "", record: [String] = []
        var quoted = false, afterQuote = false
        var it = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar?
        func next() -> Unicode.Scalar? { if let p = pending { pending = nil; return p }; return it.next() }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let n = next() { if n == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; afterQuote = true; pending = n } }
                    else { quoted = false }
                } else { field.unicodeScalars.append(c) }
                continue
            }
            switch c {
            case "\"":
                // A quote inside an unquoted field (`="6217…"` typed by hand) is a character of it.
                guard field.isEmpty && !afterQuote else {
                    if afterQuote { throw .notReadable("引号位置不对（第 \(records.count + 1) 行）") }
                    field.unicodeScalars.append(c)
                    continue
                }
                quoted = true
            case ",": record.append(field); field = ""; afterQuote = false
            case "\r": continue
            case "\n": record.append(field); records.append(record); record = []; field = ""; afterQuote = false
            default: field.unicodeScalars.append(c)
            }
        }
        if quoted { throw .notReadable("引号未闭合") }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}

public enum Reconciliation {
    /// What a result file changes on a batch, or every conflict in it (field: reject the whole file on
    /// any). Lines the file repeats exactly as recorded change nothing.
    /// - Returns: the results to record, by line id.
    public static func check(_ rows: [ReturnRow], batchID: String, lines: [ReconcilableLine], creditWindow: ClosedRange<CivilDate>)
        -> (results: [String: LineResult], conflicts: [ReturnConflict]) {
        let bySeq = Dictionary(lines.map { ($0.seq, $0) }, uniquingKeysWith: { a, _ in a })
        var conflicts: [ReturnConflict] = []
        var results: [String: LineResult] = [:]
        var seen = Set<Int>()
        for r in rows {
            guard r.batchID == batchID else { conflicts.append(.otherBatch(line: r.fileLine, batchID: r.batchID)); continue }
            guard seen.insert(r.seq).inserted else { conflicts.append(.duplicate(line: r.fileLine, seq: r.seq)); continue }
            guard let l = bySeq[r.seq] else { conflicts.append(.unknownLine(line: r.fileLine, seq: r.seq)); continue }
            guard PayeeChecks.accountKey(r.account) == l.accountKey else {
                conflicts.append(.accountDiffers(line: r.fileLine, seq: r.seq))
                continue
            }
            guard r.amount == l.amount else {
                conflicts.append(.amountDiffers(line: r.fileLine, seq: r.seq, file: r.amount, batch: l.amount))
                continue
            }
            if let day = r.creditedOn, !creditWindow.contains(day) {
                conflicts.append(.creditDay(line: r.fileLine, seq: r.seq, day: day))
                continue
            }
            let result = LineResult(paid: r.paid, reason: r.paid ? nil : ReturnReason(bankText: r.reasonText),
                                    reasonText: r.reasonText, creditedOn: r.creditedOn)
            if let before = l.recorded {
                if before == result { continue }
                if l.repaid {
                    conflicts.append(.alreadyRepaid(line: r.fileLine, seq: r.seq))
                    continue
                }
                conflicts.append(.resultChanged(line: r.fileLine, seq: r.seq, before: describe(before), now: describe(result)))
            }
            results[l.lineID] = result
        }
        return (results, conflicts)
    }

    static func describe(_ r: LineResult) -> String {
        r.paid ? "成功 \(r.creditedOn?.description ?? "")" : "失败 \(r.reasonText)"
    }
}

/// What is done with a returned line (退票处理).
public enum ReturnDecision: String, Codable, Sendable, CaseIterable {
    /// The payee's data was corrected: the line is paid again by a follow-up batch of its batch.
    case repay
    /// Settled another way (paid in cash at the township, with a receipt).
    case settledOtherwise = "settled-otherwise"
    /// Not to be paid (the person died before the month, the entitlement ended): the money stays returned.
    case cancel

    public var chinese: String {
        switch self {
        case .repay: return "更正后重发"
        case .settledOtherwise: return "已以其他方式支付"
        case .cancel: return "不再支付"
        }
    }
}
