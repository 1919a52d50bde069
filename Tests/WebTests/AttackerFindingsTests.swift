import Domain
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing
import VaporTesting
@testable import Web

/// What a tester acting as an attacker found in this release, each kind fixed and kept fixed (issue 6).
@Suite struct AttackerFindingsTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    /// A server left running with the old key after `jiuzhu key rotate` writes nothing sealed: the database
    /// refuses it, and the page says the key was changed and the server must be restarted (found when tried
    /// as a new user would).
    @Test func aServerLeftRunningThroughARotationWritesNothing() async throws {
        let (db, cleanup) = try await TestDatabases.make(onDisk: true)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-test-\(UUID().uuidString)")
        let (app, group) = try await makeTestApplication(WebSettings(database: db, dataKeys: TestDatabases.keys, dataDirectory: dir))
        do {
            try await TestSession.addUser(app, "clerk", role: .countyStaff, area: "510921")
            let clerk = try await TestSession.signIn(app, "clerk")
            let newKey = try DataKeys.Key(text: DataKeys.newKeyText(), name: "new")
            let rotation = try DatabaseHandle(db, keys: DataKeys(current: newKey, previous: [TestDatabases.keys.current]))
            _ = try await DataKeyRotation(rotation.db).rotate()
            await rotation.close()
            let created = try await clerk.post("/households", form: [
                "village": "510921112243", "area": "rural", "address": "桂花村 1 号",
                "m0_name": "王某", "m0_id": "110101199003079163", "m0_rel": "head", "payee": "0",
            ])
            #expect(created.status == .internalServerError)
            #expect(body(created).contains("数据密钥已更换，本服务仍在使用旧密钥，未写入任何数据"))
            struct N: Decodable { var n: Int }
            #expect(try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM households").first(decoding: N.self)?.n == 0)
        } catch {
            try? await app.asyncShutdown(); try? await group.shutdownGracefully(); try? await cleanup()
            throw error
        }
        try await app.asyncShutdown()
        try await group.shutdownGracefully()
        try await cleanup()
    }

    /// An account that may not reveal ID numbers (a county leader) searches by a full number 60 times an
    /// hour, then is refused (recorded); the county staff, who may reveal, are not limited. The region code
    /// and birth date on a page leave at most 500 candidates: search must not be the oracle.
    @Test func searchesByIDNumberAreLimitedForThoseWhoMayNotReveal() async throws {
        try await withTestApp { clerk async throws in
            try await RegistryStore(clerk.app.db).register([Fixtures.h01()])
            let leader = try await clerk.secondPerson()
            let ids = (0..<61).map { i -> String in
                let body = "51092119611128" + String(format: "%03d", i)
                let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
                let sum = zip(body, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
                return body + String(Array("10X98765432")[sum % 11])
            }
            for id in ids.prefix(60) { #expect(try await leader.get("/households?q=\(id)").status == .ok) }
            let refused = try await leader.get("/households?q=\(ids[60])")
            #expect(refused.status == .tooManyRequests)
            #expect(body(refused).contains("按身份证号查询次数已达每小时上限"))
            // By name the leader still searches; the clerk (who may reveal) searches by number freely.
            #expect(try await leader.get("/households?q=%E5%BC%A0").status == .ok)
            for id in ids { #expect(try await clerk.get("/households?q=\(id)").status == .ok) }
            struct N: Decodable { var n: Int }
            let denied = try await (clerk.app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM audit_log WHERE action = 'denied.search-limit'")
                .first(decoding: N.self)?.n
            #expect(denied == 1)
        }
    }

    /// Bodies a page does not take, and values around the form decoder: refused before any handler.
    @Test func bodiesAroundTheLimitsAreRefused() async throws {
        try await withTestApp(policies: [AuthorizationMatrixTests.policy]) { clerk async throws in
            let f = try await AuthorizationMatrixTests.foreignRecords(clerk.app)
            let path = SiteURL.applicationStep(f.application, step: "recordInformationCheck").path
            let events = try await ApplicationStore(clerk.app.db).events(of: f.application).count
            let json = try await clerk.app.testing().sendRequest(.POST, path, headers: [
                "Cookie": clerk.cookie, "X-CSRF-Token": clerk.csrf, "Content-Type": "application/json",
            ], body: .init(string: #"{"date":"2021-07-01","text":"\#(String(repeating: "B", count: 10_000))"}"#))
            #expect(json.status == .unsupportedMediaType)
            let nested = try await clerk.post(path, form: ["date": "2021-07-01", "x[a]": String(repeating: "C", count: 5_000), "text": "核对"])
            #expect(nested.status == .unprocessableEntity)
            #expect(body(nested).contains("“x[a]”填写有误"))
            let control = try await clerk.post(path, form: ["date": "2021-07-01", "text": "核对\u{0}结果"])
            #expect(control.status == .unprocessableEntity)
            #expect(body(control).contains("“text”填写有误"))
            let multipart = try await clerk.app.testing().sendRequest(.POST, path, headers: [
                "Cookie": clerk.cookie, "X-CSRF-Token": clerk.csrf, "Content-Type": "multipart/form-data; boundary=XyZ",
            ], body: .init(string: "--XyZ\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nx\r\n--XyZ--\r\n"))
            #expect(multipart.status == .unsupportedMediaType)
            #expect(try await ApplicationStore(clerk.app.db).events(of: f.application).count == events)
            // A malformed multipart upload is refused by name, not a 500.
            let broken = try await clerk.app.testing().sendRequest(.POST, SiteURL.householdDocuments(f.household).path, headers: [
                "Cookie": clerk.cookie, "X-CSRF-Token": clerk.csrf, "Content-Type": "multipart/form-data; boundary=XyZ",
            ], body: .init(string: "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\r\ny\"\r\n\r\nabc\r\n--XyZ--\r\n"))
            #expect(broken.status.code < 500)
        }
    }

    /// A township leader refuses at the township's stage, never a case waiting for the county.
    @Test func townshipLeaderCannotRefuseAtTheCountyStage() async throws {
        try await withTestApp(policies: [AuthorizationMatrixTests.policy]) { clerk async throws in
            let app = clerk.app
            try await RegistryStore(app.db).register([Fixtures.h01()])
            let store = TemporaryCaseStore(app.db, today: { Fixtures.date("2021-12-31") })
            let d = Fixtures.date
            let id = try await store.open(.household(id: "h01"), type: .emergency, cause: "房屋失火", size: .amount(.yuan(2_000)),
                                          acceptedOn: d("2021-03-01"), actor: "t")
            _ = try await store.recordInvestigation(id, HomeVisit(date: d("2021-03-02"), investigators: ["王", "李"], findings: "属实"), actor: "t")
            let sent = try await store.townshipDecision(id, on: d("2021-03-03"), opinion: "报县", payment: .payroll, actor: "t")
            #expect(sent.temporaryCase.state == .countyReview)
            try await TestSession.addUser(app, "lead", role: .townshipLeader, area: "510921112")
            let lead = try await TestSession.signIn(app, "lead")
            let page = body(try await lead.get(SiteURL.temporaryCase(id).path))
            #expect(!page.contains("/refuse\"") && !page.contains("/countyApprove\""))
            let r = try await lead.post(SiteURL.temporaryCaseStep(id, step: "refuse").path, form: ["date": "2021-03-05", "text": "不予救助"])
            #expect(r.status == .forbidden)
            #expect(body(r).contains("本案已报县级审批：不予救助须由县级决定"))
            #expect(try await store.temporaryCase(id).temporaryCase.state == .countyReview)
        }
    }

    /// A duplicate ID number registered in another town is refused without naming that person or household.
    @Test func refusalsDoNotNameAnotherTownsPeople() async throws {
        try await withTestApp(policies: [AuthorizationMatrixTests.policy]) { clerk async throws in
            let app = clerk.app
            try await RegistryStore(app.db).register([Fixtures.h01()])
            try await TestSession.addUser(app, "town", role: .townshipClerk, area: "510921001")
            let town = try await TestSession.signIn(app, "town")
            let r = try await town.post(SiteURL.households.path, form: [
                "village": "510921001901", "area": "urban", "address": "东街 1 号", "m0_name": "某人", "m0_id": "110101197503149130",
                "m0_rel": "head", "payee": "0",
            ])
            #expect(r.status == .conflict)
            #expect(body(r).contains("该身份证号已登记为本县其他地区家庭的成员"))
            #expect(!body(r).contains("h01") && !body(r).contains("张某甲"))
            // The county's staff see where.
            let county = try await clerk.post(SiteURL.households.path, form: [
                "village": "510921001901", "area": "urban", "address": "东街 1 号", "m0_name": "某人", "m0_id": "110101197503149130",
                "m0_rel": "head", "payee": "0",
            ])
            #expect(body(county).contains("已登记在另一户（h01）"))
        }
    }

    /// A HEAD request reads the page as a GET does, and is recorded as one.
    @Test func headRequestsAreRecorded() async throws {
        try await withTestApp { clerk async throws in
            try await RegistryStore(clerk.app.db).register([Fixtures.h01()])
            let r = try await clerk.app.testing().sendRequest(.HEAD, SiteURL.household("h01").path, headers: ["Cookie": clerk.cookie])
            #expect(r.status == .ok)
            #expect(try await AuditStore(clerk.app.db).search(.init(householdIDs: ["h01"], actionPrefix: "view."), limit: 5, offset: 0).total == 1)
        }
    }
}
