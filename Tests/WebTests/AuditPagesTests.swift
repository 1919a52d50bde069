import Domain
import Foundation
import Persistence
import TestSupport
import Testing
import VaporTesting
@testable import Web

/// "Who looked at this person's file this year" answered from the audit pages (issue 6).
@Suite struct AuditPagesTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    @Test func auditorFindsWhoLookedAtAPerson() async throws {
        try await withTestApp { clerk async throws in
            let app = clerk.app
            try await RegistryStore(app.db).register([Fixtures.h01()])
            try await TestSession.addUser(app, "town", role: .townshipClerk, area: "510921112")
            try await TestSession.addUser(app, "other", role: .townshipClerk, area: "510921001")
            try await TestSession.addUser(app, "audit", role: .auditor, area: "510921")
            let town = try await TestSession.signIn(app, "town")
            #expect(try await clerk.get(SiteURL.household("h01").path).status == .ok)
            #expect(try await town.get(SiteURL.household("h01").path).status == .ok)
            #expect(try await town.get(SiteURL.households.with(["q": "110101197503149130"])).status == .ok)
            // Another town's clerk is refused (404) and leaves no view of the file.
            let other = try await TestSession.signIn(app, "other")
            #expect(try await other.get(SiteURL.household("h01").path).status == .notFound)
            await #expect(throws: TestSignInError.self) { try await TestSession.signIn(app, "town", password: "wrong password!") }
            let auditor = try await TestSession.signIn(app, "audit")
            let year = ChinaClock.today().year
            let page = body(try await auditor.get(SiteURL.audit.with(["person": "110101197503149130", "from": "\(year)-01-01"])))
            #expect(page.contains("此人所在家庭：1 户"))
            #expect(page.contains("<td>clerk</td><td class=\"num\">1</td>"))
            #expect(page.contains("<td>town</td><td class=\"num\">2</td>"))
            // The other town's clerk was refused, and the probe is on record against this household.
            #expect(page.contains("<td>other</td><td class=\"num\">1</td>"))
            #expect(page.contains("denied.not-in-area"))
            #expect(page.contains("view.household") && page.contains("search.households"))
            #expect(page.contains("身份证号 110101************，1 户"))
            // Failed sign-ins are there too, by user.
            let logins = body(try await auditor.get(SiteURL.audit.with(["actor": "anonymous", "kind": "login"])))
            #expect(logins.contains("login-failed") && logins.contains("user:town"))
            // The auditor's own question is recorded.
            let mine = body(try await auditor.get(SiteURL.audit.with(["actor": "audit", "kind": "search."])))
            #expect(mine.contains("search.audit"))
            let verified = body(try await auditor.get(SiteURL.auditVerify.path))
            #expect(verified.contains("校验通过"))
            for (query, message) in [(["kind": "drop"], "“操作”填写有误（drop）"), (["from": "2026-13-01"], "“自”填写有误（2026-13-01）")] {
                let r = try await auditor.get(SiteURL.audit.with(KeyValuePairs(dictionaryLiteral: query.first!)))
                #expect(r.status == .unprocessableEntity)
                #expect(body(r).contains(message))
            }
        }
    }
}
