import Domain
import Persistence
import Plot
import Vapor

/// 资金台账: allocations received and the year's fund raising and use table (附表1).
struct FundsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.funds, use: index)
        routes.post(.fundAllocations, use: add)
    }

    func index(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let store = FundStore(req.db)
        let year: Int
        let yearText = req.query[String.self, at: "year"]
        if let text = yearText, !text.isEmpty {
            guard let asked = Int(text) else { throw FormError(field: "年度", value: text, reason: "应为四位数年份，如 2021") }
            year = asked
        } else {
            year = try await store.latestYear(countyCode: s.countyCode) ?? s.today().year
        }
        let table = try await store.fundTable(countyCode: s.countyCode, year: year)
        let allocations = try await store.allocations(countyCode: s.countyCode, year: year)
        func row(_ label: String, _ m: Money, strong: Bool = false) -> Node<HTML.TableContext> {
            strong ? .tr(.th(.text(label)), .th(.class("num"), .text(m.wanYuanString)))
                   : .tr(.td(.text(label)), .td(.class("num"), .text(m.wanYuanString)))
        }
        let body: Node<HTML.BodyContext> = .div(
            .h1("\(year)年困难群众救助补助资金筹集使用情况表（附表1）"),
            .form(.class("inline"), .method(.get), .attr("action", SiteURL.funds.path),
                  .label(.text("年度 "), .input(.type(.number), .name("year"), .attr("value", "\(year)"))),
                  .button(.class("secondary"), .type(.submit), .text("查看"))),
            .p(.class("muted"), .text("单位：万元，保留两位小数。资金使用按已导出银行文件的发放批次计，临时救助另计乡镇备用金即时发放的金额；上年结余自动结转。")),
            .table(
                .tr(.th("项目"), .th(.class("num"), .text("金额（万元）"))),
                .tr(.th(.attribute(named: "colspan", value: "2"), .text("一、资金筹集"))),
                .forEach(table.raised) { row($0.source.chinese, $0.amount) },
                row("筹集合计", table.totalRaised, strong: true),
                .tr(.th(.attribute(named: "colspan", value: "2"), .text("二、资金使用"))),
                .forEach(table.used) { row($0.label, $0.amount) },
                row("使用合计", table.totalUsed, strong: true),
                row("三、结余", table.balance, strong: true),
                .tr(.th("四、执行率"), .th(.class("num"), .text(table.executionRatePercent.map { "\($0)%" } ?? "—")))
            ),
            .p(.class("muted"), .text(FundTable.roundingNote)),
            .h2("资金下达登记"),
            .table(.tr(.th("日期"), .th("来源"), .th("文号"), .th("用途"), .th(.class("num"), .text("金额（元）"))),
                   .forEach(allocations) { a in
                       .tr(.td(.text(a.date.description)), .td(.text(a.source.chinese)), .td(.text(a.documentNumber)),
                           .td(.text(a.programme?.chinese ?? "困难群众救助补助资金（统筹）")),
                           .td(.class("num"), .text(a.amount.groupedYuanString)))
                   }),
            .form(.class("inline"), .method(.post), .attr("action", SiteURL.fundAllocations.path), Layout.csrf(req),
                  .label(.text("日期 "), .input(.type(.date), .name("date"), .required(true))),
                  .label(.text("来源 "), Controls.select("source", FundingSource.allCases.map { Controls.option($0.rawValue, $0.chinese) })),
                  .label(.text("文号 "), .input(.type(.text), .name("documentNumber"), .required(true))),
                  .label(.text("用途 "), Controls.select("programme", [Controls.option("", "困难群众救助补助资金（统筹）")]
                      + Programme.allCases.map { Controls.option($0.rawValue, "专项：\($0.chinese)") })),
                  .label(.text("金额（元） "), .input(.type(.text), .name("amount"), .required(true))),
                  .button(.type(.submit), .text("登记资金下达")))
        )
        return HTMLPage(html: Layout.page(title: "资金台账", request: req, active: .funds, body: body))
    }

    struct AllocationForm: Content {
        var date: String
        var source: String
        var documentNumber: String
        var amount: String
        var programme: String?
    }

    func add(req: Request) async throws -> Response {
        let s = req.settings
        let f = try req.content.decode(AllocationForm.self)
        let date = try CivilDate(parsing: f.date)
        guard date <= s.today(), date.year >= 2000 else {
            throw FormError(field: "日期", value: f.date, reason: "应为 2000 年以后、不晚于今天的日期")
        }
        guard let source = FundingSource(rawValue: f.source) else {
            throw FormError(field: "来源", value: f.source, reason: "请从列表选择")
        }
        let doc = f.documentNumber.trimmingCharacters(in: .whitespaces)
        guard !doc.isEmpty else { throw FormError(field: "文号", value: "", reason: "必填") }
        let amount = try Money(yuan: f.amount)
        guard amount > .zero, amount <= .yuan(10_000_000_000) else {
            throw FormError(field: "金额", value: f.amount, reason: "须大于 0 且不超过 100 亿元（单位：元）")
        }
        var programme: Programme?
        if let p = f.programme, !p.isEmpty {
            guard let known = Programme(rawValue: p) else { throw FormError(field: "用途", value: p, reason: "请从列表选择") }
            programme = known
        }
        try await FundStore(req.db).add(Allocation(year: date.year, source: source, documentNumber: doc, date: date,
                                                   amount: amount, programme: programme), countyCode: s.countyCode)
        try await AuditLog.record(req, action: "fund.allocation", subject: doc, detail: amount.yuanString)
        req.flash("已登记 \(source.chinese) \(amount.groupedYuanString) 元（\(doc)）", kind: "success")
        return req.seeOther(SiteURL.funds.with(["year": "\(date.year)"]))
    }
}
