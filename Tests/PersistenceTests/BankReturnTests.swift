import Domain
import FluentKit
import Foundation
import Jobs
import Persistence
import SQLKit
import TestSupport
import Testing

/// Bank result files (回盘): whole-file refusal on any conflict, the override, the correction queue, the
/// follow-up batch, reconciliation and closed batches (issue 7 §4).
@Suite struct BankReturnTests {
    struct Paid { var batch: PayrollBatch; var h02Account: String; var h02Amount: Money }

    /// July 2021 for H01 (900.00) and H02, handed over as CSV.
    func handedOver(_ db: any Database) async throws -> Paid {
        try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: db)
        let h02 = Fixtures.household("h02", area: .rural, village: "510921100901",
                                     members: [Fixtures.member("110101196001011014", "宋某", .head, monthly: [(.wage, "100")])])
        try await Fixtures.registerAndEnroll(h02, from: "2021-07", on: db)
        let r = try await PayrollRun(database: db, countyCode: "510921", bankFileDirectory: nil, isDemo: false)
            .runMonth(programme: .dibao, Fixtures.month("2021-07"), actor: "t")
        let lines = try await PayrollStore(db).lines(of: r.batch.id)
        #expect(lines.map(\.householdID) == ["h02", "h01"])  // 赤城镇 before 三凤镇
        return Paid(batch: r.batch, h02Account: lines[0].bankAccount, h02Amount: lines[0].amount)
    }

    func csv(_ rows: [String]) -> Data {
        Data(("批次号,序号,银行账号,金额(元),处理结果,失败原因,入账日期,银行流水号\r\n" + rows.joined(separator: "\r\n")).utf8)
    }

    @Test func importRecordsResultsOnceAndCredits() async throws {
        try await withTestDatabase { handle async throws in
            let p = try await handedOver(handle.db)
            let id = p.batch.id
            let file = csv(["\(id),1,\(p.h02Account),\(p.h02Amount.yuanString),失败,户名不符,,T1",
                            "\(id),2,=\"6217000000000001\",900.00,成功,,20210708,T2"])
            let returns = BankReturnStore(handle.db)
            let first = try await returns.importFile(file, fileName: "回盘.csv", countyCode: "510921", actor: "finance")
            #expect(first.created && first.paid == 1 && first.returned == 1)
            let again = try await returns.importFile(file, fileName: "回盘.csv", countyCode: "510921", actor: "finance")
            #expect(!again.created)
            #expect(try await returns.imports(batchID: id).count == 1)
            let queue = try await returns.returnedLines(countyCode: "510921", openOnly: true)
            #expect(queue.map { "\($0.householdID) \($0.reason.rawValue) \($0.amount.yuanString)" } == ["h02 NAME_MISMATCH \(p.h02Amount.yuanString)"])
            // Three-a-township credit from the bank's day: 三凤镇 on 2021-07-08 (h02's line was not credited).
            let credits = try await FundLedgerStore(handle.db).credits(countyCode: "510921", year: 2021)
            #expect(credits.map { "\($0.townshipCode) \($0.creditedOn)" } == ["510921112000 2021-07-08"])
            // The returned money is not spending.
            let used = try await FundStore(handle.db).uses(countyCode: "510921", year: 2021).reduce(Money.zero) { $0 + $1.amount }
            #expect(used == .yuan(900))
        }
    }

    /// Any conflict refuses the whole file, naming the line; nothing is recorded.
    @Test func conflictsRefuseTheWholeFile() async throws {
        try await withTestDatabase { handle async throws in
            let p = try await handedOver(handle.db)
            let id = p.batch.id
            let good = "\(id),2,6217000000000001,900.00,成功,,2021-07-08,T2"
            let table: [([String], BankReturnError)] = [
                ([good, "\(id),3,6217000000000009,10.00,成功,,2021-07-08,T3"], .conflicts([.unknownLine(line: 3, seq: 3)])),
                ([good, "\(id),1,\(p.h02Account),1.00,成功,,2021-07-08,T1"],
                 .conflicts([.amountDiffers(line: 3, seq: 1, file: .yuan(1), batch: p.h02Amount)])),
                ([good, "\(id),1,6217999999999999,\(p.h02Amount.yuanString),成功,,2021-07-08,T1"], .conflicts([.accountDiffers(line: 3, seq: 1)])),
                ([good, "other-batch,1,\(p.h02Account),\(p.h02Amount.yuanString),成功,,2021-07-08,T1"],
                 .conflicts([.otherBatch(line: 3, batchID: "other-batch")])),
                ([good, good], .conflicts([.duplicate(line: 3, seq: 2)])),
                ([good, "\(id),1,\(p.h02Account),\(p.h02Amount.yuanString),成功,,,T1"],
                 .badValue(line: 3, column: "入账日期", value: "", reason: "为空：成功的记录须有入账日期")),
            ]
            let returns = BankReturnStore(handle.db)
            for (rows, expected) in table {
                await #expect(throws: expected) {
                    try await returns.importFile(csv(rows), fileName: "x.csv", countyCode: "510921", actor: "finance")
                }
            }
            #expect(try await returns.imports(batchID: id).isEmpty)
            #expect(try await FundLedgerStore(handle.db).credits(countyCode: "510921", year: 2021).isEmpty)
            // A batch not yet handed over has nothing to reconcile.
            await #expect(throws: BankReturnError.missingColumn("处理结果")) {
                try await returns.importFile(Data("批次号,序号,银行账号,金额(元)\r\n\(id),1,1,1.00".utf8), fileName: "x.csv",
                                             countyCode: "510921", actor: "finance")
            }
        }
    }

    /// A result changed since an earlier file is imported only with an override and its reason, recorded.
    @Test func aChangedResultNeedsTheOverride() async throws {
        try await withTestDatabase { handle async throws in
            let p = try await handedOver(handle.db)
            let id = p.batch.id
            let returns = BankReturnStore(handle.db)
            _ = try await returns.importFile(csv(["\(id),1,\(p.h02Account),\(p.h02Amount.yuanString),失败,账户冻结,,T1"]),
                                             fileName: "a.csv", countyCode: "510921", actor: "finance")
            let corrected = csv(["\(id),1,\(p.h02Account),\(p.h02Amount.yuanString),成功,,2021-07-12,T1"])
            await #expect(throws: BankReturnError.conflicts([.resultChanged(line: 2, seq: 1, before: "失败 账户冻结", now: "成功 2021-07-12")])) {
                try await returns.importFile(corrected, fileName: "b.csv", countyCode: "510921", actor: "finance")
            }
            let r = try await returns.importFile(corrected, fileName: "b.csv", countyCode: "510921", actor: "finance",
                                                 override: (by: "leader", reason: "银行来函更正：已于 7 月 12 日解冻入账"))
            #expect(r.paid == 1)
            #expect(try await returns.returnedLines(countyCode: "510921").isEmpty)
            #expect(try await returns.imports(batchID: id).first?.overrideBy == "leader")
        }
    }

    /// The correction queue, the follow-up batch of exactly the corrected lines, reconciliation, closed batches.
    @Test func correctedLinesArePaidAgainByAFollowUpBatch() async throws {
        try await withTestDatabase { handle async throws in
            let p = try await handedOver(handle.db)
            let id = p.batch.id
            let returns = BankReturnStore(handle.db)
            _ = try await returns.importFile(csv(["\(id),1,\(p.h02Account),\(p.h02Amount.yuanString),失败,账号错误,,T1",
                                                  "\(id),2,6217000000000001,900.00,成功,,2021-07-08,T2"]),
                                             fileName: "a.csv", countyCode: "510921", actor: "finance")
            let lines = try await returns.returnedLines(countyCode: "510921")
            let returned = try #require(lines.first)
            // A re-pay request for a line already paid is refused; a decision needs its note.
            let paidLineID = try #require(try await PayrollStore(handle.db).identifiedLines(of: id).first { $0.line.householdID == "h01" }?.id)
            await #expect(throws: StoreError.conflict("发放记录 \(paidLineID) 银行已入账，不能按退票处理 (not a returned line)")) {
                try await returns.decide(lineID: paidLineID, decision: .repay, note: "x", actor: "town")
            }
            await #expect(throws: StoreError.outOfRange("退票处理须写明说明（如已更正的账号尾号、现金支付收据号）(a note is required)")) {
                try await returns.decide(lineID: returned.lineID, decision: .repay, note: " ", actor: "town")
            }
            await #expect(throws: StoreError.conflict("批次 \(id) 还有 1 笔没有银行入账结果、退票处理决定或待生成重发批次，不能对账关闭 (lines still open)")) {
                _ = try await returns.reconcile(batchID: id, actor: "finance")
            }
            await #expect(throws: StoreError.conflict("批次 \(id) 没有已更正、待重发的退票 (no corrected returned lines)")) {
                _ = try await returns.generateReissue(sourceBatchID: id, actor: "county")
            }
            try await RegistryStore(handle.db).setBankAccount(householdID: "h02", bankName: "邮储银行", account: "6221000000000077",
                                                              holder: nil, on: Fixtures.date("2021-07-09"))
            try await returns.decide(lineID: returned.lineID, decision: .repay, note: "已更正账号，尾号 0077", actor: "town")
            let reissue = try await returns.generateReissue(sourceBatchID: id, actor: "county")
            #expect(reissue.kind == .reissue && reissue.reissueOf == id && reissue.reissueRound == 1)
            #expect(reissue.month == p.batch.month)
            let again = try await PayrollStore(handle.db).lines(of: reissue.id)
            #expect(again.map(\.householdID) == ["h02"])
            #expect(again.map(\.bankAccount) == ["6221000000000077"])
            #expect(again.map(\.amount) == [p.h02Amount])
            // Exactly once: nothing waits any more.
            await #expect(throws: StoreError.conflict("批次 \(id) 没有已更正、待重发的退票 (no corrected returned lines)")) {
                _ = try await returns.generateReissue(sourceBatchID: id, actor: "county")
            }
            await #expect(throws: StoreError.conflict("该笔已在重发批次 \(reissue.id) 中，不能再改 (already repaid)")) {
                try await returns.decide(lineID: returned.lineID, decision: .cancel, note: "x", actor: "town")
            }
            let closed = try await returns.reconcile(batchID: id, actor: "finance")
            #expect(closed.reconciledAt != nil)
            await #expect(throws: BankReturnError.closedBatch(id)) {
                try await returns.importFile(csv(["\(id),2,6217000000000001,900.00,成功,,2021-07-08,T9"]), fileName: "c.csv",
                                             countyCode: "510921", actor: "finance")
            }
            // The follow-up batch is approved and handed over like any other; then it is spending.
            let store = PayrollStore(handle.db)
            let e = try await PayrollRun(database: handle.db, countyCode: "510921", bankFileDirectory: nil, isDemo: false)
                .export(try await store.approve(reissue.id, actor: "approver"), actor: "finance")
            #expect(e.file.fileName == "低保退票重发1_2021-07.csv")
            #expect(String(decoding: e.file.content, as: UTF8.self).contains("退票重发"))
            let used = try await FundStore(handle.db).uses(countyCode: "510921", year: 2021).reduce(Money.zero) { $0 + $1.amount }
            #expect(used == .yuan(900) + p.h02Amount)
        }
    }

    /// Found when tried as an attacker would: credit days outside the batch's reach, numbers in the bank's
    /// words, a discarded follow-up draft, a follow-up to a shared account.
    @Test func attackerFindingsOnReturns() async throws {
        try await withTestDatabase { handle async throws in
            let p = try await handedOver(handle.db)
            let id = p.batch.id
            let returns = BankReturnStore(handle.db)
            await #expect(throws: BankReturnError.conflicts([.creditDay(line: 2, seq: 2, day: Fixtures.date("2099-12-31"))])) {
                try await returns.importFile(csv(["\(id),2,6217000000000001,900.00,成功,,2099-12-31,T2"]), fileName: "x.csv",
                                             countyCode: "510921", actor: "finance")
            }
            _ = try await returns.importFile(csv(["\(id),1,\(p.h02Account),\(p.h02Amount.yuanString),失败,账号6217000000000002不存在 证件110101196001011014,,T1"]),
                                             fileName: "回盘110101196001011014.csv", countyCode: "510921", actor: "finance")
            let line = try #require(try await returns.returnedLines(countyCode: "510921").first)
            #expect(!line.reasonText.contains("110101196001011014") && !line.reasonText.contains("6217000000000002"))
            #expect(try await returns.imports(batchID: id).first.map { !$0.fileName.contains("110101196001011014") } == true)
            // A follow-up draft discarded: its line is back in the queue, to be paid by the next one.
            try await returns.decide(lineID: line.lineID, decision: .repay, note: "已核实", actor: "town")
            let first = try await returns.generateReissue(sourceBatchID: id, actor: "county")
            try await PayrollStore(handle.db).discardDraft(first.id, actor: "county")
            #expect(try await returns.returnedLines(countyCode: "510921", openOnly: true).map(\.lineID) == [line.lineID])
            // A follow-up to an account another household uses is refused until released (field case C20).
            try await RegistryStore(handle.db).setBankAccount(householdID: "h02", bankName: nil, account: "6217000000000001", holder: nil,
                                                              on: Fixtures.date("2021-01-01"))
            await #expect(throws: StoreError.conflict("宋某（家庭 h02）的收款核查未通过：SHARED_ACCOUNT：收款账号与其他家庭相同，该账号还登记在另外 1 户，须核实后由县级作出放行决定。请先核实放行，再生成重发批次 (payee check)")) {
                _ = try await returns.generateReissue(sourceBatchID: id, actor: "county")
            }
            // Closing waits for the line to be repaid (and for the other line's result).
            await #expect(throws: StoreError.conflict("批次 \(id) 还有 2 笔没有银行入账结果、退票处理决定或待生成重发批次，不能对账关闭 (lines still open)")) {
                _ = try await returns.reconcile(batchID: id, actor: "finance")
            }
        }
    }
}
