import Domain
import Foundation
import Persistence
import TestSupport
import Testing
import VaporTesting
@testable import Web

extension Application {
    /// The role's permission for a route (a workflow route counts as allowed: its step decides).
    func allows(_ role: StaffRole, _ url: SiteURL, _ method: HTTPMethod) -> Bool {
        switch url.rule(method) {
        case .open, .signedIn, .step: return true
        case .permission(let p, _): return role.may(p)
        }
    }
}

/// A deterministic generator (SplitMix64), so a failure is reproduced by its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

/// Fuzzed form posts, JSON and uploads against every route (issue 6): no crash, no 500, and a refusal
/// of a field's value names the field. Bounded: a fixed number of cases per route, a fixed seed.
@Suite(.serialized) struct FuzzTests {
    static let seed: UInt64 = 20261130

    /// Values people and attackers type.
    static func value(_ g: inout SeededGenerator) -> String {
        let pool = [
            "", " ", "0", "-1", "2021-07", "2021-07-20", "2021-02-30", "9999-12-31", "0000-00-00", "1e309", "NaN", "900.001",
            "99999999999999999999", "张某甲", "110101197503149130", "11010119750314913X", "110101197503149131", "dibao", "tekun",
            "on", "true", "<script>alert(1)</script>", "' OR 1=1 --", "%00", "\u{0}", "\u{202E}abc", "😀", "a\r\nb",
            String(repeating: "长", count: 5_000), String(repeating: "x", count: 250), "../../etc/passwd", "{\"a\":1}",
            "510921112243", "510921112", "recordInformationCheck", "approve",
        ]
        return pool.randomElement(using: &g)!
    }

    static let keys = ["date", "month", "from", "programme", "text", "reason", "opinion", "amount", "recommend", "residentID",
                       "status", "since", "placement", "selfCareFailed", "assessedOn", "tier", "village", "area", "address",
                       "phone", "m0_name", "m0_id", "m0_rel", "m0_income", "m0_kind", "investigator1", "investigator2",
                       "acceptedOn", "subject", "ground", "type", "cause", "size", "name", "township", "document", "source",
                       "year", "version", "member", "factOn", "father", "mother", "disabilityAllowance", "service", "kind",
                       "username", "displayName", "role", "current", "new", "repeated", "q", "page"]

    static func check(_ r: TestingHTTPResponse, _ label: String) {
        #expect(r.status.code < 500, "\(label) → \(r.status.code)")
        if r.status == .unprocessableEntity {
            let body = String(buffer: r.body)
            #expect(body.contains("“") && body.contains("”") || body.contains("\"error\""), "\(label): a refusal without a name")
        }
    }

    @Test func formPostsNeverFail() async throws {
        try await withTestApp(policies: [AuthorizationMatrixTests.policy]) { clerk async throws in
            let app = clerk.app
            let f = try await AuthorizationMatrixTests.foreignRecords(app)
            var g = SeededGenerator(state: Self.seed)
            var sent = 0
            var statuses: [UInt: Int] = [:]
            for route in app.routes.all where route.method == .POST {
                guard let url = route.userInfo[SiteURL.routeKey] as? SiteURL, url != .logout, url != .login, url != .password,
                      clerk.app.allows(.countyStaff, url, .POST) else { continue }
                let path = AuthorizationMatrixTests.path(url, .POST, f)
                for _ in 0..<12 {
                    var form: [String: String] = [:]
                    for _ in 0..<Int.random(in: 0...6, using: &g) { form[Self.keys.randomElement(using: &g)!] = Self.value(&g) }
                    let r = try await clerk.post(path, form: form)
                    Self.check(r, "POST \(path) \(form.keys.sorted())")
                    statuses[r.status.code, default: 0] += 1
                    sent += 1
                }
            }
            // Workflow steps with every step name and random fields.
            for step in ["recordInformationCheck", "recordHomeVisit", "completeInvestigation", "townshipReview", "raiseObjection",
                         "resolveObjection", "closePublicNotice", "recordCountyHomeVisit", "approve", "refuse", "deliverRefusalNotice",
                         "extendDeadline", "nope"] {
                for _ in 0..<4 {
                    var form: [String: String] = [:]
                    for _ in 0..<Int.random(in: 0...5, using: &g) { form[Self.keys.randomElement(using: &g)!] = Self.value(&g) }
                    let path = SiteURL.applicationStep(f.application, step: step).path
                    Self.check(try await clerk.post(path, form: form), "POST \(path)")
                    sent += 1
                }
            }
            // Query strings on every page.
            for route in app.routes.all where route.method == .GET {
                guard let url = route.userInfo[SiteURL.routeKey] as? SiteURL else { continue }
                let path = AuthorizationMatrixTests.path(url, .GET, f)
                for _ in 0..<4 {
                    let key = Self.keys.randomElement(using: &g)!
                    let r = try await clerk.get(path + "?" + key + "=" + (Self.value(&g).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
                    Self.check(r, "GET \(path)?\(key)")
                    sent += 1
                }
            }
            #expect(sent > 450)
            // The handlers were reached (not all refused at the door): refusals by field and some successes.
            #expect(statuses[422, default: 0] > 200 && statuses[303, default: 0] > 10, "\(statuses)")
            #expect(statuses[403, default: 0] == 0 && statuses[400, default: 0] == 0, "\(statuses)")
        }
    }

    /// The assess API with mutated JSON: no 500; refusals name the key.
    @Test func jsonNeverFails() async throws {
        try await withTestApp { clerk async throws in
            var g = SeededGenerator(state: Self.seed)
            let base: [String: Any] = ["program": "dibao", "month": "2021-07", "area": "urban", "members": [
                ["id": "110101197503149130", "relationship": "head", "income": [["kind": "wage", "monthly": "1000.00"]]],
            ]]
            let odd: [Any] = [NSNull(), 1, -1, 1.5, "", "x", true, [Any](), [String: Any](), String(repeating: "9", count: 400), ["kind": "wage"]]
            for _ in 0..<150 {
                var doc = base
                var member = (base["members"] as! [[String: Any]])[0]
                switch Int.random(in: 0...4, using: &g) {
                case 0: doc[["program", "month", "area", "members", "extra"].randomElement(using: &g)!] = odd.randomElement(using: &g)!
                case 1: member[["id", "relationship", "income", "student", "disability"].randomElement(using: &g)!] = odd.randomElement(using: &g)!
                        doc["members"] = [member]
                case 2: member["income"] = [["kind": Self.value(&g), "monthly": Self.value(&g)]]; doc["members"] = [member]
                case 3: doc["members"] = Array(repeating: member, count: Int.random(in: 0...60, using: &g))
                default: doc.removeValue(forKey: ["program", "month", "area", "members"].randomElement(using: &g)!)
                }
                let data = try JSONSerialization.data(withJSONObject: doc)
                let r = try await clerk.app.testing().sendRequest(.POST, "/api/v1/assess", headers: [
                    "Content-Type": "application/json", "Cookie": clerk.cookie, "X-CSRF-Token": clerk.csrf,
                ], body: .init(data: data))
                #expect(r.status.code < 500, "\(String(decoding: data, as: UTF8.self).prefix(300)) → \(r.status.code)")
            }
            // Not JSON at all.
            for text in ["", "{", "null", "[]", "\u{0}", String(repeating: "[", count: 5_000)] {
                let r = try await clerk.app.testing().sendRequest(.POST, "/api/v1/assess", headers: [
                    "Content-Type": "application/json", "Cookie": clerk.cookie, "X-CSRF-Token": clerk.csrf,
                ], body: .init(string: text))
                #expect(r.status.code < 500, "\(text.prefix(20)) → \(r.status.code)")
            }
        }
    }

    /// Uploads with odd names, kinds, types and contents: no 500.
    @Test func uploadsNeverFail() async throws {
        try await withTestApp { clerk async throws in
            try await RegistryStore(clerk.app.db).register([Fixtures.h01()])
            var g = SeededGenerator(state: Self.seed)
            let names = ["scan.pdf", "", "../../x.pdf", "a\"b.pdf", "照片.jpg", String(repeating: "n", count: 300) + ".pdf", "x.exe", "\u{202E}fdp.exe"]
            let kinds = ["other", "application", "", "nope", "income-proof"]
            let types = ["application/pdf", "text/html", "", "image/jpeg", "application/x-msdownload"]
            for i in 0..<40 {
                let boundary = "Xfuzz\(i)"
                var body = ByteBuffer(string: "--\(boundary)\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n\(kinds.randomElement(using: &g)!)\r\n")
                if i % 7 != 3 {
                    body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(names.randomElement(using: &g)!)\"\r\nContent-Type: \(types.randomElement(using: &g)!)\r\n\r\n")
                    body.writeBytes((0..<Int.random(in: 0...3_000, using: &g)).map { _ in UInt8.random(in: 0...255, using: &g) })
                    body.writeString("\r\n")
                }
                body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(clerk.csrf)\r\n--\(boundary)--\r\n")
                let r = try await clerk.app.testing().sendRequest(.POST, SiteURL.householdDocuments("h01").path, headers: [
                    "Cookie": clerk.cookie, "Content-Type": "multipart/form-data; boundary=\(boundary)",
                ], body: body)
                #expect(r.status.code < 500, "upload \(i) → \(r.status.code)")
            }
        }
    }

    /// Issue 6's examples: a 50,000-character search, a 100,000-character opinion, a phone of any text.
    @Test func oversizedAndMalformedFieldsAreRefusedByName() async throws {
        try await withTestApp(policies: [AuthorizationMatrixTests.policy]) { clerk async throws in
            let search = try await clerk.get(SiteURL.households.path + "?q=" + String(repeating: "a", count: 50_000))
            #expect(search.status == .unprocessableEntity)
            #expect(String(buffer: search.body).contains("“q”填写有误"))
            let short = try await clerk.get(SiteURL.households.with(["q": String(repeating: "张", count: 41)]))
            #expect(String(buffer: short.body).contains("“姓名或身份证号”填写有误"))
            let f = try await AuthorizationMatrixTests.foreignRecords(clerk.app)
            let opinion = try await clerk.post(SiteURL.applicationStep(f.application, step: "recordInformationCheck").path,
                                               form: ["date": "2021-07-01", "text": String(repeating: "意", count: 100_000)])
            #expect(opinion.status == .unprocessableEntity)
            #expect(String(buffer: opinion.body).contains("“text”填写有误"))
            let form = ["village": "510921112243", "area": "rural", "address": "桂花村 3 组", "m0_name": "赵某", "m0_id": "110101198001010010",
                        "m0_rel": "head", "payee": "0"]
            for (key, value, field) in [("phone", "call me maybe", "联系电话"), ("address", String(repeating: "址", count: 201), "家庭住址"),
                                        ("m0_name", String(repeating: "名", count: 41), "第 1 行成员姓名")] {
                var f = form
                f[key] = value
                let r = try await clerk.post(SiteURL.households.path, form: f)
                #expect(r.status == .unprocessableEntity, "\(key)")
                #expect(String(buffer: r.body).contains("“\(field)”填写有误"), "\(key)")
            }
            var ok = form
            ok["phone"] = "(0825)5435019"
            #expect(try await clerk.post(SiteURL.households.path, form: ok).status == .seeOther)
        }
    }
}
