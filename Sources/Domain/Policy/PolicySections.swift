/// An amount of a policy file: yuan per person per month, or per year (then ÷ 12 exactly, rounded once
/// at the end of the computation that uses it, never before).
public enum PolicyAmount: Hashable, Sendable, CustomStringConvertible {
    case monthly(Money)
    case annual(Money)

    /// The exact monthly amount in fen.
    public var monthly: FenRatio {
        switch self {
        case .monthly(let m): return FenRatio(m)
        case .annual(let a): return FenRatio(a).divided(by: 12)
        }
    }

    public var description: String {
        switch self {
        case .monthly(let m): return "\(m.yuanString) 元/月"
        case .annual(let a): return "\(a.yuanString) 元/年 ÷ 12"
        }
    }
}

/// 分类施保 categories (DB-2021 Art. 27; 暂行办法 Art. 12 ¶2): who a top-up is added for.
public enum TopUpCategory: String, Hashable, Sendable, CaseIterable {
    /// Under 18 on the first day of the month.
    case minor
    /// 60 or older on the first day of the month.
    case elderly
    /// Disability grade 1 or 2.
    case disabledSevere = "disabled-severe"
    /// Recorded serious illness (重病).
    case seriouslyIll = "seriously-ill"

    public var chinese: String {
        switch self {
        case .minor: return "未成年人"
        case .elderly: return "60 周岁以上老年人"
        case .disabledSevere: return "一、二级重度残疾人"
        case .seriouslyIll: return "重病患者"
        }
    }

    /// Whether `member` belongs to the category in `month`.
    public func includes(_ member: Member, in month: YearMonth) -> Bool {
        switch self {
        case .minor: return member.residentID.age(on: month.firstDay) < 18
        case .elderly: return member.residentID.age(on: month.firstDay) >= 60
        case .disabledSevere: return (member.disability?.grade ?? 99) <= 2
        case .seriouslyIll: return member.seriousIllness
        }
    }
}

public struct TopUp: Hashable, Sendable {
    public var category: TopUpCategory
    /// Yuan per eligible member per month.
    public var amount: Money

    public init(category: TopUpCategory, amount: Money) {
        self.category = category
        self.amount = amount
    }
}

/// An income kind left out of household income, limited in time when the national text is
/// (the residents' basic pension during the 14th Five-Year Plan, 2021-01 to 2025-12).
public struct IncomeExemption: Hashable, Sendable {
    public var kind: IncomeKind
    /// First month exempt; `nil`: from the version's start.
    public var from: YearMonth?
    /// Last month exempt; `nil`: while the version is in force.
    public var through: YearMonth?

    public init(kind: IncomeKind, from: YearMonth? = nil, through: YearMonth? = nil) {
        self.kind = kind
        self.from = from
        self.through = through
    }

    public func applies(in month: YearMonth) -> Bool {
        (from.map { $0 <= month } ?? true) && (through.map { month <= $0 } ?? true)
    }

    /// `basic-pension (2021-01 – 2025-12)`.
    public var window: String? {
        if from == nil && through == nil { return nil }
        return "\(from?.description ?? "…") 至 \(through?.description ?? "…")"
    }
}

/// One tier of the 低保 tiered method (分档, DB-2021 Art. 23; Opinion-2020 item 5): a fixed amount per
/// person per month, assigned to each member by the township (rules.md §8 example 6: Putian Xiuyu 2023,
/// A 重病重残个人 820.00).
public struct DibaoTier: Hashable, Sendable {
    /// The tier's code as the county writes it (`A`), unique within the version; what `Member.dibaoTier`
    /// and the assess contract's `members[].tier` refer to.
    public var code: String
    /// What the tier is for (`重病重残个人`).
    public var name: String
    /// Yuan per person per month, above zero.
    public var amount: Money

    public init(code: String, name: String, amount: Money) {
        self.code = code
        self.name = name
        self.amount = amount
    }
}

/// The 低保 part of a policy version (`dibao` in the file).
public struct DibaoPolicy: Hashable, Sendable {
    /// How the amount is set (DB-2021 Art. 23; rules.md §1.9). Both test eligibility by the gap
    /// (standard × counted members − counted income must be positive).
    public enum Method: String, Hashable, Sendable, CaseIterable {
        /// 补差: the amount is the gap itself (or the policy's floor).
        case gap
        /// 分档: the amount is Σ the counted members' tier amounts (`tiers`); no floor (docs/adr/0015).
        case tiered

        public var chinese: String { self == .gap ? "补差" : "分档" }
    }

    /// Yuan per person per month, by area (DB-2021 Art. 23).
    public var standard: [Area: Money]
    public var method: Method
    /// 分类施保 per eligible counted member; a member in several categories gets the highest one
    /// (docs/adr/0009).
    public var topUps: [TopUp]
    /// Optional local floor: a per-person gap below this share of the standard is raised to it. Gap
    /// method only (the file refuses it with `tiered`).
    public var floorShareOfStandard: Ratio?
    /// The tiers of the tiered method, in the file's order, codes unique; empty under the gap method
    /// (the file refuses `tiers` with `gap` and requires at least one with `tiered`).
    public var tiers: [DibaoTier]
    /// Near-poverty line = multiplier × standard (DB-2021 Art. 8 ¶2).
    public var nearPovertyMultiplier: Ratio
    /// Exempt income kinds (DB-2021 Art. 13 ¶2), some limited in time.
    public var exemptIncome: [IncomeExemption]
    /// 渐退期 length in months (Notice-2022 §1(3): in principle ≤ 6).
    public var gradualExitMonths: Int
    /// Confirmation delegated to the township: total limit 20 WD (Notice-2022 §4(1)).
    public var confirmationDelegatedToTownship: Bool

    public init(standard: [Area: Money], method: Method = .gap, topUps: [TopUp] = [],
                floorShareOfStandard: Ratio? = nil, nearPovertyMultiplier: Ratio,
                exemptIncome: [IncomeExemption], gradualExitMonths: Int, confirmationDelegatedToTownship: Bool,
                tiers: [DibaoTier] = []) {
        self.standard = standard
        self.method = method
        self.topUps = topUps
        self.floorShareOfStandard = floorShareOfStandard
        self.tiers = tiers
        self.nearPovertyMultiplier = nearPovertyMultiplier
        self.exemptIncome = exemptIncome
        self.gradualExitMonths = gradualExitMonths
        self.confirmationDelegatedToTownship = confirmationDelegatedToTownship
    }

    /// Every area has a standard: the file check refuses a version without one.
    public func standard(for area: Area) -> Money { standard[area]! }

    /// The near-poverty per-capita income line (低保边缘), exact: 1.5 × 420 = 630.00.
    public func nearPovertyLine(for area: Area) -> FenRatio { nearPovertyMultiplier.times(standard(for: area)) }

    /// The exemption of `kind` in force in `month`, if any.
    public func exemption(of kind: IncomeKind, in month: YearMonth) -> IncomeExemption? {
        exemptIncome.first { $0.kind == kind && $0.applies(in: month) }
    }

    /// The tier listed under `code`, if any.
    public func tier(_ code: String) -> DibaoTier? { tiers.first { $0.code == code } }

    /// `A、B、C`: the codes a member's tier may take, for refusals.
    public var tierCodes: String { tiers.map(\.code).joined(separator: "、") }

    /// `补差`, or `分档 A 重病重残个人 820.00、B 单人户 820.00…` (yuan per person per month), for
    /// `jiuzhu policy check`.
    public var methodSummary: String {
        switch method {
        case .gap: return method.chinese
        case .tiered:
            return method.chinese + " " + tiers.map { "\($0.code) \($0.name) \($0.amount.yuanString)" }.joined(separator: "、")
        }
    }

    /// The highest top-up `member` qualifies for in `month`, if any.
    public func topUp(for member: Member, in month: YearMonth) -> TopUp? {
        topUps.filter { $0.category.includes(member, in: month) }.max { $0.amount < $1.amount }
    }
}

/// 特困 placement (供养方式, TK-2021 Art. 19).
public enum TekunPlacement: String, Hashable, Codable, Sendable, CaseIterable {
    case dispersed      // 分散供养
    case centralized    // 集中供养

    public var chinese: String { self == .dispersed ? "分散供养" : "集中供养" }
}

/// 特困 care tier from the self-care assessment (TK-2021 Art. 22).
public enum CareTier: String, Hashable, Codable, Sendable, CaseIterable {
    case full       // 全护理
    case partial    // 半护理
    case none       // 全自理

    public var chinese: String {
        switch self {
        case .full: return "全护理"
        case .partial: return "半护理"
        case .none: return "全自理"
        }
    }

    /// TK-2021 Art. 22 (rules.md §8 example 12): of the six indicators (eating, dressing, getting in and
    /// out of bed, toilet, walking indoors, bathing), 0 not achieved → `none` (全自理); 1–3 → `partial`
    /// (部分丧失, 半护理); 4–6 → `full` (完全丧失, 全护理).
    public init(selfCareFailed n: Int) {
        switch n {
        case ...0: self = .none
        case 1...3: self = .partial
        default: self = .full
        }
    }
}

/// The 特困 part of a policy version (`tekun`).
public struct TekunPolicy: Hashable, Sendable {
    /// Basic living standard per person per month, by area.
    public var basic: [Area: Money]
    /// Care standard by placement and tier; a placement absent is not configured (assessing a person
    /// in it is refused), and a placement present has all three tiers.
    public var care: [TekunPlacement: [CareTier: PolicyAmount]]
    /// The treasury pays the standard less the person's basic pension.
    public var pensionCountedInStandard: Bool
    /// A warning when basic < ratio × 低保; `nil`: no check.
    public var minimumRatioToDibao: Ratio?
    /// `basicCentralized`: the basic standard for 集中供养 where it differs from `basic` (泸州 2024: rural
    /// 分散 754, 集中 810); empty: `basic` for both placements.
    public var basicCentralized: [Area: Money]
    /// `incomeInStandard`: other income kinds the standard includes, deducted like the pension (建平 2021:
    /// rural 875 includes 120 pension and 50 land income → 705); empty: none.
    public var incomeInStandard: [IncomeKind]

    public init(basic: [Area: Money], care: [TekunPlacement: [CareTier: PolicyAmount]],
                pensionCountedInStandard: Bool, minimumRatioToDibao: Ratio?, basicCentralized: [Area: Money] = [:],
                incomeInStandard: [IncomeKind] = []) {
        self.basic = basic
        self.care = care
        self.pensionCountedInStandard = pensionCountedInStandard
        self.minimumRatioToDibao = minimumRatioToDibao
        self.basicCentralized = basicCentralized
        self.incomeInStandard = incomeInStandard
    }

    public func basic(for area: Area) -> Money { basic[area]! }

    /// The basic standard of a placement: `basicCentralized` for 集中供养 when the version sets it.
    public func basic(for area: Area, placement: TekunPlacement) -> Money {
        placement == .centralized ? (basicCentralized[area] ?? basic(for: area)) : basic(for: area)
    }

    /// `分散供养 全护理 721.00 元/月、半护理 …；集中供养 …`, or `护理标准未配置`.
    public var careSummary: String {
        guard !care.isEmpty else { return "护理标准未配置" }
        return TekunPlacement.allCases.compactMap { p in
            care[p].map { tiers in
                p.chinese + " " + CareTier.allCases.compactMap { t in tiers[t].map { "\(t.chinese) \($0)" } }.joined(separator: "、")
            }
        }.joined(separator: "；")
    }
}

/// 临时救助 types (rules.md §3).
public enum TemporaryType: String, Hashable, Codable, Sendable, CaseIterable {
    case emergency      // 急难型
    case expenditure    // 支出型
    case special        // 特殊情形

    public var chinese: String {
        switch self {
        case .emergency: return "急难型"
        case .expenditure: return "支出型"
        case .special: return "特殊困难"
        }
    }
}

/// The 临时救助 part of a policy version (`temporary`).
public struct TemporaryPolicy: Hashable, Sendable {
    public enum Base: String, Hashable, Sendable, CaseIterable {
        case urbanDibao = "urban-dibao"
        case ruralDibao = "rural-dibao"
        case areaDibao = "area-dibao"
    }

    public struct Range: Hashable, Sendable {
        /// In months of the base standard.
        public var minMonths: Ratio
        public var maxMonths: Ratio
        /// The range is per person; the household amount is per-person × counted members.
        public var perCapita: Bool

        public init(minMonths: Ratio, maxMonths: Ratio, perCapita: Bool) {
            self.minMonths = minMonths
            self.maxMonths = maxMonths
            self.perCapita = perCapita
        }
    }

    public enum Limit: Hashable, Sendable {
        case months(Ratio)
        case amount(Money)
    }

    public var base: Base
    public var types: [TemporaryType: Range]
    /// Grants up to this are approved by the township; above it, by the county.
    public var townshipLimit: Limit
    /// The most one household may receive in a calendar year, counting earlier grants (field case C07);
    /// nil: no yearly cap.
    public var yearlyCap: Limit?
    /// Working days from acceptance to the decision; nil: the region sets none and no procedure deadline
    /// is shown (no national limit was found, rules.md §3.2 UNCONFIRMED).
    public var procedureWorkingDays: Int?
    /// Working days after a 先行救助 payment within which the paperwork is completed (补齐手续, TA-2018
    /// §2(2)); nil: the region sets none, and 先行救助 is refused until it does (never a guessed limit).
    public var paperworkWorkingDays: Int?

    public init(base: Base, types: [TemporaryType: Range], townshipLimit: Limit, yearlyCap: Limit? = nil,
                procedureWorkingDays: Int? = nil, paperworkWorkingDays: Int? = nil) {
        self.base = base
        self.types = types
        self.townshipLimit = townshipLimit
        self.yearlyCap = yearlyCap
        self.procedureWorkingDays = procedureWorkingDays
        self.paperworkWorkingDays = paperworkWorkingDays
    }

    /// `基数 urban-dibao；急难型 2–4 个月、支出型 5–12 个月（按人）；乡镇审批额度 2 个月；年度上限 3000.00 元；…`,
    /// for the policy page and `jiuzhu policy check`.
    public var summary: String {
        func limit(_ l: Limit) -> String {
            switch l {
            case .months(let r): return "\(r) 个月"
            case .amount(let a): return "\(a.yuanString) 元"
            }
        }
        let ranges = TemporaryType.allCases.compactMap { t in
            types[t].map { "\(t.chinese) \($0.minMonths)–\($0.maxMonths) 个月" + ($0.perCapita ? "（按人）" : "") }
        }.joined(separator: "、")
        return ["基数 \(base.rawValue)", ranges, "乡镇审批额度 \(limit(townshipLimit))",
                "年度上限 " + (yearlyCap.map(limit) ?? "未规定"),
                "办结 " + (procedureWorkingDays.map { "\($0) 个工作日" } ?? "未规定"),
                "先行救助后补齐手续 " + (paperworkWorkingDays.map { "\($0) 个工作日" } ?? "未规定（不能先行救助）")]
            .joined(separator: "；")
    }
}

/// The 孤儿 part of a policy version (`orphan`; 国办发〔2010〕54号).
public struct OrphanPolicy: Hashable, Sendable {
    /// 机构养育, yuan per child per month.
    public var institutional: Money
    /// 散居, yuan per child per month.
    public var scattered: Money
    /// Schooling in which the allowance continues past the 18th birthday.
    public var continueWhileInSchool: Set<Schooling>

    public init(institutional: Money, scattered: Money, continueWhileInSchool: Set<Schooling>) {
        self.institutional = institutional
        self.scattered = scattered
        self.continueWhileInSchool = continueWhileInSchool
    }
}

/// The 事实无人抚养儿童 part (`unsupportedChild`; 民发〔2019〕62号).
public struct UnsupportedChildPolicy: Hashable, Sendable {
    /// Yuan per child per month.
    public var amount: Money

    public init(amount: Money) { self.amount = amount }
}

/// The relief station part (`reliefStation`; 民政部令第24号 实施细则).
public struct ReliefStationPolicy: Hashable, Sendable {
    /// Longest stay in days (normally 10).
    public var maxStayDays: Int

    public init(maxStayDays: Int) { self.maxStayDays = maxStayDays }
}

/// How the county pays (`payment`; optional: absent, the defaults below, each from a field case or the
/// issue that asked for it, docs/adr/0022-fund-ledger.md).
public struct PaymentPolicy: Hashable, Sendable {
    /// Day of the month by which that month's payment must be credited (field case C14, assumption A3): 10.
    public var dueDay: Int
    /// Households sharing one contact phone from which each is flagged `SHARED_CONTACT` (field case C20): 5.
    public var sharedContactHouseholds: Int
    /// A bank account changed this many calendar days or fewer before the due day of the first month it
    /// would be paid is held `ACCOUNT_CHANGED` until a person releases it: 15 (half a month; UNCONFIRMED,
    /// docs/adr/0022-fund-ledger.md).
    public var accountChangeHoldDays: Int

    public init(dueDay: Int = 10, sharedContactHouseholds: Int = 5, accountChangeHoldDays: Int = 15) {
        self.dueDay = dueDay
        self.sharedContactHouseholds = sharedContactHouseholds
        self.accountChangeHoldDays = accountChangeHoldDays
    }

    /// The day `month`'s payment is due: `dueDay`, or the month's last day when it is shorter.
    public func dueDate(of month: YearMonth) -> CivilDate {
        CivilDate(year: month.year, month: month.month, day: min(dueDay, month.lastDay.day))!
    }
}

/// The fund ledger's rules (`funds`; optional: absent, no cost sharing is checked and money is idle after
/// 12 months).
public struct FundsPolicy: Hashable, Sendable {
    /// Money unspent this many months after it arrived is flagged idle (field case C14; the national
    /// audit's 沉淀资金 test): 12.
    public var idleMonths: Int
    /// The share each level of government bears of a programme's spending (field case C13: temporary
    /// assistance city 50 % / county 50 %). Shares of one programme add up to 1.
    public var costSharing: [Programme: [FundingSource: Ratio]]

    public init(idleMonths: Int = 12, costSharing: [Programme: [FundingSource: Ratio]] = [:]) {
        self.idleMonths = idleMonths
        self.costSharing = costSharing
    }
}
