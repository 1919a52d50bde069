import Domain
import Foundation
@testable import Jobs
import Persistence
import TestSupport
import Testing

/// Issue 8: each dataset kind with a small file, read from disk as a clerk would give it (CSV in UTF-8 or
/// GB18030, XLSX from our writer and from openpyxl), imported and matched against a registered household.
@Suite struct DatasetFileTests {
    static func temp(_ name: String, _ data: Data) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-datasets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    static func csv(_ rows: [[String]]) -> Data {
        Data(("\u{FEFF}" + rows.map { $0.map { $0.contains(",") ? "\"\($0)\"" : $0 }.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n").utf8)
    }

    /// One row per kind about H01's members (张某甲 110101197503149130, 李某 110101197708029247), and the
    /// code the kind's rule gives it. The other county's May roster needs H01 paid in May (done first).
    static let kinds: [(DatasetKind, [String], String)] = [
        (.deaths, ["李某", "110101197708029247", "2021-05-12", "死亡"], "DECEASED"),
        (.hukouMoves, ["李某", "110101197708029247", "2021-04-20", "迁出", "射洪市"], "HUKOU_MOVED_OUT"),
        (.vehicles, ["张某甲", "110101197503149130", "2020-08-01", "川J·A0001", "小型普通客车"], "VEHICLE_OWNED"),
        (.realEstate, ["张某甲", "110101197503149130", "2019-03-01", "蓬溪县赤城镇某路 8 号", "96.5"], "PROPERTY_OWNED"),
        (.businesses, ["张某甲", "110101197503149130", "2020-01-10", "设立", "张记面馆", ""], "BUSINESS_REGISTERED"),
        (.publicEmployees, ["张某甲", "110101197503149130", "蓬溪县某局", "2020-09-01"], "PUBLIC_EMPLOYEE"),
        (.socialInsurance, ["张某甲", "110101197503149130", "2021-04", "某建筑公司", "3,200.00"], "EMPLOYMENT_CONTRIBUTIONS"),
        (.housingFund, ["张某甲", "110101197503149130", "202104", "某建筑公司", "320"], "HOUSING_FUND"),
        (.medicalBills, ["李某", "110101197708029247", "2021/4/30", "23456.70"], "LARGE_MEDICAL_BILL"),
        (.cadreRoster, ["张某甲", "110101197503149130", "村民小组长", "", "", ""], "CADRE_IN_HOUSEHOLD"),
        (.otherCountyRoster, ["张某甲", "110101197503149130", "大英县", "低保", "2021-05", "600"], "PAID_ELSEWHERE"),
    ]

    @Test(arguments: kinds)
    func eachKindFromASmallCSVFile(kind: DatasetKind, row: [String], code: String) async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-05-05") })
            let may = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-05"), countyCode: "510921", actor: "t")
            _ = try await payroll.approve(may.batch.id, actor: "t")
            let file = try Self.temp("\(kind.rawValue).csv", Self.csv([kind.columns.map(\.heading), row]))
            let result = try await DatasetImport.run(kind: kind, file: file, source: nil, mappingText: nil, countyCode: "510921", actor: "t",
                                                     database: handle.db, today: { Fixtures.date("2021-05-20") })
            #expect(result.rows == 1)
            #expect(result.added == 1)
            #expect(result.source == kind.department)
            #expect(result.hits.map(\.finding.code) == [code])
        }
    }

    /// What Excel saves as "CSV" on a Chinese Windows PC: GB18030, read the same.
    @Test func aGB18030FileIsReadTheSame() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let text = "姓名,身份证号,死亡日期\r\n李某,110101197708029247,2021-05-12\r\n"
            let gb = try #require(text.data(using: String.Encoding(rawValue: 0x8000_0632)))
            #expect(gb != Data(text.utf8))
            let result = try await DatasetImport.run(kind: .deaths, file: try Self.temp("deaths.csv", gb), source: "县殡仪馆", mappingText: nil,
                                                     countyCode: "510921", actor: "t", database: handle.db, today: { Fixtures.date("2021-05-20") })
            #expect(result.hits.map(\.subjectName) == ["李某"])
            #expect(result.hits[0].recordName == "李某")
            #expect(result.sha256 == Checksum.sha256Hex(gb))
        }
    }

    /// A department whose export names its columns otherwise: the mapping file is used and saved for the
    /// source; the next file from that source needs none.
    @Test func aMappingIsSavedPerSource() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let mapping = #"{"kind": "deaths", "source": "县公安局", "columns": {"name": "姓名", "residentID": "公民身份号码", "eventDate": "死亡时间"}}"#
            let first = try Self.temp("a.csv", Self.csv([["序号", "姓名", "公民身份号码", "死亡时间"], ["1", "李某", "110101197708029247", "2021年5月12日"]]))
            let r1 = try await DatasetImport.run(kind: .deaths, file: first, source: nil, mappingText: mapping, countyCode: "510921", actor: "t",
                                                 database: handle.db, today: { Fixtures.date("2021-05-20") })
            #expect(r1.hits.count == 1)
            let second = try Self.temp("b.csv", Self.csv([["序号", "姓名", "公民身份号码", "死亡时间"], ["1", "张某乙", "110101200511209150", "2021-06-01"]]))
            let r2 = try await DatasetImport.run(kind: .deaths, file: second, source: "县公安局", mappingText: nil, countyCode: "510921", actor: "t",
                                                 database: handle.db, today: { Fixtures.date("2021-06-02") })
            #expect(r2.hits.map(\.subjectName) == ["张某乙"])
            // Without the source, the standard headings (and 公民身份号码 for 身份证号) are expected; the missing one is named.
            let third = try Self.temp("c.csv", Self.csv([["序号", "姓名", "公民身份号码", "死亡时间"], ["1", "某", "110101199003079163", "2021-06-01"]]))
            await #expect(throws: DatasetError.missingColumns(kind: .deaths, missing: ["死亡日期"],
                                                              headings: ["序号", "姓名", "公民身份号码", "死亡时间"], looksLike: nil)) {
                try await DatasetImport.run(kind: .deaths, file: third, source: nil, mappingText: nil, countyCode: "510921", actor: "t",
                                            database: handle.db, today: { Fixtures.date("2021-06-02") })
            }
        }
    }

    /// XLSX from our own writer (shared strings) reads back cell for cell.
    @Test func anXLSXFileIsReadByItsCells() throws {
        let book = XLSXWorkbook(sheets: [.init(name: "死亡", rows: [
            [.heading("姓名"), .heading("身份证号"), .heading("死亡日期")],
            [.text("李某"), .text("110101197708029247"), .text("2021-05-12")],
            [.empty, .empty, .empty],
            [.text("王某"), .empty, .number("44328", decimals: 0)],
        ])])
        let url = try Self.temp("d.xlsx", try book.data())
        let opened = try DatasetFiles.open(url)
        var rows = opened.rows
        #expect(try rows.header()?.map(\.text) == ["姓名", "身份证号", "死亡日期"])
        let first = try #require(try rows.next())
        #expect(first.number == 2)
        #expect(first.cells.map(\.text) == ["李某", "110101197708029247", "2021-05-12"])
        let second = try #require(try rows.next())
        #expect(second.number == 4)
        #expect(second.cells.map(\.text) == ["王某", "", "44328"])
        #expect(second.cells.map(\.numeric) == [false, false, true])
        #expect(try rows.next() == nil)
    }

    /// A sheet saved by another program (openpyxl) with the ID typed as a number: the row is refused, named,
    /// and nothing is written; the same number as text is read.
    @Test func anOpenpyxlSheetWithANumericIDIsRefusedByRow() async throws {
        let script = """
            import sys, openpyxl
            wb = openpyxl.Workbook(); ws = wb.active
            ws.append(["姓名", "身份证号", "死亡日期"])
            ws.append(["李某", "110101197708029247", "2021-05-12"])
            ws.append(["王某", 110101199003079163, "2021-05-12"])
            wb.save(sys.argv[1])
            """
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-openpyxl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("deaths.xlsx")
        try Data(script.utf8).write(to: dir.appendingPathComponent("make.py"))
        let status = Spawn.wait(try Spawn.spawn("python3 \(Spawn.quote(dir.appendingPathComponent("make.py").path)) \(Spawn.quote(url.path))"))
        #expect(status == 0, "openpyxl is installed by .ci/run (pip install openpyxl)")
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            do {
                _ = try await DatasetImport.run(kind: .deaths, file: url, source: nil, mappingText: nil, countyCode: "510921", actor: "t",
                                                database: handle.db, today: { Fixtures.date("2021-05-20") })
                Issue.record("the numeric ID must be refused")
            } catch let DatasetError.rowsRefused(problems, rows) {
                #expect(rows == 1)
                #expect(problems.map { "\($0.row) \($0.column)" } == ["3 身份证号"])
                #expect(problems[0].reason.hasPrefix("单元格是数值格式"))
            }
            #expect(try await MatchStore(handle.db).hits(household: "h01").isEmpty)
        }
    }

    @Test func anOldExcelFileIsNamed() throws {
        let url = try Self.temp("old.xls", Data([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0]))
        #expect(throws: DatasetError.unreadable("这是旧版 Excel（.xls）文件：请在 Excel 中另存为 .xlsx 或 CSV 后再导入 (legacy .xls)")) {
            try DatasetFiles.open(url)
        }
    }
}

/// Files found when tried as an attacker would (issue 8).
@Suite struct DatasetFileAttackerTests {
    /// A UTF-8 file with one GB18030 row is refused naming the line, not read wholly as GB18030.
    @Test func mixedEncodingsAreRefused() throws {
        var data = Data("姓名,身份证号,死亡日期\r\n李某,110101197708029247,2021-05-12\r\n".utf8)
        data.append("王某,110101199003079163,2021-05-12\r\n".data(using: String.Encoding(rawValue: 0x8000_0632))!)
        let url = try DatasetFileTests.temp("mixed.csv", data)
        #expect(throws: DatasetError.unreadable("文件的编码混杂：有的行是 UTF-8，第 3 行起有 GB18030（或其他）编码的行；请在 Excel 中整体另存为“CSV UTF-8”后再导入 (mixed encodings)")) {
            try DatasetFiles.open(url)
        }
    }

    /// Builds an XLSX with python's zipfile from the given parts (name → text), deflated.
    static func zip(_ parts: [(String, String)]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-zip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("f.xlsx")
        for (i, p) in parts.enumerated() { try Data(p.1.utf8).write(to: dir.appendingPathComponent("part\(i)")) }
        let script = "import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED)\n"
            + parts.enumerated().map { "z.write('\(dir.appendingPathComponent("part\($0.offset)").path)', '\($0.element.0)')" }.joined(separator: "\n")
            + "\nz.close()\n"
        try Data(script.utf8).write(to: dir.appendingPathComponent("make.py"))
        #expect(Spawn.wait(try Spawn.spawn("python3 \(Spawn.quote(dir.appendingPathComponent("make.py").path)) \(Spawn.quote(url.path))")) == 0)
        return url
    }

    static func sheet(_ rows: String) -> String {
        #"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"# + rows + "</sheetData></worksheet>"
    }

    /// Cells and rows past Excel's last (ZZZZZZZ, 15 letters, a row number near Int.max) killed the server:
    /// each is refused by row.
    @Test(arguments: [
        (#"<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row><row r="2"><c r="ZZZZZZZ2" t="inlineStr"><is><t>x</t></is></c></row>"#,
         "第 2 行的单元格 ZZZZZZZ2 超出 Excel 的最大列 XFD (cell beyond Excel's last column)"),
        (#"<row r="1"><c r="AAAAAAAAAAAAAAA1" t="inlineStr"><is><t>x</t></is></c></row>"#,
         "第 1 行的单元格 AAAAAAAAAAAAAAA1 超出 Excel 的最大列 XFD (cell beyond Excel's last column)"),
        (#"<row r="9223372036854775807"><c t="inlineStr"><is><t>x</t></is></c></row><row><c t="inlineStr"><is><t>y</t></is></c></row>"#,
         "行号 9223372036854775807 超出 Excel 的最大行 1048576 (row beyond Excel's last row)"),
    ])
    func referencesPastExcelsLimitsAreRefused(rows: String, message: String) throws {
        let url = try Self.zip([("xl/worksheets/sheet1.xml", Self.sheet(rows))])
        #expect(throws: DatasetError.unreadable(message)) { try DatasetFiles.open(url) }
    }

    /// A small file whose workbook part unpacks to gigabytes is stopped as it unpacks.
    @Test func aPartThatUnpacksTooFarIsStopped() throws {
        let url = try Self.zip([("xl/workbook.xml", String(repeating: " ", count: 12_000_000)),
                                ("xl/_rels/workbook.xml.rels", "<Relationships/>"),
                                ("xl/worksheets/sheet1.xml", Self.sheet(""))])
        #expect(throws: DatasetError.unreadable(XLSXRows.tooLarge("xl/workbook.xml"))) { try DatasetFiles.open(url) }
    }
}
