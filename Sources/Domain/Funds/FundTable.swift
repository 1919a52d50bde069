import Foundation

/// Funding sources (资金来源) of the assistance fund.
public enum FundingSource: String, Codable, Sendable, CaseIterable {
    case central, provincial, city, county, carriedOver = "carried-over"

    public var chinese: String {
        switch self {
        case .central: return "中央财政补助"
        case .provincial: return "省级财政补助"
        case .city: return "市级财政补助"
        case .county: return "县级财政安排"
        case .carriedOver: return "上年结转"
        }
    }
}

/// An allocation (资金下达) of money from one source, with its document number.
public struct Allocation: Hashable, Sendable {
    public var year: Int
    public var source: FundingSource
    public var documentNumber: String
    public var date: CivilDate
    public var amount: Money
    /// nil: the pooled 困难群众救助补助资金; otherwise earmarked for one programme.
    public var programme: Programme?

    public init(year: Int, source: FundingSource, documentNumber: String, date: CivilDate, amount: Money,
                programme: Programme?) {
        self.year = year
        self.source = source
        self.documentNumber = documentNumber
        self.date = date
        self.amount = amount
        self.programme = programme
    }
}

/// A use line of the fund table: a programme, and its area when the programme is shown by area.
public struct FundUse: Hashable, Sendable {
    public var programme: Programme
    public var area: Area?
    public var amount: Money

    public init(programme: Programme, area: Area?, amount: Money) {
        self.programme = programme
        self.area = area
        self.amount = amount
    }

    /// `城市低保金` for a programme split by area (its rules' `paymentLabel`), else the programme's name.
    public var label: String {
        guard let area, let rules = try? programme.rules() else { return programme.chinese }
        return rules.paymentLabel(area: area)
    }
}

/// 附表1 困难群众救助补助资金筹集使用情况表: raised by source, used by programme, balance, execution rate.
public struct FundTable: Hashable, Sendable {
    public var year: Int
    public var raised: [(source: FundingSource, amount: Money)]
    public var used: [FundUse]

    public init(year: Int, allocations: [Allocation], uses: [FundUse]) {
        self.year = year
        var bySource: [FundingSource: Money] = [:]
        for a in allocations where a.year == year { bySource[a.source, default: .zero] += a.amount }
        raised = FundingSource.allCases.compactMap { s in bySource[s].map { (s, $0) } }
        used = uses
    }

    public var totalRaised: Money { raised.reduce(.zero) { $0 + $1.amount } }
    public var totalUsed: Money { used.reduce(.zero) { $0 + $1.amount } }
    public var balance: Money { totalRaised - totalUsed }

    /// used ÷ raised as a percentage with two decimals, half-up ("74.82"); nil when nothing was raised.
    public var executionRatePercent: String? {
        guard totalRaised.fen > 0 else { return nil }
        // percent × 100 = used × 10000 / raised, rounded once.
        let r = FenRatio(numerator: totalUsed.fen * 10_000, denominator: totalRaised.fen).roundedHalfUp()
        return r.yuanString
    }

    public static func == (a: FundTable, b: FundTable) -> Bool {
        a.year == b.year && a.used == b.used && a.raised.map(\.source) == b.raised.map(\.source)
            && a.raised.map(\.amount) == b.raised.map(\.amount)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(year)
        hasher.combine(used)
    }

    /// How the table is rounded: each block's parts are apportioned (largest remainder) so that they add up
    /// to the block's total, itself the exact ledger amount rounded once; the balance is the shown raised
    /// total less the shown used total.
    public static let roundingNote = "注：单位万元，保留两位小数；各合计为精确金额四舍五入，分项按最大余额法分配尾差，使分项之和等于合计；结余为筹集合计减使用合计。"

    /// One row of the table.
    public struct Line: Hashable, Sendable {
        public enum Level: String, Sendable { case part, subtotal, total }
        /// `raised:central`, `used:dibao:urban`, `used:dibao`, `used:total`, `balance`, `rate` (the keys a
        /// county's layout names).
        public var key: String
        public var label: String
        /// 万元 with two decimals ("6674.15"), or the rate with two decimals and no % sign.
        public var value: String
        public var level: Level
    }

    /// Every row, in order: raised by source and 筹集合计; used by programme (a programme split by area gets
    /// its areas and a 小计) and 使用合计; 结余; 执行率.
    public var lines: [Line] {
        var out: [Line] = []
        let raisedShown = Self.apportion(raised.map(\.amount))
        for (i, r) in raised.enumerated() {
            out.append(Line(key: "raised:\(r.source.rawValue)", label: r.source.chinese, value: Self.wan(raisedShown[i]), level: .part))
        }
        let raisedTotal = raisedShown.reduce(0, +)
        out.append(Line(key: "raised:total", label: "筹集合计", value: Self.wan(raisedTotal), level: .total))
        let usedShown = Self.apportion(used.map(\.amount))
        var i = 0
        while i < used.count {
            let p = used[i].programme
            let group = used[i...].prefix { $0.programme == p }
            if group.count > 1 || group.first?.area != nil {
                var subtotal: Int64 = 0
                for (j, u) in group.enumerated() {
                    out.append(Line(key: "used:\(p.rawValue):\(u.area?.rawValue ?? "")", label: u.label, value: Self.wan(usedShown[i + j]), level: .part))
                    subtotal += usedShown[i + j]
                }
                out.append(Line(key: "used:\(p.rawValue)", label: "\(p.shortChinese)小计", value: Self.wan(subtotal), level: .subtotal))
            } else {
                out.append(Line(key: "used:\(p.rawValue)", label: used[i].label, value: Self.wan(usedShown[i]), level: .part))
            }
            i += group.count
        }
        let usedTotal = usedShown.reduce(0, +)
        out.append(Line(key: "used:total", label: "使用合计", value: Self.wan(usedTotal), level: .total))
        out.append(Line(key: "balance", label: "结余", value: Self.wan(raisedTotal - usedTotal), level: .total))
        out.append(Line(key: "rate", label: "执行率（%）", value: executionRatePercent ?? "—", level: .total))
        return out
    }

    /// Hundredths of 万元 (100 yuan) for each amount, adding up to the total rounded half-up once: each part
    /// floored, the shortfall given to the largest remainders (earlier rows first on a tie). With a
    /// negative part (a year overspent, carried over), each is rounded on its own.
    static func apportion(_ amounts: [Money]) -> [Int64] {
        let unit: Int64 = 10_000
        func rounded(_ fen: Int64) -> Int64 { FenRatio(numerator: fen, denominator: unit).roundedHalfUp().fen }
        guard amounts.allSatisfy({ $0.fen >= 0 }) else { return amounts.map { rounded($0.fen) } }
        var shown = amounts.map { $0.fen / unit }
        let target = rounded(amounts.reduce(0) { $0 + $1.fen })
        let order = amounts.indices.sorted { (amounts[$0].fen % unit, -$0) > (amounts[$1].fen % unit, -$1) }
        var missing = target - shown.reduce(0, +)
        for i in order where missing > 0 {
            shown[i] += 1
            missing -= 1
        }
        return shown
    }

    static func wan(_ hundredths: Int64) -> String { Money(fen: hundredths).yuanString }

    /// The table as text lines in 万元 with two decimals (for the terminal and the report command).
    public func render() -> String {
        var out: [String] = []
        out.append("\(year)年困难群众救助补助资金筹集使用情况表（附表1）  单位：万元")
        out.append("一、资金筹集")
        var usedStarted = false
        for l in lines {
            if l.key.hasPrefix("used:") && !usedStarted {
                out.append("二、资金使用")
                usedStarted = true
            }
            switch l.key {
            case "balance": out.append("三、结余           \(l.value.leftPadded(to: 12, with: " "))")
            case "rate": out.append("四、执行率         \((l.value == "—" ? "—" : l.value + "%").leftPadded(to: 12, with: " "))")
            default: out.append("  \(l.label.padded(16)) \(l.value.leftPadded(to: 12, with: " "))")
            }
        }
        out.append(FundTable.roundingNote)
        return out.joined(separator: "\n")
    }

    /// The table in a county's own form: each row of `layout` sums the lines it names.
    /// - Throws: `FundLayoutError` naming an unknown key.
    public func mapped(_ layout: FundTableLayout) throws(FundLayoutError) -> [(label: String, value: String)] {
        let byKey = Dictionary(lines.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        return try layout.rows.enumerated().map { i, row throws(FundLayoutError) in
            if row.keys == ["rate"] { return (row.label, byKey["rate"]!.value) }
            var sum: Int64 = 0
            for k in row.keys {
                guard let l = byKey[k], k != "rate" else {
                    // A source or programme with no money this year has no line: it is zero, not unknown.
                    if FundTableLayout.isKnown(k) && k != "rate" { continue }
                    throw .unknownKey(row: i, key: k)
                }
                sum += (l.value.replacingOccurrences(of: ".", with: "")).asInt64
            }
            return (row.label, FundTable.wan(sum))
        }
    }
}

/// A county's own form of 附表1 (docs/self-evaluation.md): `{"rows": [{"label": "中央补助", "keys":
/// ["raised:central"]}, …]}`; a row sums the lines its keys name.
public struct FundTableLayout: Hashable, Sendable, Codable {
    public struct Row: Hashable, Sendable, Codable {
        public var label: String
        public var keys: [String]
    }

    public var rows: [Row]

    public static func isKnown(_ key: String) -> Bool {
        let parts = key.split(separator: ":").map(String.init)
        switch parts.first {
        case "raised": return parts.count == 2 && (parts[1] == "total" || FundingSource(rawValue: parts[1]) != nil)
        case "used":
            if parts.count == 2 { return parts[1] == "total" || Programme(rawValue: parts[1]) != nil }
            return parts.count == 3 && Programme(rawValue: parts[1]) != nil && Area(rawValue: parts[2]) != nil
        default: return parts.count == 1 && (key == "balance" || key == "rate")
        }
    }

    /// - Throws: `FundLayoutError` naming the row and key.
    public static func parse(_ data: Data) throws(FundLayoutError) -> FundTableLayout {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any], Set(root.keys) == ["rows"],
              let rows = root["rows"] as? [[String: Any]], !rows.isEmpty else { throw .notALayout }
        return FundTableLayout(rows: try rows.enumerated().map { i, r throws(FundLayoutError) in
            guard Set(r.keys).isSubset(of: ["label", "keys"]), let label = r["label"] as? String, !label.isEmpty,
                  let keys = r["keys"] as? [String], !keys.isEmpty else { throw .badRow(i) }
            if let k = keys.first(where: { !isKnown($0) }) { throw .unknownKey(row: i, key: k) }
            if keys.contains("rate") && keys.count > 1 { throw .badRow(i) }
            // A row counts each amount once: no key twice, no total or subtotal beside its own parts.
            for (a, x) in keys.enumerated() {
                for (b, y) in keys.enumerated() where a != b {
                    let covers = x == y || y.hasPrefix(x + ":") || (x.hasSuffix(":total") && y.hasPrefix(String(x.dropLast("total".count))))
                    if covers { throw .overlap(row: i, key: x, other: y) }
                }
            }
            return Row(label: label, keys: keys)
        })
    }
}

public enum FundLayoutError: Error, Equatable, Sendable {
    case notALayout
    case badRow(Int)
    case unknownKey(row: Int, key: String)
    case overlap(row: Int, key: String, other: String)

    public var message: String {
        switch self {
        case let .overlap(i, k, o): return "附表1 格式文件第 \(i + 1) 行的“\(k)”已包含“\(o)”，会重复计算 (counted twice)"
        case .notALayout: return "附表1 格式文件应为 {\"rows\": [{\"label\", \"keys\": [...]}]} (not a layout)"
        case .badRow(let i): return "附表1 格式文件第 \(i + 1) 行须有 label 和非空 keys（rate 只能单独一行）(bad row)"
        case let .unknownKey(i, k): return "附表1 格式文件第 \(i + 1) 行的键“\(k)”不存在：可用 raised:central|provincial|city|county|carried-over、raised:total、used:\(Programme.allCases.map(\.rawValue).joined(separator: "|"))（低保可加 :urban 或 :rural）、used:total、balance、rate (unknown key)"
        }
    }
}

extension String {
    var asInt64: Int64 { Int64(self) ?? 0 }
}

extension String {
    /// Pads to a display width, counting CJK characters as two columns.
    func padded(_ width: Int) -> String {
        let w = reduce(0) { $0 + ($1.unicodeScalars.first!.value > 0x2E80 ? 2 : 1) }
        return w >= width ? self : self + String(repeating: " ", count: width - w)
    }
}
