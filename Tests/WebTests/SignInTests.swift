import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing
import VaporTesting
@testable import Web

/// Sign-in as an attacker would try it (issue 6): fixation, concurrent guesses, lockouts, one-time
/// passwords, sessions that end and sessions that survive a restart.
@Suite struct SignInTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    static func count(_ app: Application, _ sql: SQLQueryString) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await (app.db as! any SQLDatabase).raw(sql).first(decoding: N.self)?.n ?? -1
    }

    /// The session id planted before sign-in is worth nothing afterwards; the new one is another.
    @Test func signInStartsANewSession() async throws {
        try await withTestApp { clerk async throws in
            let app = clerk.app
            let page = try await app.testing().sendRequest(.GET, "/login")
            let planted = "jiuzhu_session=" + page.headers.setCookie!["jiuzhu_session"]!.string
            let token = TestSession.csrfToken(in: body(page))!
            let anonymous = TestSession(app: app, cookie: planted, csrf: token)
            let login = try await anonymous.post("/login", form: ["username": "clerk", "password": TestSession.password])
            #expect(login.status == .seeOther)
            let issued = "jiuzhu_session=" + login.headers.setCookie!["jiuzhu_session"]!.string
            #expect(issued != planted)
            #expect(try await app.testing().sendRequest(.GET, "/households", headers: ["Cookie": planted]).headers.first(name: .location) == "/login")
            #expect(try await app.testing().sendRequest(.GET, "/households", headers: ["Cookie": issued]).status == .ok)
        }
    }

    /// Cookie flags and security headers.
    @Test func cookieAndHeaders() async throws {
        try await withTestApp { clerk async throws in
            let page = try await clerk.app.testing().sendRequest(.GET, "/login")
            let cookie = page.headers.first(name: .setCookie) ?? ""
            #expect(cookie.contains("HttpOnly") && cookie.contains("Secure") && cookie.contains("SameSite=Lax"), "\(cookie)")
            let home = try await clerk.get("/")
            #expect(home.headers.first(name: "Content-Security-Policy") == SecurityHeadersMiddleware.contentSecurityPolicy)
            #expect(home.headers.first(name: "X-Frame-Options") == "DENY")
            #expect(home.headers.first(name: "X-Content-Type-Options") == "nosniff")
            #expect(home.headers.first(name: "Referrer-Policy") == "same-origin")
            #expect(!body(home).contains("javascript:"))
        }
    }

    /// A hundred concurrent wrong passwords: five are checked (the limit), the rest refused unchecked.
    @Test func concurrentGuessesStopAtTheLimit() async throws {
        try await withTestApp { clerk async throws in
            let app = clerk.app
            let page = try await app.testing().sendRequest(.GET, "/login")
            let attacker = TestSession(app: app, cookie: "jiuzhu_session=" + page.headers.setCookie!["jiuzhu_session"]!.string,
                                       csrf: TestSession.csrfToken(in: body(page))!)
            let statuses = try await withThrowingTaskGroup(of: UInt.self) { group in
                for i in 0..<100 {
                    group.addTask { try await attacker.post("/login", form: ["username": "clerk", "password": "wrong-\(i)"]).status.code }
                }
                return try await group.reduce(into: [UInt]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == 401 }.count == 5)
            #expect(statuses.filter { $0 == 429 }.count == 95)
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'login-failed'") == 5)
            // The flood of refusals is one entry a minute, not 95 writes.
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'login-refused'") == 1)
        }
    }

    /// The limits by pair, address and account; a success clears only the pair.
    @Test func throttleLimits() async {
        let t = LoginThrottle(perPair: 5, perAddress: 20, perAccount: 50)
        for _ in 0..<5 {
            #expect(await t.begin(account: "admin", address: "10.0.0.9") == nil)
            await t.finish(account: "admin", address: "10.0.0.9", success: false)
        }
        // The guesser's address is locked out of the account; the owner at another desk is not.
        #expect(await t.begin(account: "admin", address: "10.0.0.9")?.reason == "该账号在该地址连续失败 5 次")
        #expect(await t.begin(account: "ADMIN", address: "10.0.0.9")?.reason == "该账号在该地址连续失败 5 次")
        #expect(await t.begin(account: "admin", address: "10.0.0.1") == nil)
        await t.finish(account: "admin", address: "10.0.0.1", success: true)
        // One address trying many accounts.
        for i in 0..<15 {
            #expect(await t.begin(account: "user\(i)", address: "10.0.0.9") == nil)
            await t.finish(account: "user\(i)", address: "10.0.0.9", success: false)
        }
        #expect(await t.begin(account: "someone", address: "10.0.0.9")?.reason == "该地址连续失败 20 次")
        // Many addresses against one account.
        for i in 0..<45 {
            #expect(await t.begin(account: "clerk", address: "10.1.0.\(i)") == nil)
            await t.finish(account: "clerk", address: "10.1.0.\(i)", success: false)
        }
        #expect(await t.begin(account: "clerk", address: "10.2.0.1") == nil)
        await t.finish(account: "clerk", address: "10.2.0.1", success: false)
        for i in 0..<4 {
            #expect(await t.begin(account: "clerk", address: "10.3.0.\(i)") == nil)
            await t.finish(account: "clerk", address: "10.3.0.\(i)", success: false)
        }
        #expect(await t.begin(account: "clerk", address: "10.4.0.1")?.reason == "该账号连续失败 50 次")
    }

    /// A one-time password opens the password page and nothing else; once changed it no longer works,
    /// and the new one does.
    @Test func oneTimePasswordMustBeChangedAndIsSpent() async throws {
        try await withTestApp { clerk async throws in
            let app = clerk.app
            try await TestSession.addUser(app, "zhang", role: .townshipClerk, area: "510921001", oneTime: true)
            let s = try await TestSession.signIn(app, "zhang")
            #expect(try await s.get("/households").headers.first(name: .location) == "/password")
            #expect(try await s.get("/").headers.first(name: .location) == "/password")
            #expect(body(try await s.get("/password")).contains("一次性密码"))
            let weak = try await s.post("/password", form: ["current": TestSession.password, "new": "short", "repeated": "short"])
            #expect(weak.status == .badRequest)
            #expect(body(weak).contains("密码不符合要求：至少 12 个字符"))
            let named = try await s.post("/password", form: ["current": TestSession.password, "new": "zhang-2021-pengxi", "repeated": "zhang-2021-pengxi"])
            #expect(body(named).contains("不得包含用户名"))
            let changed = try await s.post("/password", form: ["current": TestSession.password, "new": "Pengxi county 2021", "repeated": "Pengxi county 2021"])
            #expect(changed.status == .seeOther)
            // The session goes on under a new id; the old cookie is dead.
            let renewed = "jiuzhu_session=" + changed.headers.setCookie!["jiuzhu_session"]!.string
            #expect(renewed != s.cookie)
            #expect(try await app.testing().sendRequest(.GET, "/households", headers: ["Cookie": renewed]).status == .ok)
            #expect(try await s.get("/households").headers.first(name: .location) == "/login")
            await #expect(throws: TestSignInError.self) { try await TestSession.signIn(app, "zhang") }
            let again = try await TestSession.signIn(app, "zhang", password: "Pengxi county 2021")
            #expect(try await again.get("/households").status == .ok)
        }
    }

    /// Logout ends the session; a password change ends the user's other sessions; a disabled account
    /// is signed out everywhere and cannot sign in.
    @Test func sessionsEnd() async throws {
        try await withTestApp { clerk async throws in
            let app = clerk.app
            try await TestSession.addUser(app, "li", role: .townshipClerk, area: "510921001")
            let desk = try await TestSession.signIn(app, "li")
            let laptop = try await TestSession.signIn(app, "li")
            _ = try await desk.post("/logout")
            #expect(try await desk.get("/households").headers.first(name: .location) == "/login")
            #expect(try await laptop.get("/households").status == .ok)
            let phone = try await TestSession.signIn(app, "li")
            _ = try await phone.post("/password", form: ["current": TestSession.password, "new": "a new passphrase", "repeated": "a new passphrase"])
            #expect(try await laptop.get("/households").headers.first(name: .location) == "/login")
            let last = try await TestSession.signIn(app, "li", password: "a new passphrase")
            try await TestSession.addUser(app, "root", role: .admin, area: "510921")
            let admin = try await TestSession.signIn(app, "root")
            #expect(try await admin.post(SiteURL.userDisable("li").path).status == .seeOther)
            #expect(try await last.get("/households").headers.first(name: .location) == "/login")
            await #expect(throws: TestSignInError.self) { try await TestSession.signIn(app, "li", password: "a new passphrase") }
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'li'") == 0)
        }
    }

    /// Sessions live in the database: a new application on the same database (a restart) keeps them.
    /// A page that changes nothing writes its session at most once a minute (`SessionStore.touchInterval`);
    /// a session last written more than a minute ago is written again.
    @Test func readingPagesDoNotWriteTheSessionEachTime() async throws {
        try await withTestApp { clerk async throws in
            let sql = clerk.app.db as! any SQLDatabase
            struct T: Decodable { var lastSeenAt: Date }
            func lastSeen() async throws -> Date {
                try #require(try await sql.raw("SELECT last_seen_at FROM sessions WHERE user_id IS NOT NULL")
                    .first(decoding: T.self, with: SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase))).lastSeenAt
            }
            let first = try await lastSeen()
            #expect(try await clerk.get("/households").status == .ok)
            #expect(try await clerk.get("/households").status == .ok)
            #expect(try await lastSeen() == first)
            let stale = first.addingTimeInterval(-120)
            try await sql.raw("UPDATE sessions SET last_seen_at = \(bind: stale)").run()
            #expect(try await clerk.get("/households").status == .ok)
            #expect(try await lastSeen() > stale.addingTimeInterval(60))
        }
    }

    @Test func sessionsSurviveARestart() async throws {
        let (db, cleanup) = try await TestDatabases.make(onDisk: true)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-test-\(UUID().uuidString)")
        let settings = WebSettings(database: db, dataKeys: TestDatabases.keys, dataDirectory: dir)
        let (first, g1) = try await makeTestApplication(settings)
        try await TestSession.addUser(first, "wang", role: .countyStaff, area: "510921")
        let cookie = try await TestSession.signIn(first, "wang").cookie
        try await first.asyncShutdown()
        try await g1.shutdownGracefully()
        let (second, g2) = try await makeTestApplication(settings)
        let r = try await second.testing().sendRequest(.GET, "/households", headers: ["Cookie": cookie])
        #expect(r.status == .ok)
        #expect(String(buffer: r.body).contains("测试用户（县民政局业务人员，蓬溪县）"))
        try await second.asyncShutdown()
        try await g2.shutdownGracefully()
        try await cleanup()
    }

    /// An account whose area does not fit its role (a township clerk migrated without one) cannot work
    /// and is told why.
    @Test func accountWithoutAreaIsRefused() async throws {
        try await withTestApp { clerk async throws in
            let app = clerk.app
            try await TestSession.addUser(app, "old", role: .townshipClerk, area: "510921001")
            let s = try await TestSession.signIn(app, "old")
            try await (app.db as! any SQLDatabase).raw("UPDATE users SET area_code = NULL WHERE username = 'old'").run()
            let r = try await s.get("/households")
            #expect(r.status == .forbidden)
            #expect(body(r).contains("账号 old 的管辖区域未设置或有误"))
        }
    }

    /// The users page: an administrator adds a township clerk (a one-time password, shown once), a bad
    /// area or role is refused by name, and nobody else may open the page.
    @Test func administratorManagesUsers() async throws {
        try await withTestApp { clerk async throws in
            let app = clerk.app
            #expect(try await clerk.get(SiteURL.users.path).status == .forbidden)
            try await TestSession.addUser(app, "root", role: .admin, area: "510921")
            let admin = try await TestSession.signIn(app, "root")
            let added = try await admin.post(SiteURL.users.path, form: ["username": "chen", "displayName": "陈某", "role": "township-clerk", "area": "510921001"])
            #expect(added.status == .ok)
            let page = body(added)
            #expect(page.contains("账号 chen 的一次性密码"))
            let password = try #require(page.range(of: "<strong>").map { String(page[$0.upperBound...].prefix(14)) })
            let chen = try await TestSession.signIn(app, "chen", password: password)
            #expect(try await chen.get("/").headers.first(name: .location) == "/password")
            for (form, message) in [
                (["username": "x1", "displayName": "某", "role": "township-clerk", "area": "510921"], "区域 “510921” 与角色 township-clerk（乡镇经办人）不符：应为乡镇（9 位代码）"),
                (["username": "x2", "displayName": "某", "role": "clerk", "area": "510921"], "角色 “clerk” 不存在"),
                (["username": "x3", "displayName": "某", "role": "auditor", "area": "999999"], "区域代码 “999999” 不是本县的县、乡镇或村（社区）代码"),
                (["username": "张三", "displayName": "某", "role": "auditor", "area": "510921"], "用户名 “张三” 不可用"),
                (["username": "chen", "displayName": "某", "role": "auditor", "area": "510921"], "用户 “chen” 已存在"),
            ] {
                let r = try await admin.post(SiteURL.users.path, form: form)
                #expect([409, 422].contains(r.status.code))
                #expect(body(r).contains(message), "\(message)")
            }
            #expect(try await Self.count(app, "SELECT COUNT(*) AS n FROM users WHERE username LIKE 'x%'") == 0)
            #expect(try await admin.post(SiteURL.userDisable("root").path).status == .conflict)
        }
    }
}
