import Domain
import Foundation
import Jobs
import Persistence
import Plot
import Vapor

/// 绩效自评: the year's table, its targets and reasons, the report's four sections, finalising, and the
/// DOCX, XLSX and HTML files (docs/self-evaluation.md).
struct ReportController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.report, use: show)
        routes.post(.reportTargets, use: targets)
        routes.post(.reportNarrative, use: narrative)
        routes.post(.reportFinalise, use: finalise)
        routes.get(.reportFile, use: file)
    }

    func year(_ req: Request) throws -> Int {
        guard let text = req.query[String.self, at: "year"], !text.isEmpty else { return req.settings.today().year - 1 }
        guard let y = Int(text), FundStore.years.contains(y) else {
            throw FormError(field: "年度", value: text, reason: "应为 \(FundStore.years.lowerBound)–\(FundStore.years.upperBound) 的年份")
        }
        return y
    }

    func show(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let y = try year(req)
        let store = SelfEvaluationStore(req.db)
        let targets = try await store.targets(year: y, countyCode: s.countyCode)
        var model = ReportPage.Model(year: y, csrf: req.csrfToken, canEdit: req.staff?.role.may(.editFunds) ?? false)
        model.targetsJSON = targets?.fileJSON() ?? ReportPage.example
        if targets != nil {
            do {
                let report = try await SelfEvaluationReport.make(database: req.db, countyCode: s.countyCode, countyName: s.divisions.county.name,
                                                                 year: y, isDemo: s.isDemo)
                model.rows = report.evaluationRows
                model.sections = report.sections
                model.finalised = report.finalised
                model.missing = report.table.missingReasons
            } catch let e as EvaluationError {
                model.problem = e.message
            }
        }
        return HTMLPage(html: Layout.page(title: "绩效自评", request: req, active: .funds, body: ReportPage.view(model)))
    }

    struct TargetsForm: Content { var year: Int; var targets: String }

    func targets(req: Request) async throws -> Response {
        let s = req.settings
        let f = try req.content.decode(TargetsForm.self)
        guard FundStore.years.contains(f.year) else { throw FormError(field: "年度", value: "\(f.year)", reason: "超出范围") }
        let parsed = try EvaluationTargets.parse(Data(f.targets.utf8))
        try await SelfEvaluationStore(req.db).saveTargets(parsed, year: f.year, countyCode: s.countyCode, actor: req.actor)
        req.flash("已保存 \(f.year) 年绩效目标（\(parsed.indicators.count) 项指标）", kind: "success")
        return req.seeOther(SiteURL.report.with(["year": "\(f.year)"]))
    }

    struct NarrativeForm: Content { var year: Int; var section: Int; var text: String }

    func narrative(req: Request) async throws -> Response {
        let f = try req.content.decode(NarrativeForm.self)
        guard FundStore.years.contains(f.year) else { throw FormError(field: "年度", value: "\(f.year)", reason: "超出范围") }
        guard f.text.count <= 3_900 else { throw FormError(field: "正文", value: "", reason: "不超过 3900 字") }
        try await SelfEvaluationStore(req.db).saveNarrative(year: f.year, section: f.section, text: f.text,
                                                            countyCode: req.settings.countyCode, actor: req.actor)
        req.flash("已保存第 \(f.section) 部分", kind: "success")
        return req.seeOther(SiteURL.report.with(["year": "\(f.year)"]))
    }

    struct YearForm: Content { var year: Int }

    func finalise(req: Request) async throws -> Response {
        let f = try req.content.decode(YearForm.self)
        try await SelfEvaluationStore(req.db).finalise(year: f.year, countyCode: req.settings.countyCode, actor: req.actor)
        req.flash("\(f.year) 年绩效自评已定稿", kind: "success")
        return req.seeOther(SiteURL.report.with(["year": "\(f.year)"]))
    }

    func file(req: Request) async throws -> Response {
        let s = req.settings
        let y = try year(req)
        let format = req.query[String.self, at: "format"] ?? "docx"
        guard ["docx", "xlsx", "html"].contains(format) else { throw FormError(field: "格式", value: format, reason: "应为 docx、xlsx 或 html") }
        let report = try await SelfEvaluationReport.make(database: req.db, countyCode: s.countyCode, countyName: s.divisions.county.name, year: y,
                                                         isDemo: s.isDemo)
        let name = "\(y)年度绩效自评报告.\(format)"
        let r = Response(status: .ok, body: .init(data: try report.data(forFileNamed: name)))
        let types: [String: String] = ["docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                     "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "html": "text/html; charset=utf-8"]
        r.headers.replaceOrAdd(name: .contentType, value: types[format]!)
        if format != "html" {
            r.headers.replaceOrAdd(name: .contentDisposition,
                                   value: "attachment; filename*=UTF-8''\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "report")")
        }
        return r
    }
}

/// The 绩效自评 page as a model and a view.
enum ReportPage {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static let example = #"{"indicators": [{"name": "临时救助人次", "direction": "≥", "target": "900", "weight": "80"}, {"name": "受助对象满意度", "direction": "≥", "target": "90", "unit": "%", "actual": "98", "weight": "10"}]}"#

    struct Model: Equatable, Sendable {
        var year: Int
        var csrf: String
        var canEdit: Bool
        var targetsJSON = ""
        var rows: [[String]] = []
        var sections: [String] = []
        var finalised: String?
        var missing: [String] = []
        var problem: String?
    }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        .div(
            .h1(.text("\(m.year) 年度绩效自评")),
            .form(.class("inline"), .method(.get), .attr("action", SiteURL.report.path),
                  .label(.text("年度 "), .input(.type(.number), .name("year"), .attr("value", "\(m.year)"))),
                  .button(.class("secondary"), .type(.submit), .text("查看"))),
            .unwrap(m.problem) { .p(.class("flash error"), .text($0)) },
            .unwrap(m.finalised) { .p(Layout.badge("已定稿：\($0)", "ok")) },
            .if(!m.rows.isEmpty, .group(
                .p(.a(.attr("href", SiteURL.reportFile.with(["year": "\(m.year)", "format": "docx"])), .text("下载报告（Word）")), .text("　"),
                   .a(.attr("href", SiteURL.reportFile.with(["year": "\(m.year)", "format": "xlsx"])), .text("下载附表（Excel）")), .text("　"),
                   .a(.attr("href", SiteURL.reportFile.with(["year": "\(m.year)", "format": "html"])), .text("打印版（A4）"))),
                .h2("项目支出绩效自评表"),
                .table(.forEach(m.rows) { r in .tr(.forEach(r) { .td(.text($0)) }) }),
                .if(!m.missing.isEmpty, .p(.class("flash error"), .text("未完成目标且未填写偏差原因：\(m.missing.joined(separator: "、"))；填写后才能定稿。"))),
                .forEach(Array(m.sections.enumerated())) { i, text in
                    .div(.h2(.text(SelfEvaluationReport.sectionTitles[i])),
                         m.canEdit && m.finalised == nil
                            ? .form(.method(.post), .attr("action", SiteURL.reportNarrative.path), .input(.type(.hidden), .name("_csrf"), .attr("value", m.csrf)),
                                    .input(.type(.hidden), .name("year"), .attr("value", "\(m.year)")),
                                    .input(.type(.hidden), .name("section"), .attr("value", "\(i + 1)")),
                                    .textarea(.name("text"), .attr("rows", "8"), .attr("cols", "100"), .text(text)),
                                    .button(.class("secondary"), .type(.submit), .text("保存本部分")))
                            : .p(.text(text)))
                },
                .if(m.canEdit && m.finalised == nil,
                    .form(.class("inline"), .method(.post), .attr("action", SiteURL.reportFinalise.path),
                          .input(.type(.hidden), .name("_csrf"), .attr("value", m.csrf)),
                          .input(.type(.hidden), .name("year"), .attr("value", "\(m.year)")),
                          .button(.type(.submit), .text("定稿（此后不能修改）")))))),
            .if(m.canEdit && m.finalised == nil, .group(
                .h2("绩效目标（JSON，见 docs/self-evaluation.md）"),
                .p(.class("muted"), .text("每项指标：name 名称、direction 方向（≥ ≤ = qualitative）、target 目标值、weight 分值；系统不能计算的指标（如满意度）须给出 actual 实际值；未完成的写 reason 偏差原因。")),
                .form(.method(.post), .attr("action", SiteURL.reportTargets.path), .input(.type(.hidden), .name("_csrf"), .attr("value", m.csrf)),
                      .input(.type(.hidden), .name("year"), .attr("value", "\(m.year)")),
                      .textarea(.name("targets"), .attr("rows", "16"), .attr("cols", "100"), .text(m.targetsJSON)),
                      .button(.type(.submit), .text("保存绩效目标")))))
        )
    }
}
