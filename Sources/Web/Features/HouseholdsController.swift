import Domain
import Foundation
import Persistence
import Plot
import Vapor

/// 家庭档案 (一户一档): search, register, the household page, documents, member status.
struct HouseholdsController: RouteCollection {
    static let perPage = 50
    static let memberRows = 6
    static let assetRows = 3

    func boot(routes: any RoutesBuilder) throws {
        let id = SiteURL.P.id
        routes.get(.households, use: index)
        routes.get(.newHousehold, use: newForm)
        routes.post(.households, use: create)
        routes.get(.household(id), use: { try await show(req: $0, reveal: false) })
        routes.post(.householdReveal(id), use: reveal)
        routes.on(.POST, .householdDocuments(id), body: .collect(maxSize: "12mb"), use: upload)
        routes.get(.householdDocument(id, document: SiteURL.P.document), use: download)
        routes.post(.householdMemberStatus(id), use: memberStatus)
        routes.post(.householdApplications(id), use: openApplication)
        routes.post(.householdReview(id), use: review)
        routes.post(.householdPayee(id), use: payee)
        routes.post(.householdBankAccount(id), use: bankAccount)
        routes.post(.householdPayeeRelease(id), use: payeeRelease)
        routes.post(.householdTekunFacts(id), use: tekunFacts)
        routes.post(.householdChildFacts(id), use: childFacts)
        routes.post(.householdDibaoTier(id), use: dibaoTier)
    }

    // MARK: list

    func index(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let q = try FormField.text("姓名或身份证号", req.query[String.self, at: "q"], max: 40, required: false)
        let town = req.query[String.self, at: "town"]
        let programmeText = req.query[String.self, at: "programme"]
        let programme = try programmeText.flatMap { $0.isEmpty ? nil : try s.programme(field: "救助项目", $0) }
        let page = min(max(1, req.query[Int.self, at: "page"] ?? 1), 100_000)
        // An account that may not reveal ID numbers searches by a full one a limited number of times an hour.
        if let q, let staff = req.staff, !staff.may(.revealIdentifiers), let id = try? ResidentID(q),
           !(await req.application.identifierSearchLimit.allow(staff.username)) {
            try await AuditLog.record(req, action: "denied.search-limit", subject: "households", detail: "身份证号 \(id.masked)")
            throw Abort(.tooManyRequests, reason: "按身份证号查询次数已达每小时上限，请稍后再试；如需核对身份证号，请联系有查看权限的经办人 (too many searches by ID number)")
        }
        let month = try await StatisticsStore(req.db).latestPayrollMonth(countyCode: s.countyCode) ?? s.today().yearMonth
        let (rows, total) = try await RegistryStore(req.db, divisions: s.divisions).search(
            in: req.scope, text: q, townshipCode: town, programme: programme, month: month, limit: Self.perPage,
            offset: (page - 1) * Self.perPage)
        // A search by name or ID number is a look at those people: recorded, with the household when one
        // was found (an ID number is kept masked in the trail).
        if let q, !q.trimmingCharacters(in: .whitespaces).isEmpty {
            let id = try? ResidentID(q)
            let shown = id.map { "身份证号 " + $0.masked } ?? "姓名 " + String(q.prefix(40))
            // Searching for a person's ID number is a look at that person, found or not in the user's area:
            // the trail names their household (county-wide), so the auditor's question about them finds it.
            var household = total == 1 ? rows.first?.id : nil
            if id != nil, household == nil {
                let everywhere = try await RegistryStore(req.db).households(ofPerson: q, in: .county(s.countyCode))
                household = everywhere.count == 1 ? everywhere.first : nil
            }
            try await AuditLog.record(req, action: "search.households", subject: "households", detail: "\(shown)，\(total) 户",
                                      householdID: household)
        }
        func link(_ p: Int) -> String {
            SiteURL.households.with(["page": "\(p)", "q": q ?? "", "town": town ?? "", "programme": programme?.rawValue ?? ""])
        }
        let body: Node<HTML.BodyContext> = .div(
            .h1("家庭档案"),
            .form(.class("inline"), .method(.get), .attr("action", SiteURL.households.path),
                  .label(.text("姓名或身份证号 "), .input(.type(.search), .name("q"), .attr("value", q ?? ""))),
                  .label(.text("乡镇 "), Controls.select("town", [Controls.option("", "全部")] + s.divisions.townships.filter { req.scope.contains(village: $0.code) || req.scope.township == $0.code }.map {
                                      Controls.option($0.code.value, $0.name, selected: $0.code.value == town)
                                  })),
                  .label(.text("救助项目 "), Controls.select("programme", [Controls.option("", "全部")] + s.programmes.map {
                      Controls.option($0.rawValue, $0.shortChinese, selected: programme == $0)
                  })),
                  .button(.type(.submit), .text("查询"))),
            .if(req.allows(.newHousehold, .GET), .p(.a(.attr("href", SiteURL.newHousehold.path), .text("＋ 登记新家庭")))),
            .p(.class("muted"), .text("在保状态与金额按 \(month)。")),
            .table(
                .tr(.th("户主"), .th("身份证号"), .th("乡镇"), .th("村（社区）"), .th("城乡"), .th(.class("num"), .text("人数")),
                    .th("在保项目"), .th(.class("num"), .text("月保障金（元）"))),
                .forEach(rows) { r in
                    .tr(.td(.a(.attr("href", SiteURL.household(r.id).path), .text(r.headName))), .td(.text(r.headResidentID.masked)),
                        .td(.text(s.townshipName(r.townshipCode))), .td(.text(s.townshipName(r.villageCode))),
                        .td(.text(r.area.chinese)), .td(.class("num"), .text("\(r.memberCount)")),
                        .td(.text(r.activeProgrammes.map(\.shortChinese).joined(separator: "、"))),
                        .td(.class("num"), .text(r.monthlyBenefit?.groupedYuanString ?? "—")))
                }
            ),
            .if(rows.isEmpty, .p(.class("muted"), .text("没有符合条件的家庭。"))),
            Layout.pager(total: total, page: page, perPage: Self.perPage, link: link)
        )
        return HTMLPage(html: Layout.page(title: "家庭档案", request: req, active: .households, body: body))
    }
}

extension String {
    var nonEmpty: String? { isEmpty ? nil : self }
}
