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

/// Runs `body` with a migrated test application (its own database, see `withTestDatabase`), signed
/// in as a county clerk, with `policies` imported (the bundled Pengxi file unless a test says
/// otherwise). The app always shuts down.
public func withTestApp(isDemo: Bool = false, today: CivilDate = CivilDate(year: 2021, month: 12, day: 31)!,
                        policies: [PolicyFile] = PolicyBook.bundledFiles,
                        _ body: (TestSession) async throws -> Void) async throws {
    let (dbSettings, cleanup) = try await TestDatabases.make()
    let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-test-\(UUID().uuidString)")
    // One event loop: the in-memory SQLite database then has exactly one connection.
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let app = try await Application.make(.testing, .shared(group))
    do {
        let settings = WebSettings(database: dbSettings, dataDirectory: dataDir, isDemo: isDemo, today: { today },
                                   maxUploadBytes: 64 * 1024)
        try configure(app, settings: settings)
        app.migrations.add(JiuzhuMigrations.all)
        try await app.autoMigrate()
        for file in policies {
            _ = try await PolicyStore(app.db).importFile(file, fileSHA256: "test", actor: "test")
        }
        try await UserStore(app.db).upsert(username: "clerk", displayName: "测试经办人", role: .countyClerk,
                                           passwordHash: try Bcrypt.hash("secret-pass", cost: 4))
        let loginPage = try await app.testing().sendRequest(.GET, "/login")
        var cookie = loginPage.headers.setCookie?["jiuzhu_session"].map { "jiuzhu_session=\($0.string)" } ?? ""
        let token = TestSession.csrfToken(in: String(buffer: loginPage.body)) ?? ""
        var session = TestSession(app: app, cookie: cookie, csrf: token)
        let login = try await session.post("/login", form: ["username": "clerk", "password": "secret-pass"])
        if let c = login.headers.setCookie?["jiuzhu_session"] { cookie = "jiuzhu_session=\(c.string)" }
        session.cookie = cookie
        try await body(session)
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
