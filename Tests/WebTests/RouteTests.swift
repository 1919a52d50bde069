import Foundation
import TestSupport
import Testing
import VaporTesting
@testable import Web

@Suite struct RouteTests {
    /// Every route the app registers is a `SiteURL` case and every case is registered: a page added
    /// with a path written as a string fails here (and the authorization matrix can enumerate them).
    @Test func registeredRoutesAreExactlyTheSiteURLs() async throws {
        try await withTestApp { session async throws in
            let registered = Set(session.app.routes.all.map { "/" + $0.path.map(\.description).joined(separator: "/") })
            #expect(registered == Set(SiteURL.registered.map(\.path)))
        }
    }

    @Test(arguments: [
        (SiteURL.payrollApprove("3f2a"), "/payroll/3f2a/approve"),
        (SiteURL.householdDocument("h 1", document: "d/2"), "/households/h%201/documents/d%2F2"),
        (SiteURL.home, "/"),
        (SiteURL.applicationStep("a1", step: "townshipReview"), "/applications/a1/townshipReview"),
    ])
    func paths(url: SiteURL, path: String) {
        #expect(url.path == path)
    }

    /// Query values are escaped, so a clerk's search text can never add a parameter; empty ones are left out.
    @Test func queryValuesAreEscaped() {
        #expect(SiteURL.households.with(["page": "2", "q": "张某&town=x", "town": ""])
                == "/households?page=2&q=%E5%BC%A0%E6%9F%90%26town%3Dx")
        #expect(SiteURL.funds.with(["year": ""]) == "/funds")
    }
}
