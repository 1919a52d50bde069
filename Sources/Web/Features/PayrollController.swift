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
        routes.get(.payrollBatch(id), use: show)
        routes.post(.payrollApprove(id), use: approve)
        routes.post(.payrollDiscard(id), use: discard)
        routes.post(.payrollExport(id), use: export)
        routes.get(.payrollBankFile(id), use: bankFile)
    }

    /// One section per monthly programme the county runs: its generate form and its batches.
    func index(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let batches = try await req.payroll.batches(countyCode: s.countyCode)
        let monthly = s.programmes.filter { (try? $0.rules())?.cadence == .monthly }
        let body: Node<HTML.BodyContext> = .div(
            .h1("资金发放"),
            .p(.class("muted"), .text("每个项目每月只生成一个批次；重复生成会打开已有批次。批次须审核（冻结）后才能导出银行文件，导出即计入资金支出。")),
            .forEach(monthly) { programme in
                let own = batches.filter { $0.programme == programme }
                let suggested = (own.first?.month.next ?? s.today().yearMonth).description
                return .div(
                    .h2("\(programme.shortChinese)资金发放"),
                    .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollGenerate.path), Layout.csrf(req),
                          .input(.type(.hidden), .name("programme"), .attr("value", programme.rawValue)),
                          .label(.text("发放月份 "), .input(.type(.text), .name("month"), .attr("value", suggested),
                                                        .placeholder("YYYY-MM"), .required(true))),
                          .button(.type(.submit), .text("生成\(programme.shortChinese)发放批次"))),
                    .table(.tr(.th("月份"), .th("状态"), .th(.class("num"), .text("笔数")), .th(.class("num"), .text("金额（元）")), .th("")),
                           .forEach(own) { b in
                               .tr(.td(.text(b.month.description)), .td(Layout.badge(b.state.chinese, b.state == .exported ? "ok" : "warn")),
                                   .td(.class("num"), .text("\(b.lineCount)")), .td(.class("num"), .text(b.total.groupedYuanString)),
                                   .td(.a(.attr("href", SiteURL.payrollBatch(b.id).path), .text("查看"))))
                           }))
            }
        )
        return HTMLPage(html: Layout.page(title: "资金发放", request: req, active: .payroll, body: body))
    }

    struct GenerateForm: Content {
        var month: String
        var programme: String?
    }

    func generate(req: Request) async throws -> Response {
        let s = req.settings
        let form = try req.content.decode(GenerateForm.self)
        let programme = try s.programme(field: "救助项目", form.programme)
        let month = try YearMonth(parsing: form.month)
        let g = try await req.payroll.generate(programme: programme, month: month, countyCode: s.countyCode,
                                               actor: req.actor)
        if g.created {
            let holds = g.holds.isEmpty ? "" : "；\(g.holds.count) 户暂停发放，原因见下方“暂停发放”"
            req.flash("已生成 \(month) \(programme.shortChinese)发放批次：\(g.batch.lineCount) 笔，\(g.batch.total.groupedYuanString) 元\(holds)", kind: "success")
        } else {
            req.flash("\(month) 的\(programme.shortChinese)发放批次已存在（\(g.batch.state.chinese)），未重复生成", kind: "info")
        }
        return req.seeOther(.payrollBatch(g.batch.id))
    }

    func show(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let id = try req.parameters.require("id")
        let store = req.payroll
        let b = try await store.batch(id: id)
        let page = min(max(1, req.query[Int.self, at: "page"] ?? 1), 100_000)
        let lines = try await store.lines(of: id, limit: Self.perPage, offset: (page - 1) * Self.perPage)
        let towns = try await store.townshipTotals(of: id)
        let holds = try await store.holds(of: id)
        let body: Node<HTML.BodyContext> = .div(
            .h1("\(b.month) \(b.programme.shortChinese)发放批次"),
            .dl(.class("facts"),
                .dt("批次号"), .dd(.text(b.id)),
                .dt("状态"), .dd(Layout.badge(b.state.chinese, b.state == .exported ? "ok" : "warn")),
                .dt("项目"), .dd(.text(b.programme.chinese)),
                .dt("笔数"), .dd(.text("\(b.lineCount)")),
                .dt("合计金额"), .dd(.text("\(b.total.groupedYuanString) 元")),
                .dt("审核人"), .dd(.text(b.approvedBy ?? "—"))),
            .div(
                .if(b.state == .draft, .group(
                    .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollApprove(id).path), Layout.csrf(req),
                          .button(.type(.submit), .text("审核通过（冻结批次）"))),
                    .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollDiscard(id).path), Layout.csrf(req),
                          .button(.class("secondary"), .type(.submit), .text("作废草稿，按最新档案重新生成"))))),
                .if(b.state == .approved,
                    .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollExport(id).path), Layout.csrf(req),
                          .button(.type(.submit), .text("导出银行文件（计入支出）")))),
                .if(b.state == .exported, .p(.a(.attr("href", SiteURL.payrollBankFile(id).path), .text("下载银行文件（CSV，可用 Excel 打开）"))))
            ),
            .if(!holds.isEmpty, .group(
                .h2("暂停发放（\(holds.count) 户）"),
                .table(.tr(.th("家庭"), .th("原因")),
                       .forEach(holds) { h in
                           .tr(.td(.a(.attr("href", SiteURL.household(h.householdID).path), .text(h.payeeName))), .td(.text(h.reason)))
                       }))),
            .h2("分乡镇汇总"),
            .table(.tr(.th("乡镇"), .th(.class("num"), .text("笔数")), .th(.class("num"), .text("金额（元）"))),
                   .forEach(towns) { t in
                       .tr(.td(.text(s.townshipName(t.townshipCode))), .td(.class("num"), .text("\(t.lineCount)")),
                           .td(.class("num"), .text(t.total.groupedYuanString)))
                   }),
            .h2("发放明细"),
            .table(.tr(.th("#"), .th("乡镇"), .th("村（社区）"), .th("收款人"), .th("身份证号"), .th("账号"), .th(.class("num"), .text("人数")),
                       .th(.class("num"), .text("金额（元）"))),
                   .forEach(Array(lines.enumerated())) { i, l in
                       .tr(.td(.text("\((page - 1) * Self.perPage + i + 1)")), .td(.text(s.townshipName(l.townshipCode))),
                           .td(.text(s.townshipName(l.villageCode))),
                           .td(.a(.attr("href", SiteURL.household(l.householdID).path), .text(l.payeeName))),
                           .td(.text(l.payeeResidentID.masked)), .td(.text("****" + String(l.bankAccount.suffix(4)))),
                           .td(.class("num"), .text("\(l.householdSize)")), .td(.class("num"), .text(l.amount.groupedYuanString)))
                   }),
            Layout.pager(total: b.lineCount, page: page, perPage: Self.perPage) { SiteURL.payrollBatch(id).with(["page": "\($0)"]) }
        )
        return HTMLPage(html: Layout.page(title: "\(b.month) \(b.programme.shortChinese)发放批次", request: req, active: .payroll, body: body))
    }

    func approve(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let b = try await req.payroll.approve(id, actor: req.actor)
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
        return PayrollRun(database: req.db, countyCode: s.countyCode, divisions: s.divisions, policyBook: s.policyBook,
                          bankFileDirectory: s.dataDirectory.appendingPathComponent("bank"), isDemo: s.isDemo)
    }

    func export(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let store = req.payroll
        let b = try await store.batch(id: id)
        if b.state == .exported {
            req.flash("该批次已导出，可直接下载银行文件", kind: "info")
            return req.seeOther(.payrollBatch(id))
        }
        guard b.state == .approved else { throw PayrollError.invalidTransition(from: b.state, to: .exported) }
        try await run(req).export(b, actor: req.actor)
        req.flash("已导出 \(b.month) 银行文件，批次计入资金支出", kind: "success")
        return req.seeOther(.payrollBatch(id))
    }

    func bankFile(req: Request) async throws -> Response {
        let s = req.settings
        let id = try req.parameters.require("id")
        let store = req.payroll
        let b = try await store.batch(id: id)
        guard b.state == .exported else { throw PayrollError.invalidTransition(from: b.state, to: .exported) }
        let data = try BankFile.csv(batch: b, lines: try await store.lines(of: id), divisions: s.divisions, isDemo: s.isDemo)
        let r = Response(status: .ok, body: .init(data: data))
        r.headers.replaceOrAdd(name: .contentType, value: "text/csv; charset=utf-8")
        let name = BankFile.fileName(b).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "bank.csv"
        r.headers.replaceOrAdd(name: .contentDisposition, value: "attachment; filename*=UTF-8''\(name)")
        return r
    }
}
