import Domain
import Fluent
import Persistence
import Vapor

/// Sets up an application: database, sessions, middleware, routes. The only place that touches
/// `app.databases` and the middleware; tests and the CLI both call it.
public func configure(_ app: Application, settings: WebSettings) throws {
    try settings.database.register(on: app.databases, keys: settings.dataKeys)
    app.storage[WebSettingsKey.self] = settings
    app.storage[LoginThrottleKey.self] = LoginThrottle()
    app.storage[ImportJobsKey.self] = ImportJobs()
    app.storage[IdentifierSearchLimitKey.self] = IdentifierSearchLimit()
    app.routes.defaultMaxBodySize = ByteCount(value: settings.maxUploadBytes + 1024 * 1024)
    // Sessions in the database (ADR 0018): they survive a restart and end on logout or a password change.
    let lifetime = settings.sessionLifetime
    app.sessions.use { _ in DatabaseSessions(lifetime: lifetime) }
    app.sessions.configuration.cookieName = "jiuzhu_session"
    // Scripts never need the session cookie: HttpOnly keeps it out of reach of injected script;
    // SameSite=Lax keeps it off other sites' form posts; Secure keeps it off plain HTTP.
    let secure = settings.secureCookies
    app.sessions.configuration.cookieFactory = { id in
        HTTPCookies.Value(string: id.string, path: "/", isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }
    app.middleware = Middlewares()
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(ErrorPageMiddleware())
    app.middleware.use(app.sessions.middleware)
    // After the sessions, which the error page reads.
    app.middleware.use(ControlCharacterMiddleware())
    // The one authorization layer: every route's rule (`SiteURL.rule`), before its handler.
    app.middleware.use(AccessMiddleware())
    app.middleware.use(CSRFMiddleware())
    app.middleware.use(InputLimitsMiddleware())
    try routes(app)
}

struct WebSettingsKey: StorageKey {
    typealias Value = WebSettings
}

extension Application {
    var settings: WebSettings { storage[WebSettingsKey.self]! }
}

extension Request {
    var settings: WebSettings { application.settings }

    /// The application store with the installed calendar and clock (policies come from the database).
    var applications: ApplicationStore {
        let s = settings
        return ApplicationStore(db, calendar: s.calendar, today: s.today)
    }

    /// The payroll store with the installed clock.
    var payroll: PayrollStore {
        PayrollStore(db, today: settings.today)
    }

    /// The policy versions entered in this database (`jiuzhu policy import`).
    func policyBook() async throws -> PolicyBook {
        try await PolicyStore(db).book()
    }
}

func routes(_ app: Application) throws {
    app.get(.health) { _ in "ok" }
    app.get(.stylesheet) { _ -> Response in
        let r = Response(status: .ok, body: .init(string: Stylesheet.css))
        r.headers.contentType = HTTPMediaType(type: "text", subType: "css", parameters: ["charset": "utf-8"])
        r.headers.replaceOrAdd(name: .cacheControl, value: "max-age=3600")
        return r
    }
    try app.register(collection: AssessAPI())
    try app.register(collection: LoginController())
    // Who may reach each route is decided by `AccessMiddleware` from `SiteURL.rule`.
    let staff: any RoutesBuilder = app
    try staff.register(collection: UsersController())
    try staff.register(collection: AuditController())
    try staff.register(collection: DashboardController())
    try staff.register(collection: HouseholdsController())
    try staff.register(collection: ApplicationsController())
    try staff.register(collection: PayrollController())
    try staff.register(collection: ReturnsController())
    try staff.register(collection: MatchingController())
    try staff.register(collection: NoticesController())
    try staff.register(collection: MonitoringController())
    try staff.register(collection: ComplaintsController())
    try staff.register(collection: ReportController())
    try staff.register(collection: FundsController())
    try staff.register(collection: PolicyController())
    try staff.register(collection: TerminationsController())
    try staff.register(collection: TemporaryController())
    try staff.register(collection: StationController())
}
