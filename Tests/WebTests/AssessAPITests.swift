import Foundation
import TestSupport
import Testing
import VaporTesting

@Suite struct AssessAPITests {
    /// rules.md §8 example 2 through the API: standard 600, 3 people, income 1000 → 800.00.
    @Test func assessesExampleTwo() async throws {
        try await withTestApp { session async throws in
            let json = """
            {"program":"dibao","month":"2021-07","area":"urban","members":[
              {"id":"110101197503149130","relationship":"head","income":[{"kind":"wage","monthly":"1000.00"}]},
              {"id":"110101197708029247","relationship":"spouse"},
              {"id":"110101200511209150","relationship":"child","student":"high-school"}]}
            """
            let r = try await session.app.testing().sendRequest(.POST, "/api/v1/assess",
                                                               headers: ["Content-Type": "application/json", "Cookie": session.cookie, "X-CSRF-Token": session.csrf],
                                                               body: .init(string: json))
            #expect(r.status == .ok)
            let out = try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as! [String: Any]
            #expect(out["monthlyBenefit"] as? String == "800.00")
            #expect(out["policy"] as? String == "510921/2021-01")
        }
    }

    /// Amounts far beyond any household are refused by name, never overflowing the arithmetic.
    @Test func hugeAmountsAreRefusedNotOverflowed() async throws {
        try await withTestApp { session async throws in
            let items = Array(repeating: #"{"kind":"wage","monthly":"99999999.99"}"#, count: 51).joined(separator: ",")
            for (json, key) in [
                (#"{"program":"dibao","month":"2021-07","area":"urban","members":[{"id":"110101197503149130","relationship":"head","income":[{"kind":"wage","monthly":"100000000.01"}]}]}"#, "members[0].income[0].monthly"),
                (#"{"program":"dibao","month":"2021-07","area":"urban","members":[{"id":"110101197503149130","relationship":"head","income":["# + items + "]}]}", "members[0].income"),
            ] {
                let r = try await session.app.testing().sendRequest(.POST, "/api/v1/assess",
                                                                   headers: ["Content-Type": "application/json", "Cookie": session.cookie, "X-CSRF-Token": session.csrf],
                                                                   body: .init(string: json))
                #expect(r.status == .unprocessableEntity)
                #expect(String(buffer: r.body).contains(key))
            }
        }
    }

    @Test func invalidInputNamesMemberKeyAndValue() async throws {
        try await withTestApp { session async throws in
            let json = #"{"program":"dibao","month":"2021-07","area":"urban","members":[{"id":"110101197503149130","relationship":"head","income":[{"kind":"wage","monthly":"abc"}]}]}"#
            let r = try await session.app.testing().sendRequest(.POST, "/api/v1/assess",
                                                               headers: ["Content-Type": "application/json", "Cookie": session.cookie, "X-CSRF-Token": session.csrf],
                                                               body: .init(string: json))
            #expect(r.status == .unprocessableEntity)
            let text = String(buffer: r.body)
            #expect(text.contains("members[0].income[0].monthly"))
            #expect(text.contains("abc"))
        }
    }
}
