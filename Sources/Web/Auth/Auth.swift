import Persistence
import Plot
import Vapor

/// The signed-in staff member, from the session.
struct SessionUser: Sendable {
    var username: String
    var displayName: String
    var role: StaffRole
}

extension Request {
    var staff: SessionUser? {
        guard let u = session.data["user"], let role = session.data["role"].flatMap(StaffRole.init(rawValue:)) else {
            return nil
        }
        return SessionUser(username: u, displayName: session.data["name"] ?? u, role: role)
    }

    /// The actor recorded in the audit log and on workflow events.
    var actor: String { staff?.username ?? "anonymous" }

    /// The session's CSRF token, created on first use.
    var csrfToken: String {
        if let t = session.data["csrf"] { return t }
        let t = [UInt8].random(count: 24).base64
        session.data["csrf"] = t
        return t
    }
}

/// Pages for staff only: anyone not signed in is sent to the login page.
struct StaffAuthMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard request.staff != nil else {
            if request.isAPI { throw Abort(.unauthorized) }
            return request.redirect(to: SiteURL.login.path)
        }
        return try await next.respond(to: request)
    }
}

/// Every form POST must carry the session's token (`_csrf`), so another site cannot submit forms
/// in a clerk's name.
struct CSRFMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if request.method == .POST {
            // Routes collect their bodies after middleware; read the whole body first, or a large
            // form or upload would look as if it had no token.
            if request.body.data == nil {
                _ = try await request.body.collect(max: request.application.settings.maxUploadBytes + 1024 * 1024).get()
            }
            let sent = (try? request.content.get(String.self, at: "_csrf")) ?? request.headers.first(name: "X-CSRF-Token")
            guard let sent, let expected = request.session.data["csrf"], sent == expected else {
                throw Abort(.forbidden, reason: "表单已过期或来源不明，请刷新页面后重试 (CSRF token missing or wrong)")
            }
        }
        return try await next.respond(to: request)
    }
}

struct LoginController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.login, use: form)
        routes.post(.login, use: login)
        routes.post(.logout, use: logout)
    }

    struct LoginForm: Content {
        var username: String
        var password: String
        var _csrf: String?
    }

    func form(req: Request) async throws -> HTMLPage {
        HTMLPage(html: loginPage(req, error: nil))
    }

    func login(req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        guard let sent = form._csrf, sent == req.session.data["csrf"] else {
            return try await HTMLPage(html: loginPage(req, error: "页面已过期，请重新登录"), status: .forbidden)
                .encodeResponse(for: req)
        }
        let store = UserStore(req.db)
        let username = form.username.trimmingCharacters(in: .whitespaces)
        let throttle = req.application.loginThrottle
        if await throttle.isLocked(username) {
            return try await HTMLPage(html: loginPage(req, error: "登录失败次数过多，请 15 分钟后再试，或请管理员重置密码"),
                                      status: .tooManyRequests).encodeResponse(for: req)
        }
        guard let user = try await store.user(named: username),
              (try? Bcrypt.verify(form.password, created: user.passwordHash)) == true
        else {
            await throttle.recordFailure(username)
            return try await HTMLPage(html: loginPage(req, error: "用户名或密码不正确"), status: .unauthorized)
                .encodeResponse(for: req)
        }
        await throttle.reset(username)
        req.session.data["user"] = user.username
        req.session.data["name"] = user.displayName
        req.session.data["role"] = user.role.rawValue
        return req.seeOther(.home)
    }

    func logout(req: Request) async throws -> Response {
        req.session.destroy()
        return req.seeOther(.login)
    }

    func loginPage(_ req: Request, error: String?) -> String {
        let s = req.settings
        let body: Node<HTML.BodyContext> = .div(
            .class("login"),
            .h1("九助 · 社会救助管理信息系统"),
            .p(.class("muted"), .text("\(s.divisions.county.name)民政局")),
            .unwrap(error) { .p(.class("flash error"), .text($0)) },
            .form(
                .method(.post), .attr("action", SiteURL.login.path),
                .input(.type(.hidden), .name("_csrf"), .attr("value", req.csrfToken)),
                .label(.text("用户名"), .input(.type(.text), .name("username"), .required(true), .autofocus(true))),
                .label(.text("密码"), .input(.type(.password), .name("password"), .required(true))),
                .button(.type(.submit), .text("登录"))
            )
        )
        return Layout.page(title: "登录", request: req, active: nil, body: body, showNav: false)
    }
}
