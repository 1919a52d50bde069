import Domain
import Foundation
import Jobs
import Persistence
import Plot
import Vapor

/// 信息比对: import another department's file, see the hits, decide each (docs/matching.md).
struct MatchingController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.matching, use: page)
        routes.on(.POST, .matching, body: .collect(maxSize: "50mb"), use: upload)
        routes.post(.matchingHit(SiteURL.P.id), use: decide)
        routes.get(.matchingImport(SiteURL.P.id), use: importPage)
    }

    func page(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let store = MatchStore(req.db, today: s.today)
        let month = try req.query[String.self, at: "month"].map { try YearMonth(parsing: $0) } ?? s.today().yearMonth
        let kind = try req.query[String.self, at: "kind"].flatMap { $0.isEmpty ? nil : try DatasetKind(named: $0) }
        let township = req.query[String.self, at: "township"].flatMap { DivisionCode($0) }.flatMap { s.divisions.division($0)?.level == .township ? $0.value : nil }
        var model = MatchingPage.Model(imports: try await store.imports(countyCode: s.countyCode, limit: 20),
                                       hits: try await store.openHits(countyCode: s.countyCode, kind: kind, townshipCode: township)
                                           .map(MatchingPage.Hit.init),
                                       filingsMonth: month, filings: try await store.filings(countyCode: s.countyCode, month: month),
                                       csrf: req.csrfToken, permissions: req.staff?.role.permissions ?? [])
        model.filter = (kind, township)
        model.townships = s.divisions.townships.map { ($0.code.value, $0.name) }
        return HTMLPage(html: Layout.page(title: MatchingPage.title, request: req, active: .matching, body: MatchingPage.view(model)))
    }

    struct UploadForm: Content {
        var kind: String
        var source: String?
        var file: File
        var mapping: File?
    }

    /// Saves the upload privately and imports it in the background; the browser goes to the import's page.
    func upload(req: Request) async throws -> Response {
        let s = req.settings
        let form = try req.content.decode(UploadForm.self)
        let kind = try DatasetKind(named: form.kind)
        guard form.file.data.readableBytes > 0 else { throw FormError(field: "文件", value: form.file.filename, reason: "请选择要导入的文件") }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("jiuzhu-upload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // The file is kept under a name of ours (the sender's name is recorded, never used as a path).
        let ext = (form.file.filename as NSString).pathExtension.lowercased()
        let url = dir.appendingPathComponent("upload." + (["csv", "xlsx", "xls", "txt"].contains(ext) ? ext : "dat"))
        let name = String((form.file.filename as NSString).lastPathComponent.prefix(100))
        let mappingText = form.mapping.flatMap { $0.data.readableBytes > 0 ? String(decoding: Data(buffer: $0.data), as: UTF8.self) : nil }
        let source = form.source?.trimmingCharacters(in: .whitespaces)
        do {
            try Data(buffer: form.file.data).write(to: url)
            // What can be refused at once (a mapping, the headings) is, before the job starts.
            let store = MatchStore(req.db, today: s.today)
            _ = try await DatasetImport.mapping(kind: kind, source: (source?.isEmpty ?? true) ? nil : source, mappingText: mappingText,
                                                countyCode: s.countyCode, store: store)
        } catch {
            try? FileManager.default.removeItem(at: dir)
            throw error
        }
        let job = ImportJobs.Job(id: UUID().uuidString.lowercased(), countyCode: s.countyCode, actor: req.actor, kind: kind, fileName: name.isEmpty ? "upload" : name,
                                 startedAt: Date(), rowsRead: 0, rowsEstimate: 0, state: .running)
        let jobs = req.application.importJobs
        await jobs.start(job)
        // The import's one long transaction runs on a connection of its own (as a command would), so the pages'
        // connections stay free: with WAL, pages read while it writes (found when tried as a new user would: a
        // 150,000-row import held the pages' SQLite connection and they failed after 10 s). An in-memory
        // database (tests) has only the app's.
        let handle: DatabaseHandle? = s.database == .sqliteMemory ? nil : try DatabaseHandle(s.database, keys: s.dataKeys)
        let db = handle?.db ?? req.application.db
        Task.detached {
            defer { try? FileManager.default.removeItem(at: dir) }
            do {
                let r = try await DatasetImport.run(kind: kind, file: url, fileName: job.fileName, source: (source?.isEmpty ?? true) ? nil : source,
                                                    mappingText: mappingText, countyCode: s.countyCode, actor: job.actor, database: db, today: s.today,
                                                    progress: Progress { done, total, _ in Task { await jobs.progress(job.id, read: done, estimate: total) } })
                await jobs.finish(job.id, .done(summary: MatchingPage.summary(r), alreadyImported: r.alreadyImported))
            } catch {
                let (_, message) = ErrorPageMiddleware.describe(error)
                await jobs.finish(job.id, .failed(message.split(separator: "\n").map(String.init)))
            }
            await handle?.close()
        }
        return req.seeOther(.matchingImport(job.id))
    }

    /// The import's progress (reloading itself every 2 seconds), then its result or its refusal.
    func importPage(req: Request) async throws -> HTMLPage {
        let id = try req.parameters.require("id")
        guard let job = await req.application.importJobs.job(id), job.countyCode == req.settings.countyCode, job.actor == req.actor else {
            throw StoreError.notFound(what: "导入", id: id)
        }
        return HTMLPage(html: Layout.page(title: MatchingPage.title, request: req, active: .matching, body: MatchingPage.importView(job),
                                          refreshSeconds: job.state == .running ? 2 : nil))
    }

    struct DecisionForm: Content {
        var decision: String
        var note: String
    }

    func decide(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let form = try req.content.decode(DecisionForm.self)
        guard let decision = MatchHit.Decision(rawValue: form.decision) else {
            throw FormError(field: "处理结果", value: form.decision, reason: "请从列表选择")
        }
        let store = MatchStore(req.db)
        // Only a hit of this county.
        guard try await store.countyOf(hit: id) == req.settings.countyCode else { throw MatchError.hitNotFound(id) }
        let h = try await store.decide(id, decision, note: form.note, actor: req.actor)
        req.flash("已登记：\(h.subjectName) \(h.finding.code) — \(decision.chinese)", kind: "success")
        return req.seeOther(.matching)
    }
}

/// The matching page: the upload form, the latest imports, and the open hits with their decision forms.
enum MatchingPage {
    static let title = "信息比对"

    struct Hit: Equatable, Sendable {
        var id: String
        var householdID: String
        var name: String
        var recordName: String
        var maskedID: String
        var kind: String
        var code: String
        var severity: String
        var summary: String
        var actions: String
        var near: Bool
        var holdsPayment: Bool
        var idWarning: Bool
    }

    struct Model: Equatable, Sendable {
        var imports: [DatasetImportSummary]
        var hits: [Hit]
        /// The 近亲属备案 register's month and its entries.
        var filingsMonth: YearMonth
        var filings: [CloseRelativeFiling]
        var csrf: String
        var permissions: Set<Permission>
        /// The open hits shown: of one kind, of one township (nil: all).
        var filter: (kind: DatasetKind?, township: String?) = (nil, nil)
        var townships: [(String, String)] = []

        static func == (a: Model, b: Model) -> Bool {
            a.imports == b.imports && a.hits == b.hits && a.filingsMonth == b.filingsMonth && a.filings == b.filings && a.csrf == b.csrf
                && a.permissions == b.permissions && a.filter.kind == b.filter.kind && a.filter.township == b.filter.township
                && a.townships.map(\.0) == b.townships.map(\.0)
        }
    }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        let exact = m.hits.filter { !$0.near }, near = m.hits.filter(\.near)
        return .div(
            .h1(.text(title)),
            .p(.class("muted"), .text("导入公安、殡葬、交管、不动产、市场监管、财政、人社、公积金、医保等部门的数据和干部近亲属名册、外县救助名册，与全县在册人员（救助对象、家庭成员、申请人、收款人）按身份证号比对。命中在保家庭的，下次发放暂停；命中申请家庭的，处理前不能审核确认。同一文件重复导入不作更改。")),
            .form(.method(.post), .attr("action", SiteURL.matching.path), .attr("enctype", "multipart/form-data"),
                  Layout.csrf(m.csrf),
                  .label(.text("数据类别"), Controls.select("kind", DatasetKind.allCases.map {
                      Controls.option($0.rawValue, "\($0.chinese)（" + $0.columns.filter(\.required).map(\.heading).joined(separator: "、") + "）")
                  }, required: true)),
                  .label(.text("数据来源单位（已保存列对照表的来源可直接使用）"), .input(.type(.text), .name("source"), .placeholder("如：县公安局"))),
                  .label(.text("文件（CSV 或 XLSX，第一行为列标题）"), .input(.type(.file), .name("file"), .required(true),
                                                               .attr("accept", ".csv,.xlsx"))),
                  .label(.text("列对照表（可选，JSON；列名与标准不同时使用，导入成功后按来源保存）"),
                         .input(.type(.file), .name("mapping"), .attr("accept", ".json"))),
                  .button(.type(.submit), .text("导入并比对"))),
            .form(.method(.get), .attr("action", SiteURL.matching.path),
                  .label(.text("数据类别"), Controls.select("kind", [Controls.option("", "全部", selected: m.filter.kind == nil)]
                      + DatasetKind.allCases.map { Controls.option($0.rawValue, $0.chinese, selected: $0 == m.filter.kind) })),
                  .label(.text("乡镇"), Controls.select("township", [Controls.option("", "全部", selected: m.filter.township == nil)]
                      + m.townships.map { Controls.option($0.0, $0.1, selected: $0.0 == m.filter.township) })),
                  .button(.class("secondary"), .type(.submit), .text("筛选"))),
            .h2(.text("待处理的比对结果（\(exact.count)\(exact.count >= 500 ? "，只列前 500 条，请筛选" : "")）")),
            .if(exact.isEmpty, .p(.text("没有待处理的比对结果。"))),
            .if(!exact.isEmpty, hitTable(exact, m, decisions: [.confirmed, .cleared])),
            .h2(.text("疑似同一人（姓名和出生日期相同、身份证号不同，\(near.count)）")),
            .if(near.isEmpty, .p(.text("没有。"))),
            .if(!near.isEmpty, hitTable(near, m, decisions: [.samePerson, .differentPerson])),
            .h2(.text("近亲属备案登记（\(m.filingsMonth.year) 年 \(m.filingsMonth.month) 月）")),
            .p(.class("muted"), .text("干部名册比对命中、经核实属实的，登记单独备案（民发〔2021〕57号 第11条）；该户办理中的申请须县级入户核查后才能确认（第20条）。")),
            .form(.method(.get), .attr("action", SiteURL.matching.path),
                  .input(.type(.month), .name("month"), .attr("value", m.filingsMonth.description)),
                  .button(.class("secondary"), .type(.submit), .text("查看该月"))),
            .if(m.filings.isEmpty, .p(.text("本月没有备案。"))),
            .if(!m.filings.isEmpty, .table(
                .tr(.th("备案日期"), .th("家庭"), .th("成员"), .th("情况"), .th("核实说明"), .th("登记人")),
                .forEach(m.filings) { f in
                    .tr(.td(.text(f.filedOn.description)), .td(.a(.attr("href", SiteURL.household(f.householdID).path), .text(f.householdID))),
                        .td(.text(f.memberName)), .td(.text(f.detail)), .td(.text(f.note)), .td(.text(f.filedBy)))
                })),
            .h2(.text("最近导入")),
            .table(
                .tr(.th("导入时间"), .th("类别"), .th("来源"), .th("文件"), .th(.class("num"), .text("行数")), .th(.class("num"), .text("新增")),
                    .th(.class("num"), .text("此前已有")), .th("SHA-256"), .th("导入人")),
                .forEach(m.imports) { i in
                    .tr(.td(.text(ChinaClock.beijingTime(i.importedAt))), .td(.text(i.kind.chinese)), .td(.text(i.source)), .td(.text(i.fileName)),
                        .td(.class("num"), .text("\(i.rows)")), .td(.class("num"), .text("\(i.added)")), .td(.class("num"), .text("\(i.known)")),
                        .td(.code(.text(String(i.sha256.prefix(12))))), .td(.text(i.importedBy)))
                })
        )
    }

    /// One line saying what an import did.
    static func summary(_ r: DatasetImportResult) -> String {
        if r.alreadyImported {
            return "这份文件已于 \(ChinaClock.beijingTime(r.importedAt)) 由 \(r.importedBy) 导入，本次未作任何更改"
        }
        var text = "已导入\(r.kind.chinese)（\(r.source)）\(r.rows) 行：新增 \(r.added) 条，此前已有 \(r.known) 条；命中 \(r.hits.count) 人次，疑似同一人 \(r.nearMatches.count) 人次"
        if !r.report.duplicates.isEmpty { text += "；重复行 \(r.report.duplicates.map { "第 \($0.row) 行" }.joined(separator: "、"))只记一次" }
        if !r.report.conflicts.isEmpty { text += "；与此前导入不一致、未覆盖：\(r.report.conflicts.map { "第 \($0.row) 行" }.joined(separator: "、"))" }
        if !r.report.unlisted.isEmpty {
            text += "；关系不在近亲属列表、未比对：\(r.report.unlisted.map { "第 \($0.row) 行“\($0.relationship)”" }.joined(separator: "、"))"
        }
        if !r.report.warnings.isEmpty { text += "；身份证号末三位为 000、须对照证件核实：\(r.report.warnings.map { "第 \($0.row) 行" }.joined(separator: "、"))" }
        return text
    }

    static func importView(_ job: ImportJobs.Job) -> Node<HTML.BodyContext> {
        let back = Node<HTML.BodyContext>.p(.a(.attr("href", SiteURL.matching.path), .text("返回信息比对")))
        switch job.state {
        case .running:
            let pct = job.rowsEstimate > 0 ? min(99, job.rowsRead * 100 / job.rowsEstimate) : 0
            return .div(.h1(.text("正在导入：\(job.kind.chinese) \(job.fileName)")),
                        .p(.text("已读 \(job.rowsRead) 行，约 \(job.rowsEstimate) 行（\(pct)%）。本页每 2 秒自动刷新。")),
                        .element(named: "progress", nodes: [.attribute(named: "max", value: "100"), .attribute(named: "value", value: "\(pct)")]),
                        .p(.class("muted"), .text("导入是一个整体：中途停止（如服务器重启）不会留下半份数据，重新导入同一文件即可。")), back)
        case let .done(summary, already):
            return .div(.h1(.text("导入完成：\(job.kind.chinese) \(job.fileName)")), .p(.class(already ? "flash info" : "flash success"), .text(summary)), back)
        case let .failed(lines):
            return .div(.h1(.text("未导入：\(job.kind.chinese) \(job.fileName)")),
                        .div(.class("flash error"), .forEach(lines) { .p(.text($0)) }),
                        .p(.text("整份文件未导入（全部导入或全部不导入），改正后重新导入即可。")), back)
        }
    }

    static func hitTable(_ hits: [Hit], _ m: Model, decisions: [MatchHit.Decision]) -> Node<HTML.BodyContext> {
        .table(
            .tr(.th("人员"), .th("身份证号"), .th("数据"), .th("规则"), .th("风险"), .th("情况"), .th("建议"), .th("处理")),
            .forEach(hits) { h in
                .tr(.td(.a(.attr("href", SiteURL.household(h.householdID).path), .text(h.name)),
                        .if(h.recordName != h.name, .span(.class("muted"), .text("（来源数据：\(h.recordName)）")))),
                    .td(.text(h.maskedID), .if(h.idWarning, .span(.class("warn"), .text("（末三位 000，请对照证件）")))),
                    .td(.text(h.kind)), .td(.code(.text(h.code))), .td(.text(h.severity)),
                    .td(.text(h.summary), .if(h.holdsPayment, .strong(.text("（下次发放暂停）")))),
                    .td(.text(h.actions)),
                    .td(.if(m.permissions.contains(.matchData),
                            .form(.class("inline"), .method(.post), .attr("action", SiteURL.matchingHit(h.id).path), Layout.csrf(m.csrf),
                                  Controls.select("decision", decisions.map { Controls.option($0.rawValue, $0.chinese) }),
                                  .input(.type(.text), .name("note"), .placeholder("核实情况（必填）"), .required(true)),
                                  .button(.class("secondary"), .type(.submit), .text("登记"))))))
            })
    }
}

extension MatchingPage.Hit {
    /// The row of a stored hit: its number masked.
    init(_ h: MatchHit) {
        id = h.id
        householdID = h.householdID
        name = h.subjectName
        recordName = h.recordName
        maskedID = h.residentID.masked
        kind = h.kind.chinese
        code = h.finding.code
        severity = h.finding.severity.chinese
        summary = h.finding.summary
        actions = h.finding.actions.map(\.chinese).joined(separator: "、")
        near = h.matchType == .near
        holdsPayment = h.finding.holdsPayment && h.matchType == .exact
        idWarning = h.idWarning
    }
}
