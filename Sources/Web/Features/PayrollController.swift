import Domain
import Jobs
import Persistence
import Plot
import Vapor

/// 资金发放: generate a month's batch, review it by township, approve (freeze), download the bank file.
struct PayrollController: RouteCollection {
    static let perPage = 100

    func boot(routes: any RoutesBuilder) throws {
        let id = SiteURL.P.id
        routes.get(.payroll, use: index)
        routes.post(.payrollGenerate, use: generate)
        routes.post(.payrollBackPay, use: backPay)
        routes.get(.payrollBatch(id), use: show)
        routes.post(.payrollApprove(id), use: approve)
        routes.post(.payrollDiscard(id), use: discard)
        routes.post(.payrollExport(id), use: export)
        routes.get(.payrollBankFile(id), use: bankFile)
    }

    func index(req: Request) async throws -> HTMLPage {
        let s = req.settings
        var model = PayrollIndex.Model.make(batches: try await req.payroll.batches(countyCode: s.countyCode),
                                            programmes: s.programmes, today: s.today(), csrf: req.csrfToken)
        model.permissions = req.staff?.role.permissions ?? []
        return HTMLPage(html: Layout.page(title: PayrollIndex.title, request: req, active: .payroll,
                                          body: PayrollIndex.view(model)))
    }

    struct GenerateForm: Content {
        var month: String
        var programme: String?
        /// "1" once the user has seen the skipped months and goes on.
        var confirmSkipped: String?
    }

    func generate(req: Request) async throws -> Response {
        let s = req.settings
        let form = try req.content.decode(GenerateForm.self)
        let programme = try s.programme(field: "救助项目", form.programme)
        let month = try YearMonth(parsing: form.month)
        let skipped = try await req.payroll.skippedMonths(programme: programme, before: month, countyCode: s.countyCode)
        if !skipped.isEmpty && form.confirmSkipped != "1" {
            // Warned before the month is generated: a page to confirm, or go back.
            let model = PayrollIndex.SkipConfirmation(programme: programme, month: month, skipped: skipped, csrf: req.csrfToken)
            return try await HTMLPage(html: Layout.page(title: PayrollIndex.title, request: req, active: .payroll,
                                                        body: PayrollIndex.confirmView(model))).encodeResponse(for: req)
        }
        let g = try await req.payroll.generate(programme: programme, month: month, countyCode: s.countyCode,
                                               actor: req.actor)
        if g.created {
            let holds = g.holds.isEmpty ? "" : "；\(g.holds.count) 户暂停发放，原因见下方“暂停发放”"
            let note = g.otherVersionsNote.map { "。提示：" + $0 } ?? ""
            req.flash("已生成 \(month) \(programme.shortChinese)发放批次：\(g.batch.lineCount) 笔，\(g.batch.total.groupedYuanString) 元\(holds)\(note)", kind: "success")
        } else {
            let waiting = g.waitingGrants == 0 ? "" : "；另有 \(g.waitingGrants) 笔已批准的\(programme.shortChinese)未列入此批次："
                + (g.batch.state == .draft ? "作废草稿后重新生成即可列入" : "将在下月批次中发放")
            req.flash("\(month) 的\(programme.shortChinese)发放批次已存在（\(g.batch.state.chinese)），未重复生成\(waiting)", kind: "info")
        }
        return req.seeOther(.payrollBatch(g.batch.id))
    }

    struct BackPayForm: Content {
        var month: String
        var from: String
        var programme: String?
    }

    /// 补发: the back-pay batch of a programme paid in `month`, settling the frozen months from `from`.
    func backPay(req: Request) async throws -> Response {
        let s = req.settings
        let form = try req.content.decode(BackPayForm.self)
        let programme = try s.programme(field: "救助项目", form.programme)
        let month = try FormField.month("补发月份", form.month)
        let from = try FormField.month("补发起始月份", form.from)
        let g = try await req.payroll.generateBackPay(programme: programme, month: month, from: from, countyCode: s.countyCode,
                                                      actor: req.actor)
        var notes: [String] = []
        if !g.heldMonths.isEmpty { notes.append("\(g.heldMonths.count) 个户月仍暂停（原因未消除，不补发）") }
        if !g.overpaid.isEmpty { notes.append("\(g.overpaid.count) 个户月已发多于现行核定，请转入多发追回台账") }
        if !g.monthsNotFrozen.isEmpty {
            notes.append("\(g.monthsNotFrozen.map(\.description).joined(separator: "、")) 的正常批次未审核或未生成，由该月批次按现行金额发放")
        }
        let tail = notes.isEmpty ? "" : "；" + notes.joined(separator: "；")
        guard let b = g.batch else {
            req.flash("\(from) 至 \(month) 没有应补发的\(programme.shortChinese)金额，未生成补发批次\(tail)", kind: "info")
            return req.seeOther(.payroll)
        }
        if g.created {
            req.flash("已生成 \(month) \(programme.shortChinese)补发批次：\(b.lineCount) 笔（\(g.items.count) 个户月），\(b.total.groupedYuanString) 元\(tail)", kind: "success")
        } else {
            req.flash("\(month) 的\(programme.shortChinese)补发批次已存在（\(b.state.chinese)），未重复生成；之后再有应补发的月份，请在下月生成", kind: "info")
        }
        return req.seeOther(.payrollBatch(b.id))
    }

    func show(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let id = try req.parameters.require("id")
        let store = req.payroll
        let b = try await store.batch(id: id)
        let page = min(max(1, req.query[Int.self, at: "page"] ?? 1), 100_000)
        let lines = try await store.lines(of: id, limit: Self.perPage, offset: (page - 1) * Self.perPage)
        var model = PayrollBatchPage.Model.make(
            batch: b, holds: try await store.holds(of: id), towns: try await store.townshipTotals(of: id),
            lines: lines, page: page, perPage: Self.perPage, csrf: req.csrfToken, placeName: s.townshipName)
        model.permissions = req.staff?.role.permissions ?? []
        model.user = req.staff?.username
        model.flags = try await store.flags(of: id)
        let files = BankFileStore(req.db)
        if let f = try await files.file(of: id) {
            model.handedOver = .init(fileName: f.fileName, format: f.format, sha256: f.sha256,
                                     at: ChinaClock.beijingTime(f.producedAt), by: f.producedBy)
        }
        if b.state == .exported {
            let returns = BankReturnStore(req.db)
            let summary = try await returns.summary(batchID: id)
            let imported = try await returns.imports(batchID: id)
            if !imported.isEmpty || summary.paid > 0 { model.results = summary }
            model.imports = imported.map {
                "回盘 \($0.fileName)：\(ChinaClock.beijingTime($0.importedAt)) \($0.importedBy) 导入，成功 \($0.paid)、退票 \($0.returned)"
                    + ($0.overrideBy.map { "；\($0) 覆盖导入，" } ?? "")
                    + ($0.overrideReason.map { "原因：\($0)" } ?? "")
            }
            model.townships = try await store.townshipTotals(of: id).map { ($0.townshipCode, s.townshipName($0.townshipCode)) }
        }
        let chosen = try await files.defaultFormat(countyCode: s.countyCode).name
        model.formats = [chosen] + (try await files.formats(countyCode: s.countyCode)).map(\.name).filter { $0 != chosen }
        if b.kind == .backPay {
            model.items = PayrollBatchPage.Model.items(try await store.backPayItems(of: id), lines: lines,
                                                       firstNumber: (page - 1) * Self.perPage + 1)
        }
        return HTMLPage(html: Layout.page(title: model.title, request: req, active: .payroll, body: PayrollBatchPage.view(model)))
    }

    func approve(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        // Another person approves what one generated (segregation of duties, issue 6).
        let b = try await req.payroll.approve(id, actor: req.actor, secondPerson: true)
        req.flash("已审核 \(b.month) 批次，批次已冻结", kind: "success")
        return req.seeOther(.payrollBatch(id))
    }

    func discard(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        try await req.payroll.discardDraft(id, actor: req.actor)
        req.flash("已作废草稿批次，可重新生成", kind: "success")
        return req.seeOther(.payroll)
    }

    func run(_ req: Request) -> PayrollRun {
        let s = req.settings
        // A copy of every exported bank file is kept beside the database, for the record.
        return PayrollRun(database: req.db, countyCode: s.countyCode, divisions: s.divisions,                           bankFileDirectory: s.dataDirectory.appendingPathComponent("bank"), isDemo: s.isDemo)
    }

    func export(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let store = req.payroll
        let b = try await store.batch(id: id)
        guard b.state == .approved || b.state == .exported else { throw PayrollError.invalidTransition(from: b.state, to: .exported) }
        struct Form: Content { var format: String? }
        let name = try req.content.decode(Form.self).format?.nonEmpty
        let e = try await run(req).export(b, actor: req.actor, format: name)
        if e.created {
            req.flash("已生成并交付 \(b.month) 银行文件（\(e.file.format)），批次计入资金支出", kind: "success")
        } else {
            req.flash("该批次的银行文件已于 \(ChinaClock.beijingTime(e.file.producedAt)) 由 \(e.file.producedBy) 生成并交付，未生成新文件", kind: "info")
        }
        return req.seeOther(.payrollBatch(id))
    }

    func bankFile(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let store = req.payroll
        let b = try await store.batch(id: id)
        guard b.state == .exported else { throw PayrollError.invalidTransition(from: b.state, to: .exported) }
        // The file handed over, byte for byte (a batch exported before files were kept gets its one file now).
        let f = try await run(req).export(b, actor: req.actor).file
        let r = Response(status: .ok, body: .init(data: f.content))
        let type = f.fileName.hasSuffix(".xlsx") ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            : f.fileName.hasSuffix(".csv") ? "text/csv" : "text/plain"
        r.headers.replaceOrAdd(name: .contentType, value: type)
        r.headers.replaceOrAdd(name: "X-Content-SHA256", value: f.sha256)
        let name = f.fileName.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "bank.csv"
        r.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename*=UTF-8''\(name)")
        return r
    }
}
