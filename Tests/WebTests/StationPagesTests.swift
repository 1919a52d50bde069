import Domain
import Foundation
import Persistence
import TestSupport
import Testing
import VaporTesting

/// 救助站 through the pages: admission by ID and by temporary code, the 24-hour notice, services, an
/// extension, exit, and the month's 人次 and 人数.
@Suite struct StationPagesTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    @Test func stationThroughThePages() async throws {
        try await withTestApp { session async throws in
            let both = try await session.post("/station", form: ["residentID": "110101198512129777", "code": "T-1", "date": "2021-07-01", "time": "09:00"])
            #expect(both.status == .unprocessableEntity)
            #expect(body(both).contains("“身份证号或临时编号”填写有误"))
            let badTime = try await session.post("/station", form: ["code": "T-0701", "date": "2021-07-01", "time": "9点"])
            #expect(body(badTime).contains("“时间”填写有误（9点）"))
            let unknown = try await session.post("/station", form: ["code": "T-0701", "date": "2021-07-01", "time": "09:00",
                                                                    "belongings": "编织袋一个", "health": "右腿外伤"])
            let p1 = try #require(unknown.headers.first(name: .location))
            let page = body(try await session.get(p1))
            #expect(page.contains("身份不明人员"))
            #expect(page.contains("未发布（入站 24 小时内须发布）"))
            #expect(page.contains("寻亲公告超过 24 小时"))
            #expect(try await session.post("\(p1)/familySearchNotice", form: ["date": "2021-07-01", "time": "15:00", "text": "全国救助寻亲网"]).status == .seeOther)
            #expect(try await session.post("\(p1)/service", form: ["date": "2021-07-01", "kind": "meal", "quantity": "3", "text": ""]).status == .seeOther)
            let badQty = try await session.post("\(p1)/service", form: ["date": "2021-07-01", "kind": "meal", "quantity": "３"])
            #expect(body(badQty).contains("“数量”填写有误（３）"))
            let noReason = try await session.post("\(p1)/extend", form: ["date": "2021-07-10", "filedWith": "遂宁市民政局", "until": "2021-07-20", "text": ""])
            #expect(body(noReason).contains("缺少“延期理由”"))
            let known = try await session.post("/station", form: ["residentID": "110101198512129777", "name": "受助人乙", "date": "2021-07-03", "time": "20:30"])
            let p2 = try #require(known.headers.first(name: .location))
            #expect(try await session.post("\(p2)/exit", form: ["date": "2021-07-06", "kind": "returned-home", "text": "购票返乡"]).status == .seeOther)
            let again = try await session.post("/station", form: ["residentID": "110101198512129777", "name": "受助人乙", "date": "2021-07-20", "time": "10:00"])
            #expect(again.status == .seeOther)
            let list = body(try await session.get("/station?month=2021-07"))
            #expect(list.contains("2021-07 救助人次"))
            #expect(list.contains(#"<div class="value">3<span class="muted"> 人次</span></div>"#))
            #expect(list.contains(#"<div class="value">2<span class="muted"> 人</span></div><div class="label">2021-07 救助人数"#))
            // Today in the test app is 2021-12-31: the unidentified man is long past his 10 days with no extension.
            #expect(list.contains("超期未报备延期"))
        }
    }
}

/// The dashboard shows the relief station's month: 人次, 人数, who is in the station and who overstays.
@Suite struct StationDashboardTests {
    @Test func dashboardShowsTheStation() async throws {
        try await withTestApp(today: CivilDate(year: 2021, month: 12, day: 20)!) { session async throws in
            #expect(try await session.post("/station", form: ["code": "T-1201", "date": "2021-12-01", "time": "09:00"]).status == .seeOther)
            #expect(try await session.post("/station", form: ["residentID": "110101198512129777", "name": "受助人乙", "date": "2021-12-18", "time": "20:30"]).status == .seeOther)
            let home = String(buffer: try await session.get("/").body)
            #expect(home.contains("救助站（2021-12）"))
            #expect(home.contains("本月救助 2 人次、2 人；现在站 2 人"))
            #expect(home.contains("其中 1 人超过救助期限"))
        }
    }
}
