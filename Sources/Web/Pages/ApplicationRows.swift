import Domain
import Persistence
import Plot

/// A row of an applications table: names resolved, working days left counted. Built once by the handler
/// (it needs the calendar and the divisions), rendered by a pure view.
struct ApplicationRow: Equatable, Sendable {
    enum Left: Equatable, Sendable {
        /// Approved or refused.
        case closed
        /// Decided, with a step still owed (the refusal notice, DB-2021 Art. 21): not 已办结 until it is done.
        case decidedStepPending(String)
        /// The holiday calendar does not reach the deadline (its last year).
        case unknown(calendarEnds: Int)
        /// Past even the latest date the deadline could fall on: overdue, by a count of days unknown.
        case overdueUncounted(calendarEnds: Int)
        /// Working days from today to the deadline; negative when overdue.
        case workingDays(Int)
    }

    var id: String
    var headName: String
    var programme: Programme
    var township: String
    var acceptedOn: CivilDate
    var state: ApplicationState
    var deadline: CivilDate?
    var closeRelative: Bool
    var left: Left
    /// The current step's deadline when it has passed (`启动家庭经济状况调查 2021-07-06`), else nil.
    var stepOverdue: String? = nil

    static func make(_ a: ApplicationSummary, settings s: WebSettings, today: CivilDate) -> ApplicationRow {
        ApplicationRow(id: a.id, headName: a.memberName.map { "\($0)（\(a.headName)户）" } ?? a.headName, programme: a.programme, township: s.townshipName(a.townshipCode),
                       acceptedOn: a.acceptedOn, state: a.state, deadline: a.deadline, closeRelative: a.closeRelative,
                       left: a.step.flatMap { step in a.state.isOpen ? nil : Left.decidedStepPending("\(step.step)") }
                           ?? left(a.state, a.deadline, bound: a.deadlineBound, settings: s, today: today),
                       stepOverdue: a.step.flatMap { $0.overdue(today: today) ? "\($0.step) \($0.due?.description ?? "（最迟 \($0.bound?.description ?? "")）")" : nil })
    }

    static func left(_ state: ApplicationState, _ deadline: CivilDate?, bound: CivilDate? = nil, settings s: WebSettings,
                     today: CivilDate) -> Left {
        guard state.isOpen else { return .closed }
        // A date already passed is overdue whatever next year's holidays are; only the count is then unknown.
        if let deadline, today > deadline, (try? s.calendar.workingDaysLeft(from: today, until: deadline)) == nil {
            return .overdueUncounted(calendarEnds: s.calendar.years.upperBound)
        }
        guard let deadline, let n = try? s.calendar.workingDaysLeft(from: today, until: deadline) else {
            if let bound, today > bound { return .overdueUncounted(calendarEnds: s.calendar.years.upperBound) }
            return .unknown(calendarEnds: s.calendar.years.upperBound)
        }
        return .workingDays(n)
    }

    var isOverdue: Bool {
        if stepOverdue != nil { return true }
        switch left {
        case .workingDays(let n): return n < 0
        case .overdueUncounted: return true
        case .closed, .decidedStepPending, .unknown: return false
        }
    }

    /// The applications table: programme, state, deadline, working days left (overdue in red).
    static func table(_ rows: [ApplicationRow]) -> Node<HTML.BodyContext> {
        .table(
            .tr(.th("申请人（户主）"), .th("项目"), .th("乡镇"), .th("受理日期"), .th("状态"), .th("办结期限"), .th("剩余工作日")),
            .forEach(rows) { r in
                .tr(.td(.a(.attr("href", SiteURL.application(r.id).path), .text(r.headName)),
                        .if(r.closeRelative, Layout.badge("近亲属备案", "warn"))),
                    .td(.text(r.programme.shortChinese)),
                    .td(.text(r.township)), .td(.text(r.acceptedOn.description)),
                    .td(.text(r.state.chinese), .unwrap(r.stepOverdue) { .group(.text(" "), Layout.badge("环节超期：\($0)", "bad")) }),
                    .td(.text(r.deadline?.description ?? "待定")),
                    .td(badge(r.left)))
            }
        )
    }

    static func badge(_ left: Left) -> Node<HTML.BodyContext> {
        switch left {
        case .closed: return .text("已办结")
        case .decidedStepPending(let step): return Layout.badge("已作决定，待\(step)", "warn")
        case .unknown(let last):
            return Layout.badge("节假日日历未覆盖（\(last) 年以后），期限待定：请管理员更新日历", "warn")
        case .overdueUncounted(let last):
            return Layout.badge("已超期（\(last) 年以后的节假日未发布，超期工作日数待定）", "bad")
        case .workingDays(let n) where n < 0: return Layout.badge("超期 \(-n) 个工作日", "bad")
        case .workingDays(let n): return Layout.badge("剩 \(n) 个工作日", n <= 3 ? "warn" : "ok")
        }
    }
}
