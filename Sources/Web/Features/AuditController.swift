import Domain
import Persistence
import Plot
import Vapor

/// 审计日志 (auditors): the trail searched by person (ID number or name), user, days and kind of action,
/// with who the matching entries are by — "who looked at this person's file this year" — and the chain
/// verified on request.
struct AuditController: RouteCollection {
    static let perPage = 100

    func boot(routes: any RoutesBuilder) throws {
        routes.get(.audit, use: index)
        routes.get(.auditVerify, use: verify)
    }

    /// The kinds of action the form offers (prefixes of `audit_log.action`).
    static let kinds: [(String, String)] = [
        ("", "全部"), ("view.", "查阅档案"), ("download.", "下载（材料、银行文件）"), ("print.", "打印公示、通知书"),
        ("search.", "查询"), ("login", "登录（含失败）"), ("household.", "家庭档案变更"), ("application.", "审核确认"),
        ("enrollment.", "在保变更"), ("payroll.", "资金发放"), ("user-", "用户管理"), ("password", "密码"),
    ]

    struct Model {
        var person = "", actor = "", from = "", through = "", kind = ""
        /// The households the person was found in (nil when no person was asked).
        var households: [String]?
        var entries: [AuditEntry] = []
        var total = 0
        var actors: [(actor: String, entries: Int)] = []
        var page = 1
        var verification: AuditStore.Verification?
    }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        func link(_ p: Int) -> String {
            SiteURL.audit.with(["person": m.person, "actor": m.actor, "from": m.from, "through": m.through, "kind": m.kind, "page": "\(p)"])
        }
        return .div(
            .h1("审计日志"),
            .p(.class("muted"), .text("每一次变更、查阅、下载、查询和登录都按时间顺序记入审计日志；每条记录含前一条的哈希，任何修改或删除都会被校验发现。"),
               .a(.attr("href", SiteURL.auditVerify.path), .text("校验日志完整性"))),
            .unwrap(m.verification) { v in
                .unwrap(v.firstBroken, { b in
                    .p(.class("flash error"), .text("校验未通过：第 \(b.seq) 条（\(b.atUTC)，\(b.action)）\(b.reason)。已校验 \(v.checked) 条。"))
                }, else: .p(.class("flash success"), .text("校验通过：共 \(v.checked) 条，链尾第 \(v.head?.seq ?? 0) 条，哈希 \(v.head?.hash ?? "—")。请记录链尾序号和哈希，以便日后发现尾部被截断。")))
            },
            .form(.class("inline"), .method(.get), .attr("action", SiteURL.audit.path),
                  .label(.text("人员（身份证号或姓名） "), .input(.type(.search), .name("person"), .attr("value", m.person), .attr("maxlength", "40"))),
                  .label(.text("用户 "), .input(.type(.text), .name("actor"), .attr("value", m.actor), .attr("maxlength", "32"))),
                  .label(.text("自 "), .input(.type(.date), .name("from"), .attr("value", m.from))),
                  .label(.text("至 "), .input(.type(.date), .name("through"), .attr("value", m.through))),
                  .label(.text("操作 "), Controls.select("kind", kinds.map { Controls.option($0.0, $0.1, selected: $0.0 == m.kind) })),
                  .button(.type(.submit), .text("查询"))),
            .unwrap(m.households) { hs in
                .p(.class("muted"), .text(hs.isEmpty ? "没有找到此人所在的家庭。" : "此人所在家庭：\(hs.count) 户；以下为涉及这些家庭的记录。"))
            },
            .if(!m.actors.isEmpty, .group(
                .h2("涉及的用户"),
                .table(.tr(.th("用户"), .th(.class("num"), .text("记录数"))),
                       .forEach(m.actors) { a in .tr(.td(.text(a.actor)), .td(.class("num"), .text("\(a.entries)"))) }))),
            .h2("记录（\(m.total) 条）"),
            .table(
                .tr(.th("序号"), .th("时间（UTC）"), .th("用户"), .th("地址"), .th("操作"), .th("对象"), .th("家庭"), .th("说明"), .th("变更前"), .th("变更后")),
                .forEach(m.entries) { e in
                    .tr(.td(.text("\(e.seq)")), .td(.text(e.atUTC)), .td(.text(e.draft.actor)), .td(.text(e.draft.address ?? "—")),
                        .td(.text(e.draft.action)), .td(.text(e.draft.subject)),
                        .td(.unwrap(e.draft.householdID) { .a(.attr("href", SiteURL.household($0).path), .text(String($0.prefix(12)))) }),
                        .td(.text(e.draft.detail)), .td(.text(e.draft.before ?? "")), .td(.text(e.draft.after ?? "")))
                }),
            Layout.pager(total: m.total, page: m.page, perPage: perPage, link: link)
        )
    }

    func index(req: Request) async throws -> HTMLPage {
        var m = Model()
        m.person = String((req.query[String.self, at: "person"] ?? "").trimmingCharacters(in: .whitespaces).prefix(40))
        m.actor = String((req.query[String.self, at: "actor"] ?? "").trimmingCharacters(in: .whitespaces).prefix(32))
        m.from = req.query[String.self, at: "from"] ?? ""
        m.through = req.query[String.self, at: "through"] ?? ""
        m.kind = req.query[String.self, at: "kind"] ?? ""
        guard Self.kinds.contains(where: { $0.0 == m.kind }) else {
            throw FormError(field: "操作", value: m.kind, reason: "请从列表选择")
        }
        m.page = min(max(1, req.query[Int.self, at: "page"] ?? 1), 100_000)
        func date(_ field: String, _ text: String) throws -> CivilDate? {
            guard !text.isEmpty else { return nil }
            do { return try CivilDate(parsing: text) } catch { throw FormError(field: field, value: text, reason: "应为 YYYY-MM-DD") }
        }
        var q = AuditStore.Query(actor: m.actor.isEmpty ? nil : m.actor, from: try date("自", m.from),
                                 through: try date("至", m.through), actionPrefix: m.kind.isEmpty ? nil : m.kind)
        if !m.person.isEmpty {
            guard !m.person.contains("*") else {
                throw FormError(field: "人员", value: m.person, reason: "请输入完整身份证号（家庭档案页“显示完整身份证号和账号”可见）或姓名，不能用带 * 的号码")
            }
            let ids = try await RegistryStore(req.db).households(ofPerson: m.person, in: req.scope)
            m.households = ids
            q.householdIDs = ids
        }
        let store = AuditStore(req.db)
        (m.entries, m.total) = try await store.search(q, limit: Self.perPage, offset: (m.page - 1) * Self.perPage)
        if !m.person.isEmpty || !m.actor.isEmpty || !m.kind.isEmpty { m.actors = try await store.actors(q) }
        // An auditor's question about a person is itself a look at that person.
        if !m.person.isEmpty {
            let shown = (try? ResidentID(m.person)).map { "身份证号 " + $0.masked } ?? "姓名 " + m.person
            try await AuditLog.record(req, action: "search.audit", subject: "audit", detail: "\(shown)，\(m.households?.count ?? 0) 户",
                                      householdID: m.households?.count == 1 ? m.households?.first : nil)
        }
        return HTMLPage(html: Layout.page(title: "审计日志", request: req, active: .audit, body: Self.view(m)))
    }

    func verify(req: Request) async throws -> HTMLPage {
        var m = Model()
        m.verification = try await AuditStore(req.db).verify()
        (m.entries, m.total) = try await AuditStore(req.db).search(.init(), limit: 20, offset: 0)
        return HTMLPage(html: Layout.page(title: "审计日志", request: req, active: .audit, body: Self.view(m)))
    }
}
