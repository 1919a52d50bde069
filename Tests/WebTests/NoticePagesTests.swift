import Domain
import Foundation
import Persistence
import TestSupport
import Testing
import VaporTesting
@testable import Web

/// 公示 per village (DB-2021 Arts. 19, 24, 36): only name, household size and amount; the period and the
/// last day for objections; the hotline; never for children.
@Suite struct NoticePagesTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    @Test func theStandingListShowsOnlyWhatTheRulesAllow() async throws {
        try await withTestApp { session async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: session.app.db)
            let other = Fixtures.household("h2", village: "510921112243", members: [Fixtures.member("110101199003079163", "王某", .head, monthly: [(.wage, "100")])])
            try await Fixtures.registerAndEnroll(other, from: "2021-01", on: session.app.db)
            let r = try await session.get(SiteURL.notices.path + "?village=510921112243&programme=dibao&kind=standing&month=2021-07")
            #expect(r.status == .ok)
            let page = body(r)
            #expect(page.contains("最低生活保障对象长期公示"))
            #expect(page.contains("2021 年 7 月最低生活保障对象"))
            #expect(page.contains("<td>张某甲</td><td class=\"num\">3</td><td class=\"num\">900.00</td>"))
            #expect(page.contains("<td>王某</td><td class=\"num\">1</td><td class=\"num\">500.00</td>"))
            #expect(page.contains("<td>合计</td><td>2 户</td><td class=\"num\">4</td>"))
            #expect(page.contains("投诉举报电话：(0825)5435019；社会救助服务热线：12349。"))
            for hidden in ["110101197503149130", "110101************", "测试地址", "工资", "900 元收入"] {
                #expect(!page.contains(hidden), "a notice never shows \(hidden)")
            }
        }
    }

    @Test func childrenAreNeverPublished() async throws {
        try await withTestApp { session async throws in
            for p in ["unsupported-child", "orphan"] {
                let r = try await session.get(SiteURL.notices.path + "?village=510921112243&programme=\(p)&kind=standing&month=2021-07")
                #expect(r.status == .unprocessableEntity)
                #expect(body(r).contains("对象不张榜公示：涉及未成年人，其个人信息依法保护"))
            }
            let t = try await session.get(SiteURL.notices.path + "?village=510921112243&programme=temporary&kind=standing")
            #expect(body(t).contains("临时救助没有按月保障的对象，无长期公示"))
        }
    }

    /// The applications of a village in their 公示 on one sheet, with the last day for objections; a
    /// township clerk of another township finds no such village.
    @Test func theReviewSheetOfAVillage() async throws {
        try await withTestApp(today: Fixtures.date("2021-07-10")) { session async throws in
            try await RegistryStore(session.app.db).register([Fixtures.h01()])
            let store = ApplicationStore(session.app.db, today: { Fixtures.date("2021-07-10") })
            let app = try await store.open(householdID: "h01", programme: .dibao, acceptedOn: Fixtures.date("2021-07-01"), closeRelative: false, actor: "t")
            try await store.record(.recordInformationCheck(on: Fixtures.date("2021-07-02"), summary: "无异常"), on: app, actor: "t")
            try await store.record(.recordHomeVisit(HomeVisit(date: Fixtures.date("2021-07-05"), investigators: ["王", "李"], findings: "属实")), on: app, actor: "t")
            try await store.record(.completeInvestigation(on: Fixtures.date("2021-07-06")), on: app, actor: "t")
            try await store.record(.townshipReview(on: Fixtures.date("2021-07-07"), recommend: true, opinion: "拟纳入"), on: app, actor: "t")
            let page = body(try await session.get(SiteURL.notices.path + "?village=510921112243&programme=dibao&kind=review"))
            #expect(page.contains("公示期 7 天，自 2021-07-07 至 2021-07-13；对公示对象有异议的，请于 2021-07-13 前向乡镇（街道）或县民政局反映。"))
            #expect(page.contains("<td>张某甲</td><td class=\"num\">3</td><td class=\"num\">900.00</td><td>拟纳入</td>"))
            #expect(!page.contains("110101197503149130"))
            try await TestSession.addUser(session.app, "tc", role: .townshipClerk, area: "510921100000")
            let clerk = try await TestSession.signIn(session.app, "tc")
            #expect(try await clerk.get(SiteURL.notices.path + "?village=510921112243&programme=dibao&kind=review").status == .notFound)
        }
    }

    @Test func noticeRulesInTheDomain() throws {
        #expect(throws: NoticeError.notPublished(.unsupportedChild)) {
            try VillageNotice(kind: .standing(YearMonth(year: 2021, month: 7)!), programme: .unsupportedChild, rules: try Programme.unsupportedChild.rules(),
                              township: "t", village: "v", lines: [], hotline: "h")
        }
        #expect(throws: NoticeError.noStandingList(.temporary)) {
            try VillageNotice(kind: .standing(YearMonth(year: 2021, month: 7)!), programme: .temporary, rules: try Programme.temporary.rules(),
                              township: "t", village: "v", lines: [], hotline: "h")
        }
        let n = try VillageNotice(kind: .standing(YearMonth(year: 2021, month: 7)!), programme: .dibao, rules: try Programme.dibao.rules(),
                                  township: "赤城镇", village: "桂花村", lines: [NoticeLine(name: "乙", householdSize: 2, monthlyAmount: .yuan(300)),
                                                                          NoticeLine(name: "甲", householdSize: 3, monthlyAmount: .yuan(900))], hotline: "h")
        #expect(n.lines.map(\.name) == ["乙", "甲"].sorted())
        #expect((n.totalHouseholds, n.totalPeople) == (2, 5))
    }
}
