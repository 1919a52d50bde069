import Domain
import Foundation
import Persistence
import Plot
import Vapor

/// 终止供养: propose from the household page, then the termination page with its steps and 公示.
struct TerminationsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.post(.householdTerminations(SiteURL.P.id), use: propose)
        routes.get(.termination(SiteURL.P.id), use: show)
        routes.get(.terminationNotice(SiteURL.P.id), use: notice)
        routes.get(.terminationLetter(SiteURL.P.id), use: letter)
        routes.post(.terminationStep(SiteURL.P.id, step: SiteURL.P.step), use: step)
    }

    func store(_ req: Request) -> TerminationStore {
        TerminationStore(req.db, calendar: req.settings.calendar, today: req.settings.today)
    }

    struct ProposeForm: Content {
        var member: String
        var programme: String?
        var ground: String
        var date: String
        var text: String?
        var factOn: String?
    }

    func propose(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let f = try req.content.decode(ProposeForm.self)
        let programme = try req.settings.programme(field: "救助项目", f.programme)
        guard let ground = TerminationGround(rawValue: f.ground) else {
            throw FormError(field: "终止理由", value: f.ground, reason: "请从列表选择")
        }
        let date = try FormField.date("日期", f.date)
        var factOn: CivilDate?
        if let text = f.factOn, !text.isEmpty {
            factOn = try FormField.date("事实发生日期", text)
        }
        let tid = try await store(req).propose(householdID: id, memberID: f.member, programme: programme, ground: ground,
                                               on: date, opinion: f.text ?? "", factOn: factOn, actor: req.actor)
        let t = try await store(req).termination(tid).termination
        req.flash(t.noticeStart != nil ? "已提出终止，公示 7 天"
                  : "已提出终止（\(ground.needsPublicNotice ? "\(programme.shortChinese)不公示" : "死亡，不公示")），待县级审批", kind: "success")
        return req.seeOther(.termination(tid))
    }

    func model(_ req: Request, _ id: String) async throws -> TerminationPage.Model {
        let s = req.settings
        let stored = try await store(req).termination(id)
        let household = try await RegistryStore(req.db).household(stored.householdID)
        let rid = try await RegistryStore(req.db).residentID(ofMember: stored.memberID)
        let person = stored.personName
        let policy = try await PolicyStore(req.db).policy(region: stored.countyCode, month: stored.termination.proposedOn.yearMonth)
        let village = household.map { s.townshipName($0.townshipCode.value) + s.townshipName($0.villageCode.value) } ?? ""
        return TerminationPage.Model(
            id: id, householdID: stored.householdID, personName: person, village: village, programme: stored.programme,
            termination: stored.termination, noticeEnd: stored.termination.noticeEnd(policy: policy),
            nextSteps: TerminationWorkflow.nextSteps(for: stored.termination), today: s.today(), csrf: req.csrfToken,
            citation: (try? stored.programme.rules())?.reviewSource ?? "", maskedID: rid.masked,
            appeal: (try? stored.programme.rules())?.noticeCitations.appeal ?? "", hotline: s.hotline)
    }

    func show(req: Request) async throws -> HTMLPage {
        let m = try await model(req, try req.parameters.require("id"))
        return HTMLPage(html: Layout.page(title: "终止供养", request: req, active: .households, body: TerminationPage.view(m)))
    }

    func notice(req: Request) async throws -> HTMLPage {
        let m = try await model(req, try req.parameters.require("id"))
        guard m.termination.noticeStart != nil else {
            throw WorkflowError.terminationOutOfOrder(event: "打印公示", state: m.termination.state.chinese)
        }
        return HTMLPage(html: Layout.page(title: "终止公示", request: req, active: nil, body: TerminationPage.notice(m), showNav: false))
    }

    func letter(req: Request) async throws -> HTMLPage {
        let m = try await model(req, try req.parameters.require("id"))
        guard m.termination.state == .terminated else {
            throw WorkflowError.terminationOutOfOrder(event: "打印终止供养决定书", state: m.termination.state.chinese)
        }
        return HTMLPage(html: Layout.page(title: "终止供养决定书", request: req, active: nil, body: TerminationPage.letter(m), showNav: false))
    }

    struct StepForm: Content {
        var date: String?
        var text: String?
    }

    func step(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let step = try req.parameters.require("step")
        let f = try req.content.decode(StepForm.self)
        let date = try FormField.requiredDate("日期", f.date)
        let note = f.text ?? ""
        let event: TerminationEvent
        switch step {
        case "raiseObjection": event = .raiseObjection(on: date, note: note)
        case "resolveObjection": event = .resolveObjection(on: date, opinion: note)
        case "closePublicNotice": event = .closePublicNotice(on: date)
        case "decide": event = .decide(on: date)
        case "cancel": event = .cancel(on: date, reason: note)
        default: throw FormError(field: "办理步骤", value: step, reason: "没有这个步骤")
        }
        let t = try await store(req).record(event, on: id, actor: req.actor)
        req.flash(t.state == .terminated ? "已决定终止，自 \(t.stopsFrom!) 起停止供养；请书面告知本人和村（居）民委员会" : "已登记：\(event.chinese)",
                  kind: "success")
        return req.seeOther(.termination(id))
    }
}
