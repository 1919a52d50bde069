import Domain
import Foundation
import Persistence
import TestSupport
import Testing
import VaporTesting
@testable import Web

/// 动态监测 through the pages: a warning raised, verified and closed by a referral; the department's
/// feedback; the loop on the dashboard; another township's clerk sees none of it.
@Suite struct MonitoringPagesTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    @Test func aWarningRunsThroughThePages() async throws {
        try await withTestApp(today: Fixtures.date("2021-11-15")) { session async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: session.app.db)
            #expect(try await session.post(SiteURL.monitoringWarnings.path, form: ["household": "h01", "source": "unemployment",
                                                                                   "detail": "张某甲所在工厂停产", "date": "2021-11-01"]).status == .seeOther)
            let w = try #require(try await MonitoringStore(session.app.db).warnings(in: .county("510921")).first)
            let bad = try await session.post(SiteURL.monitoringWarningStep(w.id, step: "verify").path,
                                             form: ["date": "2021-11-03", "investigator1": "王", "investigator2": "", "findings": "属实"])
            #expect(bad.status == .unprocessableEntity)
            #expect(body(bad).contains("核实须至少 2 名工作人员"))
            #expect(try await session.post(SiteURL.monitoringWarningStep(w.id, step: "verify").path,
                                           form: ["date": "2021-11-03", "investigator1": "王", "investigator2": "李", "findings": "属实"]).status == .seeOther)
            #expect(try await session.post(SiteURL.monitoringWarningStep(w.id, step: "close").path,
                                           form: ["date": "2021-11-04", "outcome": "referral:employment", "note": "推荐公益性岗位"]).status == .seeOther)
            let page = body(try await session.get(SiteURL.monitoring.path))
            #expect(page.contains("转介人力资源和社会保障局（就业救助）（2021-11-04）：推荐公益性岗位"))
            #expect(page.contains("失业：张某甲所在工厂停产。推荐公益性岗位"))
            let r = try #require(try await MonitoringStore(session.app.db).referrals(in: .county("510921")).first)
            #expect(try await session.post(SiteURL.referralFeedback(r.id).path, form: ["feedback": "已安排保洁岗位", "date": "2021-11-10"]).status == .seeOther)
            let dashboard = body(try await session.get(SiteURL.home.path))
            #expect(dashboard.contains("主动发现 1 户 → 动态监测 1 条预警 → 预警核实 1 条 → 救助帮扶 1 条 → 数据归集 1 条；转介待反馈 0 件"))
            try await TestSession.addUser(session.app, "tc", role: .townshipClerk, area: "510921100000")
            let other = try await TestSession.signIn(session.app, "tc")
            #expect(!body(try await other.get(SiteURL.monitoring.path)).contains("张某甲"))
            #expect(try await other.post(SiteURL.monitoringWarnings.path, form: ["household": "h01", "source": "disaster", "detail": "x",
                                                                                 "date": "2021-11-02"]).status == .notFound)
        }
    }
}
