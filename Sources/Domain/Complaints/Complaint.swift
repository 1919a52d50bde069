/// 投诉举报: a complaint or report received by phone, letter, visit or the web (DB-2021 Arts. 36–37), assigned
/// to a township with a deadline, investigated, answered when the reporter gave a name, and closed.

public enum ComplaintChannel: String, CaseIterable, Codable, Sendable {
    case phone, letter, visit, web

    public var chinese: String {
        switch self {
        case .phone: return "电话"
        case .letter: return "信件"
        case .visit: return "来访"
        case .web: return "网络"
        }
    }
}

public enum ComplaintStage: String, CaseIterable, Codable, Sendable {
    case received, investigated, closed

    public var chinese: String {
        switch self {
        case .received: return "待调查"
        case .investigated: return "已调查待办结"
        case .closed: return "已办结"
        }
    }
}

public enum ComplaintFinding: String, CaseIterable, Codable, Sendable {
    case substantiated, partly, unsubstantiated

    public var chinese: String {
        switch self {
        case .substantiated: return "属实"
        case .partly: return "部分属实"
        case .unsubstantiated: return "不属实"
        }
    }
}

/// The reporter: protected (sealed at rest, shown only to those handling the complaint); a real-name
/// reporter is owed the result (Art. 37).
public struct Reporter: Hashable, Codable, Sendable {
    public var name: String
    public var contact: String

    public init(name: String, contact: String) {
        self.name = name
        self.contact = contact
    }
}

public struct Complaint: Hashable, Sendable {
    public var channel: ComplaintChannel
    public var receivedOn: CivilDate
    /// nil for an anonymous report.
    public var reporter: Reporter?
    public var content: String
    public var townshipCode: String
    public var householdID: String?
    public var applicationID: String?
    /// `monitoring.complaintWorkingDays` working days after receipt.
    public var dueOn: CivilDate
    public var stage: ComplaintStage
    public var investigation: String?
    public var investigatedOn: CivilDate?
    public var finding: ComplaintFinding?
    public var reply: String?
    public var repliedOn: CivilDate?
    public var outcome: String?
    public var closedOn: CivilDate?

    /// - Throws: `MonitoringError.missing` (content; a real-name reporter without a way to reach them);
    ///   `WorkCalendarError` past the holiday calendar.
    public init(channel: ComplaintChannel, receivedOn: CivilDate, reporter: Reporter?, content: String, townshipCode: String,
                householdID: String?, applicationID: String?, policy: MonitoringPolicy, calendar: WorkCalendar) throws {
        let content = try MonitoringError.text(content, "投诉举报内容")
        if let r = reporter {
            guard !r.name.trimmingWhitespace().isEmpty, !r.contact.trimmingWhitespace().isEmpty else {
                throw MonitoringError.missing("实名举报人的姓名和联系方式（用于反馈结果）")
            }
        }
        self.channel = channel
        self.receivedOn = receivedOn
        self.reporter = reporter
        self.content = content.trimmingWhitespace()
        self.townshipCode = townshipCode
        self.householdID = householdID
        self.applicationID = applicationID
        self.dueOn = try calendar.deadline(workingDays: policy.complaintWorkingDays, from: receivedOn)
        self.stage = .received
    }

    /// As stored.
    public init(stored channel: ComplaintChannel, receivedOn: CivilDate, reporter: Reporter?, content: String, townshipCode: String,
                householdID: String?, applicationID: String?, dueOn: CivilDate, stage: ComplaintStage) {
        self.channel = channel
        self.receivedOn = receivedOn
        self.reporter = reporter
        self.content = content
        self.townshipCode = townshipCode
        self.householdID = householdID
        self.applicationID = applicationID
        self.dueOn = dueOn
        self.stage = stage
    }

    /// The investigation's findings.
    /// - Throws: `MonitoringError`.
    public mutating func investigate(_ text: String, finding: ComplaintFinding, on date: CivilDate, today: CivilDate) throws(MonitoringError) {
        guard stage == .received else { throw .alreadyClosed }
        let text = try MonitoringError.text(text, "调查情况")
        guard date >= receivedOn, date <= today else { throw .badDate(date) }
        investigation = text.trimmingWhitespace()
        self.finding = finding
        investigatedOn = date
        stage = .investigated
    }

    /// The answer to a real-name reporter (Art. 37); refused for an anonymous report.
    /// - Throws: `MonitoringError`.
    public mutating func answer(_ text: String, on date: CivilDate, today: CivilDate) throws(MonitoringError) {
        guard reporter != nil else { throw .missing("实名举报人（匿名举报无需反馈）") }
        guard stage != .closed else { throw .alreadyClosed }
        guard repliedOn == nil else { throw .alreadyRecorded("向举报人反馈") }
        guard stage == .investigated, let investigatedOn else { throw .missing("调查情况（先调查后反馈）") }
        let text = try MonitoringError.text(text, "反馈内容")
        guard date >= investigatedOn, date <= today else { throw .badDate(date) }
        reply = text.trimmingWhitespace()
        repliedOn = date
    }

    /// Closes it with what was done; a real-name reporter must have had the answer first.
    /// - Throws: `MonitoringError`.
    public mutating func close(_ outcome: String, on date: CivilDate, today: CivilDate) throws(MonitoringError) {
        guard stage != .closed else { throw .alreadyClosed }
        guard stage == .investigated, let investigatedOn else { throw .missing("调查情况") }
        if reporter != nil && repliedOn == nil { throw .missing("向实名举报人反馈结果（民发〔2021〕57号 第37条）") }
        let outcome = try MonitoringError.text(outcome, "处理结果")
        guard date >= investigatedOn, date >= (repliedOn ?? investigatedOn), date <= today else { throw .badDate(date) }
        self.outcome = outcome.trimmingWhitespace()
        closedOn = date
        stage = .closed
    }

    public func isOverdue(on today: CivilDate) -> Bool { stage != .closed && today > dueOn }
}
