import Domain
import Foundation
import Persistence
import Plot
import TestSupport
import Testing
import VaporTesting
@testable import Web

/// 调标 on the policy page and 补发 on the payroll page, end to end; the back-pay batch page as a pure view.
@Suite struct BackPayPagesTests {
    func body(_ r: TestingHTTPResponse) -> String { String(buffer: r.body) }

    @Test func raiseSignedLaterThroughThePages() async throws {
        try await withTestApp(policies: [Fixtures.urbanRaisedInJuly(signed: false)]) { session async throws in
            let db = session.app.db
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", policy: Fixtures.urbanRaisedInJuly(signed: false).versions[0], on: db)
            let store = PayrollStore(db)
            for m in ["2021-07", "2021-08"] {
                let g = try await store.generate(programme: .dibao, month: Fixtures.month(m), countyCode: "510921", actor: "t")
                _ = try await store.approve(g.batch.id, actor: "t")
                _ = try await store.markExported(g.batch.id, actor: "t")
            }
            _ = try await PolicyStore(db).importFile(Fixtures.urbanRaisedInJuly(signed: true), fileSHA256: "b", actor: "股长")
            let policies = body(try await session.get("/policies"))
            #expect(policies.contains(#"action="/policies/adjust""#))
            #expect(policies.contains(#"<option value="510921/2021-07">"#))
            let unknown = try await session.post("/policies/adjust", form: ["version": "510921/2099-01", "programme": "dibao", "date": "2021-09-10"])
            #expect(unknown.status == .unprocessableEntity)
            #expect(body(unknown).contains("本县没有该政策版本"))
            let adjusted = try await session.post("/policies/adjust", form: ["version": "510921/2021-07", "programme": "dibao", "date": "2021-09-10"])
            #expect(adjusted.status == .seeOther)
            #expect(body(try await session.get("/policies")).contains("已按 510921/2021-07 调标低保：1 户（人）金额调整，每月合计变动 300.00 元，0 户（人）金额不变"))
            // A month that does not parse is refused with the field named; nothing is written.
            let bad = try await session.post("/payroll/back-pay", form: ["programme": "dibao", "month": "2021-09", "from": "2021-7月"])
            #expect(bad.status == .unprocessableEntity)
            #expect(body(bad).contains("补发起始月份"))
            #expect(try await store.batches(countyCode: "510921").count == 2)
            let made = try await session.post("/payroll/back-pay", form: ["programme": "dibao", "month": "2021-09", "from": "2021-07"])
            let batchPath = try #require(made.headers.first(name: .location))
            let page = body(try await session.get(batchPath))
            #expect(page.contains("2021-09 低保补发批次"))
            #expect(page.contains("已生成 2021-09 低保补发批次：1 笔（2 个户月），600.00 元"))
            #expect(page.contains("补发月份明细"))
            #expect(page.contains("差额补发"))
            let index = body(try await session.get("/payroll"))
            #expect(index.contains("2021-09 补发"))
            #expect(index.contains(#"action="/payroll/back-pay""#))
            // The household's payments say which is back pay.
            #expect(body(try await session.get("/households/h01")).contains("低保（补发）"))
            // Asking again opens the same batch.
            let again = try await session.post("/payroll/back-pay", form: ["programme": "dibao", "month": "2021-09", "from": "2021-07"])
            #expect(again.headers.first(name: .location) == batchPath)
        }
    }

    /// The items of the page's lines, numbered as their lines, each month with its basis and trace.
    @Test func backPayBatchPageListsTheMonths() throws {
        let batch = PayrollBatch(id: "bp", countyCode: "510921", programme: .dibao, month: Fixtures.month("2021-09"), state: .approved,
                                 lineCount: 1, total: .yuan(600), createdAt: Date(timeIntervalSince1970: 0), approvedBy: "股长",
                                 exportedAt: nil, kind: .backPay)
        let line = PayrollLine(householdID: "h01", townshipCode: "510921112", villageCode: "510921112243", area: .urban,
                               payeeName: "张某甲", payeeResidentID: try ResidentID("110101197503149130"),
                               bankAccount: "6217000000000001", householdSize: 3, components: [AmountComponent(.basic, .yuan(600))])
        let items = ["2021-08", "2021-07"].map {
            BackPayItem(recipientKey: "h01", month: Fixtures.month($0), entitled: .yuan(900), paid: .yuan(600),
                        components: [AmountComponent(.basic, .yuan(300))], decisionID: "d1", policyVersion: "510921/2021-07",
                        basis: .difference, trace: [TraceLine("应补发", "900.00 − 600.00 = 300.00 元")])
        }
        var m = PayrollBatchPage.Model.make(batch: batch, holds: [], towns: [], lines: [line], page: 1, perPage: 100, csrf: "tok",
                                            placeName: { _ in "某地" })
        m.items = PayrollBatchPage.Model.items(items, lines: [line], firstNumber: 1)
        #expect(m.items.map(\.month.description) == ["2021-07", "2021-08"])
        #expect(m.items.map(\.number) == [1, 1])
        let html = PayrollBatchPage.view(m).render()
        #expect(html.contains("2021-09 低保补发批次"))
        #expect(html.contains("应补发：900.00 − 600.00 = 300.00 元"))
        #expect(html.contains(#"action="/payroll/bp/export""#))
    }
}
