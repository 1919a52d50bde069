import Domain
import Foundation
import Persistence
import Plot
import Vapor

/// 动态监测: the low-income register, early warnings through verification to an outcome, and the township
/// window's referrals to other departments (rules.md §6; docs/adr/0025-monitoring.md).
struct MonitoringController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.monitoring, use: page)
        routes.post(.monitoringWarnings, use: raise)
        routes.post(.monitoringRegister, use: register)
        routes.post(.monitoringWarningStep(SiteURL.P.id, step: SiteURL.P.step), use: step)
        routes.post(.referrals, use: refer)
        routes.post(.referralFeedback(SiteURL.P.id), use: feedback)
    }

    func store(_ req: Request) -> MonitoringStore { MonitoringStore(req.db, today: req.settings.today) }

    func page(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let scope = req.scope
        let model = MonitoringPage.Model(
            loop: try await store(req).loop(in: scope, month: s.today().yearMonth),
            warnings: try await store(req).warnings(in: scope).map { w in
                MonitoringPage.Warning(id: w.id, householdID: w.warning.householdID, headName: w.headName,
                                       township: s.townshipName(w.warning.townshipCode), source: w.warning.source.chinese,
                                       detail: w.warning.detail, raisedOn: w.warning.raisedOn, dueOn: w.warning.dueOn, stage: w.warning.stage,
                                       overdue: w.warning.isOverdue(on: s.today()), visit: w.warning.visit.map { "\($0.date) \($0.investigators.joined(separator: "、"))：\($0.findings)" },
                                       outcome: w.warning.outcome.map { "\($0.chinese)（\(w.warning.closedOn?.description ?? "")）：\(w.warning.outcomeNote ?? "")" })
            },
            referrals: try await store(req).referrals(in: scope).map { r in
                MonitoringPage.Referral(id: r.id, personName: r.personName, householdID: r.householdID, township: s.townshipName(r.townshipCode),
                                        department: r.referral.department.chinese, request: r.referral.request, referredOn: r.referral.referredOn,
                                        feedbackDue: r.referral.feedbackDue, overdue: r.referral.isOverdue(on: s.today()),
                                        feedback: r.referral.feedback.map { "\($0)（\(r.referral.closedOn?.description ?? "")）" })
            },
            townships: s.divisions.townships.filter { scope.contains(township: $0.code) }.map { ($0.code.value, $0.name) },
            today: s.today(), csrf: req.csrfToken, permissions: req.staff?.role.permissions ?? [])
        return HTMLPage(html: Layout.page(title: MonitoringPage.title, request: req, active: .monitoring, body: MonitoringPage.view(model)))
    }

    /// The household named in a form must lie in the user's area (else it does not exist for the user).
    func visibleHousehold(_ req: Request, _ raw: String?) async throws -> String {
        let id = raw?.trimmingCharacters(in: .whitespaces) ?? ""
        guard !id.isEmpty, let place = try await AccessStore(req.db).place(of: .household, id: id), place.isVisible(in: req.scope) else {
            throw StoreError.notFound(what: "家庭", id: id)
        }
        return id
    }

    struct RaiseForm: Content { var household: String?; var source: String; var detail: String; var date: String }

    func raise(req: Request) async throws -> Response {
        let form = try req.content.decode(RaiseForm.self)
        let household = try await visibleHousehold(req, form.household)
        guard let source = WarningSource(rawValue: form.source) else { throw FormError(field: "预警来源", value: form.source, reason: "请从列表选择") }
        try await store(req).raise(householdID: household, source: source, detail: form.detail, on: try CivilDate(parsing: form.date), actor: req.actor)
        req.flash("已登记预警，交乡镇核实", kind: "success")
        return req.seeOther(.monitoring)
    }

    struct RegisterForm: Content { var household: String?; var category: String; var note: String; var date: String }

    func register(req: Request) async throws -> Response {
        let form = try req.content.decode(RegisterForm.self)
        let household = try await visibleHousehold(req, form.household)
        guard let category = LowIncomeCategory(rawValue: form.category), LowIncomeCategory.registered.contains(category) else {
            throw FormError(field: "类别", value: form.category, reason: "请从列表选择")
        }
        try await store(req).register(householdID: household, category: category, since: try CivilDate(parsing: form.date), source: "manual",
                                      note: form.note, actor: req.actor)
        req.flash("已纳入低收入人口监测：\(category.chinese)", kind: "success")
        return req.seeOther(.monitoring)
    }

    struct StepForm: Content {
        var date: String
        var investigator1: String?
        var investigator2: String?
        var findings: String?
        var outcome: String?
        var note: String?
    }

    func step(req: Request) async throws -> Response {
        let id = try req.parameters.require("id"), step = try req.parameters.require("step")
        let form = try req.content.decode(StepForm.self)
        let date = try CivilDate(parsing: form.date)
        switch step {
        case "verify":
            try await store(req).verify(id, visit: HomeVisit(date: date, investigators: [form.investigator1 ?? "", form.investigator2 ?? ""],
                                                             findings: form.findings ?? ""), actor: req.actor)
            req.flash("已登记核实情况", kind: "success")
        case "close":
            guard let outcome = MonitoringPage.outcome(form.outcome ?? "") else {
                throw FormError(field: "处置结果", value: form.outcome ?? "", reason: "请从列表选择")
            }
            try await store(req).close(id, outcome: outcome, note: form.note ?? "", on: date, actor: req.actor)
            req.flash("预警已办结：\(outcome.chinese)", kind: "success")
        default:
            throw Abort(.notFound)
        }
        return req.seeOther(.monitoring)
    }

    struct ReferForm: Content {
        var township: String
        var household: String?
        var person: String?
        var department: String
        var request: String
        var date: String
    }

    /// 一门受理: any request at the township window, referred to the competent department.
    func refer(req: Request) async throws -> Response {
        let form = try req.content.decode(ReferForm.self)
        guard let township = DivisionCode(form.township), req.settings.divisions.division(township)?.level == .township else {
            throw FormError(field: "乡镇", value: form.township, reason: "请从列表选择本县的乡镇（街道）")
        }
        try req.requireInScope(township: township, field: "乡镇")
        guard let department = Department(rawValue: form.department) else { throw FormError(field: "转介部门", value: form.department, reason: "请从列表选择") }
        let household = (form.household?.trimmingCharacters(in: .whitespaces).isEmpty ?? true) ? nil : try await visibleHousehold(req, form.household)
        try await store(req).refer(householdID: household, personName: form.person, townshipCode: township.value, department: department,
                                   request: form.request, on: try CivilDate(parsing: form.date), actor: req.actor)
        req.flash("已转介\(department.chinese)，等待部门反馈", kind: "success")
        return req.seeOther(.monitoring)
    }

    struct FeedbackForm: Content { var feedback: String; var date: String }

    func feedback(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let form = try req.content.decode(FeedbackForm.self)
        try await store(req).closeReferral(id, feedback: form.feedback, on: try CivilDate(parsing: form.date), actor: req.actor)
        req.flash("已登记部门反馈，转介办结", kind: "success")
        return req.seeOther(.monitoring)
    }
}

/// The monitoring page: the loop as counts, the warnings by stage with their forms, the referrals.
enum MonitoringPage {
    static let title = "动态监测"

    struct Warning: Equatable, Sendable {
        var id: String, householdID: String, headName: String, township: String, source: String, detail: String
        var raisedOn: CivilDate, dueOn: CivilDate, stage: WarningStage, overdue: Bool, visit: String?, outcome: String?
    }

    struct Referral: Equatable, Sendable {
        var id: String, personName: String, householdID: String?, township: String, department: String, request: String
        var referredOn: CivilDate, feedbackDue: CivilDate, overdue: Bool, feedback: String?
    }

    struct Model: Equatable, Sendable {
        var loop: MonitoringLoop
        var warnings: [Warning]
        var referrals: [Referral]
        var townships: [(String, String)]
        var today: CivilDate
        var csrf: String
        var permissions: Set<Permission>

        static func == (a: Model, b: Model) -> Bool {
            a.loop == b.loop && a.warnings == b.warnings && a.referrals == b.referrals && a.townships.map(\.0) == b.townships.map(\.0)
                && a.today == b.today && a.csrf == b.csrf && a.permissions == b.permissions
        }
    }

    /// The outcomes offered: each programme with a procedure, each department, no need.
    static let outcomes: [(String, WarningOutcome)] =
        [Programme.dibao, .tekun, .temporary].map { ("assistance:\($0.rawValue)", WarningOutcome.assistance($0)) }
        + Department.allCases.map { ("referral:\($0.rawValue)", WarningOutcome.referral($0)) } + [("no-need", .noNeed)]

    static func outcome(_ token: String) -> WarningOutcome? { outcomes.first { $0.0 == token }?.1 }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        let l = m.loop
        let may = m.permissions.contains(.townshipSteps)
        return .div(
            .h1(.text(title)),
            .p(.a(.attr("href", SiteURL.complaints.path), .text("投诉举报")), .text(" · "), .a(.attr("href", SiteURL.notices.path), .text("公示"))),
            .p(.class("muted"), .text("低收入人口动态监测（国办发〔2023〕39号）：主动发现 → 动态监测 → 预警核实 → 救助帮扶 → 数据归集。预警交户籍所在乡镇核实，按政策规定的工作日内处置；需其他部门救助的，一门受理、转介办理并跟踪反馈。")),
            .table(
                .tr(.th("主动发现（监测对象）"), .th("动态监测（预警）"), .th("预警核实"), .th("救助帮扶"), .th("数据归集（办结）"), .th("逾期预警"), .th("待反馈转介"), .th("逾期转介")),
                .tr(.td(.text("\(l.registeredTotal) 户")), .td(.text("\(l.raised) 条")), .td(.text("\(l.verified) 条")), .td(.text("\(l.helped) 条")),
                    .td(.text("\(l.closed) 条")), .td(.class(l.overdue > 0 ? "warn" : ""), .text("\(l.overdue) 条")), .td(.text("\(l.openReferrals) 件")),
                    .td(.class(l.overdueReferrals > 0 ? "warn" : ""), .text("\(l.overdueReferrals) 件")))),
            .p(.text("监测对象：" + LowIncomeCategory.allCases.map { "\($0.chinese) \(l.registered[$0] ?? 0) 户" }.joined(separator: "，"))),
            .h2(.text("预警")),
            .if(m.warnings.isEmpty, .p(.text("没有预警。"))),
            .if(!m.warnings.isEmpty, .table(
                .tr(.th("家庭"), .th("乡镇"), .th("来源"), .th("情况"), .th("预警日期"), .th("办结时限"), .th("阶段"), .th("核实 / 处置")),
                .forEach(m.warnings) { w in
                    .tr(.td(.a(.attr("href", SiteURL.household(w.householdID).path), .text(w.headName))), .td(.text(w.township)),
                        .td(.text(w.source)), .td(.text(w.detail)), .td(.text(w.raisedOn.description)),
                        .td(.class(w.overdue ? "warn" : ""), .text(w.dueOn.description + (w.overdue ? "（已逾期）" : ""))),
                        .td(.text(w.stage.chinese)),
                        .td(.unwrap(w.visit) { .p(.text("核实：\($0)")) }, .unwrap(w.outcome) { .p(.text("处置：\($0)")) },
                            .if(may && w.stage == .raised, verifyForm(w, m)), .if(may && w.stage == .verified, closeForm(w, m))))
                })),
            .if(may, .details(.summary(.text("登记预警（医疗、残疾、失业、灾害等）")),
                .form(.method(.post), .attr("action", SiteURL.monitoringWarnings.path), Layout.csrf(m.csrf),
                      .label(.text("家庭编号"), .input(.type(.text), .name("household"), .required(true))),
                      .label(.text("来源"), Controls.select("source", WarningSource.allCases.map { Controls.option($0.rawValue, $0.chinese) }, required: true)),
                      .label(.text("情况"), .input(.type(.text), .name("detail"), .required(true))),
                      .label(.text("日期"), .input(.type(.date), .name("date"), .attr("value", m.today.description), .required(true))),
                      .button(.type(.submit), .text("登记预警"))))),
            .if(may, .details(.summary(.text("纳入监测（低保边缘、刚性支出困难、防返贫、其他）")),
                .form(.method(.post), .attr("action", SiteURL.monitoringRegister.path), Layout.csrf(m.csrf),
                      .label(.text("家庭编号"), .input(.type(.text), .name("household"), .required(true))),
                      .label(.text("类别"), Controls.select("category", LowIncomeCategory.registered.map { Controls.option($0.rawValue, $0.chinese) }, required: true)),
                      .label(.text("说明"), .input(.type(.text), .name("note"), .required(true))),
                      .label(.text("纳入日期"), .input(.type(.date), .name("date"), .attr("value", m.today.description), .required(true))),
                      .button(.type(.submit), .text("纳入监测"))))),
            .h2(.text("一门受理、转介办理")),
            .if(m.referrals.isEmpty, .p(.text("没有转介事项。"))),
            .if(!m.referrals.isEmpty, .table(
                .tr(.th("求助人"), .th("乡镇"), .th("转介部门"), .th("事项"), .th("转介日期"), .th("反馈时限"), .th("部门反馈")),
                .forEach(m.referrals) { r in
                    .tr(.td(r.householdID.map { .a(.attr("href", SiteURL.household($0).path), .text(r.personName)) } ?? .text(r.personName)),
                        .td(.text(r.township)), .td(.text(r.department)), .td(.text(r.request)), .td(.text(r.referredOn.description)),
                        .td(.class(r.overdue ? "warn" : ""), .text(r.feedbackDue.description + (r.overdue ? "（已逾期）" : ""))),
                        .td(.unwrap(r.feedback) { .text($0) },
                            .if(may && r.feedback == nil,
                                .form(.class("inline"), .method(.post), .attr("action", SiteURL.referralFeedback(r.id).path), Layout.csrf(m.csrf),
                                      .input(.type(.text), .name("feedback"), .placeholder("部门办理结果"), .required(true)),
                                      .input(.type(.date), .name("date"), .attr("value", m.today.description), .required(true)),
                                      .button(.class("secondary"), .type(.submit), .text("登记反馈"))))))
                })),
            .if(may, .details(.summary(.text("窗口受理求助并转介部门")),
                .form(.method(.post), .attr("action", SiteURL.referrals.path), Layout.csrf(m.csrf),
                      .label(.text("受理乡镇"), Controls.select("township", m.townships.map { Controls.option($0.0, $0.1) }, required: true)),
                      .label(.text("家庭编号（已建档的）"), .input(.type(.text), .name("household"))),
                      .label(.text("求助人姓名（未建档的）"), .input(.type(.text), .name("person"))),
                      .label(.text("转介部门"), Controls.select("department", Department.allCases.map { Controls.option($0.rawValue, $0.chinese) }, required: true)),
                      .label(.text("求助事项"), .input(.type(.text), .name("request"), .required(true))),
                      .label(.text("受理日期"), .input(.type(.date), .name("date"), .attr("value", m.today.description), .required(true))),
                      .button(.type(.submit), .text("受理并转介")))))
        )
    }

    static func verifyForm(_ w: Warning, _ m: Model) -> Node<HTML.BodyContext> {
        .form(.class("inline"), .method(.post), .attr("action", SiteURL.monitoringWarningStep(w.id, step: "verify").path), Layout.csrf(m.csrf),
              .input(.type(.date), .name("date"), .attr("value", m.today.description), .required(true)),
              .input(.type(.text), .name("investigator1"), .placeholder("核实人 1"), .required(true)),
              .input(.type(.text), .name("investigator2"), .placeholder("核实人 2"), .required(true)),
              .input(.type(.text), .name("findings"), .placeholder("入户核实情况"), .required(true)),
              .button(.class("secondary"), .type(.submit), .text("登记核实")))
    }

    static func closeForm(_ w: Warning, _ m: Model) -> Node<HTML.BodyContext> {
        .form(.class("inline"), .method(.post), .attr("action", SiteURL.monitoringWarningStep(w.id, step: "close").path), Layout.csrf(m.csrf),
              .input(.type(.date), .name("date"), .attr("value", m.today.description), .required(true)),
              Controls.select("outcome", outcomes.map { Controls.option($0.0, $0.1.chinese) }, required: true),
              .input(.type(.text), .name("note"), .placeholder("处置说明"), .required(true)),
              .button(.class("secondary"), .type(.submit), .text("办结")))
    }
}
