import Domain
import Foundation
import Persistence
import Plot
import Vapor

/// 投诉举报 (DB-2021 Arts. 36–37): intake by phone, letter, visit or web; investigation; the answer owed to a
/// real-name reporter; closure. A complaint about an application under review makes the county visit required.
struct ComplaintsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.complaints, use: page)
        routes.post(.complaints, use: receive)
        routes.post(.complaintStep(SiteURL.P.id, step: SiteURL.P.step), use: step)
    }

    func store(_ req: Request) -> ComplaintStore { ComplaintStore(req.db, today: req.settings.today) }

    func page(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let scope = req.scope
        let model = ComplaintsPage.Model(
            complaints: try await store(req).complaints(in: scope).map { c in
                ComplaintsPage.Row(id: c.id, complaint: c.complaint, township: s.townshipName(c.complaint.townshipCode),
                                   overdue: c.complaint.isOverdue(on: s.today()))
            },
            townships: s.divisions.townships.filter { scope.contains(township: $0.code) }.map { ($0.code.value, $0.name) },
            hotline: s.hotline, today: s.today(), csrf: req.csrfToken, permissions: req.staff?.role.permissions ?? [])
        return HTMLPage(html: Layout.page(title: ComplaintsPage.title, request: req, active: .monitoring, body: ComplaintsPage.view(model)))
    }

    struct ReceiveForm: Content {
        var channel: String
        var date: String
        var township: String
        var household: String?
        var application: String?
        var reporterName: String?
        var reporterContact: String?
        var content: String
    }

    func receive(req: Request) async throws -> Response {
        let form = try req.content.decode(ReceiveForm.self)
        guard let channel = ComplaintChannel(rawValue: form.channel) else { throw FormError(field: "渠道", value: form.channel, reason: "请从列表选择") }
        guard let township = DivisionCode(form.township), req.settings.divisions.division(township)?.level == .township else {
            throw FormError(field: "乡镇", value: form.township, reason: "请从列表选择本县的乡镇（街道）")
        }
        try req.requireInScope(township: township, field: "乡镇")
        func trimmed(_ v: String?) -> String? { v.map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 } }
        let household = trimmed(form.household), application = trimmed(form.application)
        // A linked record must be one the user may see.
        if let household, !(try await AccessStore(req.db).place(of: .household, id: household)?.isVisible(in: req.scope) ?? false) {
            throw StoreError.notFound(what: "家庭", id: household)
        }
        if let application, !(try await AccessStore(req.db).place(of: .application, id: application)?.isVisible(in: req.scope) ?? false) {
            throw StoreError.notFound(what: "申请", id: application)
        }
        let name = trimmed(form.reporterName), contact = trimmed(form.reporterContact)
        let reporter = (name == nil && contact == nil) ? nil : Reporter(name: name ?? "", contact: contact ?? "")
        try await store(req).receive(channel: channel, on: try CivilDate(parsing: form.date), reporter: reporter, content: form.content,
                                     townshipCode: township.value, householdID: household, applicationID: application, actor: req.actor)
        req.flash(application == nil ? "已登记投诉举报" : "已登记投诉举报；该申请须县级入户核查后才能确认", kind: "success")
        return req.seeOther(.complaints)
    }

    struct StepForm: Content { var date: String; var text: String; var finding: String? }

    func step(req: Request) async throws -> Response {
        let id = try req.parameters.require("id"), step = try req.parameters.require("step")
        let form = try req.content.decode(StepForm.self)
        let date = try CivilDate(parsing: form.date)
        switch step {
        case "investigate":
            guard let finding = ComplaintFinding(rawValue: form.finding ?? "") else { throw FormError(field: "调查结论", value: form.finding ?? "", reason: "请从列表选择") }
            try await store(req).investigate(id, text: form.text, finding: finding, on: date, actor: req.actor)
        case "answer": try await store(req).answer(id, text: form.text, on: date, actor: req.actor)
        case "close": try await store(req).close(id, outcome: form.text, on: date, actor: req.actor)
        default: throw Abort(.notFound)
        }
        req.flash("已登记", kind: "success")
        return req.seeOther(.complaints)
    }
}

enum ComplaintsPage {
    static let title = "投诉举报"

    struct Row: Equatable, Sendable {
        var id: String
        var complaint: Complaint
        var township: String
        var overdue: Bool
    }

    struct Model: Equatable, Sendable {
        var complaints: [Row]
        var townships: [(String, String)]
        var hotline: String
        var today: CivilDate
        var csrf: String
        var permissions: Set<Permission>

        static func == (a: Model, b: Model) -> Bool {
            a.complaints == b.complaints && a.townships.map(\.0) == b.townships.map(\.0) && a.hotline == b.hotline && a.today == b.today
                && a.csrf == b.csrf && a.permissions == b.permissions
        }
    }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        let may = m.permissions.contains(.townshipSteps)
        return .div(
            .h1(.text(title)),
            .p(.class("muted"), .text("投诉举报电话 \(m.hotline)、社会救助服务热线 12349（民发〔2021〕57号 第36条）。实名举报的，核查后须向举报人反馈结果（第37条）；举报人信息加密保存，只向经办人员显示。审核期间的投诉举报，县级须入户核查后才能确认（第20条）。")),
            .if(m.complaints.isEmpty, .p(.text("没有投诉举报。"))),
            .if(!m.complaints.isEmpty, .table(
                .tr(.th("受理日期"), .th("渠道"), .th("乡镇"), .th("举报人"), .th("内容"), .th("办结时限"), .th("阶段"), .th("办理")),
                .forEach(m.complaints) { r in
                    let c = r.complaint
                    return .tr(.td(.text(c.receivedOn.description)), .td(.text(c.channel.chinese)), .td(.text(r.township)),
                        .td(.text(c.reporter.map { may ? "实名：\($0.name)（\($0.contact)）" : "实名" } ?? "匿名")),
                        .td(.text(c.content), .unwrap(c.householdID) { .p(.a(.attr("href", SiteURL.household($0).path), .text("相关家庭"))) },
                            .unwrap(c.applicationID) { .p(.a(.attr("href", SiteURL.application($0).path), .text("相关申请"))) }),
                        .td(.class(r.overdue ? "warn" : ""), .text(c.dueOn.description + (r.overdue ? "（已逾期）" : ""))),
                        .td(.text(c.stage.chinese)),
                        .td(.unwrap(c.investigation) { .p(.text("调查（\(c.investigatedOn?.description ?? "")，\(c.finding?.chinese ?? "")）：\($0)")) },
                            .unwrap(c.reply) { .p(.text("已反馈举报人（\(c.repliedOn?.description ?? "")）：\($0)")) },
                            .unwrap(c.outcome) { .p(.text("处理结果（\(c.closedOn?.description ?? "")）：\($0)")) },
                            .if(may && c.stage == .received, stepForm(r.id, "investigate", "调查情况", m, findings: true)),
                            .if(may && c.stage == .investigated && c.reporter != nil && c.repliedOn == nil, stepForm(r.id, "answer", "反馈举报人的内容", m)),
                            .if(may && c.stage == .investigated && (c.reporter == nil || c.repliedOn != nil), stepForm(r.id, "close", "处理结果", m))))
                })),
            .if(may, .details(.summary(.text("登记投诉举报")),
                .form(.method(.post), .attr("action", SiteURL.complaints.path), Layout.csrf(m.csrf),
                      .label(.text("渠道"), Controls.select("channel", ComplaintChannel.allCases.map { Controls.option($0.rawValue, $0.chinese) }, required: true)),
                      .label(.text("受理日期"), .input(.type(.date), .name("date"), .attr("value", m.today.description), .required(true))),
                      .label(.text("交办乡镇"), Controls.select("township", m.townships.map { Controls.option($0.0, $0.1) }, required: true)),
                      .label(.text("相关家庭编号（可选）"), .input(.type(.text), .name("household"))),
                      .label(.text("相关申请编号（可选；审核期间的投诉须县级入户核查）"), .input(.type(.text), .name("application"))),
                      .label(.text("举报人姓名（匿名可不填）"), .input(.type(.text), .name("reporterName"))),
                      .label(.text("举报人联系方式"), .input(.type(.text), .name("reporterContact"))),
                      .label(.text("内容"), .input(.type(.text), .name("content"), .required(true))),
                      .button(.type(.submit), .text("登记")))))
        )
    }

    static func stepForm(_ id: String, _ step: String, _ placeholder: String, _ m: Model, findings: Bool = false) -> Node<HTML.BodyContext> {
        .form(.class("inline"), .method(.post), .attr("action", SiteURL.complaintStep(id, step: step).path), Layout.csrf(m.csrf),
              .input(.type(.date), .name("date"), .attr("value", m.today.description), .required(true)),
              .if(findings, Controls.select("finding", ComplaintFinding.allCases.map { Controls.option($0.rawValue, $0.chinese) }, required: true)),
              .input(.type(.text), .name("text"), .placeholder(placeholder), .required(true)),
              .button(.class("secondary"), .type(.submit), .text("登记")))
    }
}
