import Foundation
import Domain
import Persistence
import Plot
import Vapor

/// 审核确认: the list with deadlines, by programme, and the application page with every workflow action.
struct ApplicationsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.applications, use: index)
        routes.get(.application(SiteURL.P.id), use: show)
        routes.get(.applicationNotice(SiteURL.P.id), use: publicNotice)
        routes.get(.applicationRefusal(SiteURL.P.id), use: refusalNotice)
        routes.post(.applicationStep(SiteURL.P.id, step: SiteURL.P.step), use: step)
    }

    func store(_ req: Request) -> ApplicationStore {
        req.applications
    }

    func index(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let all = req.query[String.self, at: "all"] == "1"
        let today = s.today()
        let rows = try await store(req).list(in: req.scope, openOnly: !all).map { ApplicationRow.make($0, settings: s, today: today) }
        // The county's spot-check share this year, for programmes whose rules set one (特困 30 %).
        var spotChecks: [Programme: (text: String, short: Bool)] = [:]
        for p in s.programmes {
            guard let share = (try? p.rules())?.countySpotCheckShare else { continue }
            let (approved, visited) = try await store(req).countyVisits(programme: p, in: req.scope, year: today.year)
            let percent = approved == 0 ? "—" : String(format: "%.1f%%", Double(visited) * 100 / Double(approved))
            let short = approved > 0 && Int64(visited) * share.denominator < Int64(approved) * share.numerator
            spotChecks[p] = ("\(today.year) 年县级确认 \(approved) 件，县级入户抽查 \(visited) 件（\(percent)），应不低于 \(share.numerator * 100 / share.denominator)%"
                + (short ? "：抽查不足，请在县级审核确认前登记县级入户核查" : ""), short)
        }
        // Periodic reviews due (定期核查) of the household programmes, overdue first.
        var reviews: [(programme: Programme, rows: [EnrollmentStore.ReviewDue])] = []
        for p in s.programmes where (try? p.rules()).map({ $0.recipient == .household && $0.cadence == .monthly }) == true {
            reviews.append((p, try await EnrollmentStore(req.db).reviewsDue(programme: p, in: req.scope, asOf: today)))
        }
        // Terminations in progress, with the person and what comes next.
        var terminations: [(path: String, text: String)] = []
        for t in try await TerminationStore(req.db).open(in: req.scope) {
            terminations.append((SiteURL.termination(t.id).path,
                                 "\(t.termination.proposedOn) \(t.programme.shortChinese) \(t.personName)（\(s.townshipName(t.townshipCode))）："
                                 + "\(t.termination.ground.chinese)，\(t.termination.state.chinese)"))
        }
        let body: Node<HTML.BodyContext> = .div(
            .h1("审核确认"),
            .p(.text("受理申请请在 "), .a(.attr("href", SiteURL.households.path), .text("家庭档案")), .text(" 中打开该户后操作。 "),
               all ? .a(.attr("href", SiteURL.applications.path), .text("只看未办结"))
                   : .a(.attr("href", SiteURL.applications.with(["all": "1"])), .text("显示全部")),
               .text(" "), .a(.attr("href", SiteURL.notices.path), .text("打印村（社区）公示"))),
            // The county's programmes, and any other that has applications on file (nothing is hidden).
            // 临时救助 has its own procedure and page (one-off grants are not 审核确认 applications).
            .forEach(s.programmes.filter { (try? $0.rules())?.cadence == .monthly }
                     + Programme.allCases.filter { p in !s.programmes.contains(p) && rows.contains { $0.programme == p } }) { programme in
                let own = rows.filter { $0.programme == programme }
                return .group(
                    .h2("\(programme.shortChinese)审核确认"),
                    .unwrap(spotChecks[programme]) { .p(.class($0.short ? "flash error" : "muted"), .text($0.text)) },
                    .if(own.isEmpty, .p(.class("muted"), .text("没有申请。")),
                        else: ApplicationRow.table(own)))
            },
            .forEach(reviews) { r in
                let overdue = r.rows.filter { $0.due.date < today }
                return .group(
                    .h2("\(r.programme.shortChinese)定期复核"),
                    .p(.class(overdue.isEmpty ? "muted" : "flash error"),
                       .text("已逾期 \(overdue.count) 户，30 天内到期 \(r.rows.count - overdue.count) 户（每年复核；有劳动能力成员的家庭每半年；成员死亡后 3 个月内）。复核请在家庭档案中办理。")),
                    .if(!r.rows.isEmpty, .table(
                        .tr(.th("户主"), .th("乡镇"), .th("上次核定"), .th("复核期限"), .th("依据")),
                        .forEach(r.rows.prefix(100)) { row in
                            .tr(.td(.a(.attr("href", SiteURL.household(row.householdID).path), .text(row.headName))),
                                .td(.text(s.townshipName(row.townshipCode))), .td(.text(row.lastDecided.description)),
                                .td(row.due.date < today ? Layout.badge("\(row.due.date)（已逾期）", "bad") : .text(row.due.date.description)),
                                .td(.text("\(row.due.reason)，\(row.due.source)")))
                        })),
                    .if(r.rows.count > 100, .p(.class("muted"), .text("仅列出最早到期的 100 户，共 \(r.rows.count) 户。"))))
            },
            .h2("终止供养（办理中）"),
            .if(terminations.isEmpty, .p(.class("muted"), .text("没有办理中的终止程序。"))),
            .ul(.forEach(terminations) { t in .li(.a(.attr("href", t.path), .text(t.text))) })
        )
        return HTMLPage(html: Layout.page(title: "审核确认", request: req, active: .applications, body: body))
    }

    func show(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let id = try req.parameters.require("id")
        let stored = try await store(req).application(id)
        let events = try await store(req).events(of: id)
        let household = try await RegistryStore(req.db).household(stored.householdID)
        let a = stored.application
        let today = s.today()
        let policy = try await PolicyStore(req.db).policy(region: stored.countyCode, month: a.acceptedOn.yearMonth)
        let next = ApplicationWorkflow.nextSteps(for: a)
        // The record stays readable even for a programme without rules; only its steps are refused.
        let rules = try? stored.programme.rules()
        var applicant: String?
        if let mid = stored.memberID {
            let rid = try await RegistryStore(req.db).residentID(ofMember: mid)
            applicant = household?.composition.members.first { $0.residentID == rid }?.name
        }
        let body: Node<HTML.BodyContext> = .div(
            .h1("\(stored.programme.shortChinese)申请：\(applicant.map { "\($0)（\(household?.head.name ?? "")户）" } ?? "\(household?.head.name ?? "")户")"),
            .dl(.class("facts"),
                .dt("状态"), .dd(.text(a.state.chinese)),
                .dt("受理日期"), .dd(.text(a.acceptedOn.description)),
                .dt("当前环节期限"), .dd(stepNode(rules?.stepDeadline(a, policy: policy, calendar: s.calendar), today: today)),
                .dt("办结期限"), .dd(.text("\(stored.deadline?.description ?? "待定")（\(rules?.procedureLimitText(extended: a.extensionReason != nil, policy: policy) ?? "—")）"),
                                   .text(" "), ApplicationRow.badge(ApplicationRow.left(a.state, stored.deadline,
                                   bound: rules.flatMap { r in (try? a.deadline(rules: r, policy: policy, calendar: s.calendar.bounding)) ?? nil },
                                   settings: s, today: today))),
                .dt("家庭"), .dd(.a(.attr("href", SiteURL.household(stored.householdID).path), .text("查看家庭档案"))),
                .dt("近亲属备案"), .dd(.text(a.closeRelative ? "是（须县级入户核查）" : "否")),
                .dt("公示"), .dd(.text(a.withoutPublicNotice == true ? "不公示（保护儿童隐私）"
                    : a.noticeStart.map { "\($0) 起 7 天，至 \(a.noticeEnd(policy: policy)!)" } ?? "未开始")),
                .dt("延期理由"), .dd(.text(a.extensionReason ?? "—")),
                .dt("决定"), .dd(.text(a.approvedBenefit.map { "确认纳入，月保障金 \($0.groupedYuanString) 元，自 \(a.firstPaidMonth!) 起发放" }
                    ?? a.refusalReason.map { "不予纳入：\($0)；书面告知期限 \(a.refusalNoticeDue?.description ?? "")" } ?? "—"))),
            .p(.if(a.noticeStart != nil && ![.townshipReview, .accepted, .investigating].contains(a.state), .a(.attr("href", SiteURL.applicationNotice(id).path), .text("打印公示（张贴于村（社区）公示栏）"))),
               .if(a.state == .refused, .a(.attr("href", SiteURL.applicationRefusal(id).path), .text("打印不予纳入通知书")))),
            .if(!next.isEmpty, .h2("办理")),
            .forEach(next) { stepForm($0, id: id, programme: stored.programme, req: req, today: today) },
            .if(a.state.isOpen && rules?.allowsRecordedExtension == true && !policy.confirmationDelegatedToTownship && a.extensionReason == nil,
                stepForm("extendDeadline", id: id, programme: stored.programme, req: req, today: today)),
            .h2("办理时限"),
            // The record stays readable even for a programme without rules; only its steps are refused.
            .unwrap(try? stored.programme.rules(), { rules in
                .ul(.forEach(rules.deadlines(policy: policy)) { d in .li(.text("\(d.step)：\(d.limit.chinese)（\(d.source)）")) })
            }, else: .p(.class("muted"), .text(ProgrammeError.notImplemented(stored.programme).message))),
            .h2("办理记录"),
            .table(.tr(.th("#"), .th("办理日期"), .th("操作"), .th("内容"), .th("经办人"), .th("录入时间（北京时间）")),
                   .forEach(events) { e in
                       .tr(.td(.text("\(e.seq)")), .td(.text(e.event.date?.description ?? "—")),
                           .td(.text(e.event.chinese)), .td(.text(e.event.detail)), .td(.text(e.actor)),
                           .td(.text(Self.beijingTime(e.recordedAt))))
                   })
        )
        return HTMLPage(html: Layout.page(title: "\(stored.programme.shortChinese)申请", request: req, active: .applications, body: body))
    }

    /// 公示 of one application for the village notice board: only the applicant's name, the number of
    /// household members and the proposed amount (DB-2021 Art. 24; no ID number, address or income), the
    /// period, the last day for objections and the hotline. The village's sheet of every application in its
    /// notice period is on 公示 (`NoticesController`).
    func publicNotice(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let id = try req.parameters.require("id")
        let stored = try await store(req).application(id)
        // After an objection is resolved the old notice is stale until the township issues a new one.
        guard let l = try await NoticeStore(req.db).line(of: stored),
              let household = try await RegistryStore(req.db).household(l.householdID) else {
            throw WorkflowError.outOfOrder(event: "打印公示", state: stored.application.state)
        }
        let notice = try VillageNotice(kind: .review(start: l.start, end: l.end), programme: stored.programme, rules: try stored.programme.rules(),
                                       township: s.townshipName(household.townshipCode.value), village: s.townshipName(household.villageCode.value),
                                       lines: [l.line], hotline: s.hotline)
        return HTMLPage(html: Layout.page(title: "公示", request: req, active: .applications, body: NoticeSheet.view(notice, date: l.start)))
    }

    /// 不予纳入通知书: the written refusal with reasons and the appeal routes (DB-2021 Arts. 21, 38).
    func refusalNotice(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let id = try req.parameters.require("id")
        let stored = try await store(req).application(id)
        let a = stored.application
        guard a.state == .refused, let decided = a.decidedOn, let reason = a.refusalReason,
              let household = try await RegistryStore(req.db).household(stored.householdID) else {
            throw WorkflowError.outOfOrder(event: "打印不予纳入通知书", state: a.state)
        }
        let cite = try stored.programme.rules().noticeCitations
        let name = stored.programme.chinese
        let body: Node<HTML.BodyContext> = .div(.class("notice"),
            .h1("\(name)不予纳入通知书"),
            .p(.text("\(household.head.name)：")),
            .p(.text("你户于 \(a.acceptedOn) 提出的\(name)申请，经调查核实和审核，于 \(decided) 决定不予纳入。理由如下：")),
            .p(.strong(.text(reason))),
            .p(.text("如对本决定不服，可以自收到本通知书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼（\(cite.appeal)）。")),
            .p(.text("咨询及投诉举报电话：\(s.hotline)；社会救助服务热线：12349。")),
            .p(.class("muted"), .text("本通知书应于 \(a.refusalNoticeDue?.description ?? "") 前书面送达（\(cite.refusalNotice)）。")),
            .p(.class("sign"), .text("\(s.divisions.county.name)民政局　\(decided)"))
        )
        return HTMLPage(html: Layout.page(title: "不予纳入通知书", request: req, active: .applications, body: body))
    }

    static func beijingTime(_ date: Date) -> String { ChinaClock.beijingTime(date) }

    /// One form per next step; field names match `step(req:)`.
    /// `启动家庭经济状况调查：2021-07-06（民发〔2021〕57号 第15条）`, red when overdue.
    func stepNode(_ d: StepDeadline?, today: CivilDate) -> Node<HTML.BodyContext> {
        guard let d else { return .text("—") }
        let date = d.due?.description ?? "待定（节假日日历未覆盖，最迟 \(d.bound?.description ?? "—")）"
        let text = "\(d.step)：\(date)（\(d.source)）"
        return d.overdue(today: today) ? Layout.badge(text + " 已超期", "bad") : .text(text)
    }

    func stepForm(_ step: String, id: String, programme: Programme, req: Request, today: CivilDate) -> Node<HTML.BodyContext> {
        let dateField: Node<HTML.FormContext> = .label(.text("日期 "), .input(.type(.date), .name("date"), .attr("value", today.description), .required(true)))
        let investigators: Node<HTML.FormContext> = .group(
            .label(.text("调查人员 1 "), .input(.type(.text), .name("investigator1"), .required(true))),
            .label(.text("调查人员 2 "), .input(.type(.text), .name("investigator2"), .required(true))))
        // Each step cites its own programme's rule (低保 DB-2021, 特困 TK-2021).
        let citations = (try? programme.rules())?.noticeCitations.steps ?? [:]
        func cite(_ step: String) -> String { citations[step].map { "（\($0)）" } ?? "" }
        // A step the user's role may not record is not offered (`AccessMiddleware` would refuse it).
        func form(_ title: String, _ fields: Node<HTML.FormContext>, button: String, danger: Bool = false) -> Node<HTML.BodyContext> {
            guard req.allows(.applicationStep(id, step: step), step: step) else { return .empty }
            return .form(.class("stack"), .method(.post), .attr("action", SiteURL.applicationStep(id, step: step).path), Layout.csrf(req),
                  .strong(.text(title)), fields,
                  .button(.class(danger ? "danger" : ""), .type(.submit), .text(button)))
        }
        switch step {
        case "recordInformationCheck":
            return form("信息核对" + cite("recordInformationCheck"), .group(dateField,
                .label(.text("核对结果 "), Controls.textarea("text"))), button: "登记核对结果")
        case "recordHomeVisit":
            return form("入户调查" + cite("recordHomeVisit"), .group(dateField, investigators,
                .label(.text("调查情况 "), Controls.textarea("text"))), button: "登记入户调查")
        case "completeInvestigation":
            return form("完成调查核实，转入乡镇初审", dateField, button: "完成调查")
        case "townshipReview":
            // Children's allowances are not published (民发〔2019〕62号 二(二)): the opinion goes to the county.
            let noNotice = (try? programme.rules())?.hasPublicNotice == false
            return form((noNotice ? "乡镇审核意见，报县级审核确认（不公示）" : "乡镇初审意见，并在村（社区）公示") + cite("townshipReview"), .group(dateField,
                .label(.text("是否拟纳入 "), Controls.select("recommend", [Controls.option("yes", "拟纳入"), Controls.option("no", "拟不纳入")])),
                .label(.text("初审意见 "), Controls.textarea("text"))), button: noNotice ? "提交审核意见，报县级" : "提交初审并开始公示")
        case "raiseObjection":
            return form("公示期间有异议", .group(dateField, .label(.text("异议内容 "), Controls.textarea("text"))),
                        button: "登记异议")
        case "resolveObjection":
            return form("处理异议：重新调查或民主评议" + cite("resolveObjection"), .group(dateField,
                .label(.text("方式 "), Controls.select("by", [Controls.option("reinvestigation", "重新调查"),
                                                    Controls.option("villageDeliberation", "民主评议")])),
                .label(.text("处理结果 "), Controls.textarea("text"))), button: "登记处理结果")
        case "closePublicNotice":
            return form("公示期满无异议，报县级审核确认", dateField, button: "报县级审核")
        case "recordCountyHomeVisit":
            return form("县级入户核查" + cite("recordCountyHomeVisit"), .group(dateField, investigators,
                .label(.text("核查情况 "), Controls.textarea("text"))), button: "登记县级核查")
        case "approve":
            return form("县级确认纳入（金额由系统按政策和登记信息计算，自次月发放）", dateField, button: "确认纳入")
        case "refuse":
            return form("不予纳入" + cite("refuse"), .group(dateField,
                .label(.text("理由 "), Controls.textarea("text"))), button: "不予纳入", danger: true)
        case "deliverRefusalNotice":
            return form("不予纳入通知书已书面送达申请人" + cite("refuse"), dateField, button: "登记送达")
        case "extendDeadline":
            return form("特殊情况延长至 45 个工作日（第22条）",
                        .label(.text("理由 "), .input(.type(.text), .name("text"), .required(true),
                                                   .placeholder("如：人户分离、异地申办、调查难度大"))),
                        button: "延长期限")
        default:
            return .empty
        }
    }

    struct StepForm: Content {
        var date: String?
        var text: String?
        var investigator1: String?
        var investigator2: String?
        var recommend: String?
        var by: String?
    }

    func step(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let step = try req.parameters.require("step")
        let f = try req.content.decode(StepForm.self)
        func date() throws -> CivilDate {
            guard let d = f.date, !d.isEmpty else { throw FormError(field: "日期", value: "", reason: "必填") }
            return try CivilDate(parsing: d)
        }
        let text = f.text ?? ""
        func visit() throws -> HomeVisit {
            HomeVisit(date: try date(), investigators: [f.investigator1 ?? "", f.investigator2 ?? ""], findings: text)
        }
        let event: ApplicationEvent
        switch step {
        case "recordInformationCheck": event = .recordInformationCheck(on: try date(), summary: text)
        case "recordHomeVisit": event = .recordHomeVisit(try visit())
        case "completeInvestigation": event = .completeInvestigation(on: try date())
        case "townshipReview":
            // Only the form's two values: a typo or a missing field is never read as "include".
            guard let r = f.recommend, r == "yes" || r == "no" else {
                throw FormError(field: "是否拟纳入 recommend", value: f.recommend ?? "", reason: "应为 yes（拟纳入）或 no（拟不纳入）")
            }
            event = .townshipReview(on: try date(), recommend: r == "yes", opinion: text)
        case "raiseObjection": event = .raiseObjection(on: try date(), note: text)
        case "resolveObjection":
            event = .resolveObjection(on: try date(), by: f.by == "villageDeliberation" ? .villageDeliberation : .reinvestigation,
                                      note: text)
        case "closePublicNotice": event = .closePublicNotice(on: try date())
        case "recordCountyHomeVisit": event = .recordCountyHomeVisit(try visit())
        case "refuse": event = .refuse(on: try date(), reason: text)
        case "deliverRefusalNotice": event = .deliverRefusalNotice(on: try date())
        case "extendDeadline": event = .extendDeadline(reason: text)
        case "approve":
            let d = try await store(req).approve(id, on: try date(), actor: req.actor)
            var note = ""
            // Every batch of the programme from the first month on, not only the first: drafts to regenerate,
            // approved or exported months that did not list the recipient (owed), or listed it at another amount.
            let stored = try await store(req).application(id)
            let payments = try await req.payroll.payments(ofHousehold: stored.householdID)
                .filter { $0.programme == d.programme && $0.memberID == stored.memberID }
            var drafts: [YearMonth] = [], missing: [YearMonth] = [], other: [String] = []
            for batch in try await req.payroll.batches(countyCode: req.settings.countyCode)
            where batch.programme == d.programme && batch.month >= d.month {
                let paid = payments.first { $0.month == batch.month }
                switch (batch.state, paid) {
                case (.draft, _): drafts.append(batch.month)
                case let (_, p?) where p.amount != d.monthlyBenefit: other.append("\(batch.month) 按原决定 \(p.amount.groupedYuanString) 元")
                case (_, nil): missing.append(batch.month)
                default: break
                }
            }
            func months(_ m: [YearMonth]) -> String { m.sorted().map(\.description).joined(separator: "、") }
            if !drafts.isEmpty { note += "。注意：\(months(drafts)) 的发放批次草稿已生成，请作废后重新生成以按本决定发放" }
            if !missing.isEmpty { note += "。注意：\(months(missing)) 的发放批次已审核或导出，本户（人）未列入，须另行补发" }
            if !other.isEmpty { note += "。注意：已审核或导出的批次中 \(other.joined(separator: "，"))，与本决定不同的差额须另行处理" }
            req.flash("已确认纳入：保障 \(d.householdSize) 人，月保障金 \(d.monthlyBenefit.groupedYuanString) 元，自 \(d.month) 起发放\(note)",
                      kind: note.isEmpty ? "success" : "error")
            return req.seeOther(.application(id))
        default: throw Abort(.notFound)
        }
        let after = try await store(req).record(event, on: id, actor: req.actor)
        req.flash(after.withoutPublicNotice == true && after.state == .countyReview && after.noticeStart == nil
                  ? "已办理：乡镇审核意见已报县级审核确认（不公示）" : "已办理：\(event.chinese)", kind: "success")
        return req.seeOther(.application(id))
    }
}
