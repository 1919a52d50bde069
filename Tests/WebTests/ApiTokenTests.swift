import Domain
import Foundation
import Persistence
import TestSupport
import Testing
import VaporTesting
@testable import Web

/// Revocable API tokens for other systems (ADR 0018): a token acts as its account, needs no cookie or
/// CSRF token, works on the API only, and stops when revoked or its account is disabled.
@Suite struct ApiTokenTests {
    static let json = #"{"program":"dibao","month":"2021-07","area":"urban","members":[{"id":"110101197503149130","relationship":"head","income":[{"kind":"wage","monthly":"1000.00"}]}]}"#

    func call(_ app: Application, _ token: String, path: String = "/api/v1/assess") async throws -> TestingHTTPResponse {
        try await app.testing().sendRequest(.POST, path, headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"],
                                            body: .init(string: Self.json))
    }

    @Test func tokenActsAsItsAccountUntilRevoked() async throws {
        try await withTestApp { clerk async throws in
            let app = clerk.app
            try await TestSession.addUser(app, "system-a", role: .auditor, area: "510921")
            let store = ApiTokenStore(app.db)
            let token = try await store.create(name: "finance-system", username: "system-a", by: "admin")
            #expect(token.hasPrefix("jz_") && token.count > 40)
            let ok = try await call(app, token)
            #expect(ok.status == .ok)
            #expect(String(buffer: ok.body).contains("\"monthlyBenefit\""))
            #expect(try await store.list().first?.lastUsedAt != nil)
            // Only the API: a page with the token is a page without a session.
            let page = try await app.testing().sendRequest(.GET, "/households", headers: ["Authorization": "Bearer \(token)"])
            #expect(page.headers.first(name: .location) == "/login")
            #expect(try await call(app, "jz_not-a-token").status == .unauthorized)
            await #expect(throws: ApiTokenStore.TokenError.exists("finance-system")) {
                try await store.create(name: "finance-system", username: "system-a", by: "admin")
            }
            await #expect(throws: ApiTokenStore.TokenError.badName("a b")) { try await store.create(name: "a b", username: "system-a", by: "admin") }
            await #expect(throws: UserError.notFound("nobody")) { try await store.create(name: "x1", username: "nobody", by: "admin") }
            try await store.revoke(name: "finance-system", by: "admin")
            #expect(try await call(app, token).status == .unauthorized)
            await #expect(throws: ApiTokenStore.TokenError.notFound("finance-system")) { try await store.revoke(name: "finance-system", by: "admin") }
            // A disabled account's token stops too.
            let second = try await store.create(name: "second", username: "system-a", by: "admin")
            #expect(try await call(app, second).status == .ok)
            try await UserStore(app.db).disable(username: "system-a")
            #expect(try await call(app, second).status == .unauthorized)
            // Made and revoked tokens are in the audit trail.
            let (entries, _) = try await AuditStore(app.db).search(.init(actionPrefix: "token-"), limit: 10, offset: 0)
            #expect(entries.map(\.draft.action) == ["token-added", "token-revoked", "token-added"])
        }
    }

    /// A token's account without the permission is refused (403), as its role would be.
    @Test func tokenHasItsAccountsPermissions() async throws {
        try await withTestApp { clerk async throws in
            try await TestSession.addUser(clerk.app, "sys-admin", role: .admin, area: "510921")
            let token = try await ApiTokenStore(clerk.app.db).create(name: "ops", username: "sys-admin", by: "admin")
            #expect(try await call(clerk.app, token).status == .forbidden)
        }
    }
}
