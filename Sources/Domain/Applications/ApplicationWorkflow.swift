/// The steps a case worker records on a 低保 application.
public enum ApplicationEvent: Hashable, Codable, Sendable {
    /// 信息核对 result (DB-2021 Art. 17).
    case recordInformationCheck(on: CivilDate, summary: String)
    /// 入户调查 by at least two investigators (Art. 16).
    case recordHomeVisit(HomeVisit)
    /// Investigation finished: both the information check and the home visit are recorded.
    case completeInvestigation(on: CivilDate)
    /// 初审意见 and start of the 7-day 公示 in the village (Art. 19).
    case townshipReview(on: CivilDate, recommend: Bool, opinion: String)
    /// An objection during the 公示 (Art. 19 ¶2).
    case raiseObjection(on: CivilDate, note: String)
    /// Objection handled by re-investigation or 民主评议; a new opinion and a new 公示 follow.
    case resolveObjection(on: CivilDate, by: ObjectionResolution, note: String)
    /// The 公示 ended without an open objection: the file goes to the county.
    case closePublicNotice(on: CivilDate)
    /// County home visit (mandatory for close-relative cases, Art. 20 ¶2).
    case recordCountyHomeVisit(HomeVisit)
    /// County confirms: paid from the month after (Art. 21).
    case approve(on: CivilDate, monthlyBenefit: Money)
    /// County refuses with a written reason; notice due within 3 WD (Art. 21).
    case refuse(on: CivilDate, reason: String)
    /// 书面告知送达: the written refusal notice reached the applicant (DB-2021 Art. 21: within 3 WD).
    case deliverRefusalNotice(on: CivilDate)
    /// Apply the 45-WD limit for a special case (Art. 22).
    case extendDeadline(reason: String)
    /// 单独登记备案: a member is a close relative of assistance staff or a village cadre (DB-2021 Art. 11),
    /// found by matching against the cadre roster; the county's own home visit is then required (Art. 20 ¶2).
    case registerCloseRelative(on: CivilDate, note: String)
    /// 投诉举报 about the case during its review (DB-2021 Art. 20 ¶2): the county's own home visit is then required.
    case registerComplaint(on: CivilDate, note: String)

    /// The date the step happened, if it has one.
    public var date: CivilDate? {
        switch self {
        case let .recordInformationCheck(on, _), let .completeInvestigation(on), let .townshipReview(on, _, _),
             let .registerCloseRelative(on, _), let .registerComplaint(on, _),
             let .deliverRefusalNotice(on),
             let .raiseObjection(on, _), let .resolveObjection(on, _, _), let .closePublicNotice(on),
             let .approve(on, _), let .refuse(on, _):
            return on
        case let .recordHomeVisit(v), let .recordCountyHomeVisit(v): return v.date
        case .extendDeadline: return nil
        }
    }

    /// What was recorded, for the application's history.
    public var detail: String {
        func visit(_ v: HomeVisit) -> String { "调查人员：\(v.investigators.joined(separator: "、"))；\(v.findings)" }
        switch self {
        case let .recordInformationCheck(_, summary): return summary
        case let .recordHomeVisit(v), let .recordCountyHomeVisit(v): return visit(v)
        case .completeInvestigation: return ""
        case let .townshipReview(_, recommend, opinion): return "\(recommend ? "拟纳入" : "拟不纳入")：\(opinion)"
        case let .raiseObjection(_, note): return note
        case let .resolveObjection(_, by, note): return "\(by.chinese)：\(note)"
        case .closePublicNotice: return ""
        case let .approve(_, benefit): return "月保障金 \(benefit.yuanString) 元"
        case let .refuse(_, reason): return reason
        case .deliverRefusalNotice: return ""
        case let .extendDeadline(reason): return reason
        case let .registerCloseRelative(_, note), let .registerComplaint(_, note): return note
        }
    }

    public var chinese: String {
        switch self {
        case .recordInformationCheck: return "登记信息核对结果"
        case .recordHomeVisit: return "登记入户调查"
        case .completeInvestigation: return "完成调查核实"
        case .townshipReview: return "乡镇初审并公示"
        case .raiseObjection: return "登记公示异议"
        case .resolveObjection: return "处理异议"
        case .closePublicNotice: return "公示期满，报县级审核"
        case .recordCountyHomeVisit: return "登记县级入户核查"
        case .approve: return "县级确认纳入"
        case .refuse: return "不予纳入"
        case .deliverRefusalNotice: return "登记不予纳入通知书送达"
        case .extendDeadline: return "延长办理期限"
        case .registerCloseRelative: return "登记近亲属备案"
        case .registerComplaint: return "登记投诉举报"
        }
    }
}

/// The 低保 application state machine: `(application, event) → application | error`. Pure.
public enum ApplicationWorkflow {
    /// Applies `event` and returns the new application. Every date lies between acceptance and
    /// `today`, and no step is dated before the step it follows.
    /// - Throws: `WorkflowError` when the step is out of order, misdated or its facts are incomplete.
    public static func apply(_ event: ApplicationEvent, to app: AssistanceApplication, policy: Policy,
                             calendar: WorkCalendar, today: CivilDate) throws(WorkflowError) -> AssistanceApplication {
        var a = app
        func require(_ states: ApplicationState...) throws(WorkflowError) {
            guard states.contains(a.state) else { throw .outOfOrder(event: event.chinese, state: a.state) }
        }
        func notBefore(_ date: CivilDate, _ earlier: CivilDate?, _ what: String) throws(WorkflowError) {
            if let earlier, date < earlier { throw .dateBefore(date, what: what, earlier: earlier) }
        }
        if let date = event.date {
            if date > today { throw .dateInFuture(date, today: today) }
            try notBefore(date, a.acceptedOn, "受理日期")
        }
        switch event {
        case let .recordInformationCheck(on, summary):
            try require(.accepted, .investigating)
            try notBefore(on, a.acceptedOn, "受理日期")
            guard !summary.trimmingWhitespace().isEmpty else { throw .missing("信息核对结果") }
            a.informationCheck = summary
            a.informationCheckOn = on
            a.state = .investigating
        case let .recordHomeVisit(visit):
            try require(.accepted, .investigating)
            try notBefore(visit.date, a.acceptedOn, "受理日期")
            try checkInvestigators(visit)
            a.homeVisit = visit
            a.state = .investigating
        case let .completeInvestigation(on):
            try require(.investigating)
            guard a.informationCheck != nil else { throw .missing("信息核对结果") }
            guard let visit = a.homeVisit else { throw .missing("入户调查记录") }
            try notBefore(on, visit.date, "入户调查日期")
            try notBefore(on, a.informationCheckOn, "信息核对日期")
            a.investigationCompletedOn = on
            a.state = .townshipReview
        case let .townshipReview(on, recommend, opinion):
            try require(.townshipReview)
            guard !opinion.trimmingWhitespace().isEmpty else { throw .missing("初审意见") }
            try notBefore(on, a.investigationCompletedOn, "调查完成日期")
            try notBefore(on, a.objectionActivityOn, "异议处理日期")
            a.townshipOpinion = opinion
            a.townshipRecommends = recommend
            if a.withoutPublicNotice == true {
                // No 公示 (民发〔2019〕62号 二(二)): the opinion goes to the county the same day.
                a.noticeClosedOn = on
                a.state = .countyReview
            } else {
                a.noticeStart = on
                a.state = .publicNotice
            }
        case let .raiseObjection(on, note):
            try require(.publicNotice)
            try notBefore(on, a.noticeStart, "公示开始日期")
            if let end = a.noticeEnd(policy: policy), on > end { throw .objectionAfterNotice(ends: end) }
            guard !note.trimmingWhitespace().isEmpty else { throw .missing("异议内容") }
            a.objections.append(note)
            a.objectionActivityOn = on
            a.state = .objectionReview
        case let .resolveObjection(on, by, note):
            try require(.objectionReview)
            try notBefore(on, a.objectionActivityOn, "异议登记日期")
            guard !note.trimmingWhitespace().isEmpty else { throw .missing("处理结果") }
            a.objectionResolutions.append(by)
            a.objectionActivityOn = on
            if a.extensionReason == nil { a.extensionReason = "公示有异议" }  // a ground for 45 WD (Art. 22)
            a.state = .townshipReview
        case let .closePublicNotice(on):
            try require(.publicNotice)
            guard let end = a.noticeEnd(policy: policy) else { throw .missing("公示开始日期") }
            guard on > end else { throw .noticeNotOver(ends: end) }
            a.noticeClosedOn = on
            a.state = .countyReview
        case let .recordCountyHomeVisit(visit):
            try require(.countyReview)
            try checkInvestigators(visit)
            try notBefore(visit.date, a.noticeClosedOn, "公示结束日期")
            a.countyHomeVisit = visit
        case let .approve(on, benefit):
            try require(.countyReview)
            if a.needsCountyVisit && a.countyHomeVisit == nil { throw .countyVisitRequired }
            guard benefit > .zero else { throw .missing("月保障金额") }
            try notBefore(on, a.noticeClosedOn, "公示结束日期")
            try notBefore(on, a.countyHomeVisit?.date, "县级核查日期")
            a.decidedOn = on
            a.approvedBenefit = benefit
            a.firstPaidMonth = on.yearMonth.next
            a.state = .approved
        case let .refuse(on, reason):
            try require(.accepted, .investigating, .townshipReview, .countyReview)
            guard !reason.trimmingWhitespace().isEmpty else { throw .missing("不予纳入理由") }
            try notBefore(on, a.latestRecordedDate, "此前办理步骤的日期")
            a.decidedOn = on
            a.refusalReason = reason
            // Unknown (nil) when the holiday calendar does not reach it; the refusal itself stands.
            a.refusalNoticeDue = try? calendar.adding(workingDays: policy.deadlines.refusalNoticeWorkingDays, to: on)
            a.state = .refused
        case let .deliverRefusalNotice(on):
            try require(.refused)
            if let earlier = a.refusalNoticeDeliveredOn { throw .alreadyRecorded(what: "不予纳入通知书送达", on: earlier) }
            try notBefore(on, a.decidedOn, "不予纳入决定日期")
            a.refusalNoticeDeliveredOn = on
        case let .registerCloseRelative(_, note):
            guard a.state.isOpen else { throw .outOfOrder(event: event.chinese, state: a.state) }
            guard !note.trimmingWhitespace().isEmpty else { throw .missing("备案说明") }
            a.closeRelative = true
        case let .registerComplaint(_, note):
            guard a.state.isOpen else { throw .outOfOrder(event: event.chinese, state: a.state) }
            guard !note.trimmingWhitespace().isEmpty else { throw .missing("投诉举报内容") }
            a.complaintReceived = true
        case let .extendDeadline(reason):
            guard a.state.isOpen else { throw .outOfOrder(event: event.chinese, state: a.state) }
            guard !policy.confirmationDelegatedToTownship else { throw .extensionNotAllowed }
            guard !reason.trimmingWhitespace().isEmpty else { throw .missing("延期理由") }
            if let earlier = a.extensionReason { throw .alreadyExtended(earlier) }
            a.extensionReason = reason
        }
        return a
    }

    static func checkInvestigators(_ visit: HomeVisit) throws(WorkflowError) {
        let names = Set(visit.investigators.map { $0.trimmingWhitespace() }.filter { !$0.isEmpty })
        guard names.count >= 2 else { throw .tooFewInvestigators(names.count) }
    }

    /// The steps that may come next, for the case worker's screen.
    public static func nextSteps(for app: AssistanceApplication) -> [String] {
        switch app.state {
        case .accepted: return ["recordInformationCheck", "recordHomeVisit", "refuse"]
        case .investigating: return ["recordInformationCheck", "recordHomeVisit", "completeInvestigation", "refuse"]
        case .townshipReview: return ["townshipReview", "refuse"]
        case .publicNotice: return ["raiseObjection", "closePublicNotice"]
        case .objectionReview: return ["resolveObjection"]
        case .countyReview: return ["recordCountyHomeVisit", "approve", "refuse"]
        case .approved: return []
        case .refused: return app.refusalNoticeDeliveredOn == nil ? ["deliverRefusalNotice"] : []
        }
    }
}

public enum WorkflowError: Error, Equatable, Sendable {
    case outOfOrder(event: String, state: ApplicationState)
    case missing(String)
    case tooFewInvestigators(Int)
    case noticeNotOver(ends: CivilDate)
    case countyVisitRequired
    case dateBefore(CivilDate, what: String, earlier: CivilDate)
    case extensionNotAllowed
    case dateInFuture(CivilDate, today: CivilDate)
    case alreadyExtended(String)
    case objectionAfterNotice(ends: CivilDate)
    case terminationOutOfOrder(event: String, state: String)
    /// A step that happens once was already recorded.
    case alreadyRecorded(what: String, on: CivilDate)

    public var message: String {
        switch self {
        case let .outOfOrder(event, state):
            return "当前状态为“\(state.chinese)”，不能执行“\(event)”：请按受理→调查核实→初审→公示→县级审核确认的顺序办理 (step out of order)"
        case .missing(let what): return "缺少“\(what)”，请填写后再提交 (missing)"
        case .tooFewInvestigators(let n):
            return "入户调查须至少 2 名调查人员，当前 \(n) 名 (at least two investigators; 民发〔2021〕57号 第16条)"
        case .noticeNotOver(let end):
            return "公示期至 \(end) 结束（7 天），期满后才能报县级审核 (public notice not over)"
        case .countyVisitRequired:
            return "本户为近亲属备案户或审核期间有投诉举报，县级须先入户核查才能确认 (county home visit required; 民发〔2021〕57号 第20条)"
        case let .dateBefore(d, what, earlier):
            return "日期 \(d) 早于\(what) \(earlier)，请核对 (date before \(what))"
        case .extensionNotAllowed:
            return "审核确认权已下放乡镇，办理期限为 20 个工作日，不能延长 (no extension when delegated)"
        case .alreadyExtended(let reason):
            return "办理期限已延长至 45 个工作日（理由：\(reason)），不能再次延长 (already extended)"
        case let .dateInFuture(d, today):
            return "日期 \(d) 晚于今天（\(today)）：只能登记已经发生的办理步骤 (date in the future)"
        case let .terminationOutOfOrder(event, state):
            return "终止程序当前为“\(state)”，不能执行“\(event)”：请按公示→（异议核查→重新公示）→县级审批的顺序办理 (step out of order)"
        case let .alreadyRecorded(what, on):
            return "\(what)已于 \(on) 登记，不能重复登记 (already recorded)"
        case .objectionAfterNotice(let end):
            return "公示已于 \(end) 结束，公示期外的意见请按投诉举报处理 (objection after the notice period)"
        }
    }
}
