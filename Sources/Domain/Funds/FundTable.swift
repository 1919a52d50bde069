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

    /// Each figure is rounded on its own from the exact ledger, so a total may differ from the sum of
    /// its rounded lines by 0.01 万元.
    public static let roundingNote = "注：各项金额按精确值分别四舍五入至 0.01 万元，合计与分项之和可能相差 0.01。"

    /// The table as text lines in 万元 with two decimals (for the terminal and the report command).
    public func render() -> String {
        var out: [String] = []
        out.append("\(year)年困难群众救助补助资金筹集使用情况表（附表1）  单位：万元")
        out.append("一、资金筹集")
        for r in raised { out.append("  \(r.source.chinese.padded(16)) \(r.amount.wanYuanString.leftPadded(to: 12, with: " "))") }
        out.append("  \("筹集合计".padded(16)) \(totalRaised.wanYuanString.leftPadded(to: 12, with: " "))")
        out.append("二、资金使用")
        for u in used { out.append("  \(u.label.padded(16)) \(u.amount.wanYuanString.leftPadded(to: 12, with: " "))") }
        out.append("  \("使用合计".padded(16)) \(totalUsed.wanYuanString.leftPadded(to: 12, with: " "))")
        out.append("三、结余           \(balance.wanYuanString.leftPadded(to: 12, with: " "))")
        out.append("四、执行率         \((executionRatePercent.map { $0 + "%" } ?? "—").leftPadded(to: 12, with: " "))")
        out.append(FundTable.roundingNote)
        return out.joined(separator: "\n")
    }
}

extension String {
    /// Pads to a display width, counting CJK characters as two columns.
    func padded(_ width: Int) -> String {
        let w = reduce(0) { $0 + ($1.unicodeScalars.first!.value > 0x2E80 ? 2 : 1) }
        return w >= width ? self : self + String(repeating: " ", count: width - w)
    }
}
