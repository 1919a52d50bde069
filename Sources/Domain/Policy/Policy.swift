/// Income kinds of rules.md §1.5 (DB-2021 Art. 13). Exempt kinds are listed by the policy.
public enum IncomeKind: String, Codable, Sendable, CaseIterable {
    case wage                    // 工资性收入
    case business                // 经营净收入
    case property                // 财产净收入
    case transfer                // 转移净收入
    case other                   // 其他收入
    case basicPension = "basic-pension"                      // 城乡居民基本养老保险基础养老金
    case scholarship                                         // 奖学金
    case familyPlanningReward = "family-planning-reward"     // 计划生育奖励与扶助金
    case veteranBenefit = "veteran-benefit"                  // 优待抚恤金
    case heroicReward = "heroic-reward"                      // 见义勇为等奖励性收入
    case assistance                                          // 社会救助款物

    public var chinese: String {
        switch self {
        case .wage: return "工资性收入"
        case .business: return "经营净收入"
        case .property: return "财产净收入"
        case .transfer: return "转移净收入"
        case .other: return "其他收入"
        case .basicPension: return "城乡居民基础养老金"
        case .scholarship: return "奖学金"
        case .familyPlanningReward: return "计划生育奖励扶助金"
        case .veteranBenefit: return "优待抚恤金"
        case .heroicReward: return "见义勇为等奖励"
        case .assistance: return "社会救助款物"
        }
    }
}

/// The parameters in force for one region from one month: standards, multipliers, flags, deadlines.
///
/// Amounts are yuan per person per month, held as `Money` (fen). Every decision records the
/// `version` it used.
public struct Policy: Hashable, Sendable {
    /// County code, e.g. `510921`.
    public var region: String
    /// First month in force.
    public var effective: YearMonth
    /// 低保 standards (DB-2021 Art. 23; county 2021 figures from the self-evaluation report).
    public var dibaoStandard: [Area: Money]
    /// 特困 basic living standards (TK-2021; county 2021 figures).
    public var tekunBasicStandard: [Area: Money]
    /// 孤儿 basic living allowance: institutional (机构养育) and scattered (散居) (国办发〔2010〕54号).
    public var orphanInstitutional: Money
    public var orphanScattered: Money
    /// Near-poverty income line = multiplier × 低保 standard (DB-2021 Art. 8 ¶2): 1.5.
    public var nearPovertyMultiplier: Ratio
    /// 特困 should be at least this × 低保 (Sichuan practice, UNCONFIRMED): a warning, never a block.
    public var tekunMinimumRatio: Ratio
    /// Confirmation delegated to the township (DB-2021 Art. 2; Notice-2022 §4(1)): total deadline 20 WD.
    public var confirmationDelegatedToTownship: Bool
    /// Income kinds left out of household income (DB-2021 Art. 13 ¶2).
    public var exemptIncomeKinds: Set<IncomeKind>
    public var deadlines: DibaoDeadlines

    public init(region: String, effective: YearMonth, dibaoStandard: [Area: Money],
                tekunBasicStandard: [Area: Money], orphanInstitutional: Money, orphanScattered: Money,
                nearPovertyMultiplier: Ratio, tekunMinimumRatio: Ratio,
                confirmationDelegatedToTownship: Bool, exemptIncomeKinds: Set<IncomeKind>,
                deadlines: DibaoDeadlines) {
        self.region = region
        self.effective = effective
        self.dibaoStandard = dibaoStandard
        self.tekunBasicStandard = tekunBasicStandard
        self.orphanInstitutional = orphanInstitutional
        self.orphanScattered = orphanScattered
        self.nearPovertyMultiplier = nearPovertyMultiplier
        self.tekunMinimumRatio = tekunMinimumRatio
        self.confirmationDelegatedToTownship = confirmationDelegatedToTownship
        self.exemptIncomeKinds = exemptIncomeKinds
        self.deadlines = deadlines
    }

    /// `510921/2021-01`.
    public var version: String { "\(region)/\(effective)" }

    public func dibaoStandard(for area: Area) -> Money { dibaoStandard[area]! }

    /// The near-poverty per-capita income line (低保边缘), exact: 1.5 × 420 = 630.00.
    public func nearPovertyLine(for area: Area) -> FenRatio { nearPovertyMultiplier.times(dibaoStandard(for: area)) }

    /// Consistency checks that are reported, not enforced (rules.md §7, example 15).
    public var warnings: [PolicyWarning] {
        Area.allCases.compactMap { area in
            let floor = tekunMinimumRatio.times(dibaoStandard(for: area))
            let tekun = tekunBasicStandard[area]!
            if FenRatio(tekun) - floor == FenRatio(.zero) || (FenRatio(tekun) - floor).isPositive { return nil }
            return PolicyWarning.tekunBelowRatio(area: area, tekun: tekun, dibao: dibaoStandard(for: area),
                                                 ratio: tekunMinimumRatio, minimum: floor.roundedHalfUp())
        }
    }

    /// The total procedure deadline in working days (DB-2021 Art. 22; Notice-2022 §4(1)).
    public func totalDeadlineWorkingDays(extended: Bool) -> Int {
        if confirmationDelegatedToTownship { return deadlines.delegatedTotalWorkingDays }
        return extended ? deadlines.extendedTotalWorkingDays : deadlines.totalWorkingDays
    }
}

/// Working-day and calendar-day limits of the 低保 procedure (DB-2021 Arts. 15, 19, 20, 21, 22).
public struct DibaoDeadlines: Hashable, Sendable {
    /// Start the household economic investigation within 3 WD of acceptance (Art. 15).
    public var investigationStartWorkingDays = 3
    /// 公示 lasts 7 calendar days (Art. 19).
    public var publicNoticeCalendarDays = 7
    /// County decides within 10 WD of receiving the file (Art. 20).
    public var countyDecisionWorkingDays = 10
    /// Written refusal notice within 3 WD of the decision (Art. 21).
    public var refusalNoticeWorkingDays = 3
    /// Whole procedure: 30 WD (Art. 22), 45 in special cases, 20 when delegated (Notice-2022 §4(1)).
    public var totalWorkingDays = 30
    public var extendedTotalWorkingDays = 45
    public var delegatedTotalWorkingDays = 20

    public init() {}
}

public enum PolicyWarning: Hashable, Sendable {
    case tekunBelowRatio(area: Area, tekun: Money, dibao: Money, ratio: Ratio, minimum: Money)

    public var message: String {
        switch self {
        case let .tekunBelowRatio(area, tekun, dibao, ratio, minimum):
            return "\(area.chinese)特困基本生活标准 \(tekun.yuanString) 元低于低保标准 \(dibao.yuanString) 元的 \(ratio) 倍（\(minimum.yuanString) 元），请与县里核实 (tekun standard below \(ratio) × dibao)"
        }
    }
}
