import Domain
import Fluent
import Persistence
import Plot
import Vapor

/// Adding accounts, shared by the users page and `jiuzhu user add`: one set of checks.
public enum UserAdministration {
    /// A random one-time password: 14 characters without look-alikes (0/O, 1/l/I).
    public static func oneTimePassword() -> String {
        let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789")
        var g = SystemRandomNumberGenerator()
        while true {
            let p = String((0..<14).map { _ in alphabet.randomElement(using: &g)! })
            if (try? Credentials.checkPassword(p, username: "")) != nil { return p }
        }
    }

    /// Checks and adds an account.
    /// - Parameters:
    ///   - role: a role name (`township-clerk`, …).
    ///   - area: the county (6 digits), township (9 or 12) or village (12) code the role works at.
    ///   - password: the user's password; nil for a one-time password, returned, to be changed at first
    ///     sign-in.
    ///   - hash: bcrypt, run where the caller may block (the thread pool on the server).
    /// - Returns: the account and the one-time password, if one was made.
    /// - Throws: `AccessError` (user name, role, area, password), `UserError.exists`.
    public static func add(_ db: any Database, divisions: Divisions, username: String, displayName: String,
                           role: String, area: String, password: String?,
                           hash: (String) async throws -> String) async throws -> (StaffUser, oneTime: String?) {
        let name = try Credentials.username(username)
        let role = try StaffRole.parse(role)
        let scope = try divisions.scope(role: role, area: area)
        if let password { try Credentials.checkPassword(password, username: name) }
        let display = displayName.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...40).contains(display.count) else { throw AccessError.badDisplayName(displayName) }
        let secret = password ?? oneTimePassword()
        let user = try await UserStore(db).add(username: name, displayName: display, role: role, areaCode: scope.areaCode,
                                               passwordHash: try await hash(secret), oneTime: password == nil)
        return (user, password == nil ? secret : nil)
    }
}

/// 用户管理 (system administrator): accounts, roles, areas; disable; a new one-time password.
struct UsersController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.users, use: index)
        routes.post(.users, use: add)
        routes.post(.userDisable(SiteURL.P.id), use: disable)
        routes.post(.userEnable(SiteURL.P.id), use: enable)
        routes.post(.userResetPassword(SiteURL.P.id), use: resetPassword)
    }

    struct Model {
        struct Row { var username, displayName, role, area, status: String; var disablePath, enablePath, resetPath: String?; var sessions: Int }
        var rows: [Row]
        var roles: [(String, String)]
        /// Every area code an account may be given, with its name (county, townships, villages).
        var areas: [(code: String, name: String)] = []
        var csrf: String
        /// A one-time password just made, shown once.
        var issued: (username: String, password: String)?
    }

    func model(_ req: Request, issued: (String, String)? = nil) async throws -> Model {
        let s = req.settings
        var rows: [Model.Row] = []
        for u in try await UserStore(req.db).list() {
            let area = u.areaCode.map { s.townshipName($0) + "（\($0)）" } ?? "未设置"
            let status = u.isDisabled ? "已停用" : u.mustChangePassword ? "待修改一次性密码" : "正常"
            let mine = u.username == req.actor
            rows.append(.init(username: u.username, displayName: u.displayName, role: u.role.chinese, area: area, status: status,
                              disablePath: u.isDisabled || mine ? nil : SiteURL.userDisable(u.username).path,
                              enablePath: u.isDisabled ? SiteURL.userEnable(u.username).path : nil,
                              resetPath: mine || u.isDisabled ? nil : SiteURL.userResetPassword(u.username).path,
                              sessions: try await SessionStore(req.db).count(userID: u.id)))
        }
        var m = Model(rows: rows, roles: StaffRole.allCases.map { ($0.rawValue, "\($0.chinese)（\($0.rawValue)）") },
                      csrf: req.csrfToken, issued: issued)
        let d = s.divisions
        m.areas = [(d.county.code.countyCode, "\(d.county.name)（县级角色）")]
            + d.townships.map { ($0.code.value.prefix(9).description, "\($0.name)（乡镇角色）") }
            + d.villages.map { ($0.code.value, "\(s.townshipName($0.code.townshipCode.value)) \($0.name)（村级角色）") }
        return m
    }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        .div(
            .h1("用户管理"),
            .unwrap(m.issued) { i in
                .p(.class("flash success"), .text("账号 \(i.username) 的一次性密码："), .strong(.text(i.password)),
                   .text("。请当面或当场告知本人；首次登录须修改。此密码只显示这一次。"))
            },
            .table(
                .tr(.th("用户名"), .th("姓名"), .th("角色"), .th("管辖区域"), .th("状态"), .th(.class("num"), .text("在线会话")), .th("操作")),
                .forEach(m.rows) { r in
                    .tr(.td(.text(r.username)), .td(.text(r.displayName)), .td(.text(r.role)), .td(.text(r.area)), .td(.text(r.status)),
                        .td(.class("num"), .text("\(r.sessions)")),
                        .td(.unwrap(r.resetPath) { p in .form(.class("inline"), .method(.post), .attr("action", p), Layout.csrf(m.csrf),
                                                              .button(.type(.submit), .text("重置密码"))) },
                            .unwrap(r.disablePath) { p in .form(.class("inline"), .method(.post), .attr("action", p), Layout.csrf(m.csrf),
                                                                .button(.type(.submit), .text("停用"))) },
                            .unwrap(r.enablePath) { p in .form(.class("inline"), .method(.post), .attr("action", p), Layout.csrf(m.csrf),
                                                               .button(.type(.submit), .text("启用"))) }))
                }
            ),
            .h2("新增账号"),
            .form(.class("stack"), .method(.post), .attr("action", SiteURL.users.path), Layout.csrf(m.csrf),
                  .label(.text("用户名（2–32 个英文字母、数字或 . _ -）"), .input(.type(.text), .name("username"), .required(true), .attr("maxlength", "32"))),
                  .label(.text("姓名"), .input(.type(.text), .name("displayName"), .required(true), .attr("maxlength", "40"))),
                  .label(.text("角色 "), Controls.select("role", m.roles.map { Controls.option($0.0, $0.1) }, required: true)),
                  .label(.text("管辖区域代码（县 6 位；乡镇 9 位；村、社区 12 位）"),
                         .input(.type(.text), .name("area"), .required(true), .attr("maxlength", "12"), .attr("list", "areas"))),
                  .element(named: "datalist", nodes: [.attr("id", "areas")] + m.areas.map { a in
                      .element(named: "option", nodes: [.attr("value", a.code), .text(a.name)])
                  }),
                  .p(.class("muted"), .text("新账号获得一次性密码，首次登录须修改。")),
                  .button(.type(.submit), .text("新增")))
        )
    }

    func page(_ req: Request, _ m: Model, status: HTTPResponseStatus = .ok) -> HTMLPage {
        HTMLPage(html: Layout.page(title: "用户管理", request: req, active: .users, body: Self.view(m)), status: status)
    }

    func index(req: Request) async throws -> HTMLPage {
        page(req, try await model(req))
    }

    struct AddForm: Content { var username: String; var displayName: String; var role: String; var area: String }

    func add(req: Request) async throws -> HTMLPage {
        let f = try req.content.decode(AddForm.self)
        let (user, oneTime) = try await UserAdministration.add(
            req.db, divisions: req.settings.divisions, username: f.username, displayName: f.displayName, role: f.role,
            area: f.area, password: nil, hash: { try await req.password.async.hash($0).get() })
        try await AuditLog.record(req, action: "user-added", subject: "user:\(user.username)",
                                  detail: "\(user.role.rawValue) \(user.areaCode ?? "")")
        return page(req, try await model(req, issued: (user.username, oneTime ?? "")))
    }

    func disable(req: Request) async throws -> Response {
        let name = try req.parameters.require("id")
        guard name != req.actor else { throw Abort(.conflict, reason: "不能停用自己的账号") }
        try await UserStore(req.db).disable(username: name)
        try await AuditLog.record(req, action: "user-disabled", subject: "user:\(name)")
        req.flash("已停用账号 \(name)，其会话均已退出", kind: "success")
        return req.seeOther(.users)
    }

    func enable(req: Request) async throws -> Response {
        let name = try req.parameters.require("id")
        try await UserStore(req.db).enable(username: name)
        try await AuditLog.record(req, action: "user-enabled", subject: "user:\(name)")
        req.flash("已启用账号 \(name)", kind: "success")
        return req.seeOther(.users)
    }

    func resetPassword(req: Request) async throws -> HTMLPage {
        let name = try req.parameters.require("id")
        guard name != req.actor else { throw Abort(.conflict, reason: "修改自己的密码请用“修改密码”") }
        guard let user = try await UserStore(req.db).user(named: name) else { throw UserError.notFound(name) }
        if user.isDisabled { throw UserError.disabled(name) }
        let password = UserAdministration.oneTimePassword()
        try await UserStore(req.db).setPassword(userID: user.id, passwordHash: try await req.password.async.hash(password).get(),
                                                oneTime: true)
        try await AuditLog.record(req, action: "user-password-reset", subject: "user:\(name)")
        return page(req, try await model(req, issued: (name, password)))
    }
}
