import Domain
import Foundation
import Persistence
import Plot
import TestSupport
import Testing
import VaporTesting
@testable import Web

/// 临时救助 through the pages: reserve fund, intake from the household page, 先行救助, the overdue
/// paperwork in the list, completion; a 支出型 grant to the county and into the payroll; a person with no
/// registered household; refusals with the field named.
@Suite struct TemporaryPagesTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    static let household: [String: String] = [
        "village": "510921112243", "area": "urban", "address": "桂花村3组", "bankName": "四川农信",
        "bankAccount": "6217000000000011", "m0_name": "张某甲", "m0_id": "110101197503149130", "m0_rel": "head",
        "m0_kind": "wage", "m0_income": "900",
    ]

    @Test func assistFirstAndPayrollThroughThePages() async throws {
        try await withTestApp(policies: [Fixtures.pengxiWithTemporary()]) { session async throws in
            let created = try await session.post("/households", form: Self.household)
            let householdPath = try #require(created.headers.first(name: .location))
            #expect(body(try await session.get(householdPath)).contains("受理临时救助"))
            // No reserve yet: 先行救助 is refused with the balance.
            let opened = try await session.post("\(householdPath)/temporary", form: [
                "acceptedOn": "2021-03-01", "type": "emergency", "cause": "房屋失火", "months": "2", "amount": ""])
            let casePath = try #require(opened.headers.first(name: .location))
            let page = body(try await session.get(casePath))
            #expect(page.contains("按今天测算：1,200.00 元，由乡镇（街道）审批（范围 1,200.00–2,400.00 元）"))
            #expect(page.contains("办结期限</dt><dd>2021-03-22"))
            let empty = try await session.post("\(casePath)/assistFirst", form: ["date": "2021-03-01"])
            #expect(empty.status == .conflict)
            #expect(body(empty).contains("三凤镇临时救助备用金余额 0.00 元，不足以发放 1200.00 元"))
            let allot = try await session.post("/temporary/reserve-fund", form: [
                "township": "510921112000", "date": "2021-01-05", "amount": "5000", "document": "蓬民发〔2021〕1号"])
            #expect(allot.status == .seeOther)
            #expect(try await session.post("\(casePath)/assistFirst", form: ["date": "2021-03-01"]).status == .seeOther)
            // Today (2021-12-31) is long after the paperwork's due date (2021-03-08): flagged in the list.
            let list = body(try await session.get("/temporary"))
            #expect(list.contains("补齐手续 2021-03-08（已逾期）"))
            #expect(list.contains("1 件已逾期"))
            #expect(list.contains("3,800.00"))
            let dashboard = body(try await session.get("/"))
            #expect(dashboard.contains("已救助 1 件，合计 1,200.00 元；未办结 1 件"))
            #expect(dashboard.contains("其中 1 件已逾期（含先行救助后未补齐手续）"))
            #expect(!dashboard.contains("分乡镇临时救助"))
            #expect(try await session.post("\(casePath)/recordInvestigation", form: [
                "date": "2021-03-09", "investigators": "王、李", "text": "房屋烧毁"]).status == .seeOther)
            #expect(try await session.post("\(casePath)/townshipDecision", form: ["date": "2021-03-10", "text": "补齐手续"]).status == .seeOther)
            let done = body(try await session.get(casePath))
            #expect(done.contains("2021-03-10 补齐（逾期）"))
            #expect(done.contains("已批准"))
            // 支出型 5 months = 3,000.00 > township's 1,200.00 → county; 1,200.00 already granted leaves 1,800.00 of the cap.
            let second = try await session.post("\(householdPath)/temporary", form: [
                "acceptedOn": "2021-04-01", "type": "expenditure", "cause": "住院", "months": "5", "amount": ""])
            let secondPath = try #require(second.headers.first(name: .location))
            #expect(try await session.post("\(secondPath)/recordInvestigation", form: [
                "date": "2021-04-02", "investigators": "王", "text": "自付医疗费 3 万元"]).status == .seeOther)
            let reviewed = try await session.post("\(secondPath)/townshipDecision", form: ["date": "2021-04-06", "text": "拟救助", "payment": "payroll"])
            #expect(reviewed.status == .seeOther)
            let secondPage = body(try await session.get(secondPath))
            #expect(secondPage.contains("报县级审批"))
            #expect(secondPage.contains("1,800.00 元，县民政局审批"))
            #expect(try await session.post("\(secondPath)/countyApprove", form: ["date": "2021-04-08", "text": "同意"]).status == .seeOther)
            let generated = try await session.post("/payroll/generate", form: ["programme": "temporary", "month": "2021-04"])
            let batchPath = try #require(generated.headers.first(name: .location))
            #expect(body(try await session.get(batchPath)).contains("1,800.00"))
            #expect(try await session.secondPerson().post("\(batchPath)/approve").status == .seeOther)
            #expect(try await session.post("\(batchPath)/export").status == .seeOther)
            let file = body(try await session.get("\(batchPath)/bank-file"))
            #expect(file.contains("临时救助金"))
            #expect(file.contains("1800.00"))
            #expect(body(try await session.get(secondPath)).contains("2021-04 批次（已导出银行文件）"))
            // The fund table: 1,200.00 from the reserve + 1,800.00 by payroll.
            #expect(body(try await session.get("/funds?year=2021")).contains("<tr><td>临时救助</td><td class=\"num\">0.30</td></tr>"))
            // 审核确认 applications are not the way into 临时救助.
            let wrong = try await session.post("\(householdPath)/applications", form: ["programme": "temporary", "acceptedOn": "2021-05-01"])
            #expect(wrong.status == .conflict)
            #expect(body(wrong).contains("临时救助按其自身程序办理"))
        }
    }

    @Test func personWithoutHouseholdAndBadInput() async throws {
        try await withTestApp(policies: [Fixtures.pengxiWithTemporary()]) { session async throws in
            let base = ["acceptedOn": "2021-06-01", "type": "emergency", "cause": "工伤", "name": "外地务工人员甲",
                        "residentID": "110101197708029247", "hukouPlace": "重庆市合川区", "township": "510921112000", "area": "urban"]
            let both = try await session.post("/temporary/new", form: base.merging(["months": "2", "amount": "1000"]) { $1 })
            #expect(both.status == .unprocessableEntity)
            #expect(body(both).contains("“申请救助”填写有误"))
            let badID = try await session.post("/temporary/new", form: base.merging(["months": "2", "residentID": "110101197708029240"]) { $1 })
            #expect(badID.status == .unprocessableEntity)
            #expect(body(badID).contains("“身份证号”填写有误"))
            let badType = try await session.post("/temporary/new", form: base.merging(["months": "2", "type": "urgent"]) { $1 })
            #expect(body(badType).contains("“类型”填写有误（urgent）"))
            let opened = try await session.post("/temporary/new", form: base.merging(["months": "2"]) { $1 })
            let casePath = try #require(opened.headers.first(name: .location))
            #expect(body(try await session.get(casePath)).contains("重庆市合川区"))
            #expect(try await session.post("\(casePath)/recordInvestigation", form: [
                "date": "2021-06-02", "investigators": "王", "text": "工伤住院"]).status == .seeOther)
            let payroll = try await session.post("\(casePath)/townshipDecision", form: ["date": "2021-06-03", "text": "同意", "payment": "payroll"])
            #expect(payroll.status == .conflict)
            #expect(body(payroll).contains("不能随发放批次打卡发放"))
            let future = try await session.post("\(casePath)/refuse", form: ["date": "2022-01-01", "text": "x"])
            #expect(body(future).contains("晚于今天"))
            let unknown = try await session.post("\(casePath)/pay", form: ["date": "2021-06-03"])
            #expect(body(unknown).contains("“办理步骤”填写有误（pay）"))
        }
    }

    /// The view is a pure function of its model.
    @Test func listViewShowsOverduePaperwork() {
        var c = TemporaryCase(type: .emergency, acceptedOn: Fixtures.date("2021-03-01"), cause: "火灾", size: .months(Ratio(2, 1)))
        c.state = .assistedFirst
        c.assistedFirstOn = Fixtures.date("2021-03-01")
        c.paperworkDue = Fixtures.date("2021-03-08")
        c.amount = Money(fen: 120_000)
        let row = TemporaryIndex.Row(id: "c1", applicant: "张某甲", township: "三凤镇", type: .emergency, acceptedOn: c.acceptedOn,
                                     state: c.state, amount: c.amount, due: "补齐手续 2021-03-08（已逾期）", overdue: true, payment: "—")
        let html = TemporaryIndex.view(.init(rows: [row], all: false, reserves: [], townships: [("510921112000", "三凤镇")],
                                             today: Fixtures.date("2021-03-09"), csrf: "t", notConfigured: nil)).render()
        #expect(html.contains("1 件已逾期"))
        #expect(html.contains("尚未拨付备用金"))
        #expect(html.contains("/temporary/c1"))
    }
}
