import Plot
import Vapor

/// The page shell: header, navigation, demo mark, flash message, content.
enum Layout {
    enum Section: String { case dashboard, households, applications, temporary, station, monitoring, payroll, funds, matching, policies, users, audit }

    /// `refreshSeconds`: the page reloads itself (a long import's progress), without script.
    static func page(title: String, request: Request, active: Section?, body: Node<HTML.BodyContext>,
                     showNav: Bool = true, refreshSeconds: Int? = nil) -> String {
        let s = request.settings
        let flash = request.takeFlash()
        // Only the sections the user's role may open (the same rules `AccessMiddleware` enforces).
        let all: [(Section, SiteURL, String)] = [
            (.dashboard, .home, "工作台"), (.households, .households, "家庭档案"),
            (.applications, .applications, "审核确认"), (.temporary, .temporaryCases, "临时救助"),
            (.station, .station, "救助站"), (.monitoring, .monitoring, "动态监测"), (.payroll, .payroll, "资金发放"),
            (.funds, .funds, "资金台账"), (.matching, .matching, "信息比对"), (.policies, .policies, "政策标准"), (.users, .users, "用户管理"), (.audit, .audit, "审计日志"),
        ]
        let nav = all.filter { item in
            switch item.1.rule(.GET) {
            case .open, .signedIn: return true
            case .permission(let p, _): return request.staff?.may(p) == true
            case .step: return false
            }
        }.map { ($0.0, $0.1.path, $0.2) }
        let html = HTML(
            .lang(.chinese),
            .head(
                .meta(.charset(.utf8)),
                .meta(.name("viewport"), .content("width=device-width, initial-scale=1")),
                .unwrap(refreshSeconds) { .meta(.attribute(named: "http-equiv", value: "refresh"), .content("\($0)")) },
                .element(named: "title", text: "\(title) · 九助社会救助管理信息系统"),
                .link(.rel(.stylesheet), .attr("href", SiteURL.stylesheet.path))
            ),
            .body(
                .header(
                    .class("top"),
                    .a(.class("brand"), .attr("href", SiteURL.home.path), .text("九助 · \(s.divisions.county.name)社会救助")),
                    .if(showNav, .nav(.forEach(nav) { item in
                        .a(.attr("href", item.1), .class(item.0 == active ? "active" : ""), .text(item.2))
                    })),
                    .unwrap(request.staff) { user in
                        .form(.class("logout"), .method(.post), .attr("action", SiteURL.logout.path),
                              .span(.text("\(user.displayName)（\(user.role.chinese)，\(s.townshipName(user.scope.areaCode))）")),
                              .a(.attr("href", SiteURL.password.path), .text("修改密码")),
                              .input(.type(.hidden), .name("_csrf"), .attr("value", request.csrfToken)),
                              .button(.type(.submit), .text("退出")))
                    }
                ),
                .if(s.isDemo, .div(.class("demo-mark"),
                                   .text("演示数据：本系统中的人员、身份证号码和账号均为虚构，不得用于实际工作"))),
                .main(
                    .unwrap(flash) { f in .p(.class("flash \(f.kind)"), .text(f.text)) },
                    body
                )
            )
        )
        return html.render()
    }

    /// A POST form to `url`, or nothing when the signed-in user's role may not use it (the same rule
    /// `AccessMiddleware` enforces: a clerk is not offered what would be refused).
    static func postForm(_ req: Request, _ url: SiteURL, step: String? = nil, multipart: Bool = false,
                         _ nodes: Node<HTML.FormContext>...) -> Node<HTML.BodyContext> {
        guard req.allows(url, step: step) else { return .empty }
        return .form(.class("inline"), .method(.post), .attr("action", url.path),
                     multipart ? .enctype(.multipartData) : .empty, csrf(req), .group(nodes))
    }

    /// A hidden CSRF field for every POST form.
    static func csrf(_ request: Request) -> Node<HTML.FormContext> { csrf(request.csrfToken) }

    /// The same field from a page model's token (views are pure functions of their model).
    static func csrf(_ token: String) -> Node<HTML.FormContext> {
        .input(.type(.hidden), .name("_csrf"), .attr("value", token))
    }

    /// Numbered pages: « 1 2 3 … ».
    static func pager(total: Int, page: Int, perPage: Int, link: (Int) -> String) -> Node<HTML.BodyContext> {
        let pages = max(1, (total + perPage - 1) / perPage)
        guard pages > 1 else { return .empty }
        let current = min(max(page, 1), pages)
        let shown = Array(Set([1, pages] + Array(max(1, current - 3)...min(pages, current + 3)))).sorted()
        return .nav(.class("pager"), .text("共 \(total) 条 "), .forEach(shown) { p in
            p == current ? .strong(.text(String(p))) : .a(.attr("href", link(p)), .text(String(p)))
        })
    }

    static func badge(_ text: String, _ kind: String) -> Node<HTML.BodyContext> {
        .span(.class("badge \(kind)"), .text(text))
    }
}
