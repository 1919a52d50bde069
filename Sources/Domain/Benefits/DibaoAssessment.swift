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

/// Why a household or person is not eligible (assess-format.md `reasons[].code`).
public enum IneligibilityReason: String, Codable, Sendable {
    case incomeAtOrAboveStandard = "INCOME_AT_OR_ABOVE_STANDARD"
    case noCountedMembers = "NO_COUNTED_MEMBERS"
    /// 特困: none of the grounds of "no labour capacity" (TK-2021 Art. 5).
    case hasLabourCapacity = "HAS_LABOUR_CAPACITY"
    /// 特困: the person's own counted income is not below the 低保 standard (TK-2021 Art. 6).
    case ownIncomeAtOrAboveStandard = "OWN_INCOME_AT_OR_ABOVE_STANDARD"
    /// The person assessed is not counted in the month (deceased, moved out, in prison, …).
    case subjectNotCounted = "SUBJECT_NOT_COUNTED"
    /// 临时救助: the grant asked for lies outside the policy's range for the type (never clamped).
    case outsideRange = "OUTSIDE_RANGE"
    /// 临时救助: the household already received the yearly cap this year.
    case yearlyCapReached = "YEARLY_CAP_REACHED"
    /// 孤儿: neither both parents dead or unknown, nor HIV-affected (国办发〔2010〕54号; 民发〔2012〕179号).
    case notOrphan = "NOT_ORPHAN"
    /// 事实无人抚养儿童: the parents' situations do not meet 民发〔2019〕62号 §1.
    case parentsCanSupport = "PARENTS_CAN_SUPPORT"
    /// Past the month of the 18th birthday and not continuing in the schooling the policy lists.
    case age18 = "AGE_18"
    /// 事实无人抚养儿童: what the child already receives (低保, 特困, disability allowance) is not below the
    /// standard: no difference to pay (民发〔2019〕62号 §3).
    case otherSupportCoversStandard = "OTHER_SUPPORT_COVERS_STANDARD"
    /// 孤儿: a parent was verified alive before the month.
    case parentFound = "PARENT_FOUND"
    /// A month before the first month paid (the month after approval).
    case notStarted = "NOT_STARTED"
    /// 单人保: the household qualifies as a whole and is enrolled whole (Notice-2022 §1(1)).
    case householdEligible = "HOUSEHOLD_ELIGIBLE"
    /// 单人保: the household's per-capita income is not below the near-poverty line (DB-2021 Art. 8 ¶2).
    case notNearPoverty = "NOT_NEAR_POVERTY"
    /// 单人保: the member has none of the grounds of DB-2021 Art. 8.
    case notIndividualCategory = "NOT_INDIVIDUAL_CATEGORY"

    public var chinese: String {
        switch self {
        case .incomeAtOrAboveStandard: return "家庭月人均收入不低于当地低保标准"
        case .noCountedMembers: return "没有计入的家庭成员"
        case .hasLabourCapacity: return "不属于无劳动能力情形（年满60周岁、未满18周岁或规定的残疾等级）"
        case .ownIncomeAtOrAboveStandard: return "本人月收入不低于当地低保标准"
        case .subjectNotCounted: return "本人当月不在户（死亡、迁出、服刑等）"
        case .outsideRange: return "申请金额不在本类型临时救助的标准范围内"
        case .yearlyCapReached: return "本年度已达到临时救助累计上限"
        case .notOrphan: return "不属于孤儿（父母双方死亡或查找不到生父母）或艾滋病病毒感染儿童"
        case .parentsCanSupport: return "父母情况不符合事实无人抚养儿童认定条件"
        case .age18: return "已满18周岁且不在政策规定的继续保障的学段就读"
        case .otherSupportCoversStandard: return "已享受的低保、特困或困难残疾人生活补贴不低于保障标准，无差额可补"
        case .parentFound: return "父母一方已查找到或生还，自次月起停发"
        case .notStarted: return "评估月份早于发放起始月（批准的次月）"
        case .householdEligible: return "家庭整体符合低保条件，应整户纳入，不得只纳入部分成员"
        case .notNearPoverty: return "家庭月人均收入不低于低保边缘线，不属于低保边缘家庭"
        case .notIndividualCategory: return "不属于一、二级残疾，三级智力、精神残疾或重特大疾病患者"
        }
    }
}

/// The result of assessing a household for 低保 by the gap or the tiered method.
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
    /// Monthly benefit, rounded once half-up to the fen; zero when not eligible. The sum of `components`.
    public var monthlyBenefit: Money
    /// `basic` (the gap, or the floor; under the tiered method Σ the counted members' tier amounts) and
    /// `top-up` (分类施保), each in fen.
    public var components: [AmountComponent]
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

/// 低保, DB-2021 Art. 23; 暂行办法 Art. 12. Eligibility by the gap: standard × counted members − Σ counted
/// monthly income, exact, must be positive. The amount, by the version's `dibao.method`:
/// - gap (补差): that gap, rounded once half-up; with the policy's optional floor (a per-person gap below a
///   share of the standard is raised to it);
/// - tiered (分档, rules.md §1.9, §8 example 6): Σ the counted members' tier amounts (whole fen already, so
///   exact), each member's tier assigned by the township (`Member.dibaoTier`); no floor (docs/adr/0015).
/// Either way 分类施保 top-ups per eligible counted member (DB-2021 Art. 27) are a component of their own.
public enum DibaoAssessment {
    /// Assesses `household` for `month` under `policy`. Pure: no I/O.
    /// - Throws: `AssessmentError.policy(.programmeNotConfigured)` when the version has no `dibao`;
    ///   `AssessmentError.dibaoTier` under the tiered method when a counted member has no tier, or one the
    ///   version does not list (naming the member, masked ID, and the version's codes; never a default).
    /// - Parameter supportedElsewhere: members supported as persons by another programme this month (特困):
    ///   not counted in the household (one person, one programme; field case C02).
    public static func assess(_ household: HouseholdComposition, month: YearMonth, policy: Policy,
                              supportedElsewhere: [ResidentID: Programme] = [:]) throws(AssessmentError) -> DibaoDecision {
        let rules: DibaoPolicy
        do { rules = try policy.dibaoPolicy() } catch { throw .policy(error) }
        var trace: [TraceLine] = []
        let cite = Citations(month: month)
        let standard = rules.standard(for: household.area)
        trace.append(TraceLine("政策版本", "\(policy.version)，评估月份 \(month)"))
        trace.append(TraceLine("保障标准", "\(household.area.chinese)低保标准 \(standard.yuanString) 元/人·月",
                               source: "\(cite.gap)；县政策 \(policy.version)"))
        let counted = household.countedMembers(in: month).filter { supportedElsewhere[$0.residentID] == nil }
        for m in household.members where !m.counts(in: month) {
            let since = m.statusSince.map { "，自 \($0)" } ?? ""
            trace.append(TraceLine("不计入成员", "\(m.name)（\(m.status.chinese)\(since)）",
                                   source: cite.members))
        }
        for m in household.countedMembers(in: month) {
            guard let other = supportedElsewhere[m.residentID] else { continue }
            trace.append(TraceLine("不计入成员", "\(m.name)（已纳入\(other.shortChinese)，本月由\(other.shortChinese)保障）",
                                   source: "一人只享受一项基本生活救助（特困：民发〔2021〕43号；低保：民发〔2021〕57号 第7条）"))
        }
        trace.append(TraceLine("家庭人口", "计入 \(counted.count) 人：\(counted.map(\.name).joined(separator: "、"))",
                               source: cite.members))
        // 分档: every counted member's tier, known before anything is computed (refuse, don't default).
        var tiers: [(member: Member, tier: DibaoTier)] = []
        if rules.method == .tiered {
            for m in counted {
                guard let code = m.dibaoTier, let tier = rules.tier(code) else {
                    throw .dibaoTier(member: "\(m.name)（\(m.residentID.masked)）", code: m.dibaoTier,
                                     known: rules.tiers.map(\.code), version: policy.version)
                }
                tiers.append((m, tier))
            }
        }
        var income = FenRatio(.zero)
        for m in counted {
            for item in m.income {
                let amount = item.period == .monthly ? "\(item.amount.yuanString) 元/月"
                    : "\(item.amount.yuanString) 元/年 ÷ 12"
                if let exemption = rules.exemption(of: item.kind, in: month) {
                    let window = exemption.window.map { "（豁免期 \($0)）" } ?? ""
                    trace.append(TraceLine("豁免收入", "\(m.name) \(item.kind.chinese) \(amount)，不计入\(window)",
                                           source: cite.exempt))
                } else {
                    income = income + item.monthly
                    let expired = rules.exemptIncome.first { $0.kind == item.kind }.flatMap(\.window)
                        .map { "（政策所列豁免期 \($0) 不含本月，计入）" } ?? ""
                    trace.append(TraceLine("计入收入", "\(m.name) \(item.kind.chinese) \(amount)\(expired)",
                                           source: cite.income))
                }
            }
        }
        let size = counted.count
        guard size > 0 else {
            trace.append(TraceLine("结论", "不符合：没有计入的家庭成员"))
            return DibaoDecision(month: month, area: household.area, eligible: false, householdSize: 0,
                                 standard: standard, householdIncome: income, perCapitaIncome: income,
                                 monthlyBenefit: .zero, components: [], reasons: [.noCountedMembers],
                                 trace: trace, policyVersion: policy.version)
        }
        let perCapita = income.divided(by: size)
        trace.append(TraceLine("家庭月收入", "\(income.roundedHalfUp().yuanString) 元（精确值参与计算）"))
        trace.append(TraceLine("月人均收入", "\(perCapita.roundedHalfUp().yuanString) 元（仅显示，未取整参与计算）"))
        let gap = FenRatio(standard * size) - income
        let eligible = gap.isPositive
        var basic = eligible ? gap.roundedHalfUp() : .zero
        switch rules.method {
        case .gap:
            trace.append(TraceLine("补差计算",
                                   "\(standard.yuanString) × \(size) − \(income.roundedHalfUp().yuanString) = \(gap.roundedHalfUp().yuanString) 元，四舍五入到分一次",
                                   source: cite.gap))
        case .tiered:
            trace.append(TraceLine("补差计算",
                                   "\(standard.yuanString) × \(size) − \(income.roundedHalfUp().yuanString) = \(gap.roundedHalfUp().yuanString) 元，仅作资格测试（差额为正即符合）；保障金按分档计算",
                                   source: cite.gap))
            if eligible {
                let source = "民发〔2021〕57号 第23条；县政策 \(policy.version) dibao.tiers"
                for (m, tier) in tiers {
                    trace.append(TraceLine("分档", "\(m.name) \(tier.code)档（\(tier.name)）\(tier.amount.yuanString) 元", source: source))
                }
                basic = tiers.reduce(Money.zero) { $0 + $1.tier.amount }
                trace.append(TraceLine("分档合计", tiers.map { $0.tier.amount.yuanString }.joined(separator: " + ")
                                       + " = \(basic.yuanString) 元", source: source))
            }
        }
        if eligible, rules.method == .gap, let share = rules.floorShareOfStandard {
            let floorPerPerson = share.times(standard)
            let perPersonGap = FenRatio(standard) - perCapita
            if (floorPerPerson - perPersonGap).isPositive {
                let total = FenRatio(numerator: floorPerPerson.numerator * Int64(size), denominator: floorPerPerson.denominator)
                basic = total.roundedHalfUp()
                trace.append(TraceLine("保底",
                                       "人均差额 \(perPersonGap.roundedHalfUp().yuanString) 元低于标准的 \(share)（\(floorPerPerson.roundedHalfUp().yuanString) 元），按 \(floorPerPerson.roundedHalfUp().yuanString) × \(size) = \(basic.yuanString) 元",
                                       source: "县政策 \(policy.version) dibao.floorShareOfStandard"))
            }
        }
        var components: [AmountComponent] = basic == .zero ? [] : [AmountComponent(.basic, basic)]
        if eligible {
            var topUps = Money.zero
            for m in counted {
                guard let t = rules.topUp(for: m, in: month) else { continue }
                topUps += t.amount
                trace.append(TraceLine("分类施保", "\(m.name)（\(t.category.chinese)）加发 \(t.amount.yuanString) 元",
                                       source: "民发〔2021〕57号 第27条；县政策 \(policy.version)"))
            }
            if topUps > .zero { components.append(AmountComponent(.topUp, topUps)) }
        }
        let benefit = components.reduce(Money.zero) { $0 + $1.amount }
        trace.append(TraceLine("结论", eligible ? "符合，月保障金 \(benefit.yuanString) 元"
                                                : "不符合：月人均收入不低于保障标准"))
        return DibaoDecision(month: month, area: household.area, eligible: eligible, householdSize: size,
                             standard: standard, householdIncome: income, perCapitaIncome: perCapita,
                             monthlyBenefit: benefit, components: components,
                             reasons: eligible ? [] : [.incomeAtOrAboveStandard],
                             trace: trace, policyVersion: policy.version)
    }
}
