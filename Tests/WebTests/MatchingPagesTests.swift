import Domain
import Foundation
import Persistence
import TestSupport
import Testing
import VaporTesting
@testable import Web

/// 信息比对 through the pages: upload a department's file, see the hits (numbers masked), decide one.
@Suite struct MatchingPagesTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    /// Uploads a file and follows the import's page until it has finished (it refreshes itself meanwhile).
    func importing(_ session: TestSession, _ fields: [String: String], _ name: String, _ data: Data) async throws -> String {
        let r = try await session.upload(SiteURL.matching.path, fields: fields, file: ("file", name, data))
        #expect(r.status == .seeOther)
        let page = try #require(r.headers.first(name: .location))
        for _ in 0..<200 {
            let text = body(try await session.get(page))
            if !text.contains("http-equiv=\"refresh\"") { return text }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        Issue.record("the import did not finish")
        return ""
    }

    @Test func aDeathsFileIsImportedAndItsHitDecided() async throws {
        try await withTestApp { session async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: session.app.db)
            let csv = Data("姓名,身份证号,死亡日期\r\n李某,110101197708029247,2021-12-12\r\n".utf8)
            let done = try await importing(session, ["kind": "deaths", "source": "县公安局"], "死亡.csv", csv)
            #expect(done.contains("已导入死亡和火化（县公安局）1 行：新增 1 条，此前已有 0 条；命中 1 人次，疑似同一人 0 人次"))
            let page = body(try await session.get(SiteURL.matching.path))
            #expect(page.contains("DECEASED"))
            #expect(page.contains("110101************"))
            #expect(!page.contains("110101197708029247"))
            #expect(page.contains("（下次发放暂停）"))
            // Filtered by kind and township.
            #expect(body(try await session.get(SiteURL.matching.path + "?kind=vehicles")).contains("待处理的比对结果（0）"))
            #expect(body(try await session.get(SiteURL.matching.path + "?kind=deaths&township=510921112000")).contains("待处理的比对结果（1）"))
            #expect(body(try await session.get(SiteURL.matching.path + "?township=510921100000")).contains("待处理的比对结果（0）"))
            // The household's own page says so too, where the case worker works.
            let household = body(try await session.get(SiteURL.household("h01").path))
            #expect(household.contains("<h2>信息比对</h2>"))
            #expect(household.contains("待处理，发放暂停"))
            // The same file again changes nothing and says so.
            #expect(try await importing(session, ["kind": "deaths", "source": "县公安局"], "死亡.csv", csv).contains("这份文件已于"))
            let hit = try #require(try await MatchStore(session.app.db).openHits(countyCode: "510921").first)
            let decided = try await session.post(SiteURL.matchingHit(hit.id).path, form: ["decision": "confirmed", "note": "已核实，登记死亡"])
            #expect(decided.status == .seeOther)
            let after = body(try await session.get(SiteURL.matching.path))
            #expect(after.contains("已登记：李某 DECEASED — 属实（死亡、迁出即登记成员状态；复核或终止后再发放）"))
            #expect(after.contains("待处理的比对结果（0）"))
        }
    }

    /// A file of the wrong kind is refused naming the missing columns and the kind it looks like.
    @Test func aFileOfAnotherKindIsNamed() async throws {
        try await withTestApp { session async throws in
            let csv = Data("车主姓名,车主身份证号,登记日期,号牌号码\r\n某,110101197708029247,2020-01-01,川J·1\r\n".utf8)
            let page = try await importing(session, ["kind": "deaths"], "x.csv", csv)
            #expect(page.contains("未导入：死亡和火化 x.csv"))
            #expect(page.contains("这份文件看起来是“机动车登记”（vehicles），请确认数据类别"))
        }
    }

    /// A long import's page while it runs: rows read of the file's lines, and a bar.
    @Test func theImportPageShowsProgress() {
        let job = ImportJobs.Job(id: "j", countyCode: "510921", actor: "clerk", kind: .socialInsurance, fileName: "社保.csv",
                                 startedAt: Date(), rowsRead: 12_000, rowsEstimate: 48_000, state: .running)
        let html = MatchingPage.importView(job).render()
        #expect(html.contains("已读 12000 行，约 48000 行（25%）"))
        #expect(html.contains("<progress max=\"100\" value=\"25\">"))
    }

    @Test func onlyCountyStaffMatch() {
        #expect(StaffRole.allCases.filter { $0.may(.matchData) } == [.countyStaff])
    }

    /// The view alone: a hit's number is whatever the model carries (masked by the handler).
    @Test func theViewShowsNearMatchesApart() {
        var hit = MatchingPage.Hit(id: "h1", householdID: "h01", name: "李某", recordName: "李某", maskedID: "110101************",
                                   kind: "死亡和火化", code: "DECEASED", severity: "高", summary: "死亡", actions: "核实", near: false,
                                   holdsPayment: false, idWarning: false)
        #expect(hit.maskedID == "110101************")
        #expect(hit.holdsPayment == false)
        hit.near = true
        let html = MatchingPage.view(.init(imports: [], hits: [hit], filingsMonth: YearMonth(year: 2021, month: 12)!,
                                           filings: [CloseRelativeFiling(householdID: "h01", memberName: "李某", code: "CADRE_RELATIVE",
                                                                         detail: "是村党支部书记冯某的配偶", filedOn: CivilDate(year: 2021, month: 12, day: 20)!,
                                                                         filedBy: "clerk", note: "属实")],
                                           csrf: "t", permissions: [.matchData])).render()
        #expect(html.contains("疑似同一人（姓名和出生日期相同、身份证号不同，1）"))
        #expect(html.contains("确认是同一人"))
        #expect(html.contains("近亲属备案登记（2021 年 12 月）"))
        #expect(html.contains("是村党支部书记冯某的配偶"))
        #expect(!html.contains("110101197708029247"))
    }
}

/// Field case C10 at the registration form: a number ending in 000 that passes is accepted only when the
/// clerk says it was compared with the card.
@Suite struct SuspectIDRegistrationTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    @Test func aSuspectNumberNeedsTheClerksCheck() async throws {
        try await withTestApp { session async throws in
            var form = ["village": "510921112243", "area": "urban", "address": "桂花村2组", "bankName": "四川农信",
                        "bankAccount": "6217000000000031", "m0_name": "某甲", "m0_id": "510921198512310000", "m0_rel": "head",
                        "m0_kind": "wage", "m0_income": ""]
            let refused = try await session.post(SiteURL.households.path, form: form)
            #expect(refused.status == .unprocessableEntity)
            #expect(body(refused).contains("末三位为 000，可能被表格软件损坏：请对照居民身份证核实"))
            #expect(try await RegistryStore(session.app.db).search(in: .county("510921"), text: nil, townshipCode: nil, programme: nil,
                                                                   month: YearMonth(year: 2021, month: 12)!).total == 0)
            form["idChecked"] = "on"
            #expect(try await session.post(SiteURL.households.path, form: form).status == .seeOther)
        }
    }
}
