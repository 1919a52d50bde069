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

/// One version of one region's policy: the standards and parameters in force from `effective` until
/// the next version (docs/policy-format.md, the contract of the policy file).
///
/// Amounts are `Money` (fen) per person per month unless a type says otherwise. A programme the region
/// does not configure in this version is `nil`, and assessing it is refused by name
/// (`PolicyError.programmeNotConfigured`), never guessed. Every decision records `version`.
public struct Policy: Hashable, Sendable {
    /// County (or city) code, e.g. `510921`.
    public var region: String
    /// The region's name as the file gives it, e.g. 蓬溪县.
    public var regionName: String
    /// First month in force.
    public var effective: YearMonth
    /// The date the decision was signed; when later than months already paid, those months are owed
    /// back pay (补发). `nil` when the file does not know it.
    public var signed: CivilDate?
    /// 文号 of the decision, if known.
    public var document: String?
    public var dibao: DibaoPolicy?
    public var tekun: TekunPolicy?
    public var temporary: TemporaryPolicy?
    public var orphan: OrphanPolicy?
    public var unsupportedChild: UnsupportedChildPolicy?
    public var reliefStation: ReliefStationPolicy?
    /// How the county pays: due day, payee-check thresholds (defaults when the file has no `payment`).
    public var payment = PaymentPolicy()
    /// How matching against other departments' data reads its hits (defaults when the file has no `matching`).
    public var matching = MatchingPolicy()
    /// Monitoring deadlines (defaults when the file has no `monitoring`).
    public var monitoring = MonitoringPolicy()
    /// The fund ledger's rules: idle months, cost sharing (defaults when the file has no `funds`).
    public var funds = FundsPolicy()
    /// National procedure limits of 低保 (DB-2021 Arts. 15–22): not local data, so not in the file.
    public var deadlines: DibaoDeadlines

    public init(region: String, regionName: String, effective: YearMonth, signed: CivilDate? = nil,
                document: String? = nil, dibao: DibaoPolicy? = nil, tekun: TekunPolicy? = nil,
                temporary: TemporaryPolicy? = nil, orphan: OrphanPolicy? = nil,
                unsupportedChild: UnsupportedChildPolicy? = nil, reliefStation: ReliefStationPolicy? = nil,
                deadlines: DibaoDeadlines = DibaoDeadlines()) {
        self.region = region
        self.regionName = regionName
        self.effective = effective
        self.signed = signed
        self.document = document
        self.dibao = dibao
        self.tekun = tekun
        self.temporary = temporary
        self.orphan = orphan
        self.unsupportedChild = unsupportedChild
        self.reliefStation = reliefStation
        self.deadlines = deadlines
    }

    /// `510921/2021-01`.
    public var version: String { "\(region)/\(effective)" }

    /// The 低保 part of this version.
    /// - Throws: `PolicyError.programmeNotConfigured` naming the version.
    public func dibaoPolicy() throws(PolicyError) -> DibaoPolicy {
        guard let dibao else { throw .programmeNotConfigured(programme: "dibao", version: version) }
        return dibao
    }

    /// Whether this version configures `programme` (the relief station and temporary assistance by their
    /// own sections).
    public func configures(_ programme: Programme) -> Bool {
        switch programme {
        case .dibao: return dibao != nil
        case .tekun: return tekun != nil
        case .temporary: return temporary != nil
        case .vagrantRelief: return reliefStation != nil
        case .orphan: return orphan != nil
        case .unsupportedChild: return unsupportedChild != nil
        }
    }

    /// Whether confirmation is delegated to the township (20-WD total limit); false when the version
    /// configures no 低保.
    public var confirmationDelegatedToTownship: Bool { dibao?.confirmationDelegatedToTownship ?? false }

    /// Consistency checks that are reported, not enforced (rules.md §7, example 15): 特困 basic below
    /// `minimumRatioToDibao` × 低保.
    public var warnings: [PolicyWarning] {
        guard let dibao, let tekun, let ratio = tekun.minimumRatioToDibao else { return [] }
        return Area.allCases.compactMap { area in
            let floor = ratio.times(dibao.standard(for: area))
            let basic = tekun.basic(for: area)
            if !(floor - FenRatio(basic)).isPositive { return nil }
            return PolicyWarning.tekunBelowRatio(version: version, area: area, tekun: basic,
                                                 dibao: dibao.standard(for: area), ratio: ratio,
                                                 minimum: floor.roundedHalfUp())
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

/// A policy fact worth a person's attention that does not stop anything.
public enum PolicyWarning: Hashable, Sendable {
    /// rules.md §7: 特困 basic below ratio × 低保 (Pengxi rural 520 < 546).
    case tekunBelowRatio(version: String, area: Area, tekun: Money, dibao: Money, ratio: Ratio, minimum: Money)
    /// A standard lower than the previous version's (a typo more often than a cut).
    case standardLowered(version: String, key: String, previous: Money, now: Money)
    /// The version in force has not changed for more than 12 months: standards are usually raised yearly.
    case unchangedSince(version: String, effective: YearMonth, month: YearMonth, months: Int)
    /// A version entered after payroll batches of its months were generated at the previous figures:
    /// those months may be owed back pay (补发), which a person must arrange.
    case batchesAlreadyGenerated(version: String, from: YearMonth, through: YearMonth)
    /// A programme the previous version configured is missing from this one: from its month the
    /// programme cannot be computed or paid.
    case programmeDropped(version: String, programme: Programme)

    /// The version the warning is about.
    public var version: String {
        switch self {
        case let .tekunBelowRatio(v, _, _, _, _, _), let .standardLowered(v, _, _, _), let .unchangedSince(v, _, _, _),
             let .batchesAlreadyGenerated(v, _, _), let .programmeDropped(v, _):
            return v
        }
    }

    public var message: String {
        switch self {
        case let .tekunBelowRatio(version, area, tekun, dibao, ratio, minimum):
            return "\(version)：\(area.chinese)特困基本生活标准 \(tekun.yuanString) 元低于低保标准 \(dibao.yuanString) 元的 \(ratio) 倍（\(minimum.yuanString) 元），请与县里核实 (tekun standard below \(ratio) × dibao)"
        case let .standardLowered(version, key, previous, now):
            return "\(version)：\(key) 为 \(now.yuanString) 元，低于上一版本的 \(previous.yuanString) 元，请核对 (standard lower than the previous version)"
        case let .unchangedSince(version, effective, month, months):
            return "保障标准自 \(effective) 起未调整（\(version)，至 \(month) 已执行 \(months) 个月），请确认是否已有新标准 (standards unchanged since \(effective))"
        case let .programmeDropped(version, programme):
            return "\(version)：未配置上一版本已有的\(programme.shortChinese)（\(programme.rawValue)），自该月起该项目无法计算和发放，请确认 (programme missing from this version)"
        case let .batchesAlreadyGenerated(version, from, through):
            return "\(version)：\(from) 至 \(through) 的发放批次已按此前标准生成，这些月份可能需要补发，请核对 (batches already generated for months this version covers)"
        }
    }
}

public enum PolicyError: Error, Equatable, Sendable {
    case noPolicyInForce(region: String, month: YearMonth)
    case programmeNotConfigured(programme: String, version: String)
    /// 特困 care standard of a placement (and tier) the version does not configure.
    case careNotConfigured(placement: String, tier: String, version: String)

    public var message: String {
        switch self {
        case let .noPolicyInForce(region, month):
            return "地区 \(region) 在 \(month) 没有生效的救助政策（保障标准），无法计算；请先用 jiuzhu policy import 录入该月适用的政策 (no policy in force)"
        case let .programmeNotConfigured(programme, version):
            return "政策 \(version) 未配置 \(programme) 的标准，无法计算；请录入包含该项目的政策版本 (programme not configured in this policy version)"
        case let .careNotConfigured(placement, tier, version):
            return "政策 \(version) 未配置特困照料护理标准 tekun.care.\(placement).\(tier)，无法计算；请录入县里的护理标准 (care standard not configured)"
        }
    }
}
