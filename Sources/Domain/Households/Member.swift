/// Relationship to the head of household (与户主关系).
public enum Relationship: String, Codable, Sendable, CaseIterable {
    case head, spouse, child, parent, grandparent, grandchild, sibling, other

    public var chinese: String {
        switch self {
        case .head: return "户主"
        case .spouse: return "配偶"
        case .child: return "子女"
        case .parent: return "父母"
        case .grandparent: return "祖父母"
        case .grandchild: return "孙子女"
        case .sibling: return "兄弟姐妹"
        case .other: return "其他"
        }
    }
}

/// Whether a listed member counts in the household (DB-2021 Art. 7).
public enum MemberStatus: String, Codable, Sendable, CaseIterable {
    case active
    case deceased
    case movedOut = "moved-out"
    case imprisoned
    case inRehab = "in-rehab"
    case missing
    case clergyAway = "clergy-away"

    /// Only active members count in the household size and income (DB-2021 Art. 7 exclusions).
    public var counts: Bool { self == .active }

    public var chinese: String {
        switch self {
        case .active: return "在户"
        case .deceased: return "死亡"
        case .movedOut: return "户籍迁出"
        case .imprisoned: return "服刑"
        case .inRehab: return "强制隔离戒毒"
        case .missing: return "宣告失踪"
        case .clergyAway: return "宗教教职人员离家"
        }
    }
}

public enum DisabilityType: String, Codable, Sendable, CaseIterable {
    case physical, intellectual, mental, visual, hearing, speech, multiple

    public var chinese: String {
        switch self {
        case .physical: return "肢体"
        case .intellectual: return "智力"
        case .mental: return "精神"
        case .visual: return "视力"
        case .hearing: return "听力"
        case .speech: return "言语"
        case .multiple: return "多重"
        }
    }
}

public struct Disability: Hashable, Codable, Sendable {
    /// 1 (most severe) to 4.
    public var grade: Int
    public var type: DisabilityType

    public init(grade: Int, type: DisabilityType) {
        self.grade = grade
        self.type = type
    }
}

public enum Schooling: String, Codable, Sendable, CaseIterable {
    case compulsory
    case highSchool = "high-school"
    case vocational
    case undergraduate

    public var chinese: String {
        switch self {
        case .compulsory: return "义务教育"
        case .highSchool: return "普通高中"
        case .vocational: return "中职"
        case .undergraduate: return "全日制本科及以下"
        }
    }
}

public enum WorkCapacity: String, Codable, Sendable, CaseIterable {
    case full, partial, none

    public var chinese: String {
        switch self {
        case .full: return "有劳动能力"
        case .partial: return "部分丧失劳动能力"
        case .none: return "无劳动能力"
        }
    }
}

/// How often an income amount is stated.
public enum IncomePeriod: String, Codable, Sendable {
    case monthly, annual
}

/// One income item of a member: kind and amount, monthly or annual (annual ÷ 12 is kept exact).
public struct IncomeItem: Hashable, Codable, Sendable {
    public var kind: IncomeKind
    public var period: IncomePeriod
    /// Non-negative amount in fen for the period.
    public var amount: Money

    public init(kind: IncomeKind, period: IncomePeriod, amount: Money) {
        self.kind = kind
        self.period = period
        self.amount = amount
    }

    /// The monthly amount, exact (an annual amount is divided by 12 without rounding).
    public var monthly: FenRatio {
        period == .monthly ? FenRatio(amount) : FenRatio(numerator: amount.fen, denominator: 12)
    }
}

/// A member of a household (共同生活的家庭成员) as the case worker determined it.
public struct Member: Hashable, Codable, Sendable {
    public var residentID: ResidentID
    public var name: String
    public var relationship: Relationship
    public var status: MemberStatus
    /// The date the status began (for `deceased` and `moved-out`).
    public var statusSince: CivilDate?
    public var disability: Disability?
    public var seriousIllness: Bool
    public var schooling: Schooling?
    public var workCapacity: WorkCapacity
    public var income: [IncomeItem]
    /// 特困 供养方式 chosen (暂行办法 Art. 19); nil when the member is not a 特困 case.
    public var tekunPlacement: TekunPlacement?
    /// 生活自理能力评估: how many of the six daily-living indicators the person cannot do (0–6,
    /// TK-2021 Art. 20–22); nil when not assessed.
    public var selfCareFailed: Int?
    /// 孤儿 / 事实无人抚养儿童: the child's placement and parents' situations, as the township recorded them.
    public var childFacts: ChildFacts?
    /// 低保 by the tiered method (分档, DB-2021 Art. 23): the code of the tier the township assigned
    /// (`A`, one of the policy version's `dibao.tiers`); nil when none is assigned. Not stored by the
    /// registry yet (docs/adr/0015); absent from older stored JSON, which decodes as nil.
    public var dibaoTier: String?

    /// **The one rule for who counts in month M** (DB-2021 Art. 7 with field-case assumption A1: a change
    /// takes effect from the month after the event): an active member, or one whose status (death, moving
    /// out, prison…) began in M or later. A member who moved out on the last day of July counts in July
    /// and not in August — for assess, review and payroll alike (`SQLFragments.counted` is its SQL twin).
    public func counts(in month: YearMonth) -> Bool {
        status.counts || (statusSince.map { $0.yearMonth >= month } ?? false)
    }

    public init(residentID: ResidentID, name: String, relationship: Relationship, status: MemberStatus = .active,
                statusSince: CivilDate? = nil, disability: Disability? = nil, seriousIllness: Bool = false,
                schooling: Schooling? = nil, workCapacity: WorkCapacity = .full, income: [IncomeItem] = [],
                tekunPlacement: TekunPlacement? = nil, selfCareFailed: Int? = nil, childFacts: ChildFacts? = nil,
                dibaoTier: String? = nil) {
        self.childFacts = childFacts
        self.dibaoTier = dibaoTier
        self.residentID = residentID
        self.name = name
        self.relationship = relationship
        self.status = status
        self.statusSince = statusSince
        self.disability = disability
        self.seriousIllness = seriousIllness
        self.schooling = schooling
        self.workCapacity = workCapacity
        self.income = income
        self.tekunPlacement = tekunPlacement
        self.selfCareFailed = selfCareFailed
    }
}
