/// Grounds for ending support of a person (终止救助供养), TK-2021 Art. 24.
public enum TerminationGround: String, Codable, Sendable, CaseIterable {
    case death                                      // 死亡或被宣告死亡、失踪
    case labourCapacity = "labour-capacity"         // 具备或恢复劳动能力
    case imprisoned                                 // 依法被判处刑罚且在监狱服刑
    case incomeOrAssets = "income-or-assets"        // 收入和财产状况不再符合规定
    case supporterAble = "supporter-able"           // 法定义务人具备了履行义务能力或新增有能力的法定义务人
    case withdrawal                                 // 自愿申请退出
    case parentFound = "parent-found"               // 孤儿：父母（一方）查找到或生还；事实无人抚养：父母情况变化，能履行抚养义务
    case adulthood                                  // 年满18周岁且不在规定学段就读

    public var chinese: String {
        switch self {
        case .death: return "死亡或被宣告死亡、宣告失踪"
        case .labourCapacity: return "具备或恢复劳动能力"
        case .imprisoned: return "依法被判处刑罚且在监狱服刑"
        case .incomeOrAssets: return "收入和财产状况不再符合认定条件"
        case .supporterAble: return "法定义务人具备了履行义务能力或新增有能力的法定义务人"
        case .withdrawal: return "自愿申请退出"
        case .parentFound: return "父母查找到、生还或恢复抚养能力"
        case .adulthood: return "年满18周岁且不在规定学段就读"
        }
    }

    /// Grounds that date the end of the entitlement to a fact (the day a parent was found): months paid
    /// after that fact's month are overpayments to recover.
    public var datesAFact: Bool { self == .parentFound || self == .death }

    /// The grounds that apply to `programme`'s persons.
    public static func grounds(for programme: Programme) -> [TerminationGround] {
        switch programme {
        case .orphan, .unsupportedChild: return [.death, .parentFound, .adulthood, .withdrawal]
        default: return [.death, .labourCapacity, .imprisoned, .incomeOrAssets, .supporterAble, .withdrawal]
        }
    }

    /// A death is recorded, not published: no 公示 (docs/adr/0010).
    public var needsPublicNotice: Bool { self != .death }
}

public enum TerminationState: String, Codable, Sendable, CaseIterable {
    case publicNotice       // 公示中
    case objectionReview    // 异议核查
    case countyReview       // 县级审批
    case terminated         // 已终止
    case cancelled          // 撤销（继续供养）

    public var chinese: String {
        switch self {
        case .publicNotice: return "公示中"
        case .objectionReview: return "异议核查"
        case .countyReview: return "县级审批"
        case .terminated: return "已终止"
        case .cancelled: return "已撤销，继续供养"
        }
    }

    public var isOpen: Bool { self != .terminated && self != .cancelled }
}

/// Ending a person's support (TK-2021 Arts. 24–26): the township verifies and proposes, the proposal is
/// published for 7 days in the village (not for a death), an objection is re-investigated within 15
/// working days and published again, and the county decides; support stops from the month after the
/// decision, and the written reasons go to the person and the village committee.
public struct Termination: Hashable, Codable, Sendable {
    public var ground: TerminationGround
    public var proposedOn: CivilDate
    /// The township's verification and opinion (乡镇核实意见).
    public var opinion: String
    public var state: TerminationState
    public var noticeStart: CivilDate?
    public var objections: [String]
    /// Re-investigation of an objection due by (15 WD, Art. 26).
    public var objectionDue: CivilDate?
    public var noticeClosedOn: CivilDate?
    public var decidedOn: CivilDate?
    /// The last month supported: the decision's month, or a later month a batch had already paid when
    /// the county decided.
    public var lastMonth: YearMonth?
    public var cancelReason: String?
    /// The day the ground's fact happened (a parent found), for grounds that date one.
    public var factOn: CivilDate?
    /// Months paid after `factOn`'s month, flagged as overpayments when the county decided.
    public var overpaidMonths: [YearMonth]?

    /// `publicNotice`: false for programmes without 公示 (children's allowances) — then the proposal goes
    /// straight to the county, as a death does.
    public init(ground: TerminationGround, proposedOn: CivilDate, opinion: String, publicNotice: Bool = true,
                factOn: CivilDate? = nil) {
        self.ground = ground
        self.proposedOn = proposedOn
        self.opinion = opinion
        let notice = publicNotice && ground.needsPublicNotice
        self.state = notice ? .publicNotice : .countyReview
        self.noticeStart = notice ? proposedOn : nil
        self.objections = []
        self.factOn = factOn
    }

    /// The last day of the 公示 (7 calendar days including the first).
    public func noticeEnd(policy: Policy) -> CivilDate? {
        noticeStart?.adding(days: policy.deadlines.publicNoticeCalendarDays - 1)
    }

    /// The first month no longer paid, once decided.
    public var stopsFrom: YearMonth? { state == .terminated ? (lastMonth ?? decidedOn?.yearMonth)?.next : nil }

    public var latestDate: CivilDate {
        [proposedOn, noticeStart, noticeClosedOn, decidedOn].compactMap { $0 }.max()!
    }
}

public enum TerminationEvent: Hashable, Codable, Sendable {
    case raiseObjection(on: CivilDate, note: String)
    /// Re-investigated: the township's new opinion, published again from `on`.
    case resolveObjection(on: CivilDate, opinion: String)
    case closePublicNotice(on: CivilDate)
    /// The county decides to terminate: support stops from the following month.
    case decide(on: CivilDate)
    /// The proposal is dropped (an objection proved well founded): support continues.
    case cancel(on: CivilDate, reason: String)

    public var chinese: String {
        switch self {
        case .raiseObjection: return "登记公示异议"
        case .resolveObjection: return "异议核查后重新公示"
        case .closePublicNotice: return "公示期满，报县级审批"
        case .decide: return "县级决定终止供养"
        case .cancel: return "撤销终止，继续供养"
        }
    }

    public var date: CivilDate {
        switch self {
        case let .raiseObjection(on, _), let .resolveObjection(on, _), let .closePublicNotice(on), let .decide(on),
             let .cancel(on, _):
            return on
        }
    }
}

public enum TerminationWorkflow {
    /// Applies `event`. Dates lie between the proposal and `today`, never before the step they follow.
    /// - Throws: `WorkflowError` naming what is out of order, missing or misdated.
    public static func apply(_ event: TerminationEvent, to t: Termination, policy: Policy, calendar: WorkCalendar,
                             today: CivilDate) throws(WorkflowError) -> Termination {
        var t = t
        let on = event.date
        if on > today { throw .dateInFuture(on, today: today) }
        if on < t.latestDate { throw .dateBefore(on, what: "此前办理步骤的日期", earlier: t.latestDate) }
        func require(_ states: TerminationState...) throws(WorkflowError) {
            guard states.contains(t.state) else { throw .terminationOutOfOrder(event: event.chinese, state: t.state.chinese) }
        }
        switch event {
        case let .raiseObjection(_, note):
            try require(.publicNotice)
            if let end = t.noticeEnd(policy: policy), on > end { throw .objectionAfterNotice(ends: end) }
            guard !note.trimmingWhitespace().isEmpty else { throw .missing("异议内容") }
            t.objections.append(note)
            t.objectionDue = try? calendar.adding(workingDays: 15, to: on)
            t.state = .objectionReview
        case let .resolveObjection(_, opinion):
            try require(.objectionReview)
            guard !opinion.trimmingWhitespace().isEmpty else { throw .missing("核查意见") }
            t.opinion = opinion
            t.noticeStart = on
            t.state = .publicNotice
        case .closePublicNotice:
            try require(.publicNotice)
            guard let end = t.noticeEnd(policy: policy) else { throw .missing("公示开始日期") }
            guard on > end else { throw .noticeNotOver(ends: end) }
            t.noticeClosedOn = on
            t.state = .countyReview
        case .decide:
            try require(.countyReview)
            t.decidedOn = on
            t.state = .terminated
        case let .cancel(_, reason):
            try require(.publicNotice, .objectionReview, .countyReview)
            guard !reason.trimmingWhitespace().isEmpty else { throw .missing("撤销理由") }
            t.cancelReason = reason
            t.decidedOn = on
            t.state = .cancelled
        }
        return t
    }

    /// The steps that may come next, for the case worker's screen.
    public static func nextSteps(for t: Termination) -> [String] {
        switch t.state {
        case .publicNotice: return ["raiseObjection", "closePublicNotice", "cancel"]
        case .objectionReview: return ["resolveObjection", "cancel"]
        case .countyReview: return ["decide", "cancel"]
        case .terminated, .cancelled: return []
        }
    }
}
