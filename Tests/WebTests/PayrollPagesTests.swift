import Domain
import Foundation
@testable import Persistence
import Plot
import Testing
import VaporTesting
import TestSupport
@testable import Web

/// The payroll pages as pure functions of their models: no database, no server.
@Suite struct PayrollPagesTests {
    func batch(_ state: PayrollState, month: String = "2021-07", programme: Programme = .dibao) -> PayrollBatch {
        PayrollBatch(id: "b-\(month)", countyCode: "510921", programme: programme, month: try! YearMonth(parsing: month),
                     state: state, lineCount: 1, total: .yuan(900), createdAt: Date(timeIntervalSince1970: 0),
                     approvedBy: nil, exportedAt: nil)
    }

    @Test func indexHasASectionPerMonthlyProgrammeWithRules() throws {
        let m = PayrollIndex.Model.make(batches: [batch(.exported, month: "2021-08"), batch(.exported)],
                                        programmes: [.dibao, .vagrantRelief], today: try CivilDate(parsing: "2021-09-15"), csrf: "tok")
        #expect(m.sections.map(\.programme) == [.dibao])
        #expect(m.sections.first?.suggestedMonth.description == "2021-09")
        let html = PayrollIndex.view(m).render()
        #expect(html.contains("低保资金发放"))
        #expect(html.contains(#"name="programme" value="dibao""#))
        #expect(html.contains(#"action="/payroll/generate""#))
        #expect(html.contains(#"href="/payroll/b-2021-08""#))
        #expect(html.contains(#"name="_csrf" value="tok""#))
        #expect(!html.contains("流浪乞讨"))
        // A batch of a programme without rules (written outside Jiuzhu) is listed, with no form to make more.
        let foreign = PayrollIndex.Model.make(batches: [batch(.draft, programme: .vagrantRelief)], programmes: [.dibao],
                                              today: try CivilDate(parsing: "2021-09-15"), csrf: "tok")
        #expect(foreign.sections.map(\.programme) == [.dibao, .vagrantRelief])
        #expect(foreign.sections.map(\.canGenerate) == [true, false])
        let foreignHTML = PayrollIndex.view(foreign).render()
        #expect(foreignHTML.contains(#"href="/payroll/b-2021-07""#))
        #expect(!foreignHTML.contains(#"value="vagrant-relief""#))
        // Next month already prepared: the form offers it (opening it), never a month that would be refused.
        let ahead = PayrollIndex.Model.make(batches: [batch(.draft, month: "2021-10")], programmes: [.dibao],
                                            today: try CivilDate(parsing: "2021-09-15"), csrf: "tok")
        #expect(ahead.sections.first?.suggestedMonth.description == "2021-10")
    }

    /// A draft offers approval and discarding, never export; ID and account are masked; holds are listed.
    @Test func draftBatchPage() throws {
        let line = PayrollLine(householdID: "h01", townshipCode: "510921112000", villageCode: "510921112243", area: .urban,
                               payeeName: "张某甲", payeeResidentID: try ResidentID("110101197503149130"),
                               bankAccount: "6217000000000001", householdSize: 3, components: [AmountComponent(.basic, .yuan(900))])
        let m = PayrollBatchPage.Model.make(
            batch: batch(.draft), holds: [PayrollHold(householdID: "h02", payeeName: "李某", reason: "NO_BANK_ACCOUNT：未登记收款账号")],
            towns: [], lines: [line], page: 2, perPage: 100, csrf: "tok", placeName: { $0 == "510921112243" ? "桂花村" : "某镇" })
        #expect(m.lines.map(\.number) == [101])
        let html = PayrollBatchPage.view(m).render()
        #expect(html.contains("2021-07 低保发放批次"))
        #expect(html.contains(#"action="/payroll/b-2021-07/approve""#))
        #expect(html.contains(#"action="/payroll/b-2021-07/discard""#))
        #expect(!html.contains("/export"))
        #expect(html.contains("110101************"))
        #expect(!html.contains("110101197503149130"))
        #expect(html.contains("****0001"))
        #expect(html.contains("暂停发放（1 户）"))
        #expect(html.contains("桂花村"))
    }

    @Test func exportedBatchOffersTheBankFileOnly() {
        let m = PayrollBatchPage.Model.make(batch: batch(.exported), holds: [], towns: [], lines: [], page: 1, perPage: 100,
                                            csrf: "tok", placeName: { $0 })
        let html = PayrollBatchPage.view(m).render()
        #expect(html.contains(#"href="/payroll/b-2021-07/bank-file""#))
        #expect(html.contains("首次下载时保存"))
        #expect(!html.contains("/approve"))
        #expect(!html.contains("暂停发放"))
        // Handed over: the page says when, by whom and its checksum, and that asking again gives the same file.
        var handed = m
        handed.handedOver = .init(fileName: "低保发放_2021-07.csv", format: "csv", sha256: "ab12", at: "2021-07-08 09:30", by: "finance1")
        let again = PayrollBatchPage.view(handed).render()
        #expect(again.contains("银行文件已于 2021-07-08 09:30 由 finance1 生成并交付（csv 格式，低保发放_2021-07.csv）"))
        #expect(again.contains("SHA-256 ab12"))
        #expect(again.contains("不会生成第二个文件"))
        #expect(!again.contains("首次下载时保存"))
        #expect(!again.contains("/export"))
    }
}

/// The dashboard and the applications table as pure functions of their models.
@Suite struct DashboardViewTests {
    @Test func sectionsCardsAndOverdue() throws {
        let towns = [Dashboard.Town(code: "510921112000", name: "常乐镇", households: 2, people: 5, amount: .yuan(1500)),
                     Dashboard.Town(code: "510921100000", name: "赤城镇", households: 1, people: 1, amount: .yuan(420))]
        let overdue = ApplicationRow(id: "a1", headName: "王某", programme: .dibao, township: "常乐镇",
                                     acceptedOn: try CivilDate(parsing: "2021-10-08"), state: .investigating,
                                     deadline: try CivilDate(parsing: "2021-11-19"), closeRelative: true, left: .workingDays(-2))
        let m = Dashboard.Model(month: try YearMonth(parsing: "2021-12"), today: try CivilDate(parsing: "2021-12-01"),
                                sections: [Dashboard.Section(programme: .dibao, monthly: true, batch: nil, towns: towns)],
                                byProgramme: [], openApplications: 3, overdue: [overdue])
        let html = Dashboard.view(m).render()
        #expect(html.contains("低保户数"))
        #expect(html.contains(">3<"))                      // households in the headline card
        #expect(html.contains("1,920.00"))                 // its monthly amount
        #expect(html.contains("2021-12 尚未生成低保发放批次"))
        #expect(html.contains(#"href="/households?town=510921112000&amp;programme=dibao""#))
        #expect(html.contains("超期 2 个工作日"))
        #expect(html.contains("近亲属备案"))
        #expect(html.contains(#"class="card warn""#))
    }

    @Test(arguments: [(ApplicationRow.Left.closed, "已办结"), (.decidedStepPending("登记不予纳入通知书送达"), "已作决定，待登记不予纳入通知书送达"),
                      (.unknown(calendarEnds: 2026), "2026 年以后"),
                      (.workingDays(3), "剩 3 个工作日"), (.workingDays(0), "剩 0 个工作日"), (.workingDays(-1), "超期 1 个工作日")])
    func daysLeft(left: ApplicationRow.Left, text: String) {
        #expect(ApplicationRow.badge(left).render().contains(text))
    }

    /// A refused application whose refusal notice is still owed is listed with that step, never as 已办结
    /// (found when tried as a new user would).
    @Test func refusedWithNoticeOwedIsNotClosed() throws {
        let today = try CivilDate(parsing: "2021-12-10")
        let step = StepDeadline("登记不予纳入通知书送达", workingDays: 3, from: try CivilDate(parsing: "2021-12-01"), calendar: .china,
                                source: "DB-2021 Art. 21")
        let a = ApplicationSummary(id: "a1", programme: .dibao, householdID: "h1", headName: "王某", memberName: nil,
                                   townshipCode: "510921112000", state: .refused, acceptedOn: try CivilDate(parsing: "2021-10-08"),
                                   deadline: try CivilDate(parsing: "2021-11-19"), closeRelative: false, step: step)
        let settings = WebSettings(database: .sqliteMemory, dataKeys: TestDatabases.keys, dataDirectory: URL(fileURLWithPath: "/tmp"))
        let row = ApplicationRow.make(a, settings: settings, today: today)
        #expect(row.left == .decidedStepPending("登记不予纳入通知书送达"))
        let html = ApplicationRow.table([row]).render()
        #expect(html.contains("已作决定，待登记不予纳入通知书送达"))
        #expect(html.contains("环节超期：登记不予纳入通知书送达 2021-12-06"))
        #expect(!html.contains("已办结"))
    }
}

/// The bank's results through the pages: import, the queue, a decision, the follow-up batch, closing.
@Suite struct ReturnPagesTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    @Test func returnedLinesAreHandledThroughThePages() async throws {
        try await withTestApp { session async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: session.app.db)
            let generated = try await session.post("/payroll/generate", form: ["programme": "dibao", "month": "2021-07"])
            let batchPath = try #require(generated.headers.first(name: .location))
            let id = String(batchPath.split(separator: "/").last!)
            #expect(try await session.secondPerson().post("\(batchPath)/approve").status == .seeOther)
            #expect(try await session.post("\(batchPath)/export").status == .seeOther)
            let page = body(try await session.get(batchPath))
            #expect(page.contains("银行回盘与对账"))
            #expect(page.contains("导入银行回盘文件"))
            let file = Data("批次号,序号,银行账号,金额(元),处理结果,失败原因,入账日期\r\n\(id),1,6217000000000001,900.00,失败,账户冻结,\r\n".utf8)
            // A file of another batch is refused by its line, whole.
            let wrong = try await session.upload(SiteURL.payrollReturnFile(id).path, file: ("file", "回盘.csv",
                Data("批次号,序号,银行账号,金额(元),处理结果,失败原因,入账日期\r\nx,1,6217000000000001,900.00,成功,,2021-07-08\r\n".utf8)))
            #expect(wrong.status == .conflict)
            #expect(body(wrong).contains("第 2 行属于批次 x"))
            // Only the override permission may give an override reason.
            let notAllowed = try await session.upload(SiteURL.payrollReturnFile(id).path, fields: ["overrideReason": "银行更正"],
                                                      file: ("file", "回盘.csv", file))
            #expect(notAllowed.status == .forbidden)
            #expect(try await session.upload(SiteURL.payrollReturnFile(id).path, file: ("file", "回盘.csv", file)).status == .seeOther)
            #expect(body(try await session.get(batchPath)).contains("共 1 笔：银行入账 0 笔，退票 1 笔（已处理 0 笔），未对账 1 笔。"))
            let queue = body(try await session.get(SiteURL.payrollReturns.path))
            #expect(queue.contains("账户冻结"))
            let lineID = try #require(queue.range(of: "/payroll/\(id)/returns/").map { r in String(queue[r.upperBound...].prefix { $0 != "\"" }) })
            #expect(try await session.post(SiteURL.payrollReturnDecision(id, line: lineID).path,
                                           form: ["decision": "repay", "note": "已解冻"]).status == .seeOther)
            let reissue = try await session.post(SiteURL.payrollReissue(id).path)
            #expect(reissue.status == .seeOther)
            let reissuePath = try #require(reissue.headers.first(name: .location))
            #expect(body(try await session.get(reissuePath)).contains("2021-07 低保退票重发批次"))
            #expect(try await session.post(SiteURL.payrollReconcile(id).path).status == .seeOther)
            #expect(body(try await session.get(batchPath)).contains("已对账关闭"))
            // Closed: a result file is refused.
            let late = try await session.upload(SiteURL.payrollReturnFile(id).path, file: ("file", "回盘2.csv", file))
            #expect(late.status == .conflict)
            #expect(body(late).contains("已对账关闭"))
        }
    }
}

/// 绩效自评 through the pages: targets, the table, a section edited, the files, finalising.
@Suite struct ReportPagesTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    @Test func theSelfEvaluationThroughThePages() async throws {
        try await withTestApp { session async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: session.app.db)
            let g = try await session.post("/payroll/generate", form: ["programme": "dibao", "month": "2021-07"])
            let batchPath = try #require(g.headers.first(name: .location))
            #expect(try await session.secondPerson().post("\(batchPath)/approve").status == .seeOther)
            #expect(try await session.post("\(batchPath)/export").status == .seeOther)
            let empty = body(try await session.get(SiteURL.report.with(["year": "2021"])))
            #expect(empty.contains("保存绩效目标"))
            let bad = try await session.post(SiteURL.reportTargets.path, form: ["year": "2021", "targets": #"{"indicators": [{"name": "受助对象满意度", "direction": "≥", "target": "90", "weight": "10"}]}"#])
            #expect(bad.status == .unprocessableEntity)
            #expect(body(bad).contains("须填写实际完成值（actual）"))
            let targets = #"{"indicators": [{"name": "低保对象人数（按月平均）", "direction": "≥", "target": "2", "weight": "50"}, {"name": "受助对象满意度", "direction": "≥", "target": "90", "unit": "%", "actual": "80", "weight": "40"}]}"#
            #expect(try await session.post(SiteURL.reportTargets.path, form: ["year": "2021", "targets": targets]).status == .seeOther)
            let page = body(try await session.get(SiteURL.report.with(["year": "2021"])))
            #expect(page.contains("低保对象人数（按月平均）"))
            #expect(page.contains("未完成目标且未填写偏差原因"))
            // 3 persons in one month of twelve: 0.25 a month, shown as 0 (half-up of whole persons).
            #expect(page.contains("<td>0人</td>"))
            let refused = try await session.post(SiteURL.reportFinalise.path, form: ["year": "2021"])
            #expect(refused.status == .conflict)
            #expect(body(refused).contains("低保对象人数（按月平均）、受助对象满意度"))
            #expect(try await session.post(SiteURL.reportNarrative.path, form: ["year": "2021", "section": "1", "text": "本县自拟概况"]).status == .seeOther)
            #expect(body(try await session.get(SiteURL.report.with(["year": "2021"]))).contains("本县自拟概况"))
            let docx = try await session.get(SiteURL.reportFile.with(["year": "2021", "format": "docx"]))
            #expect(docx.status == .ok)
            #expect(Array(docx.body.readableBytesView.prefix(2)) == [0x50, 0x4B])  // a ZIP package
            let html = body(try await session.get(SiteURL.reportFile.with(["year": "2021", "format": "html"])))
            #expect(html.contains("本县自拟概况") && html.contains("size: A4"))
            // The funds page: every balance drills down to its entries (the batch, on the bank's credit day).
            #expect(try await session.post("\(batchPath)/credit", form: ["date": "2021-07-08"]).status == .seeOther)
            let funds = body(try await session.get(SiteURL.funds.with(["year": "2021"])))
            #expect(funds.contains("困难群众救助补助资金（合计）：到位与支出明细"))
            #expect(funds.contains("低保 2021-07 批次"))
        }
    }
}
