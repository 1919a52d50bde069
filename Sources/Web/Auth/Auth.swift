import Domain
import Persistence
import Plot
import Vapor

extension Request {
    /// The session's CSRF token, created on first use.
    var csrfToken: String {
        if let t = session.data[SessionKeys.csrf] { return t }
        let t = [UInt8].random(count: 24).base64
        session.data[SessionKeys.csrf] = t
        return t
    }

    /// Starts a new session for `user`: the old session (and its id) is deleted, so an id planted
    /// before sign-in is worth nothing afterwards (session fixation, ASVS 3.2.1).
    func startSession(for user: StaffUser) async throws {
        if hasSession, let old = session.id { try await SessionStore(db).delete(old.string) }
        session.id = nil
        session.data = SessionData(initialData: [SessionKeys.userID: user.id,
                                                 SessionKeys.csrf: [UInt8].random(count: 24).base64])
    }
}

/// Every form POST must carry the session's token (`_csrf` or the `X-CSRF-Token` header), so another
/// site cannot submit forms in a clerk's name. The login form too (login CSRF).
struct CSRFMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        // A call authenticated by an API token carries no cookie: nothing another site could forge.
        if request.method == .POST, request.storage[TokenAuthenticatedKey.self] != true {
            // Routes collect their bodies after middleware; read the whole body first, or a large
            // form or upload would look as if it had no token.
            if request.body.data == nil {
                _ = try await request.body.collect(max: request.application.settings.maxUploadBytes + 1024 * 1024).get()
            }
            let sent = (try? request.content.get(String.self, at: "_csrf")) ?? request.headers.first(name: "X-CSRF-Token")
            guard let sent, request.hasSession, let expected = request.session.data[SessionKeys.csrf], sent == expected else {
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
        routes.get(.password, use: passwordForm)
        routes.post(.password, use: changePassword)
    }

    struct LoginForm: Content {
        var username: String
        var password: String
    }

    func form(req: Request) async throws -> Response {
        if req.staff != nil { return req.seeOther(.home) }
        return try await HTMLPage(html: loginPage(req, error: nil)).encodeResponse(for: req)
    }

    /// Signs in. Limits (`LoginThrottle`) are taken before the password is checked, so concurrent
    /// guesses cannot overrun them; bcrypt runs on the thread pool, never on the event loop; an unknown
    /// name costs the same bcrypt as a known one.
    func login(req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        let username = String(form.username.trimmingCharacters(in: .whitespaces).prefix(64))
        let address = req.clientAddress
        let throttle = req.application.loginThrottle
        if let refusal = await throttle.begin(account: username, address: address) {
            if refusal.record {
                try await AuditLog.record(req, action: "login-refused", subject: "user:\(username)", detail: refusal.reason + "（此后一分钟内的拒绝不逐条记录）")
            }
            return try await HTMLPage(html: loginPage(req, error: refusal.message), status: .tooManyRequests).encodeResponse(for: req)
        }
        let user: StaffUser?
        let matches: Bool
        do {
            user = try await UserStore(req.db).user(named: username)
            let hash = user?.passwordHash ?? LoginThrottle.decoyHash
            matches = try await req.password.async.verify(String(form.password.prefix(256)), created: hash).get()
        } catch {
            // The slot taken above is given back whatever happens (a stored hash that does not parse).
            await throttle.finish(account: username, address: address, success: false)
            throw error
        }
        guard let user, matches, !user.isDisabled else {
            await throttle.finish(account: username, address: address, success: false)
            try await AuditLog.record(req, action: "login-failed", subject: "user:\(username)",
                                      detail: user == nil ? "无此用户" : user!.isDisabled ? "账号已停用" : "密码错误")
            return try await HTMLPage(html: loginPage(req, error: "用户名或密码不正确"), status: .unauthorized)
                .encodeResponse(for: req)
        }
        await throttle.finish(account: username, address: address, success: true)
        try await req.startSession(for: user)
        try await AuditLog.record(req, action: "login", subject: "user:\(user.username)", detail: "", actor: user.username)
        return req.seeOther(user.mustChangePassword ? .password : .home)
    }

    func logout(req: Request) async throws -> Response {
        if req.staff != nil { try await AuditLog.record(req, action: "logout", subject: "user:\(req.actor)", detail: "") }
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
                .label(.text("用户名"), .input(.type(.text), .name("username"), .required(true), .autofocus(true),
                                            .attr("maxlength", "32"), .attr("autocomplete", "username"))),
                .label(.text("密码"), .input(.type(.password), .name("password"), .required(true),
                                           .attr("autocomplete", "current-password"))),
                .button(.type(.submit), .text("登录"))
            )
        )
        return Layout.page(title: "登录", request: req, active: nil, body: body, showNav: false)
    }

    // MARK: password

    struct PasswordForm: Content {
        var current: String
        var new: String
        var repeated: String
    }

    func passwordForm(req: Request) async throws -> HTMLPage {
        HTMLPage(html: passwordPage(req, error: nil))
    }

    /// Changes one's own password: the current one is checked (under the same limits as sign-in), the
    /// new one must meet `Credentials.checkPassword` and differ; every session of the user ends and this
    /// one continues under a new id.
    func changePassword(req: Request) async throws -> Response {
        guard let me = req.staff else { throw Abort(.unauthorized) }
        let form = try req.content.decode(PasswordForm.self)
        func refuse(_ message: String, _ status: HTTPResponseStatus = .badRequest) async throws -> Response {
            try await HTMLPage(html: passwordPage(req, error: message), status: status).encodeResponse(for: req)
        }
        let throttle = req.application.loginThrottle
        if let refusal = await throttle.begin(account: me.username, address: req.clientAddress) {
            return try await refuse(refusal.message, .tooManyRequests)
        }
        let ok: Bool
        do {
            ok = try await req.password.async.verify(String(form.current.prefix(256)), created: me.user.passwordHash).get()
        } catch {
            await throttle.finish(account: me.username, address: req.clientAddress, success: false)
            throw error
        }
        await throttle.finish(account: me.username, address: req.clientAddress, success: ok)
        guard ok else {
            try await AuditLog.record(req, action: "password-change-failed", subject: "user:\(me.username)", detail: "原密码错误")
            return try await refuse("原密码不正确", .unauthorized)
        }
        guard form.new == form.repeated else { return try await refuse("两次输入的新密码不一致") }
        guard form.new != form.current else { return try await refuse("新密码不得与原密码相同") }
        do { try Credentials.checkPassword(form.new, username: me.username) } catch { return try await refuse(error.description) }
        let hash = try await req.password.async.hash(form.new).get()
        try await UserStore(req.db).setPassword(userID: me.user.id, passwordHash: hash, oneTime: false)
        var user = me.user
        user.mustChangePassword = false
        try await req.startSession(for: user)
        try await AuditLog.record(req, action: "password-changed", subject: "user:\(me.username)", detail: "")
        req.flash("密码已修改；其他已登录的会话均已退出", kind: "success")
        return req.seeOther(.home)
    }

    func passwordPage(_ req: Request, error: String?) -> String {
        let mustChange = req.staff?.user.mustChangePassword == true
        let body: Node<HTML.BodyContext> = .div(
            .class("login"),
            .h1("修改密码"),
            .if(mustChange, .p(.class("flash info"), .text("您正在使用一次性密码，请先设置自己的密码。"))),
            .unwrap(error) { .p(.class("flash error"), .text($0)) },
            .p(.class("muted"), .text("新密码至少 \(Credentials.minimumLength) 个字符，不得包含用户名。修改后其他已登录的会话均会退出。")),
            .form(
                .method(.post), .attr("action", SiteURL.password.path),
                Layout.csrf(req),
                .label(.text("原密码"), .input(.type(.password), .name("current"), .required(true), .attr("autocomplete", "current-password"))),
                .label(.text("新密码"), .input(.type(.password), .name("new"), .required(true), .attr("autocomplete", "new-password"))),
                .label(.text("再次输入新密码"), .input(.type(.password), .name("repeated"), .required(true), .attr("autocomplete", "new-password"))),
                .button(.type(.submit), .text("修改密码"))
            )
        )
        return Layout.page(title: "修改密码", request: req, active: nil, body: body, showNav: !mustChange)
    }
}
