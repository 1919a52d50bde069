import Domain
import Foundation
import NIOPosix
import Persistence
import Vapor
import VaporTesting
import Web

/// A signed-in staff session against a test application: cookie and CSRF token carried along.
public struct TestSession: Sendable {
    public let app: Application
    public var cookie: String
    public var csrf: String

    public init(app: Application, cookie: String, csrf: String) {
        self.app = app
        self.cookie = cookie
        self.csrf = csrf
    }

    public func get(_ path: String) async throws -> TestingHTTPResponse {
        try await app.testing().sendRequest(.GET, path, headers: ["Cookie": cookie])
    }

    /// Posts a form (URL-encoded), adding the CSRF token unless `csrf` is false.
    public func post(_ path: String, form: [String: String] = [:], csrf withToken: Bool = true) async throws -> TestingHTTPResponse {
        var fields = form
        if withToken { fields["_csrf"] = csrf }
        let body = fields.map { "\(Self.encode($0.key))=\(Self.encode($0.value))" }.joined(separator: "&")
        return try await app.testing().sendRequest(.POST, path, headers: [
            "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
        ], body: ByteBuffer(string: body))
    }

    /// Posts a multipart form with one file, as a browser's file input does (CSRF token added).
    public func upload(_ path: String, fields: [String: String] = [:], file: (field: String, name: String, data: Data)) async throws -> TestingHTTPResponse {
        let boundary = "JiuzhuTest\(UUID().uuidString.prefix(8))"
        var body = ByteBuffer()
        for (k, v) in fields.merging(["_csrf": csrf], uniquingKeysWith: { a, _ in a }) {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n")
        }
        body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(file.field)\"; filename=\"\(file.name)\"\r\nContent-Type: text/csv\r\n\r\n")
        body.writeBytes(file.data)
        body.writeString("\r\n--\(boundary)--\r\n")
        return try await app.testing().sendRequest(.POST, path, headers: [
            "Cookie": cookie, "Content-Type": "multipart/form-data; boundary=\(boundary)",
        ], body: body)
    }

    /// The password every test account gets.
    public static let password = "secret-pass-123"

    /// Adds an account with `password` (bcrypt cost 4, for speed).
    @discardableResult
    public static func addUser(_ app: Application, _ username: String, role: StaffRole, area: String,
                               displayName: String = "测试用户", oneTime: Bool = false) async throws -> StaffUser {
        try await UserStore(app.db).add(username: username, displayName: displayName, role: role, areaCode: area,
                                        passwordHash: try Bcrypt.hash(password, cost: 4), oneTime: oneTime)
    }

    /// Signs in through the login page as a browser would: the login page's cookie and token, then the
    /// new session's cookie and token.
    public static func signIn(_ app: Application, _ username: String, password: String = TestSession.password) async throws -> TestSession {
        let loginPage = try await app.testing().sendRequest(.GET, "/login")
        let cookie = loginPage.headers.setCookie?["jiuzhu_session"].map { "jiuzhu_session=\($0.string)" } ?? ""
        let token = csrfToken(in: String(buffer: loginPage.body)) ?? ""
        var session = TestSession(app: app, cookie: cookie, csrf: token)
        let login = try await session.post("/login", form: ["username": username, "password": password])
        guard login.status == .seeOther, let c = login.headers.setCookie?["jiuzhu_session"] else {
            throw TestSignInError(username: username, status: login.status.code)
        }
        session.cookie = "jiuzhu_session=\(c.string)"
        // The session after sign-in has its own token: read it from a page.
        let home = try await session.get("/password")
        session.csrf = csrfToken(in: String(buffer: home.body)) ?? ""
        return session
    }

    /// A second person's session (a county leader, `leader`, added on first use): approvals need one.
    public func secondPerson() async throws -> TestSession {
        if try await UserStore(app.db).user(named: "leader") == nil {
            try await Self.addUser(app, "leader", role: .countyLeader, area: "510921", displayName: "测试领导")
        }
        return try await Self.signIn(app, "leader")
    }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// The value of `name="_csrf" value="…"` in a page.
    public static func csrfToken(in html: String) -> String? {
        guard let r = html.range(of: #"name="_csrf" value=""#) else { return nil }
        let rest = html[r.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}

public struct TestSignInError: Error, CustomStringConvertible {
    public var username: String
    public var status: UInt
    public var description: String { "sign-in as \(username) answered \(status)" }
}

/// A migrated test application on `settings`' database, through `configure` as `serve` builds it; the
/// caller shuts down the app and then the group.
public func makeTestApplication(_ settings: WebSettings) async throws -> (Application, MultiThreadedEventLoopGroup) {
    // One event loop: the in-memory SQLite database then has exactly one connection.
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let app = try await Application.make(.testing, .shared(group))
    do {
        try configure(app, settings: settings)
        app.migrations.add(JiuzhuMigrations.all)
        try await app.autoMigrate()
        try await DataKeyRotation(app.db).verify()
        return (app, group)
    } catch {
        try? await app.asyncShutdown()
        try? await group.shutdownGracefully()
        throw error
    }
}

/// Runs `body` with a migrated test application (its own database, see `withTestDatabase`), signed
/// in as a county clerk, with `policies` imported (the bundled Pengxi file unless a test says
/// otherwise). The app always shuts down.
public func withTestApp(isDemo: Bool = false, today: CivilDate = CivilDate(year: 2021, month: 12, day: 31)!,
                        policies: [PolicyFile] = PolicyBook.bundledFiles,
                        _ body: (TestSession) async throws -> Void) async throws {
    let (dbSettings, cleanup) = try await TestDatabases.make()
    let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-test-\(UUID().uuidString)")
    let settings = WebSettings(database: dbSettings, dataKeys: TestDatabases.keys, dataDirectory: dataDir, isDemo: isDemo, today: { today },
                               maxUploadBytes: 64 * 1024)
    let (app, group) = try await makeTestApplication(settings)
    do {
        for file in policies {
            _ = try await PolicyStore(app.db).importFile(file, fileSHA256: "test", actor: "test")
        }
        try await TestSession.addUser(app, "clerk", role: .countyStaff, area: settings.countyCode)
        try await body(try await TestSession.signIn(app, "clerk"))
    } catch {
        try? await app.asyncShutdown()
        try? await group.shutdownGracefully()
        try? await cleanup()
        try? FileManager.default.removeItem(at: dataDir)
        throw error
    }
    try await app.asyncShutdown()
    try await group.shutdownGracefully()
    try await cleanup()
    try? FileManager.default.removeItem(at: dataDir)
}
