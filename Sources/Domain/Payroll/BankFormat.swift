import Foundation

/// How one bank wants its batch file (docs/bank-formats.md, the contract): CSV, XLSX or fixed-width text,
/// UTF-8 or GB18030, a batch header and the columns in the bank's order. Three formats are built in
/// (`csv`, `xlsx`, `fixed-gb18030`); a county adds its bank's with `jiuzhu bank-format import FILE`.
public struct BankFormat: Hashable, Sendable, Codable {
    public enum Kind: String, Codable, Sendable, CaseIterable { case csv, xlsx, fixed }
    public enum TextEncoding: String, Codable, Sendable, CaseIterable {
        case utf8 = "utf-8", gb18030

        /// Foundation's encoding: GB18030-2000 is CoreFoundation's 0x0632 (the NSString form sets the high bit).
        public var foundation: String.Encoding { self == .utf8 ? .utf8 : String.Encoding(rawValue: 0x8000_0632) }
    }

    /// A value of a payee's line.
    public enum Field: String, Codable, Sendable, CaseIterable {
        case seq, township, village, name, residentID = "resident-id", account, item, period
        case amountYuan = "amount-yuan", amountFen = "amount-fen", note

        public var label: String {
            switch self {
            case .seq: return "序号"
            case .township: return "乡镇"
            case .village: return "村(社区)"
            case .name: return "姓名"
            case .residentID: return "公民身份号码"
            case .account: return "银行账号"
            case .item: return "补贴项目"
            case .period: return "所属期"
            case .amountYuan: return "金额(元)"
            case .amountFen: return "金额(分)"
            case .note: return "备注"
            }
        }

        /// Right-aligned and padded with zeros in a fixed-width record; text is left-aligned with spaces.
        public var isNumber: Bool { self == .seq || self == .amountFen }
    }

    /// A value of the batch header.
    public enum HeaderField: String, Codable, Sendable, CaseIterable {
        case batch, month, item, count, totalYuan = "total-yuan", totalFen = "total-fen", approver, issuer
        case issuedAt = "issued-at", demo

        public var label: String {
            switch self {
            case .batch: return "批次号"
            case .month: return "发放月份"
            case .item: return "补贴项目"
            case .count: return "笔数"
            case .totalYuan: return "总金额(元)"
            case .totalFen: return "总金额(分)"
            case .approver: return "审核人"
            case .issuer: return "制表人"
            case .issuedAt: return "制表时间"
            case .demo: return "备注"
            }
        }

        public var isNumber: Bool { self == .count || self == .totalFen }
    }

    public struct Column: Hashable, Sendable, Codable {
        public var field: Field
        /// The column heading (CSV, XLSX); the field's Chinese label when not given.
        public var label: String?
        /// Bytes in the file's encoding (fixed-width only; required there).
        public var width: Int?

        public init(_ field: Field, label: String? = nil, width: Int? = nil) {
            self.field = field
            self.label = label
            self.width = width
        }
    }

    public struct HeaderItem: Hashable, Sendable, Codable {
        public var field: HeaderField
        public var width: Int?

        public init(_ field: HeaderField, width: Int? = nil) {
            self.field = field
            self.width = width
        }
    }

    public var name: String
    public var kind: Kind
    public var encoding: TextEncoding
    public var header: [HeaderItem]
    public var columns: [Column]

    public init(name: String, kind: Kind, encoding: TextEncoding, header: [HeaderItem], columns: [Column]) {
        self.name = name
        self.kind = kind
        self.encoding = encoding
        self.header = header
        self.columns = columns
    }

    /// `csv`, `xlsx`, `fixed`-width `txt`.
    public var fileExtension: String { kind == .fixed ? "txt" : kind.rawValue }

    static let standardHeader: [HeaderItem] = [.init(.batch), .init(.month), .init(.item), .init(.count), .init(.totalYuan),
                                               .init(.approver), .init(.issuer), .init(.issuedAt), .init(.demo)]
    static let standardColumns: [Column] = [.init(.seq), .init(.township), .init(.village), .init(.name), .init(.residentID),
                                            .init(.account), .init(.item), .init(.period), .init(.amountYuan), .init(.note)]

    /// The working-assumption roster of reference-data.md §6.1 as CSV (UTF-8 with BOM, opens in Excel).
    public static let csv = BankFormat(name: "csv", kind: .csv, encoding: .utf8, header: standardHeader, columns: standardColumns)
    /// The same as an Excel workbook.
    public static let xlsx = BankFormat(name: "xlsx", kind: .xlsx, encoding: .utf8, header: standardHeader, columns: standardColumns)
    /// An example fixed-width layout in GB18030 (docs/bank-formats.md): a header record, then one record
    /// per payee; widths in bytes, amounts in fen.
    public static let fixedGB18030 = BankFormat(
        name: "fixed-gb18030", kind: .fixed, encoding: .gb18030,
        header: [.init(.batch, width: 36), .init(.month, width: 7), .init(.count, width: 8), .init(.totalFen, width: 15),
                 .init(.demo, width: 12)],
        columns: [.init(.seq, width: 6), .init(.name, width: 20), .init(.residentID, width: 18), .init(.account, width: 32),
                  .init(.amountFen, width: 12), .init(.period, width: 13), .init(.township, width: 20), .init(.village, width: 30)])

    public static let builtIn: [BankFormat] = [.csv, .xlsx, .fixedGB18030]

    /// The formats of a formats file: `{"formats": [{"name", "kind", "encoding", "header": [{"field", "width"?}],
    /// "columns": [{"field", "label"?, "width"?}]}]}`.
    /// - Throws: `BankFormatError` naming the format and key: an unknown key, kind, encoding or field; a
    ///   width missing (fixed) or given (CSV, XLSX) or outside 1–200; a name used twice or by a built-in
    ///   format; no columns.
    public static func parse(_ data: Data) throws(BankFormatError) -> [BankFormat] {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw .notJSON }
        try keys(root, ["formats"], at: "")
        guard let list = root["formats"] as? [Any], !list.isEmpty else { throw .invalid(at: "formats", reason: "应为非空数组") }
        var out: [BankFormat] = []
        for (i, raw) in list.enumerated() {
            let at = "formats[\(i)]"
            guard let o = raw as? [String: Any] else { throw .invalid(at: at, reason: "应为对象") }
            try keys(o, ["name", "kind", "encoding", "header", "columns"], at: at)
            guard let name = (o["name"] as? String)?.trimmingCharacters(in: .whitespaces), !name.isEmpty, name.count <= 40 else {
                throw .invalid(at: "\(at).name", reason: "须为 1–40 个字符")
            }
            guard !builtIn.contains(where: { $0.name == name }), !out.contains(where: { $0.name == name }) else {
                throw .invalid(at: "\(at).name", reason: "名称“\(name)”已被使用")
            }
            func choice<E: RawRepresentable & CaseIterable>(_ key: String) throws(BankFormatError) -> E where E.RawValue == String {
                guard let t = o[key] as? String, let v = E(rawValue: t) else {
                    throw .invalid(at: "\(at).\(key)", reason: "应为 \(E.allCases.map(\.rawValue).joined(separator: " / "))")
                }
                return v
            }
            let kind: Kind = try choice("kind")
            let encoding: TextEncoding = try choice("encoding")
            if kind == .xlsx && encoding != .utf8 { throw .invalid(at: "\(at).encoding", reason: "XLSX 文件内部总是 UTF-8") }
            func width(_ item: [String: Any], _ path: String) throws(BankFormatError) -> Int? {
                guard let w = item["width"] else {
                    if kind == .fixed { throw .invalid(at: "\(path).width", reason: "定长格式每个字段须给出字节宽度") }
                    return nil
                }
                guard kind == .fixed else { throw .invalid(at: "\(path).width", reason: "只有定长格式（fixed）使用宽度") }
                guard let n = w as? Int, !(w is Bool), (1...200).contains(n) else { throw .invalid(at: "\(path).width", reason: "应为 1–200 的整数") }
                return n
            }
            var header: [HeaderItem] = []
            for (j, rawItem) in ((o["header"] as? [Any]) ?? []).enumerated() {
                let path = "\(at).header[\(j)]"
                guard let item = rawItem as? [String: Any] else { throw .invalid(at: path, reason: "应为对象") }
                try keys(item, ["field", "width"], at: path)
                guard let t = item["field"] as? String, let f = HeaderField(rawValue: t) else {
                    throw .invalid(at: "\(path).field", reason: "应为 \(HeaderField.allCases.map(\.rawValue).joined(separator: " / "))")
                }
                header.append(HeaderItem(f, width: try width(item, path)))
            }
            guard let rawColumns = o["columns"] as? [Any], !rawColumns.isEmpty else {
                throw .invalid(at: "\(at).columns", reason: "应为非空数组")
            }
            var columns: [Column] = []
            for (j, rawItem) in rawColumns.enumerated() {
                let path = "\(at).columns[\(j)]"
                guard let item = rawItem as? [String: Any] else { throw .invalid(at: path, reason: "应为对象") }
                try keys(item, ["field", "label", "width"], at: path)
                guard let t = item["field"] as? String, let f = Field(rawValue: t) else {
                    throw .invalid(at: "\(path).field", reason: "应为 \(Field.allCases.map(\.rawValue).joined(separator: " / "))")
                }
                var label: String?
                if let l = item["label"] {
                    guard let s = l as? String, !s.isEmpty, s.count <= 40 else { throw .invalid(at: "\(path).label", reason: "须为 1–40 个字符") }
                    label = s
                }
                columns.append(Column(f, label: label, width: try width(item, path)))
            }
            guard columns.contains(where: { $0.field == .account }), columns.contains(where: { $0.field == .amountYuan || $0.field == .amountFen }) else {
                throw .invalid(at: "\(at).columns", reason: "须包含银行账号（account）和金额（amount-yuan 或 amount-fen）")
            }
            out.append(BankFormat(name: name, kind: kind, encoding: encoding, header: header, columns: columns))
        }
        return out
    }

    static func keys(_ o: [String: Any], _ known: Set<String>, at: String) throws(BankFormatError) {
        if let unknown = o.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalid(at: at.isEmpty ? unknown : "\(at).\(unknown)", reason: "未知的键 (unknown key)")
        }
    }

    /// The definition as stored and exported: the formats-file form of this one format.
    public func json() -> String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! e.encode(self), as: UTF8.self)
    }
}

public enum BankFormatError: Error, Equatable, Sendable {
    case notJSON
    case invalid(at: String, reason: String)
    case unknownFormat(String, known: [String])

    public var message: String {
        switch self {
        case .notJSON: return "银行文件格式定义不是 JSON 对象 (not a JSON object)"
        case let .invalid(at, reason): return "银行文件格式定义 \(at)：\(reason)"
        case let .unknownFormat(name, known):
            return "没有名为“\(name)”的银行文件格式；可用：\(known.joined(separator: "、")) (unknown bank format)"
        }
    }
}
