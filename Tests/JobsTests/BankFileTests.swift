import Domain
import Foundation
@testable import Jobs
import Persistence
import TestSupport
import Testing

@Suite struct BankFileTests {
    @Test func bankFileIsExcelFriendlyCSV() throws {
        let batch = PayrollBatch(id: "b-1", countyCode: "510921", programme: .dibao, month: Fixtures.month("2021-07"),
                                 state: .approved, lineCount: 2, total: Money(fen: 111_000), createdAt: Date(),
                                 approvedBy: "t", exportedAt: nil)
        let lines = [
            PayrollLine(householdID: "h1", townshipCode: "510921112000", villageCode: "510921112243", area: .urban,
                        payeeName: "张某甲", payeeResidentID: try ResidentID("110101197503149130"),
                        bankAccount: "6217000000000001", householdSize: 3, components: [AmountComponent(.basic, .yuan(900))]),
            PayrollLine(householdID: "h2", townshipCode: "510921100000", villageCode: "510921100901", area: .rural,
                        payeeName: "王某, \"老三\"", payeeResidentID: try ResidentID("11010119720528959X"),
                        bankAccount: "6217000000000002", householdSize: 1, components: [AmountComponent(.basic, .yuan(210))]),
        ]
        let data = try BankFile.csv(batch: batch, lines: lines, divisions: .pengxi, isDemo: true)
        #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let text = String(decoding: data.dropFirst(3), as: UTF8.self)
        let rows = text.components(separatedBy: "\r\n")
        #expect(rows[0] == "批次号,b-1")
        #expect(rows[1] == "发放月份,2021-07")
        #expect(rows[3] == "笔数,2")
        #expect(rows[4] == "总金额(元),1110.00")
        #expect(text.contains("演示数据"))
        #expect(text.contains("1,三凤镇,桂花村,张某甲,\"=\"\"110101197503149130\"\"\",\"=\"\"6217000000000001\"\"\",城市低保金,202107,900.00,3人"))
        // A name with a comma and quotes is quoted, not split.
        #expect(text.contains("\"王某, \"\"老三\"\"\""))
    }

    /// A line whose village is not in the county's divisions is refused by household and code: the bank
    /// file never carries a raw code or a guessed place.
    @Test func unknownDivisionIsRefused() throws {
        let batch = PayrollBatch(id: "b-1", countyCode: "510921", programme: .dibao, month: Fixtures.month("2021-07"),
                                 state: .approved, lineCount: 1, total: .yuan(900), createdAt: Date(), approvedBy: "t",
                                 exportedAt: nil)
        let line = PayrollLine(householdID: "h9", townshipCode: "510921112000", villageCode: "510921112999", area: .urban,
                               payeeName: "张某甲", payeeResidentID: try ResidentID("110101197503149130"),
                               bankAccount: "6217000000000001", householdSize: 3, components: [AmountComponent(.basic, .yuan(900))])
        #expect(throws: BankFileError.unknownDivision(household: "h9", code: "510921112999")) {
            try BankFile.csv(batch: batch, lines: [line], divisions: .pengxi, isDemo: false)
        }
        // Both codes exist, but the village belongs to another township.
        var crossed = line
        crossed.townshipCode = "510921100000"
        crossed.villageCode = "510921112243"
        #expect(throws: BankFileError.unknownDivision(household: "h9", code: "510921100000/510921112243")) {
            try BankFile.csv(batch: batch, lines: [crossed], divisions: .pengxi, isDemo: false)
        }
    }

    @Test func formulasNeverReachExcel() {
        #expect(BankFile.plainText("=HYPERLINK(\"http://x\")") == "'=HYPERLINK(\"http://x\")")
        #expect(BankFile.plainText("-1") == "'-1")
        #expect(BankFile.plainText("张三") == "张三")
    }
}
