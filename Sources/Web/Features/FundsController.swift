import Domain
import Persistence
import Plot
import Vapor

/// 资金台账: allocations received and the year's fund raising and use table (附表1).
struct FundsController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.funds, use: index)
        routes.post(.fundAllocations, use: add)
        routes.get(.fundsRecovery, use: recovery)
        routes.post(.fundPlans, use: propose)
        routes.post(.fundPlanStep(SiteURL.P.id), use: planStep)
        routes.post(.fundsRecovery, use: recoveryEntry)
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
        let ledger = FundLedgerStore(req.db)
        let plans = try await AllocationPlanStore(req.db).plans(year: year, countyCode: s.countyCode)
        let role = req.staff?.role
        // Positions at the year's end (or today, for the current year): whole fund and each earmarked account.
        let asOf = min(CivilDate(year: year, month: 12, day: 31)!, s.today())
        var positions: [(String, FundPosition)] = []
        // Each position's entries, for the drill-down under its row.
        var entries: [String: (receipts: [FundReceipt], payments: [FundPayment])] = [:]
        var sharing: [CostSharingSettlement] = []
        var timeliness: [TimelinessFinding] = []
        var ledgerNote: String?
        do {
            let planned = Set(plans.filter { $0.last == .issued }.flatMap { $0.lines.map(\.programme) })
            let accounts: [Programme?] = [nil] + Programme.allCases.filter { p in allocations.contains(where: { $0.programme == p }) || planned.contains(p) }
            for p in accounts {
                let name = p.map { "专项：\($0.chinese)" } ?? "困难群众救助补助资金（合计）"
                let account = try await ledger.account(countyCode: s.countyCode, programme: p, asOf: asOf)
                positions.append((name, account.position))
                entries[name] = (account.receipts, account.payments)
            }
            sharing = try await ledger.costSharing(countyCode: s.countyCode, year: year)
            timeliness = try await ledger.timeliness(countyCode: s.countyCode, year: year)
        } catch let e as PayrollError {
            ledgerNote = e.message
        }
        let late = timeliness.filter(\.isLate)
        let lumped = timeliness.filter(\.isLumped)
        func line(_ l: FundTable.Line) -> Node<HTML.TableContext> {
            l.level == .part ? .tr(.td(.text(l.label)), .td(.class("num"), .text(l.value)))
                             : .tr(.th(.text(l.label)), .th(.class("num"), .text(l.value)))
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
                .forEach(table.lines.filter { $0.key.hasPrefix("raised:") }) { line($0) },
                .tr(.th(.attribute(named: "colspan", value: "2"), .text("二、资金使用（全部项目）"))),
                .forEach(table.lines.filter { $0.key.hasPrefix("used:") }) { line($0) },
                .forEach(table.lines.filter { $0.key == "balance" }) { l in
                    .tr(.th("三、结余"), .th(.class("num"), .text(l.value)))
                },
                .tr(.th("四、执行率"), .th(.class("num"), .text(table.executionRatePercent.map { "\($0)%" } ?? "—")))
            ),
            .p(.class("muted"), .text(FundTable.roundingNote)),
            .h2("资金结存与沉淀（截至 \(asOf)，先进先出）"),
            .unwrap(ledgerNote) { .p(.class("flash error"), .text($0)) },
            .table(.tr(.th("账户"), .th(.class("num"), .text("到位（元）")), .th(.class("num"), .text("支出（元）")),
                       .th(.class("num"), .text("结存于国库（元）")), .th(.class("num"), .text("执行率")), .th(.class("num"), .text("沉淀资金（元）"))),
                   .forEach(positions) { name, p in
                       .tr(.td(.text(name)), .td(.class("num"), .text(p.received.groupedYuanString)), .td(.class("num"), .text(p.spent.groupedYuanString)),
                           .td(.class("num"), .text(p.balance.groupedYuanString)), .td(.class("num"), .text(p.executionRatePercent.map { "\($0)%" } ?? "—")),
                           .td(.class("num"), p.idle > .zero ? Layout.badge(p.idle.groupedYuanString + "（超过期限未支出）", "bad") : .text("0.00")))
                   }),
            .forEach(positions) { name, _ in
                .details(.summary(.text("\(name)：到位与支出明细")),
                         .table(.tr(.th("日期"), .th("摘要"), .th(.class("num"), .text("到位（元）")), .th(.class("num"), .text("支出（元）"))),
                                .forEach(((entries[name]?.receipts ?? []).map { ($0.date, $0.reference, $0.amount, true) }
                                          + (entries[name]?.payments ?? []).map { ($0.date, $0.reference, $0.amount, false) })
                                         .sorted { $0.0 < $1.0 }) { e in
                                    .tr(.td(.text(e.0.description)), .td(.text(e.1)),
                                        .td(.class("num"), .text(e.3 ? e.2.groupedYuanString : "")),
                                        .td(.class("num"), .text(e.3 ? "" : e.2.groupedYuanString)))
                                }))
            },
            .forEach(positions.filter { $0.1.idle > .zero }) { name, p in
                .p(.class("muted"), .text("\(name) 沉淀明细：" + p.unspent.filter(\.idle).map { "\($0.receipt.reference)（\($0.receipt.date) 到位，\($0.months) 个月未支出 \($0.remaining.groupedYuanString) 元）" }.joined(separator: "；")))
            },
            .if(!sharing.isEmpty, .group(
                .h2("市县分担结算"),
                .table(.tr(.th("项目"), .th("层级"), .th(.class("num"), .text("分担比例")), .th(.class("num"), .text("应分担（元）")),
                           .th(.class("num"), .text("已拨付（元）")), .th("结算")),
                       .forEach(sharing.flatMap { st in st.levels.map { (st, $0) } }) { st, l in
                           .tr(.td(.text("\(st.programme.shortChinese)（支出 \(st.spending.groupedYuanString)）")), .td(.text(l.source.chinese)),
                               .td(.class("num"), .text(l.share.description)), .td(.class("num"), .text(l.due.groupedYuanString)),
                               .td(.class("num"), .text(l.received.groupedYuanString)),
                               .td(.text(l.overTransferred > .zero ? "\(l.status) \(l.overTransferred.groupedYuanString) 元"
                                         : l.outstanding > .zero ? "\(l.status) \(l.outstanding.groupedYuanString) 元" : l.status)))
                       }))),
            .h2("发放及时性（每月 \(PaymentPolicy().dueDay) 日前入账，以政策为准）"),
            .p(.text("已登记入账 \(timeliness.count) 项（乡镇×月份），逾期 \(late.count) 项，合并（按季）发放 \(lumped.count) 项。")),
            .if(!late.isEmpty, .table(.tr(.th("月份"), .th("乡镇"), .th("项目"), .th("截止"), .th("入账"), .th(.class("num"), .text("逾期天数")), .th("合并发放")),
                   .forEach(late) { f in
                       .tr(.td(.text(f.credit.month.description)), .td(.text(s.townshipName(f.credit.townshipCode))), .td(.text(f.credit.programme.shortChinese)),
                           .td(.text(f.due.description)), .td(.text(f.credit.creditedOn.description)), .td(.class("num"), .text("\(f.daysLate)")),
                           .td(.text(f.lumpedWith.isEmpty ? "" : "与 " + f.lumpedWith.map(\.description).joined(separator: "、") + " 同日入账")))
                   })),
            .p(.a(.attr("href", SiteURL.fundsRecovery.path), .text("多发资金追回台账")), .text("　"),
               .a(.attr("href", SiteURL.report.with(["year": "\(year)"])), .text("\(year) 年度绩效自评"))),
            .h2("资金分配方案（统筹资金分配到项目）"),
            .forEach(plans) { p in
                .div(.h3(.text("\(p.title)（\(p.last.chinese)）")),
                     .p(.text(p.lines.map { "\($0.programme.shortChinese) \($0.source.chinese) \($0.amount.groupedYuanString) 元" }.joined(separator: "；"))),
                     .ul(.forEach(p.steps) { st in .li(.text("\(st.step.chinese)：\(st.actor) \(st.at)\(st.reference.map { " \($0)" } ?? "")\(st.note.isEmpty ? "" : " \(st.note)")")) }),
                     .unwrap(AllocationPlanStep.allCases.first { $0.previous == p.last }) { next in
                         .if(FundsController.may(role, next),
                             .form(.class("inline"), .method(.post), .attr("action", SiteURL.fundPlanStep(p.id).path), Layout.csrf(req),
                                   .input(.type(.hidden), .name("step"), .attr("value", next.rawValue)),
                                   .label(.text(next.needsReference ? (next == .decided ? "会议纪要编号 " : "联合发文文号 ") : "依据（可选） "),
                                          .input(.type(.text), .name("reference"), .required(next.needsReference))),
                                   .label(.text(" 日期 "), .input(.type(.date), .name("date"), .attr("value", s.today().description), .required(true))),
                                   .label(.text(" 意见 "), .input(.type(.text), .name("note"))),
                                   .button(.class("secondary"), .type(.submit), .text(next.chinese))))
                     })
            },
            .if(role?.may(.editFunds) ?? false,
                .form(.method(.post), .attr("action", SiteURL.fundPlans.path), Layout.csrf(req),
                      .input(.type(.hidden), .name("year"), .attr("value", "\(year)")),
                      .label(.text("新方案名称 "), .input(.type(.text), .name("title"), .required(true))),
                      .label(.text(" 分配（每行：项目 来源 金额元，如 dibao central 30000000.00） "),
                             .textarea(.name("lines"), .attr("rows", "4"), .attr("cols", "60"), .required(true))),
                      .button(.class("secondary"), .type(.submit), .text("提出分配方案")))),
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

    func recovery(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let accounts = try await RecoveryStore(req.db).accounts(countyCode: s.countyCode)
        let sum = { (f: (RecoveryAccount) -> Money) in accounts.reduce(Money.zero) { $0 + f($1) } }
        let canEdit = req.staff?.role.may(.editFunds) ?? false
        let body: Node<HTML.BodyContext> = .div(
            .h1("多发资金追回台账"),
            .p(.text("应追回 \(sum(\.owed).groupedYuanString) 元 = 已追回 \(sum(\.recovered).groupedYuanString) + 已抵扣 \(sum(\.offset).groupedYuanString) + 减免核销 \(sum(\.waived).groupedYuanString) + 尚未追回 \(sum(\.outstanding).groupedYuanString)（元）")),
            .p(.class("muted"), .text("减免或核销须有审批文号；抵扣只能从本户待随批次发放的临时救助中扣除，发放明细显示应发、抵扣和实发。")),
            .table(.tr(.th("家庭"), .th("项目"), .th(.class("num"), .text("应追回")), .th(.class("num"), .text("已追回")), .th(.class("num"), .text("已抵扣")),
                       .th(.class("num"), .text("减免核销")), .th(.class("num"), .text("尚未追回")), .th("记录")),
                   .forEach(accounts) { a in
                       .tr(.td(.a(.attr("href", SiteURL.household(a.householdID).path), .text(a.householdID))), .td(.text(a.programme.shortChinese)),
                           .td(.class("num"), .text(a.owed.groupedYuanString)), .td(.class("num"), .text(a.recovered.groupedYuanString)),
                           .td(.class("num"), .text(a.offset.groupedYuanString)), .td(.class("num"), .text(a.waived.groupedYuanString)),
                           .td(.class("num"), .text(a.outstanding.groupedYuanString)),
                           .td(.class("muted"), .text(a.entries.map { "\($0.date) \($0.kind.chinese) \($0.amount.yuanString)\($0.reference.map { "（\($0)）" } ?? "")" }.joined(separator: "；"))))
                   }),
            .if(canEdit, .group(
                .h2("登记多发"),
                .form(.class("inline"), .method(.post), .attr("action", SiteURL.fundsRecovery.path), Layout.csrf(req),
                      .input(.type(.hidden), .name("action"), .attr("value", "owed")),
                      .label(.text("家庭编号 "), .input(.type(.text), .name("household"), .required(true))),
                      .label(.text(" 项目 "), Controls.select("programme", s.programmes.map { Controls.option($0.rawValue, $0.shortChinese) })),
                      .label(.text(" 月份 "), .input(.type(.text), .name("month"), .placeholder("YYYY-MM"), .required(true))),
                      .label(.text(" 金额（元） "), .input(.type(.text), .name("amount"), .required(true))),
                      .label(.text(" 原因 "), .input(.type(.text), .name("reason"), .required(true))),
                      .button(.class("secondary"), .type(.submit), .text("登记"))),
                .h2("登记追回、抵扣或减免"),
                .form(.class("inline"), .method(.post), .attr("action", SiteURL.fundsRecovery.path), Layout.csrf(req),
                      .input(.type(.hidden), .name("action"), .attr("value", "entry")),
                      .label(.text("家庭编号 "), .input(.type(.text), .name("household"), .required(true))),
                      .label(.text(" 项目 "), Controls.select("programme", s.programmes.map { Controls.option($0.rawValue, $0.shortChinese) })),
                      .label(.text(" 方式 "), Controls.select("kind", RecoveryKind.allCases.map { Controls.option($0.rawValue, $0.chinese) })),
                      .label(.text(" 金额（元） "), .input(.type(.text), .name("amount"), .required(true))),
                      .label(.text(" 日期 "), .input(.type(.date), .name("date"), .required(true))),
                      .label(.text(" 审批文号/收据号 "), .input(.type(.text), .name("reference"))),
                      .label(.text(" 抵扣的临时救助编号 "), .input(.type(.text), .name("grant"))),
                      .label(.text(" 说明 "), .input(.type(.text), .name("note"))),
                      .button(.class("secondary"), .type(.submit), .text("登记")))))
        )
        return HTMLPage(html: Layout.page(title: "多发资金追回台账", request: req, active: .funds, body: body))
    }

    struct RecoveryForm: Content {
        var action: String
        var household: String
        var programme: String
        var month: String?
        var amount: String
        var reason: String?
        var kind: String?
        var date: String?
        var reference: String?
        var grant: String?
        var note: String?
    }

    func recoveryEntry(req: Request) async throws -> Response {
        let s = req.settings
        let f = try req.content.decode(RecoveryForm.self)
        let programme = try s.programme(field: "项目", f.programme)
        let amount = try Money(yuan: f.amount)
        let household = f.household.trimmingCharacters(in: .whitespaces)
        let store = RecoveryStore(req.db)
        switch f.action {
        case "owed":
            let month = try FormField.month("月份", f.month ?? "")
            try await store.recordOverpayment(countyCode: s.countyCode, householdID: household, programme: programme, month: month,
                                              amount: amount, reason: f.reason ?? "", actor: req.actor)
            req.flash("已登记多发 \(amount.groupedYuanString) 元", kind: "success")
        case "entry":
            guard let kind = RecoveryKind(rawValue: f.kind ?? "") else { throw FormError(field: "方式", value: f.kind ?? "", reason: "请从列表选择") }
            let date = try CivilDate(parsing: f.date ?? "")
            guard date <= s.today() else { throw FormError(field: "日期", value: f.date ?? "", reason: "不能晚于今天") }
            let grant = f.grant?.trimmingCharacters(in: .whitespaces)
            try await store.record(RecoveryEntry(kind: kind, amount: amount, date: date,
                                                 reference: f.reference?.trimmingCharacters(in: .whitespaces).nonEmpty,
                                                 grantID: (grant?.isEmpty ?? true) ? nil : grant, note: f.note ?? ""),
                                   countyCode: s.countyCode, householdID: household, programme: programme, actor: req.actor)
            req.flash("已登记\(kind.chinese) \(amount.groupedYuanString) 元", kind: "success")
        default:
            throw FormError(field: "action", value: f.action, reason: "应为 owed 或 entry")
        }
        return req.seeOther(.fundsRecovery)
    }

    /// Who records each step: the section (county staff) proposes and issues, the deputy director (county
    /// leader) reviews and records the party group's decision, the finance bureau co-signs.
    static func may(_ role: StaffRole?, _ step: AllocationPlanStep) -> Bool {
        switch step {
        case .proposed, .issued: return role == .countyStaff
        case .reviewed, .decided: return role == .countyLeader
        case .cosigned: return role == .finance
        }
    }

    struct PlanForm: Content { var year: Int; var title: String; var lines: String }

    func propose(req: Request) async throws -> Response {
        let s = req.settings
        let f = try req.content.decode(PlanForm.self)
        guard FundsController.may(req.staff?.role, .proposed) else { throw Abort(.forbidden, reason: "分配方案由业务科室（县民政局业务人员）提出") }
        var lines: [AllocationPlanLine] = []
        for (i, raw) in f.lines.split(whereSeparator: \.isNewline).enumerated() {
            let parts = raw.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard parts.count == 3, let p = Programme(rawValue: parts[0]), let src = FundingSource(rawValue: parts[1]),
                  let amount = try? Money(yuan: parts[2]), amount > .zero else {
                throw FormError(field: "分配第 \(i + 1) 行", value: String(raw), reason: "应为“项目 来源 金额”，如 dibao central 30000000.00")
            }
            lines.append(AllocationPlanLine(programme: p, source: src, amount: amount))
        }
        _ = try await AllocationPlanStore(req.db).propose(year: f.year, title: f.title, lines: lines, countyCode: s.countyCode, actor: req.actor)
        req.flash("已提出分配方案“\(f.title)”，待分管副局长审核", kind: "success")
        return req.seeOther(SiteURL.funds.with(["year": "\(f.year)"]))
    }

    struct StepForm: Content { var step: String; var reference: String?; var note: String?; var date: String }

    func planStep(req: Request) async throws -> Response {
        let id = try req.parameters.require("id")
        let f = try req.content.decode(StepForm.self)
        guard let step = AllocationPlanStep(rawValue: f.step) else { throw FormError(field: "步骤", value: f.step, reason: "请从页面操作") }
        guard FundsController.may(req.staff?.role, step) else {
            throw Abort(.forbidden, reason: "“\(step.chinese)”不是您的岗位职责")
        }
        let day = try CivilDate(parsing: f.date)
        try await AllocationPlanStore(req.db).advance(id, to: step, reference: f.reference?.trimmingCharacters(in: .whitespaces).nonEmpty,
                                                      note: f.note ?? "", on: day, actor: req.actor)
        req.flash("已登记“\(step.chinese)”", kind: "success")
        return req.seeOther(.funds)
    }
}
