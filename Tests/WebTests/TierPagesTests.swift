import Domain
import Foundation
import Persistence
import TestSupport
import Testing
import VaporTesting
@testable import Web

/// 分档 on the household page: the form appears only under a tiered version, records a tier, and refuses a
/// code the version does not list with the field named.
@Suite struct TierPagesTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    @Test func tierFormRecordsAndRefuses() async throws {
        try await withTestApp(policies: [Fixtures.pengxiTiered]) { session async throws in
            try await RegistryStore(session.app.db).register([Fixtures.h01()])
            let page = body(try await session.get("/households/h01"))
            #expect(page.contains(#"action="/households/h01/dibao-tier""#))
            #expect(page.contains("A 重病重残个人 820.00 元"))
            let ok = try await session.post("/households/h01/dibao-tier", form: ["residentID": "110101197503149130", "tier": "A"])
            #expect(ok.status == .seeOther)
            #expect(body(try await session.get("/households/h01")).contains("张某甲（现 A 档）"))
            let bad = try await session.post("/households/h01/dibao-tier", form: ["residentID": "110101197503149130", "tier": "Z"])
            #expect(bad.status == .unprocessableEntity)
            #expect(body(bad).contains("档次“Z”不是政策 510921/2021-01 所列的档次"))
        }
        try await withTestApp { session async throws in
            try await RegistryStore(session.app.db).register([Fixtures.h01()])
            #expect(!body(try await session.get("/households/h01")).contains("dibao-tier"))
        }
    }
}
