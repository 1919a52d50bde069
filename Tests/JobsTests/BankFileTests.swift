import Domain
import Foundation
@testable import Jobs
import Persistence
import SQLKit
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

/// Bank formats (docs/bank-formats.md) and the one file per batch.
@Suite struct BankFormatTests {
    let batch = PayrollBatch(id: "b-1", countyCode: "510921", programme: .dibao, month: Fixtures.month("2021-07"),
                             state: .approved, lineCount: 2, total: Money(fen: 111_000), createdAt: Date(),
                             approvedBy: "t", exportedAt: nil)
    var lines: [PayrollLine] {
        [PayrollLine(householdID: "h1", townshipCode: "510921112000", villageCode: "510921112243", area: .urban,
                     payeeName: "张某甲", payeeResidentID: try! ResidentID("110101197503149130"),
                     bankAccount: "6217000000000001", householdSize: 3, components: [AmountComponent(.basic, .yuan(900))]),
         PayrollLine(householdID: "h2", townshipCode: "510921100000", villageCode: "510921100901", area: .rural,
                     payeeName: "王某", payeeResidentID: try! ResidentID("11010119720528959X"),
                     bankAccount: "6217000000000002", householdSize: 1, components: [AmountComponent(.basic, .yuan(210))])]
    }

    /// GB18030, widths in bytes: a Chinese character is two bytes, numbers are zero-padded on the left.
    @Test func fixedWidthGB18030() throws {
        let data = try BankFile.render(batch: batch, lines: lines, format: .fixedGB18030, divisions: .pengxi, isDemo: true)
        let records = data.split(separator: 0x0A).map { Data($0.dropLast()) }  // CRLF
        #expect(records.count == 3)
        let headerWidth = BankFormat.fixedGB18030.header.reduce(0) { $0 + $1.width! }
        let lineWidth = BankFormat.fixedGB18030.columns.reduce(0) { $0 + $1.width! }
        #expect(records[0].count == headerWidth)
        #expect(records[1].count == lineWidth && records[2].count == lineWidth)
        let gb = BankFormat.TextEncoding.gb18030.foundation
        let header = try #require(String(data: records[0], encoding: gb))
        #expect(header == "b-1" + String(repeating: " ", count: 33) + "2021-07" + "00000002" + "000000000111000" + "演示数据    ")
        let first = try #require(String(data: records[1], encoding: gb))
        // seq 6, name 20 bytes (张某甲 is 6), ID 18, account 32, amount in fen 12, period 13, township 20, village 30.
        #expect(first.hasPrefix("000001张某甲" + String(repeating: " ", count: 14) + "110101197503149130" + "6217000000000001"
                                + String(repeating: " ", count: 16) + "000000090000" + "202107" + String(repeating: " ", count: 7) + "三凤镇"))
        // Python reads the same bytes as GB18030.
        #expect(Array(records[1].prefix(12)) == Array("000001张某甲".data(using: gb)!))
    }

    /// A value longer than its field is refused by record and field, never cut.
    @Test func tooWideIsRefused() throws {
        var narrow = BankFormat.fixedGB18030
        narrow.columns[1].width = 4
        #expect(throws: BankFileError.tooWide(line: 1, field: "name", width: 4, bytes: 6)) {
            try BankFile.render(batch: batch, lines: lines, format: narrow, divisions: .pengxi, isDemo: false)
        }
    }

    /// The XLSX opens in openpyxl: ID and account numbers are text, amounts are numbers.
    @Test func xlsxOpensInOpenpyxl() throws {
        let data = try BankFile.render(batch: batch, lines: lines, format: .xlsx, divisions: .pengxi, isDemo: false,
                                       issued: ("clerk", Date(timeIntervalSince1970: 1_625_700_000)))
        let out = try RealReaders.python("""
            import sys, openpyxl
            ws = openpyxl.load_workbook(sys.argv[1]).active
            print(ws.title)
            for row in ws.iter_rows(values_only=True):
                print("|".join("" if v is None else f"{type(v).__name__}:{v}" for v in row).rstrip("|"))
            """, file: data, suffix: "xlsx")
        let rows = out.split(separator: "\n").map(String.init)
        #expect(rows.first == "银行发放")
        #expect(rows.contains("str:批次号|str:b-1"))
        #expect(rows.contains("str:笔数|int:2"))
        #expect(rows.contains("str:总金额(元)|float:1110.0"))
        #expect(rows.contains("str:制表人|str:clerk"))
        #expect(rows.contains("int:1|str:三凤镇|str:桂花村|str:张某甲|str:110101197503149130|str:6217000000000001|str:城市低保金|str:202107|float:900.0|str:3人"))
    }

    /// Table-driven refusals of a formats file, each naming the place.
    @Test(arguments: [
        (#"{"formats": [{"name": "x", "kind": "fixed", "encoding": "gb18030", "columns": [{"field": "account"}]}]}"#,
         BankFormatError.invalid(at: "formats[0].columns[0].width", reason: "定长格式每个字段须给出字节宽度")),
        (#"{"formats": [{"name": "x", "kind": "csv", "encoding": "utf-8", "columns": [{"field": "account", "width": 3}]}]}"#,
         BankFormatError.invalid(at: "formats[0].columns[0].width", reason: "只有定长格式（fixed）使用宽度")),
        (#"{"formats": [{"name": "x", "kind": "xlsx", "encoding": "gb18030", "columns": [{"field": "account"}]}]}"#,
         BankFormatError.invalid(at: "formats[0].encoding", reason: "XLSX 文件内部总是 UTF-8")),
        (#"{"formats": [{"name": "x", "kind": "csv", "encoding": "utf-8", "columns": [{"field": "name"}]}]}"#,
         BankFormatError.invalid(at: "formats[0].columns", reason: "须包含银行账号（account）和金额（amount-yuan 或 amount-fen）")),
        (#"{"formats": [{"name": "csv", "kind": "csv", "encoding": "utf-8", "columns": [{"field": "account"}, {"field": "amount-fen"}]}]}"#,
         BankFormatError.invalid(at: "formats[0].name", reason: "名称“csv”已被使用")),
        (#"{"formats": [{"name": "x", "kind": "csv", "encoding": "utf-8", "colums": []}]}"#,
         BankFormatError.invalid(at: "formats[0].colums", reason: "未知的键 (unknown key)")),
        (#"{"formats": [{"name": "x", "kind": "tsv", "encoding": "utf-8", "columns": []}]}"#,
         BankFormatError.invalid(at: "formats[0].kind", reason: "应为 csv / xlsx / fixed")),
        (#"{"formats": [{"name": "x", "kind": "csv", "encoding": "utf-8", "columns": [{"field": "acount"}]}]}"#,
         BankFormatError.invalid(at: "formats[0].columns[0].field", reason: "应为 seq / township / village / name / resident-id / account / item / period / amount-yuan / amount-fen / note")),
    ])
    func formatsFileRefusals(text: String, expected: BankFormatError) {
        #expect(throws: expected) { try BankFormat.parse(Data(text.utf8)) }
    }

    @Test func aCountysOwnFormatRoundTrips() throws {
        let text = #"{"formats": [{"name": "农信代发", "kind": "csv", "encoding": "gb18030", "header": [{"field": "count"}, {"field": "total-yuan"}], "columns": [{"field": "name", "label": "户名"}, {"field": "account", "label": "卡号"}, {"field": "amount-yuan"}]}]}"#
        let f = try #require(try BankFormat.parse(Data(text.utf8)).first)
        let data = try BankFile.render(batch: batch, lines: lines, format: f, divisions: .pengxi, isDemo: false)
        let decoded = try #require(String(data: data, encoding: BankFormat.TextEncoding.gb18030.foundation))
        #expect(decoded == "笔数,2\r\n总金额(元),1110.00\r\n\r\n户名,卡号,金额(元)\r\n张某甲,\"=\"\"6217000000000001\"\"\",900.00\r\n王某,\"=\"\"6217000000000002\"\"\",210.00")
        // Stored and read back as the same definition.
        #expect(try JSONDecoder().decode(BankFormat.self, from: Data(f.json().utf8)) == f)
    }
}

/// A batch's file is produced once: asked again, in any format, the same bytes come back.
@Suite struct BankFileOnceTests {
    @Test func aBatchFileIsProducedOnce() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: handle.db)
            let store = PayrollStore(handle.db)
            let g = try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "clerk")
            let approved = try await store.approve(g.batch.id, actor: "approver")
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bank-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: dir) }
            let run = PayrollRun(database: handle.db, countyCode: "510921", bankFileDirectory: dir, isDemo: false)
            let first = try await run.export(approved, actor: "finance1")
            #expect(first.created)
            #expect(try await store.batch(id: g.batch.id).state == .exported)
            let again = try await run.export(try await store.batch(id: g.batch.id), actor: "finance2", format: "xlsx")
            #expect(!again.created)
            #expect(again.file.content == first.file.content)
            #expect(again.file.sha256 == first.file.sha256)
            #expect(again.file.producedBy == "finance1")
            #expect(again.file.format == "csv")
            #expect(try Data(contentsOf: try #require(again.url)) == first.file.content)
            #expect(String(decoding: first.file.content, as: UTF8.self).contains("制表人,finance1"))
            let audit = try await AuditStore(handle.db).search(.init(actionPrefix: "payroll.bank-file"), limit: 10, offset: 0)
            #expect(audit.total == 1)
            // Sealed at rest (it carries ID and account numbers); altered there, it is refused, never served.
            let sql = handle.db as! any SQLDatabase
            struct Stored: Decodable { var content: String }
            let stored = try #require(try await sql.raw("SELECT content FROM bank_files").first(decoding: Stored.self))
            #expect(stored.content.hasPrefix("e1:"))
            let other = try TestDatabases.keys.seal(Data("批次号,b-2".utf8).base64EncodedString(), as: .record)
            try await sql.raw("UPDATE bank_files SET content = \(bind: other)").run()
            await #expect(throws: DataKeyError.damaged("bank_files.content (\(g.batch.id))")) {
                _ = try await BankFileStore(handle.db).file(of: g.batch.id)
            }
        }
    }

    /// The county chooses its bank's format; files already handed over keep theirs.
    @Test func theCountysFormatIsUsedFromThen() async throws {
        try await withTestDatabase { handle async throws in
            let files = BankFileStore(handle.db)
            #expect(try await files.defaultFormat(countyCode: "510921") == .csv)
            let own = try BankFormat.parse(Data(#"{"formats": [{"name": "农信代发", "kind": "fixed", "encoding": "gb18030", "columns": [{"field": "account", "width": 19}, {"field": "amount-fen", "width": 10}]}]}"#.utf8))
            try await files.importFormats(own, countyCode: "510921", actor: "cli")
            try await files.use("农信代发", countyCode: "510921", actor: "cli")
            #expect(try await files.defaultFormat(countyCode: "510921").name == "农信代发")
            #expect(try await files.formats(countyCode: "510921").map(\.name) == ["csv", "xlsx", "fixed-gb18030", "农信代发"])
            await #expect(throws: StoreError.conflict("本县正在使用银行文件格式“农信代发”，新文件中没有它：请先改用其他格式 (the format in use would be dropped)")) {
                try await files.importFormats([], countyCode: "510921", actor: "cli")
            }
            await #expect(throws: BankFormatError.unknownFormat("工行", known: ["csv", "xlsx", "fixed-gb18030", "农信代发"])) {
                try await files.use("工行", countyCode: "510921", actor: "cli")
            }
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: handle.db)
            let store = PayrollStore(handle.db)
            let g = try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "clerk")
            let e = try await PayrollRun(database: handle.db, countyCode: "510921", bankFileDirectory: nil, isDemo: false)
                .export(try await store.approve(g.batch.id, actor: "approver"), actor: "finance1")
            #expect(e.file.format == "农信代发")
            #expect(e.file.fileName == "低保发放_2021-07.txt")
            #expect(e.file.content == Data("6217000000000001   0000090000\r\n".utf8))
        }
    }
}
