import Domain
import Foundation
import Persistence
import Plot
import Testing
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
                                        programmes: [.dibao, .tekun], today: try CivilDate(parsing: "2021-09-15"), csrf: "tok")
        #expect(m.sections.map(\.programme) == [.dibao])
        #expect(m.sections.first?.suggestedMonth.description == "2021-09")
        let html = PayrollIndex.view(m).render()
        #expect(html.contains("低保资金发放"))
        #expect(html.contains(#"name="programme" value="dibao""#))
        #expect(html.contains(#"action="/payroll/generate""#))
        #expect(html.contains(#"href="/payroll/b-2021-08""#))
        #expect(html.contains(#"name="_csrf" value="tok""#))
        #expect(!html.contains("特困"))
    }

    /// A draft offers approval and discarding, never export; ID and account are masked; holds are listed.
    @Test func draftBatchPage() throws {
        let line = PayrollLine(householdID: "h01", townshipCode: "510921112000", villageCode: "510921112243", area: .urban,
                               payeeName: "张某甲", payeeResidentID: try ResidentID("110101197503149130"),
                               bankAccount: "6217000000000001", householdSize: 3, amount: .yuan(900))
        let m = PayrollBatchPage.Model.make(
            batch: batch(.draft), holds: [PayrollHold(householdID: "h02", payeeName: "李某", reason: "NO_BANK_ACCOUNT：未登记收款账号")],
            towns: [], lines: [line], page: 2, perPage: 100, csrf: "tok", placeName: { $0 == "510921112243" ? "桂花村" : "某镇" })
        #expect(m.lines.map(\.number) == [101])
        let html = PayrollBatchPage.view(m).render()
        #expect(html.contains("2021-07 低保发放批次"))
        #expect(html.contains(#"action="/payroll/b-2021-07/approve""#))
        #expect(html.contains(#"action="/payroll/b-2021-07/discard""#))
        #expect(!html.contains("/export"))
        #expect(html.contains("110101********9130"))
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
        #expect(!html.contains("/approve"))
        #expect(!html.contains("暂停发放"))
    }
}
