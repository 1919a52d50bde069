/// One line of a decision trace: what was used or applied, the figure, and the rule it comes from.
public struct TraceLine: Hashable, Codable, Sendable, CustomStringConvertible {
    public var step: String
    public var detail: String
    public var source: String?

    public init(_ step: String, _ detail: String, source: String? = nil) {
        self.step = step
        self.detail = detail
        self.source = source
    }

    public var description: String { source.map { "\(step)：\(detail)（\($0)）" } ?? "\(step)：\(detail)" }
}

/// Why a household is not eligible.
public enum IneligibilityReason: String, Codable, Sendable {
    case incomeAtOrAboveStandard = "INCOME_AT_OR_ABOVE_STANDARD"
    case noCountedMembers = "NO_COUNTED_MEMBERS"

    public var chinese: String {
        switch self {
        case .incomeAtOrAboveStandard: return "家庭月人均收入不低于当地低保标准"
        case .noCountedMembers: return "没有计入的家庭成员"
        }
    }
}

/// The result of assessing a household for 低保 by the gap method.
public struct DibaoDecision: Hashable, Sendable {
    public var month: YearMonth
    public var area: Area
    public var eligible: Bool
    public var householdSize: Int
    public var standard: Money
    /// Σ counted monthly income, exact.
    public var householdIncome: FenRatio
    /// Per-capita monthly income, exact (shown rounded, never used rounded).
    public var perCapitaIncome: FenRatio
    /// Monthly benefit, rounded once half-up to the fen; zero when not eligible.
    public var monthlyBenefit: Money
    public var reasons: [IneligibilityReason]
    public var trace: [TraceLine]
    public var policyVersion: String
}

/// The rules a trace cites: 民发〔2021〕57号 from its entry into force (2021-07-01); before that the
/// 2012 measures (民发〔2012〕220号) it replaced. 社会救助暂行办法 applies throughout.
struct Citations {
    let members: String
    let income: String
    let exempt: String
    let gap: String

    init(month: YearMonth) {
        if month >= YearMonth(year: 2021, month: 7)! {
            members = "民发〔2021〕57号 第7条"
            income = "民发〔2021〕57号 第13条"
            exempt = "民发〔2021〕57号 第13条第2款"
            gap = "民发〔2021〕57号 第23条；社会救助暂行办法 第12条"
        } else {
            members = "民发〔2012〕220号（共同生活的家庭成员）"
            income = "民发〔2012〕220号（家庭收入）"
            exempt = "民发〔2012〕220号；社会救助暂行办法"
            gap = "民发〔2012〕220号 第27条；社会救助暂行办法 第12条"
        }
    }
}

/// 低保 by the gap method (补差), DB-2021 Art. 23; 暂行办法 Art. 12:
/// benefit = standard × counted members − Σ counted monthly income, exact, rounded once half-up.
public enum DibaoAssessment {
    /// Assesses `household` for `month` under `policy`. Pure: no I/O.
    public static func assess(_ household: HouseholdComposition, month: YearMonth, policy: Policy) -> DibaoDecision {
        var trace: [TraceLine] = []
        let cite = Citations(month: month)
        let standard = policy.dibaoStandard(for: household.area)
        trace.append(TraceLine("政策版本", "\(policy.version)，评估月份 \(month)"))
        trace.append(TraceLine("保障标准", "\(household.area.chinese)低保标准 \(standard.yuanString) 元/人·月",
                               source: "\(cite.gap)；县政策 \(policy.version)"))
        let counted = household.countedMembers
        for m in household.members where !m.status.counts {
            let since = m.statusSince.map { "，自 \($0)" } ?? ""
            trace.append(TraceLine("不计入成员", "\(m.name)（\(m.status.chinese)\(since)）",
                                   source: cite.members))
        }
        trace.append(TraceLine("家庭人口", "计入 \(counted.count) 人：\(counted.map(\.name).joined(separator: "、"))",
                               source: cite.members))
        var income = FenRatio(.zero)
        for m in counted {
            for item in m.income {
                let amount = item.period == .monthly ? "\(item.amount.yuanString) 元/月"
                    : "\(item.amount.yuanString) 元/年 ÷ 12"
                if policy.exemptIncomeKinds.contains(item.kind) {
                    trace.append(TraceLine("豁免收入", "\(m.name) \(item.kind.chinese) \(amount)，不计入",
                                           source: cite.exempt))
                } else {
                    income = income + item.monthly
                    trace.append(TraceLine("计入收入", "\(m.name) \(item.kind.chinese) \(amount)",
                                           source: cite.income))
                }
            }
        }
        let size = counted.count
        guard size > 0 else {
            trace.append(TraceLine("结论", "不符合：没有计入的家庭成员"))
            return DibaoDecision(month: month, area: household.area, eligible: false, householdSize: 0,
                                 standard: standard, householdIncome: income, perCapitaIncome: income,
                                 monthlyBenefit: .zero, reasons: [.noCountedMembers], trace: trace,
                                 policyVersion: policy.version)
        }
        let perCapita = income.divided(by: size)
        trace.append(TraceLine("家庭月收入", "\(income.roundedHalfUp().yuanString) 元（精确值参与计算）"))
        trace.append(TraceLine("月人均收入", "\(perCapita.roundedHalfUp().yuanString) 元（仅显示，未取整参与计算）"))
        let gap = FenRatio(standard * size) - income
        let eligible = gap.isPositive
        let benefit = eligible ? gap.roundedHalfUp() : .zero
        trace.append(TraceLine("补差计算",
                               "\(standard.yuanString) × \(size) − \(income.roundedHalfUp().yuanString) = \(gap.roundedHalfUp().yuanString) 元，四舍五入到分一次",
                               source: cite.gap))
        trace.append(TraceLine("结论", eligible ? "符合，月保障金 \(benefit.yuanString) 元"
                                                : "不符合：月人均收入不低于保障标准"))
        return DibaoDecision(month: month, area: household.area, eligible: eligible, householdSize: size,
                             standard: standard, householdIncome: income, perCapitaIncome: perCapita,
                             monthlyBenefit: benefit, reasons: eligible ? [] : [.incomeAtOrAboveStandard],
                             trace: trace, policyVersion: policy.version)
    }
}
