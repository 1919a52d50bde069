import Domain
import FluentKit
import Foundation
@testable import Jobs
import Persistence
import TestSupport
import Testing

/// The demo's 2021 self-evaluation: the table scored from the data, the JSON contract, and the DOCX and
/// XLSX opened by python-docx and openpyxl (issue 7's done-when).
@Suite struct SelfEvaluationReportTests {
    /// A small demo county's 2021, paid, credited and with targets.
    static func demoYear(_ db: any Database) async throws {
        let county = DemoCounty(households: 60)
        _ = try await DemoLoader(database: db, county: county).load()
        _ = try await DemoTemporaryGrants(database: db, county: county).load()
        _ = try await DemoStationStays(database: db, county: county).load()
        let run = PayrollRun(database: db, countyCode: "510921", bankFileDirectory: nil, isDemo: true)
        let payroll = DemoPayroll(run: run, county: county)
        _ = try await payroll.run(actor: "t")
        _ = try await payroll.runOthers(actor: "t")
        #expect(try await DemoFunds(database: db, countyCode: "510921").load() > 0)
        #expect(try await DemoFunds(database: db, countyCode: "510921").load() == 0)
    }

    @Test func theDemosReportOpensInRealReaders() async throws {
        try await withTestDatabase(policies: []) { handle async throws in
            try await Self.demoYear(handle.db)
            let report = try await SelfEvaluationReport.make(database: handle.db, countyCode: "510921", countyName: "蓬溪县", year: 2021, isDemo: true)
            let t = report.table
            // The seed's raised figures, and the parts adding up to the totals.
            let lines = Dictionary(report.fund.lines.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
            #expect([lines["raised:central"], lines["raised:provincial"], lines["raised:city"], lines["raised:total"]]
                == ["5904.29", "749.86", "20.00", "6674.15"])
            let used = report.fund.lines.filter { $0.key.hasPrefix("used:") && $0.level == .part }
                .reduce(Int64(0)) { $0 + Int64($1.value.replacingOccurrences(of: ".", with: ""))! }
            #expect(Money(fen: used).yuanString == lines["used:total"])
            // Scored by direction: the missed ones are below full marks and carry their reasons.
            let byName = Dictionary(t.indicators.map { ($0.target.name, $0) }, uniquingKeysWith: { a, _ in a })
            #expect(byName["受助对象满意度"]?.score == 10 && byName["受助对象满意度"]?.met == true)
            let ratio = try #require(byName["农村特困人员基本生活标准与低保标准之比"])
            #expect(!ratio.met && ratio.score < 5)
            let timely = try #require(byName["资金发放及时率"])
            #expect(!timely.met && timely.score < 4)
            #expect(t.missingReasons.isEmpty)
            #expect(t.total == t.indicators.reduce(t.budgetScore) { $0 + $1.score })
            // The JSON contract.
            let json = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
            let indicators = try #require(json["indicators"] as? [[String: Any]])
            #expect(indicators.count == 11)
            for key in ["name", "direction", "target", "actual", "weight", "score", "reason"] {
                #expect(indicators.allSatisfy { $0.keys.contains(key) }, "\(key)")
            }
            #expect(json["total"] as? String == EvaluationScoring.text(t.total))
            // DOCX through python-docx.
            let docx = try RealReaders.python("""
                import sys, docx
                d = docx.Document(sys.argv[1])
                for p in d.paragraphs:
                    if p.text.strip(): print("P|" + p.text)
                for t in d.tables:
                    for r in t.rows: print("T|" + "|".join(c.text for c in r.cells))
                """, file: try report.docx(), suffix: "docx")
            #expect(docx.contains("P|蓬溪县2021年度困难群众救助补助资金项目绩效自评报告"))
            for h in SelfEvaluationReport.sectionTitles { #expect(docx.contains("P|" + h), "\(h)") }
            #expect(docx.contains("T|筹集合计|6674.15"))
            #expect(docx.contains("T|中央财政补助|5904.29"))
            #expect(docx.contains("资金发放及时率"))
            #expect(docx.contains("T|总分||||||100|\(EvaluationScoring.text(t.total))|等级：\(t.grade)"))
            // XLSX through openpyxl: two sheets, figures as numbers.
            let xlsx = try RealReaders.python("""
                import sys, openpyxl
                wb = openpyxl.load_workbook(sys.argv[1])
                print("S|" + ",".join(wb.sheetnames))
                for ws in wb.worksheets:
                    for row in ws.iter_rows(values_only=True):
                        print(ws.title + "|" + "|".join("" if v is None else f"{type(v).__name__}:{v}" for v in row).rstrip("|"))
                """, file: try report.xlsx(), suffix: "xlsx")
            #expect(xlsx.contains("S|附表1,自评表"))
            #expect(xlsx.contains("附表1|str:筹集合计|float:6674.15"))
            #expect(xlsx.contains("附表1|str:中央财政补助|float:5904.29"))
            #expect(xlsx.contains("自评表|str:总分|"))
            // HTML: print-ready A4.
            #expect(report.html().contains("@page { size: A4"))
        }
    }

    /// A missed target without a reason stops finalising; with every reason given, the year is fixed.
    @Test func finalisingNeedsEveryReason() async throws {
        try await withTestDatabase(policies: []) { handle async throws in
            try await Self.demoYear(handle.db)
            let store = SelfEvaluationStore(handle.db)
            var targets = try #require(try await store.targets(year: 2021, countyCode: "510921"))
            let i = try #require(targets.indicators.firstIndex { $0.name == "资金发放及时率" })
            targets.indicators[i].reason = nil
            try await store.saveTargets(targets, year: 2021, countyCode: "510921", actor: "t")
            await #expect(throws: EvaluationError.missingReasons(["资金发放及时率"])) {
                try await store.finalise(year: 2021, countyCode: "510921", actor: "t")
            }
            targets.indicators[i].reason = "7 月延迟入账"
            try await store.saveTargets(targets, year: 2021, countyCode: "510921", actor: "t")
            try await store.finalise(year: 2021, countyCode: "510921", actor: "t")
            await #expect(throws: EvaluationError.finalised(year: 2021)) {
                try await store.saveTargets(targets, year: 2021, countyCode: "510921", actor: "t")
            }
            await #expect(throws: EvaluationError.finalised(year: 2021)) {
                try await store.saveNarrative(year: 2021, section: 1, text: "x", countyCode: "510921", actor: "t")
            }
        }
    }
}
