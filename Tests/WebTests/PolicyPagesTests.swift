import Domain
import Foundation
import Persistence
import Plot
import TestSupport
import Testing
import VaporTesting
@testable import Web

/// The policy page as a pure function of its model.
@Suite struct PolicyPageViewTests {
    @Test func versionsWarningsAndForm() {
        var later = Policy.pengxi2021
        later.effective = YearMonth(year: 2022, month: 1)!
        later.dibao!.standard[.urban] = .yuan(620)
        later.signed = CivilDate(year: 2022, month: 2, day: 15)
        later.document = "蓬民发〔2022〕5号"
        later.tekun = nil
        let m = PolicyIndex.Model(
            region: "510921", today: CivilDate(year: 2022, month: 3, day: 1)!,
            versions: [.init(policy: .pengxi2021, enteredBy: "0009_PolicyVersions", enteredAt: "2022-01-05T09:00:00+08:00",
                             decisions: 14_000, inForce: false),
                       .init(policy: later, enteredBy: "股长", enteredAt: "2022-02-16T10:00:00+08:00", decisions: 0, inForce: true)],
            warnings: ["保障标准自 2021-01 起未调整"], missing: nil)
        let html = PolicyIndex.view(m, csrf: "tok").render()
        #expect(html.contains("510921/2022-01<span class=\"badge ok\">现行</span>"))
        #expect(html.contains("620.00 / 420.00"))
        #expect(html.contains("护理标准未配置"))
        #expect(html.contains("蓬民发〔2022〕5号"))
        #expect(html.contains("未配置"))          // 特困 not in the later version
        #expect(html.contains("未录入"))          // 2021's signing date is not known
        #expect(html.contains(">14000<"))
        #expect(html.contains("提示：保障标准自 2021-01 起未调整"))
        #expect(html.contains(#"action="/policies""#))
        #expect(html.contains(#"enctype="multipart/form-data""#))
        #expect(!html.contains("flash error"))
    }
}

@Suite struct PolicyPageTests {
    func upload(_ session: TestSession, _ json: String, filename: String = "policy.json") async throws -> TestingHTTPResponse {
        let boundary = "XjiuzhuBoundary"
        var body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n\(session.csrf)\r\n"
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(filename)\"\r\nContent-Type: application/json\r\n\r\n\(json)\r\n"
        body += "--\(boundary)--\r\n"
        return try await session.app.testing().sendRequest(.POST, "/policies", headers: [
            "Cookie": session.cookie, "Content-Type": "multipart/form-data; boundary=\(boundary)",
        ], body: .init(string: body))
    }

    static let pengxi = PolicyBook.bundledFile(region: "510921")!.text

    @Test func listImportAndRefuse() async throws {
        try await withTestApp { session async throws in
            let page = String(buffer: try await session.get("/policies").body)
            #expect(page.contains("510921/2021-01<span class=\"badge ok\">现行</span>"))
            #expect(page.contains("600.00 / 420.00"))
            // A typo is refused with the version and key named; nothing is entered.
            let bad = try await upload(session, Self.pengxi.replacingOccurrences(of: #""method": "gap""#, with: #""methd": "gap""#))
            #expect(bad.status == .unprocessableEntity)
            #expect(String(buffer: bad.body).contains("版本 2021-01，键 versions[0].dibao.methd"))
            // Another county's file is refused.
            let other = try await upload(session, Self.pengxi.replacingOccurrences(of: #""region": "510921""#, with: #""region": "510922""#))
            #expect(other.status == .unprocessableEntity)
            // Next year's standard.
            let next = Self.pengxi.replacingOccurrences(of: "\n  ]\n}", with: """
                ,{"effective": "2022-01", "document": "蓬民发〔2022〕5号", "dibao": {"standard": {"urban": "620.00", "rural": "440.00"},
                  "method": "gap", "nearPovertyMultiplier": "1.5", "exemptIncome": [], "gradualExitMonths": 6,
                  "confirmationDelegatedToTownship": false}}]}
                """)
            let ok = try await upload(session, next, filename: "蓬溪2022.json")
            #expect(ok.status == .seeOther)
            let after = String(buffer: try await session.get("/policies").body)
            #expect(after.contains("已导入政策文件 蓬溪2022.json：新增 510921/2022-01；未变 510921/2021-01"))
            #expect(after.contains("620.00 / 440.00"))
            #expect(after.contains("<td>clerk</td>"))
        }
    }

    /// 12 months in force is normal; from the 13th the dashboard says so.
    @Test(arguments: [("2021-12-31", false), ("2022-01-04", true)])
    func dashboardSaysStandardsUnchanged(today: String, warns: Bool) async throws {
        try await withTestApp(today: try CivilDate(parsing: today)) { session async throws in
            let page = String(buffer: try await session.get("/").body)
            #expect(page.contains("standards unchanged since 2021-01") == warns)
        }
    }

    @Test func dashboardWithoutAPolicy() async throws {
        try await withTestApp(policies: []) { session async throws in
            let page = String(buffer: try await session.get("/").body)
            #expect(page.contains("地区 510921 在 2021-12 没有生效的救助政策"))
            #expect(page.contains("jiuzhu policy import"))
        }
    }
}
