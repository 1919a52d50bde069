import Domain
import Foundation
import Jobs
import Persistence
import Plot
import Vapor

/// 回盘与退票: the bank's result files, the correction queue, follow-up batches, credit days, reconciliation
/// (docs/bank-returns.md).
struct ReturnsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let id = SiteURL.P.id
        routes.get(.payrollReturns, use: queue)
        routes.on(.POST, .payrollReturnFile(id), body: .collect(maxSize: "20mb"), use: importFile)
        routes.on(.POST, .payrollReturnOverride(id), body: .collect(maxSize: "20mb"), use: importOverride)
        routes.post(.payrollReturnDecision(id, line: SiteURL.P.line), use: decide)
        routes.post(.payrollReissue(id), use: reissue)
        routes.post(.payrollReconcile(id), use: reconcile)
        routes.post(.payrollCredit(id), use: credit)
    }

    func queue(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let lines = try await BankReturnStore(req.db).returnedLines(countyCode: s.countyCode, openOnly: req.query[String.self, at: "all"] != "1")
        let model = ReturnsPage.Model(lines: lines.map {
            ReturnsPage.Line(lineID: $0.lineID, batchID: $0.batch.id, batchTitle: "\($0.batch.month) \($0.batch.programme.shortChinese)\($0.batch.kind.chinese)",
                             seq: $0.seq, householdID: $0.householdID, township: s.townshipName($0.townshipCode), payeeName: $0.payeeName,
                             amount: $0.amount, reason: "\($0.reason.chinese)（\($0.reasonText)）", decision: $0.decision,
                             decisionNote: $0.decisionNote, reissueBatchID: $0.reissueBatchID)
        }, csrf: req.csrfToken, permissions: req.staff?.role.permissions ?? [])
        return HTMLPage(html: Layout.page(title: ReturnsPage.title, request: req, active: .payroll, body: ReturnsPage.view(model)))
    }

    struct ImportForm: Content {
        var file: File
        var overrideReason: String?
    }

    func importFile(req: Request) async throws -> Response {
        let form = try req.content.decode(ImportForm.self)
        if let reason = form.overrideReason?.trimmingCharacters(in: .whitespaces), !reason.isEmpty {
            throw Abort(.forbidden, reason: "覆盖导入须有“\(Permission.overrideReturns.chinese)”权限，由县民政局领导在批次页的覆盖导入表单办理 (override needs its own permission)")
        }
        return try await importing(req, form: form, override: nil)
    }

    /// The same file over a changed earlier result: only with the override permission, and its reason.
    func importOverride(req: Request) async throws -> Response {
        let form = try req.content.decode(ImportForm.self)
        guard let reason = form.overrideReason?.trimmingCharacters(in: .whitespaces), !reason.isEmpty, reason.count <= 200 else {
            throw FormError(field: "覆盖原因", value: form.overrideReason ?? "", reason: "必填（如银行更正函编号），不超过 200 字")
        }
        return try await importing(req, form: form, override: (req.actor, reason))
    }

    func importing(_ req: Request, form: ImportForm, override: (by: String, reason: String)?) async throws -> Response {
        let s = req.settings
        let id = try req.parameters.require("id")
        let data = Data(buffer: form.file.data)
        let rows = try BankReturnFile.parse(data)
        guard rows.allSatisfy({ $0.batchID == id }) else {
            throw BankReturnError.conflicts(rows.filter { $0.batchID != id }.prefix(1).map { .otherBatch(line: $0.fileLine, batchID: $0.batchID) })
        }
        let r = try await BankReturnStore(req.db).importFile(data, fileName: form.file.filename, countyCode: s.countyCode,
                                                             actor: req.actor, override: override)
        if r.created {
            req.flash("已导入回盘：成功 \(r.paid) 笔，退票 \(r.returned) 笔\(r.unchanged > 0 ? "，\(r.unchanged) 笔与已登记相同" : "")", kind: "success")
        } else {
            req.flash("该回盘文件此前已导入，未作任何更改", kind: "info")
        }
        return req.seeOther(.payrollBatch(id))
    }

    struct DecisionForm: Content {
        var decision: String
        var note: String
    }

    func decide(req: Request) async throws -> Response {
        let id = try req.parameters.require("id"), line = try req.parameters.require("line")
        let form = try req.content.decode(DecisionForm.self)
        guard let decision = ReturnDecision(rawValue: form.decision) else {
            throw FormError(field: "处理方式", value: form.decision, reason: "请从列表选择")
        }
        // The line must be of the batch the path names (its scope was checked by it).
        guard try await PayrollStore(req.db).identifiedLines(of: id).contains(where: { $0.id == line }) else {
            throw StoreError.notFound(what: "该批次的发放记录", id: line)
        }
        try await BankReturnStore(req.db).decide(lineID: line, decision: decision, note: form.note, actor: req.actor)
        req.flash("已登记退票处理：\(decision.chinese)", kind: "success")
        return req.seeOther(.payrollReturns)
    }

    func reissue(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let b = try await BankReturnStore(req.db).generateReissue(sourceBatchID: id, actor: req.actor)
        req.flash("已生成退票重发批次：\(b.lineCount) 笔，\(b.total.groupedYuanString) 元，须审核后交付银行", kind: "success")
        return req.seeOther(.payrollBatch(b.id))
    }

    func reconcile(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        _ = try await BankReturnStore(req.db).reconcile(batchID: id, actor: req.actor)
        req.flash("批次已对账关闭，此后不能再导入回盘或更改退票处理", kind: "success")
        return req.seeOther(.payrollBatch(id))
    }

    struct CreditForm: Content {
        var date: String
        var township: String?
    }

    func credit(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let form = try req.content.decode(CreditForm.self)
        let date = try CivilDate(parsing: form.date)
        guard date <= req.settings.today() else { throw FormError(field: "入账日期", value: form.date, reason: "不能晚于今天") }
        let township = form.township?.trimmingCharacters(in: .whitespaces)
        try await FundLedgerStore(req.db).recordCredit(batchID: id, townshipCode: (township?.isEmpty ?? true) ? nil : township,
                                                       creditedOn: date, actor: req.actor)
        req.flash("已登记银行入账日期 \(date)", kind: "success")
        return req.seeOther(.payrollBatch(id))
    }
}

/// The correction queue of returned lines (退票处理).
enum ReturnsPage {
    static let title = "退票处理"

    struct Line: Equatable, Sendable {
        var lineID: String
        var batchID: String
        var batchTitle: String
        var seq: Int
        var householdID: String
        var township: String
        var payeeName: String
        var amount: Money
        var reason: String
        var decision: ReturnDecision?
        var decisionNote: String?
        var reissueBatchID: String?
    }

    struct Model: Equatable, Sendable {
        var lines: [Line]
        var csrf: String
        var permissions: Set<Permission>
    }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        let batches = Array(Set(m.lines.filter { $0.decision == .repay && $0.reissueBatchID == nil }.map(\.batchID))).sorted()
        return .div(
            .h1(.text(title)),
            .p(.class("muted"), .text("银行退回的发放（户名不符、账号错误、证件号不符、账户冻结等）在此逐笔处理：更正档案后选择“更正后重发”，由原批次的退票重发批次补发；已以现金等方式支付或不再支付的，登记原因。每笔须有处理决定，批次才能对账关闭。")),
            .if(m.lines.isEmpty, .p(.text("没有待处理的退票。"))),
            .if(!m.lines.isEmpty, .table(
                .tr(.th("批次"), .th("#"), .th("乡镇"), .th("收款人"), .th(.class("num"), .text("金额（元）")), .th("退票原因"), .th("处理")),
                .forEach(m.lines) { l in
                    .tr(.td(.a(.attr("href", SiteURL.payrollBatch(l.batchID).path), .text(l.batchTitle))), .td(.text("\(l.seq)")),
                        .td(.text(l.township)), .td(.a(.attr("href", SiteURL.household(l.householdID).path), .text(l.payeeName))),
                        .td(.class("num"), .text(l.amount.groupedYuanString)), .td(.text(l.reason)),
                        .td(
                            .unwrap(l.decision) { d in .p(.text("\(d.chinese)：\(l.decisionNote ?? "")\(l.reissueBatchID.map { "（已列入重发批次 \($0)）" } ?? "")")) },
                            .if(l.reissueBatchID == nil && m.permissions.contains(.preparePayroll),
                                .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollReturnDecision(l.batchID, line: l.lineID).path),
                                      Layout.csrf(m.csrf),
                                      Controls.select("decision", ReturnDecision.allCases.map { Controls.option($0.rawValue, $0.chinese) }),
                                      .input(.type(.text), .name("note"), .placeholder("说明（必填）"), .required(true)),
                                      .button(.class("secondary"), .type(.submit), .text("登记")))))
                    )
                })),
            .forEach(batches) { b in
                .if(m.permissions.contains(.preparePayroll),
                    .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollReissue(b).path), Layout.csrf(m.csrf),
                          .button(.type(.submit), .text("生成批次 \(b.prefix(8)) 的退票重发批次"))))
            }
        )
    }
}
