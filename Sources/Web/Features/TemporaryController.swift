import Domain
import Foundation
import Persistence
import Plot
import Vapor

/// 临时救助: the case list and reserve funds, intake (from the household page or for a person with no
/// registered household), the case page and its steps.
struct TemporaryController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.temporaryCases, use: index)
        routes.post(.newTemporaryCase, use: open)
        routes.post(.householdTemporaryCases(SiteURL.P.id), use: openForHousehold)
        routes.get(.temporaryCase(SiteURL.P.id), use: show)
        routes.post(.temporaryCaseStep(SiteURL.P.id, step: SiteURL.P.step), use: step)
        routes.post(.reserveFundAllotments, use: allot)
    }

    func store(_ req: Request) -> TemporaryCaseStore {
        TemporaryCaseStore(req.db, calendar: req.settings.calendar, divisions: req.settings.divisions, today: req.settings.today)
    }

    func index(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let all = req.query[String.self, at: "all"] == "1"
        let today = s.today()
        let rows = try await store(req).list(in: req.scope, openOnly: !all)
            .map { TemporaryIndex.row($0, townshipName: s.townshipName($0.townshipCode), today: today) }
        let reserves = try await ReserveFundStore(req.db).balances(in: req.scope).map {
            TemporaryIndex.Reserve(township: s.townshipName($0.townshipCode), allotted: $0.allotted, paid: $0.paid, balance: $0.balance)
        }
        var notConfigured: String?
        do {
            let policy = try await PolicyStore(req.db).policy(region: s.countyCode, month: today.yearMonth)
            if policy.temporary == nil {
                notConfigured = PolicyError.programmeNotConfigured(programme: Programme.temporary.rawValue, version: policy.version).message
            }
        } catch let e as PolicyError { notConfigured = e.message }
        let m = TemporaryIndex.Model(rows: rows, all: all, reserves: reserves,
                                     townships: s.divisions.townships.filter { req.scope.contains(township: $0.code) }.map { ($0.code.value, $0.name) }, today: today,
                                     csrf: req.csrfToken, notConfigured: notConfigured)
        return HTMLPage(html: Layout.page(title: "临时救助", request: req, active: .temporary, body: TemporaryIndex.view(m)))
    }

    struct IntakeForm: Content {
        var acceptedOn: String
        var type: String
        var cause: String?
        var months: String?
        var amount: String?
        var name: String?
        var residentID: String?
        var hukouPlace: String?
        var township: String?
        var area: String?
    }

    /// The type and the grant asked for: months of the base, or an amount, exactly one.
    func request(_ f: IntakeForm) throws -> (CivilDate, TemporaryType, TemporaryRequest.Size) {
        let date = try FormField.date("受理日期", f.acceptedOn)
        guard let type = TemporaryType(rawValue: f.type) else {
            throw FormError(field: "类型", value: f.type, reason: "应为 " + TemporaryType.allCases.map(\.rawValue).joined(separator: "、"))
        }
        let months = f.months?.trimmingCharacters(in: .whitespaces) ?? "", amount = f.amount?.trimmingCharacters(in: .whitespaces) ?? ""
        switch (months.isEmpty, amount.isEmpty) {
        case (false, true):
            guard let r = Ratio(decimal: months), r.numerator > 0 else {
                throw FormError(field: "申请月数", value: months, reason: "应为大于 0 的数，如 2 或 2.5")
            }
            return (date, type, .months(r))
        case (true, false):
            guard let m = try? Money(yuan: amount), m > .zero else {
                throw FormError(field: "申请金额", value: amount, reason: "应为大于 0 的金额（元，最多两位小数）")
            }
            return (date, type, .amount(m))
        default:
            throw FormError(field: "申请救助", value: "月数“\(months)”，金额“\(amount)”", reason: "请填写月数或金额之一（只填一项）")
        }
    }

    func open(req: Request) async throws -> Response {
        let f = try req.content.decode(IntakeForm.self)
        let (date, type, size) = try request(f)
        let rid = try FormField.residentID("身份证号", f.residentID ?? "")
        guard let township = DivisionCode(f.township ?? "") else { throw FormError(field: "乡镇", value: f.township ?? "", reason: "请从列表选择") }
        try req.requireInScope(township: township, field: "乡镇")
        guard let area = Area(rawValue: f.area ?? "") else { throw FormError(field: "城乡", value: f.area ?? "", reason: "应为 urban 或 rural") }
        let id = try await store(req).open(.person(name: f.name ?? "", residentID: rid, hukouPlace: f.hukouPlace ?? "",
                                                   township: township, area: area),
                                           type: type, cause: f.cause ?? "", size: size, acceptedOn: date, actor: req.actor)
        req.flash("已受理临时救助申请", kind: "success")
        return req.seeOther(.temporaryCase(id))
    }

    func openForHousehold(req: Request) async throws -> Response {
        let hid = try req.parameters.require("id")
        let f = try req.content.decode(IntakeForm.self)
        let (date, type, size) = try request(f)
        let id = try await store(req).open(.household(id: hid), type: type, cause: f.cause ?? "", size: size, acceptedOn: date,
                                           actor: req.actor)
        req.flash("已受理临时救助申请", kind: "success")
        return req.seeOther(.temporaryCase(id))
    }

    func show(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let id = try req.parameters.require("id")
        let c = try await store(req).temporaryCase(id)
        let today = s.today()
        var preview: String?
        // Only the steps this user may record (a refusal at the county's stage is the county's).
        var steps = TemporaryWorkflow.nextSteps(for: c.temporaryCase).filter {
            req.allows(.temporaryCaseStep(id, step: $0), step: $0) && (try? Self.stateGuard($0, c, req)) != nil
        }
        if c.temporaryCase.state == .accepted || c.temporaryCase.state == .countyReview {
            do {
                let d = try await store(req).assess(id, on: today)
                // 先行救助 only within the township's limit: the form is not offered above it.
                if d.oneOff?.approver != .township || !d.eligible { steps.removeAll { $0 == "assistFirst" } }
                if d.eligible, let g = d.oneOff {
                    preview = "\(g.amount.groupedYuanString) 元，由\(g.approver.chinese)审批（范围 \(g.minimum.groupedYuanString)–\(g.maximum.groupedYuanString) 元）"
                        + (g.flags.contains("CAPPED") ? "；已按年度累计上限封顶" : "")
                } else {
                    preview = "不能救助：" + d.reasons.map(\.chinese).joined(separator: "；")
                }
            } catch let e as AssessmentError { preview = e.message }
            catch let e as PolicyError { preview = e.message }
        }
        let events = try await store(req).events(of: id).map { "\($0.event.date) \($0.event.chinese)：\($0.event.detail)（\($0.actor)）" }
        let m = TemporaryCasePage.Model(
            id: id, row: TemporaryIndex.row(c, townshipName: s.townshipName(c.townshipCode), today: today), householdID: c.householdID,
            hukouPlace: c.hukouPlace, maskedID: c.applicantResidentID.masked, temporaryCase: c.temporaryCase, deadline: c.deadline,
            policyVersion: c.policyVersion, trace: c.trace, events: events, nextSteps: steps,
            preview: preview, today: today, csrf: req.csrfToken)
        return HTMLPage(html: Layout.page(title: "临时救助", request: req, active: .temporary, body: TemporaryCasePage.view(m)))
    }

    struct StepForm: Content {
        var date: String?
        var text: String?
        var investigators: String?
        var payment: String?
    }

    /// A refusal while the case waits for the county is the county's decision, not the township's
    /// (the access layer grants `refuse` to township leaders for the township's stage).
    static func stateGuard(_ step: String, _ c: StoredTemporaryCase, _ req: Request) throws {
        if step == "refuse", c.temporaryCase.state == .countyReview, req.staff?.may(.countySteps) != true {
            throw Abort(.forbidden, reason: "本案已报县级审批：不予救助须由县级决定")
        }
    }

    func step(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let step = try req.parameters.require("step")
        try Self.stateGuard(step, try await store(req).temporaryCase(id), req)
        let f = try req.content.decode(StepForm.self)
        let date = try FormField.requiredDate("日期", f.date)
        let note = f.text ?? ""
        let store = store(req)
        let c: StoredTemporaryCase
        switch step {
        case "assistFirst":
            c = try await store.assistFirst(id, on: date, actor: req.actor)
        case "recordInvestigation":
            let names = (f.investigators ?? "").split(whereSeparator: { "、,，;； ".contains($0) }).map(String.init)
            c = try await store.recordInvestigation(id, HomeVisit(date: date, investigators: names, findings: note), actor: req.actor)
        case "townshipDecision":
            let raw = f.payment ?? TemporaryPayment.reserveFund.rawValue
            guard let payment = TemporaryPayment(rawValue: raw) else {
                throw FormError(field: "发放方式", value: raw, reason: "应为 " + TemporaryPayment.allCases.map(\.rawValue).joined(separator: "、"))
            }
            c = try await store.townshipDecision(id, on: date, opinion: note, payment: payment, actor: req.actor)
        case "countyApprove":
            c = try await store.countyApprove(id, on: date, opinion: note, actor: req.actor)
        case "returnToTownship":
            c = try await store.returnToTownship(id, on: date, reason: note, actor: req.actor)
        case "refuse":
            c = try await store.refuse(id, on: date, reason: note, actor: req.actor)
        default:
            throw FormError(field: "办理步骤", value: step, reason: "没有这个步骤")
        }
        let t = c.temporaryCase
        let message: String
        switch (step, t.state) {
        case ("recordInvestigation", _): message = "已登记调查核实" + (t.state == .assistedFirst ? "，请继续乡镇审核以补齐手续" : "")
        case ("returnToTownship", _): message = "已退回乡镇重新审核"
        case (_, .assistedFirst): message = "已先行发放 \(t.amount!.groupedYuanString) 元（乡镇备用金），请于 \(t.paperworkDue?.description ?? "期限内") 前补齐手续"
        case (_, .countyReview): message = "\(t.amount!.groupedYuanString) 元超过乡镇审批额度，已报县级审批"
        case (_, .approved):
            message = "已批准 \(t.amount!.groupedYuanString) 元：" + (c.paidFromReserveOn != nil ? "已从乡镇备用金发放" : "将列入下一临时救助发放批次")
        case (_, .refused): message = "已决定不予救助，请书面告知申请人并说明理由"
        case (_, .accepted): message = "已登记"
        }
        req.flash(message, kind: "success")
        return req.seeOther(.temporaryCase(id))
    }

    struct AllotForm: Content {
        var township: String
        var date: String
        var amount: String
        var document: String
    }

    func allot(req: Request) async throws -> Response {
        let s = req.settings
        let f = try req.content.decode(AllotForm.self)
        guard let township = DivisionCode(f.township) else { throw FormError(field: "乡镇", value: f.township, reason: "请从列表选择") }
        let date = try FormField.date("拨付日期", f.date)
        guard let amount = try? Money(yuan: f.amount) else {
            throw FormError(field: "金额", value: f.amount, reason: "应为金额（元，最多两位小数）")
        }
        try await ReserveFundStore(req.db, divisions: s.divisions, today: s.today).allot(countyCode: s.countyCode, township: township, on: date, amount: amount,
                                                 document: f.document, actor: req.actor)
        req.flash("已向\(s.townshipName(township.value))拨付备用金 \(amount.groupedYuanString) 元", kind: "success")
        return req.seeOther(.temporaryCases)
    }
}
