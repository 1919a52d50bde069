/// States of a 低保 application (rules.md §1.7–1.8; DB-2021 Arts. 10–22).
public enum ApplicationState: String, Codable, Sendable, CaseIterable {
    case accepted            // 受理
    case investigating       // 调查核实
    case townshipReview      // 初审
    case publicNotice        // 公示
    case objectionReview     // 公示异议：重新调查或民主评议
    case countyReview        // 县级审核确认
    case approved            // 确认纳入
    case refused             // 不予纳入

    public var chinese: String {
        switch self {
        case .accepted: return "已受理"
        case .investigating: return "调查核实"
        case .townshipReview: return "乡镇初审"
        case .publicNotice: return "公示中"
        case .objectionReview: return "异议处理"
        case .countyReview: return "县级审核确认"
        case .approved: return "已确认纳入"
        case .refused: return "不予纳入"
        }
    }

    public var isOpen: Bool { self != .approved && self != .refused }
}

/// How an objection to the 公示 was resolved (DB-2021 Art. 19 ¶2).
public enum ObjectionResolution: String, Codable, Sendable {
    case reinvestigation        // 重新调查
    case villageDeliberation    // 民主评议

    public var chinese: String { self == .reinvestigation ? "重新调查" : "民主评议" }
}

/// A home visit: at least two investigators (DB-2021 Art. 16).
public struct HomeVisit: Hashable, Codable, Sendable {
    public var date: CivilDate
    public var investigators: [String]
    public var findings: String

    public init(date: CivilDate, investigators: [String], findings: String) {
        self.date = date
        self.investigators = investigators
        self.findings = findings
    }
}

/// A 低保 application and everything its workflow has recorded so far.
public struct AssistanceApplication: Hashable, Codable, Sendable {
    public var acceptedOn: CivilDate
    public var state: ApplicationState
    /// A member is a close relative (近亲属) of assistance staff or village cadres: registered
    /// separately (单独登记备案, DB-2021 Art. 11) and the county must visit (Art. 20 ¶2).
    public var closeRelative: Bool
    /// The 45-working-day limit applies (DB-2021 Art. 22), with the recorded ground.
    public var extensionReason: String?
    public var informationCheck: String?
    public var informationCheckOn: CivilDate?
    public var homeVisit: HomeVisit?
    public var investigationCompletedOn: CivilDate?
    public var townshipOpinion: String?
    public var townshipRecommends: Bool?
    public var noticeStart: CivilDate?
    public var objections: [String]
    public var objectionResolutions: [ObjectionResolution]
    /// Date of the latest objection or resolution.
    public var objectionActivityOn: CivilDate?
    public var noticeClosedOn: CivilDate?
    public var countyHomeVisit: HomeVisit?
    public var decidedOn: CivilDate?
    public var approvedBenefit: Money?
    public var refusalReason: String?
    public var refusalNoticeDue: CivilDate?
    /// The date the written refusal notice reached the applicant (DB-2021 Art. 21: within 3 WD of the
    /// decision); nil until recorded.
    public var refusalNoticeDeliveredOn: CivilDate?
    /// First month paid (the month after approval, DB-2021 Art. 21).
    public var firstPaidMonth: YearMonth?
    /// True for programmes without 公示 (children's allowances, 民发〔2019〕62号 二(二)): the township's
    /// opinion goes straight to the county. nil (absent in older records) means with 公示.
    public var withoutPublicNotice: Bool?
    /// A complaint or report about the case was received during its review (DB-2021 Art. 20 ¶2): the county
    /// must visit before it confirms. nil (absent in older records) means none.
    public var complaintReceived: Bool?

    /// The county's own home visit is required before confirmation (近亲属备案, or a complaint during review).
    public var needsCountyVisit: Bool { closeRelative || complaintReceived == true }

    public init(acceptedOn: CivilDate, closeRelative: Bool) {
        self.acceptedOn = acceptedOn
        self.state = .accepted
        self.closeRelative = closeRelative
        self.objections = []
        self.objectionResolutions = []
    }

    /// The latest date recorded on this application; no later step may be dated before it.
    public var latestRecordedDate: CivilDate {
        [acceptedOn, informationCheckOn, homeVisit?.date, investigationCompletedOn, noticeStart, objectionActivityOn,
         noticeClosedOn, countyHomeVisit?.date, decidedOn].compactMap { $0 }.max()!
    }

    /// The last day of the 公示 (7 calendar days including the first day).
    public func noticeEnd(policy: Policy) -> CivilDate? {
        noticeStart?.adding(days: policy.deadlines.publicNoticeCalendarDays - 1)
    }

    /// The date the whole procedure must be finished by, by the programme's rules (低保: DB-2021 Art. 22;
    /// 特困: TK-2021 Arts. 13–16).
    /// - Throws: `WorkCalendarError` when the calendar does not cover the dates.
    public func deadline(rules: any ProgrammeRules, policy: Policy, calendar: WorkCalendar) throws(WorkCalendarError) -> CivilDate? {
        try rules.procedureDeadline(acceptedOn: acceptedOn, extended: extensionReason != nil, policy: policy, calendar: calendar)
    }
}
