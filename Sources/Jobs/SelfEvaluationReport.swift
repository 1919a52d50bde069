import Domain
import FluentKit
import Foundation
import Persistence

/// The year's 绩效自评报告 (docs/self-evaluation.md): the seed's four sections drafted from the data (or as
/// the county edited them), 附表1 and the 自评表, as JSON, XLSX, DOCX or print-ready HTML.
public struct SelfEvaluationReport: Sendable {
    public var year: Int
    public var countyName: String
    public var table: SelfEvaluationTable
    public var fund: FundTable
    /// Sections 1–4: 项目概况; 项目实施及管理情况; 项目绩效情况; 问题及下步工作打算.
    public var sections: [String]
    public var isDemo: Bool
    /// When it was finalised (nil: a draft).
    public var finalised: String?

    public static let sectionTitles = ["一、项目概况", "二、项目实施及管理情况", "三、项目绩效情况", "四、问题及下步工作打算"]

    public var title: String { "\(countyName)\(year)年度困难群众救助补助资金项目绩效自评报告" }

    /// Builds the report from the database: the table, 附表1, each section as edited or else drafted.
    /// - Throws: `EvaluationError.noTargets`, and what the stores throw.
    public static func make(database: any Database, countyCode: String, countyName: String, year: Int,
                            isDemo: Bool) async throws -> SelfEvaluationReport {
        let store = SelfEvaluationStore(database)
        let measures = try await store.measures(year: year, countyCode: countyCode)
        let table = try await store.table(year: year, countyCode: countyCode, measures: measures)
        let fund = try await FundStore(database).fundTable(countyCode: countyCode, year: year)
        let edited = try await store.narrative(year: year, countyCode: countyCode)
        let drafts = try await drafts(database: database, countyCode: countyCode, countyName: countyName, year: year, table: table,
                                      fund: fund, measures: measures)
        let finalised = try await store.finalised(year: year, countyCode: countyCode).map { "\(ChinaClock.beijingTime($0.at)) \($0.by)" }
        return SelfEvaluationReport(year: year, countyName: countyName, table: table, fund: fund,
                                    sections: (1...4).map { edited[$0] ?? drafts[$0 - 1] }, isDemo: isDemo, finalised: finalised)
    }

    /// The four sections drafted from the data: counts, standards, amounts, the procedures followed.
    public static func drafts(database: any Database, countyCode: String, countyName: String, year: Int,
                              table: SelfEvaluationTable, fund: FundTable,
                              measures m: [EvaluationMeasure: (value: String, how: String)]) async throws -> [String] {
        func v(_ k: EvaluationMeasure) -> String { m[k]?.value ?? "—" }
        let lines = Dictionary(fund.lines.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        let raisedParts = fund.lines.filter { $0.key.hasPrefix("raised:") && $0.key != "raised:total" }
            .map { "\($0.label)\($0.value)万元" }.joined(separator: "、")
        let batches = try await PayrollStore(database).batches(countyCode: countyCode).filter { $0.month.year == year }
        let handedOver = batches.filter { $0.state == .exported }.count
        let returned = try await BankReturnStore(database).returnedLines(countyCode: countyCode).filter { $0.batch.month.year == year }
        let ledger = FundLedgerStore(database)
        let findings = try await ledger.timeliness(countyCode: countyCode, year: year)
        let late = findings.filter(\.isLate).count
        let position = try? await ledger.position(countyCode: countyCode, programme: nil,
                                                  asOf: CivilDate(year: year, month: 12, day: 31)!)
        let recovery = try await RecoveryStore(database).accounts(countyCode: countyCode)
        let outstanding = recovery.reduce(Money.zero) { $0 + $1.outstanding }
        let met = table.indicators.filter(\.met).count
        let one = """
            困难群众救助补助资金用于城乡最低生活保障、特困人员救助供养、临时救助、生活无着的流浪乞讨人员救助和孤儿、事实无人抚养儿童基本生活保障。\(year)年，\(countyName)共筹集资金\(lines["raised:total"] ?? "—")万元，其中\(raisedParts)。全年使用\(lines["used:total"] ?? "—")万元，结余\(lines["balance"] ?? "—")万元，执行率\(fund.executionRatePercent ?? "—")%。
            """
        let two = """
            全年保障城乡低保对象月均\(v(.dibaoPersonsAverage))人（城市\(v(.dibaoUrbanPersonsAverage))人、农村\(v(.dibaoRuralPersonsAverage))人），年末\(v(.dibaoPersonsYearEnd))人；低保标准城市\(v(.dibaoUrbanStandard))元/人·月、农村\(v(.dibaoRuralStandard))元/人·月。特困人员救助供养月均\(v(.tekunPersonsAverage))人；实施临时救助\(v(.temporaryPersonTimes))人次；孤儿月均\(v(.orphansAverage))人，事实无人抚养儿童月均\(v(.unsupportedChildrenAverage))人；救助管理站救助\(v(.reliefPersonTimes))人次。
            新申请均经受理、家庭经济状况调查、入户调查、公示和县级审核确认，按工作日时限办理。资金通过“一卡通”社会化发放：全年生成发放批次\(batches.count)个，审核后交付银行\(handedOver)个，每个批次只生成一次银行文件；发放前核查收款账户（同一账户多户、户名非本人或监护人、临近发放变更账户），银行退票\(returned.count)笔，已处理\(returned.filter { $0.decision != nil }.count)笔。
            """
        let three = """
            预算执行率\(table.executionRate ?? "—")%，得\(EvaluationScoring.text(table.budgetScore))分（满分10分）。设置绩效指标\(table.indicators.count)项，完成\(met)项。自评总分\(EvaluationScoring.text(table.total))分，等级“\(table.grade)”。
            """
        var problems: [String] = table.indicators.filter { !$0.met }.map {
            "“\($0.target.name)”目标\($0.target.direction.chinese)\($0.target.target)\($0.target.unit)，实际\($0.actual)\($0.target.unit)：\($0.reason ?? "（原因待填写）")"
        }
        if late > 0 { problems.append("全年有\(late)个乡镇月份未在规定日期前发放到账，下一步督促按月及时足额发放。") }
        if let p = position, p.idle > .zero { problems.append("有\(p.idle.wanYuanString)万元资金到位超过\(12)个月未支出，下一步加快执行、防止资金沉淀。") }
        if outstanding > .zero { problems.append("多发资金尚有\(outstanding.groupedYuanString)元未追回，下一步继续追缴或按规定审批核销。") }
        if problems.isEmpty { problems.append("（无）") }
        return [one, two, three, problems.joined(separator: "\n")]
    }

    // MARK: - Renderings

    /// `{"year", "indicators": [{"name", "direction", "target", "actual", "weight", "score", "reason"}], "budget": {…},
    /// "total", "grade"}` (the contract of `jiuzhu report self-evaluation --format json`).
    public func json() -> Data {
        var indicators: [[String: Any]] = []
        for i in table.indicators {
            indicators.append(["name": i.target.name, "level1": i.target.level1, "level2": i.target.level2,
                               "direction": i.target.direction.rawValue, "target": i.target.target, "unit": i.target.unit,
                               "actual": i.actual, "weight": EvaluationScoring.text(i.target.weight), "score": EvaluationScoring.text(i.score),
                               "met": i.met, "reason": i.reason as Any, "source": i.source])
        }
        let root: [String: Any] = [
            "year": year, "county": countyName, "demo": isDemo, "finalised": finalised as Any,
            "budget": ["initial": table.initialBudget as Any, "full": table.budget.wanYuanString, "executed": table.executed.wanYuanString,
                       "weight": "10.00", "rate": table.executionRate as Any, "score": EvaluationScoring.text(table.budgetScore),
                       "reason": table.budgetReason as Any],
            "indicators": indicators, "total": EvaluationScoring.text(table.total), "grade": table.grade,
        ]
        return try! JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// The 自评表's rows: the budget block, then the indicators.
    public var evaluationRows: [[String]] {
        var rows: [[String]] = [["资金情况（万元）", "年初预算数", "全年预算数", "全年执行数", "分值", "执行率", "得分"],
                                ["年度资金总额", table.initialBudget ?? "—", table.budget.wanYuanString, table.executed.wanYuanString, "10",
                                 (table.executionRate ?? "—") + "%", EvaluationScoring.text(table.budgetScore)]]
        rows.append(["年度总体目标", table.goal ?? "—", "", "", "", "", ""])
        rows.append(["一级指标", "二级指标", "三级指标", "指标性质", "年度指标值", "实际完成值", "分值", "得分", "偏差原因分析及改进措施"])
        for i in table.indicators {
            rows.append([i.target.level1, i.target.level2, i.target.name, i.target.direction.chinese, i.target.target + i.target.unit,
                         i.actual + i.target.unit, EvaluationScoring.text(i.target.weight), EvaluationScoring.text(i.score), i.reason ?? ""])
        }
        rows.append(["总分", "", "", "", "", "", "100", EvaluationScoring.text(table.total), "等级：\(table.grade)"])
        return rows
    }

    var fundRows: [[String]] {
        [["项目", "金额（万元）"]] + fund.lines.map { [$0.label, $0.value] }
    }

    /// Two sheets: 附表1 and 自评表; amounts and scores are numbers.
    public func xlsx() throws -> Data {
        func cell(_ s: String) -> XLSXWorkbook.Cell {
            EvaluationScoring.decimal(s) != nil && s.contains(".") ? .number(s, decimals: 2) : .text(s)
        }
        var fundSheet = XLSXWorkbook.Sheet(name: "附表1", widths: [30, 16])
        fundSheet.rows = [[.heading("\(year)年困难群众救助补助资金筹集使用情况表（附表1）")], [.text("单位：万元")]]
            + fundRows.enumerated().map { i, r in i == 0 ? r.map { .heading($0) } : r.map(cell) }
            + [[.text(FundTable.roundingNote)]]
        if isDemo { fundSheet.rows.append([.text("演示数据（虚构）")]) }
        var evalSheet = XLSXWorkbook.Sheet(name: "自评表", widths: [14, 14, 30, 8, 14, 14, 8, 8, 40])
        evalSheet.rows = [[.heading("项目支出绩效自评表（\(year)年度）")], [.text("项目名称：困难群众救助补助资金　实施单位：\(countyName)民政局")]]
            + evaluationRows.map { r in r.map(cell) }
        return try XLSXWorkbook(sheets: [fundSheet, evalSheet]).data()
    }

    public func docx() throws -> Data {
        var blocks: [DOCXDocument.Block] = [.title(title)]
        if isDemo { blocks.append(.paragraph("（演示数据，虚构，仅供演示）")) }
        for (i, text) in sections.enumerated() {
            blocks.append(.heading(Self.sectionTitles[i]))
            blocks.append(.paragraph(text))
        }
        blocks.append(.heading("附表1 \(year)年困难群众救助补助资金筹集使用情况表（单位：万元）"))
        blocks.append(.table(rows: fundRows, header: true))
        blocks.append(.heading("附表2 项目支出绩效自评表"))
        blocks.append(.table(rows: evaluationRows, header: true))
        if let f = finalised { blocks.append(.paragraph("定稿：\(f)")) }
        return try DOCXDocument(blocks: blocks).data()
    }

    /// Print-ready A4 HTML (the browser's print dialog makes the PDF).
    public func html() -> String {
        func esc(_ s: String) -> String { XLSXWorkbook.escape(s) }
        func table(_ rows: [[String]]) -> String {
            "<table>" + rows.enumerated().map { i, r in
                "<tr>" + r.map { i == 0 ? "<th>\(esc($0))</th>" : "<td>\(esc($0))</td>" }.joined() + "</tr>"
            }.joined() + "</table>"
        }
        var body = "<h1>\(esc(title))</h1>"
        if isDemo { body += "<p class=\"demo\">演示数据（虚构，仅供演示）</p>" }
        for (i, text) in sections.enumerated() {
            body += "<h2>\(esc(Self.sectionTitles[i]))</h2>" + text.split(separator: "\n").map { "<p>\(esc(String($0)))</p>" }.joined()
        }
        body += "<h2>附表1 \(year)年困难群众救助补助资金筹集使用情况表（单位：万元）</h2>" + table(fundRows)
        body += "<p class=\"note\">\(esc(FundTable.roundingNote))</p>"
        body += "<h2>附表2 项目支出绩效自评表</h2>" + table(evaluationRows)
        if let f = finalised { body += "<p>定稿：\(esc(f))</p>" }
        return """
            <!DOCTYPE html><html lang="zh"><head><meta charset="UTF-8"><title>\(esc(title))</title><style>
            @page { size: A4; margin: 25mm 20mm; }
            body { font-family: "SimSun", "Songti SC", serif; font-size: 12pt; line-height: 1.6; }
            h1 { text-align: center; font-size: 16pt; } h2 { font-size: 14pt; margin-top: 1.2em; }
            p { text-indent: 2em; margin: 0.3em 0; } p.note, p.demo { text-indent: 0; color: #555; font-size: 10pt; }
            table { border-collapse: collapse; width: 100%; font-size: 10pt; page-break-inside: auto; }
            th, td { border: 1px solid #000; padding: 2px 4px; } tr { page-break-inside: avoid; }
            </style></head><body>\(body)</body></html>
            """
    }

    /// The report in the format its file name's extension asks for.
    /// - Throws: `EvaluationError.invalid` for another extension.
    public func data(forFileNamed name: String) throws -> Data {
        switch (name as NSString).pathExtension.lowercased() {
        case "docx": return try docx()
        case "xlsx": return try xlsx()
        case "html", "htm": return Data(html().utf8)
        case "json": return json()
        default: throw EvaluationError.invalid(at: "--output", reason: "文件扩展名应为 .docx、.xlsx、.html 或 .json")
        }
    }
}
