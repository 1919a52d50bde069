import Domain
import Foundation
import Persistence
import Plot
import Vapor

/// 救助站: the month's stays and figures, admission, the stay page and its steps.
struct StationController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.station, use: index)
        routes.post(.station, use: admit)
        routes.get(.stationStay(SiteURL.P.id), use: show)
        routes.post(.stationStayStep(SiteURL.P.id, step: SiteURL.P.step), use: step)
    }

    func store(_ req: Request) -> ReliefStationStore { ReliefStationStore(req.db, today: req.settings.today) }

    func limitText(_ s: StoredStay?) -> String {
        s.map { "在站期限 \($0.maxStayDays) 天（\($0.limitSource)），超过须报上级民政部门备案。" } ?? "在站期限一般不超过 10 天（民政部令第24号 第12条），超过须报上级民政部门备案。"
    }

    func index(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let today = s.today()
        var month = today.yearMonth
        if let text = req.query[String.self, at: "month"], !text.isEmpty {
            do { month = try YearMonth(parsing: text) } catch { throw FormError(field: "统计月份", value: text, reason: "应为 YYYY-MM") }
        }
        let stays = try await store(req).stays(countyCode: s.countyCode, from: month.firstDay, through: month.lastDay)
        let asOf = min(today, month.lastDay)
        let m = StationIndex.Model(month: month, figures: ReliefStationRules.figures(stays.map(\.stay), month: month),
                                   rows: stays.map { StationIndex.row($0, today: asOf, now: Date()) }, today: today,
                                   csrf: req.csrfToken, limitText: limitText(stays.first))
        return HTMLPage(html: Layout.page(title: "救助站", request: req, active: .station, body: StationIndex.view(m)))
    }

    struct AdmitForm: Content {
        var residentID: String?
        var code: String?
        var name: String?
        var date: String
        var time: String
        var belongings: String?
        var health: String?
        var minor: String?
    }

    func admit(req: Request) async throws -> Response {
        let s = req.settings
        let f = try req.content.decode(AdmitForm.self)
        let idText = (f.residentID ?? "").trimmingCharacters(in: .whitespaces), code = (f.code ?? "").trimmingCharacters(in: .whitespaces)
        let person: StationPersonKey
        switch (idText.isEmpty, code.isEmpty) {
        case (false, true):
            person = .resident(try FormField.residentID("身份证号", idText))
        case (true, false): person = .unidentified(code: code)
        default:
            throw FormError(field: "身份证号或临时编号", value: idText + code, reason: "身份已知填身份证号，身份不明填临时编号，只填一项")
        }
        let date = try FormField.date("入站日期", f.date)
        guard let at = ChinaClock.instant(date, time: f.time) else { throw FormError(field: "时间", value: f.time, reason: "应为 HH:mm，如 09:30") }
        let id = try await store(req).admit(person, name: f.name ?? "", countyCode: s.countyCode, admittedAt: at,
                                            belongings: f.belongings ?? "", health: f.health ?? "", minor: f.minor == "on",
                                            actor: req.actor)
        req.flash(person.identityKnown ? "已入站登记" : "已入站登记：身份不明，请于 24 小时内发布寻亲公告", kind: "success")
        return req.seeOther(.stationStay(id))
    }

    func show(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let stored = try await store(req).stay(try req.parameters.require("id"))
        let m = StationStayPage.Model(row: StationIndex.row(stored, today: s.today(), now: Date()), stay: stored.stay,
                                      limitText: "\(stored.maxStayDays) 天，\(stored.limitSource)", today: s.today(), csrf: req.csrfToken)
        return HTMLPage(html: Layout.page(title: "救助记录", request: req, active: .station, body: StationStayPage.view(m)))
    }

    struct StepForm: Content {
        var date: String?
        var time: String?
        var text: String?
        var kind: String?
        var quantity: String?
        var cost: String?
        var filedWith: String?
        var until: String?
    }

    func step(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let step = try req.parameters.require("step")
        let f = try req.content.decode(StepForm.self)
        func date(_ field: String, _ text: String?) throws -> CivilDate { try FormField.requiredDate(field, text) }
        let event: StayWorkflow.Event
        switch step {
        case "familySearchNotice":
            let day = try date("发布日期", f.date)
            guard let at = ChinaClock.instant(day, time: f.time ?? "") else {
                throw FormError(field: "时间", value: f.time ?? "", reason: "应为 HH:mm，如 09:30")
            }
            event = .familySearchNotice(at: at, channel: f.text ?? "")
        case "service":
            guard let kind = StationService(rawValue: f.kind ?? "") else {
                throw FormError(field: "项目", value: f.kind ?? "", reason: "应为 " + StationService.allCases.map(\.rawValue).joined(separator: "、"))
            }
            let qText = (f.quantity ?? "").trimmingCharacters(in: .whitespaces)
            guard let quantity = Int(qText), qText.allSatisfy(\.isASCII) else {
                throw FormError(field: "数量", value: qText, reason: "应为 1–999 的整数")
            }
            let costText = (f.cost ?? "").trimmingCharacters(in: .whitespaces)
            var cost = Money.zero
            if !costText.isEmpty {
                guard let c = try? Money(yuan: costText) else { throw FormError(field: "费用", value: costText, reason: "应为金额（元，最多两位小数）") }
                cost = c
            }
            event = .service(ServiceRecord(date: try date("日期", f.date), kind: kind, quantity: quantity, cost: cost, note: f.text ?? ""))
        case "extend":
            event = .extend(StayExtension(filedOn: try date("报备日期", f.date), reason: f.text ?? "", filedWith: f.filedWith ?? "",
                                          until: try date("延至", f.until)))
        case "exit":
            guard let kind = StationExit(rawValue: f.kind ?? "") else {
                throw FormError(field: "去向", value: f.kind ?? "", reason: "应为 " + StationExit.allCases.map(\.rawValue).joined(separator: "、"))
            }
            event = .exit(on: try date("日期", f.date), kind: kind, note: f.text ?? "")
        default:
            throw FormError(field: "办理步骤", value: step, reason: "没有这个步骤")
        }
        try await store(req).record(event, on: id, actor: req.actor)
        req.flash("已登记", kind: "success")
        return req.seeOther(.stationStay(id))
    }
}
