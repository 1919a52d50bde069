/// One line of a 公示: only what DB-2021 Art. 24 allows to publish — the name, the number of household
/// members and the amount. The type has no place for an ID number, an address, an income or a reason, so a
/// notice cannot carry them.
public struct NoticeLine: Hashable, Sendable {
    public var name: String
    public var householdSize: Int
    /// Fen per month; nil while it cannot be assessed (printed as —).
    public var monthlyAmount: Money?
    /// 拟纳入 / 拟不纳入 on a review notice; nil on the standing list.
    public var opinion: String?

    public init(name: String, householdSize: Int, monthlyAmount: Money?, opinion: String? = nil) {
        self.name = name
        self.householdSize = householdSize
        self.monthlyAmount = monthlyAmount
        self.opinion = opinion
    }
}

/// A village's printable 公示 (DB-2021 Arts. 19, 24; Notice-2022 §4(2)).
public struct VillageNotice: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// 审核确认公示 of the applications in their notice period: the period, and the last day for objections.
        case review(start: CivilDate, end: CivilDate)
        /// 长期公示 of the recipients in force in a month.
        case standing(YearMonth)
    }

    public var kind: Kind
    public var programme: Programme
    public var township: String
    public var village: String
    public var lines: [NoticeLine]
    /// The county's complaint and report hotline, printed on every notice with 12349 (DB-2021 Art. 36).
    public var hotline: String
    /// The rule cited at the foot.
    public var citation: String

    /// A notice of `programme`, which must be one that publishes its recipients.
    /// - Throws: `NoticeError.notPublished` for a programme whose recipients are never published (children:
    ///   孤儿 and 事实无人抚养儿童, whose privacy the rules protect; 民发〔2019〕62号), and `.noStandingList` for a
    ///   standing list of a programme without monthly recipients (临时救助 grants, the relief station).
    public init(kind: Kind, programme: Programme, rules: any ProgrammeRules, township: String, village: String, lines: [NoticeLine],
                hotline: String) throws(NoticeError) {
        guard rules.hasPublicNotice else { throw .notPublished(programme) }
        if case .standing = kind, rules.cadence != .monthly { throw .noStandingList(programme) }
        self.kind = kind
        self.programme = programme
        self.township = township
        self.village = village
        self.lines = lines.sorted { ($0.name, $0.householdSize) < ($1.name, $1.householdSize) }
        self.hotline = hotline
        self.citation = rules.noticeCitations.publicNotice
    }

    public var title: String {
        switch kind {
        case .review: return "\(programme.chinese)审核确认公示"
        case .standing: return "\(programme.chinese)对象长期公示"
        }
    }

    /// The households and the money on the notice.
    public var totalHouseholds: Int { lines.count }
    public var totalPeople: Int { lines.reduce(0) { $0 + $1.householdSize } }
    /// Fen per month of the lines with an amount.
    public var totalAmount: Money { lines.reduce(.zero) { $0 + ($1.monthlyAmount ?? .zero) } }
}

public enum NoticeError: Error, Equatable, Sendable {
    case notPublished(Programme)
    case noStandingList(Programme)

    public var message: String {
        switch self {
        case .notPublished(let p):
            return "\(p.shortChinese)对象不张榜公示：涉及未成年人，其个人信息依法保护 (this programme's recipients are never published)"
        case .noStandingList(let p):
            return "\(p.shortChinese)没有按月保障的对象，无长期公示 (no standing list for one-off help)"
        }
    }
}
