import Domain
import Persistence
import Plot

/// 资金发放: one section per monthly programme the county runs, with its generate form and its batches.
enum PayrollIndex {
    struct Section: Equatable, Sendable {
        var programme: Programme
        /// The month the form offers: the month after the latest batch (this month when there is none), but
        /// never later than next month, the latest a batch may be prepared.
        var suggestedMonth: YearMonth
        /// Newest first.
        var batches: [PayrollBatch]
        /// False for batches of a programme the county does not run here (or Jiuzhu does not implement):
        /// listed so nothing is hidden, without a form to make more.
        var canGenerate: Bool
        /// Monthly amounts (not one-off grants): back pay (补发) applies.
        var paysMonthly: Bool
    }

    struct Model: Equatable, Sendable {
        var sections: [Section]
        var csrf: String
        /// What the user may do here (forms they may not use are not shown).
        var permissions: Set<Permission> = Set(Permission.allCases)
        var today: CivilDate

        /// Pure: the sections of the monthly programmes among `programmes`, in their order.
        static func make(batches: [PayrollBatch], programmes: [Programme], today: CivilDate, csrf: String) -> Model {
            let monthly = programmes.filter { (try? $0.rules()).map { $0.cadence != .inKind } ?? false }
            let others = Programme.allCases.filter { p in !monthly.contains(p) && batches.contains { $0.programme == p } }
            return Model(sections: (monthly + others).map { p in
                let own = batches.filter { $0.programme == p }
                let next = own.first { $0.kind == .regular }?.month.next ?? today.yearMonth
                return Section(programme: p, suggestedMonth: min(next, today.yearMonth.next), batches: own,
                               canGenerate: monthly.contains(p),
                               paysMonthly: (try? p.rules()).map { $0.cadence == .monthly } ?? false)
            }, csrf: csrf, today: today)
        }
    }

    static let title = "资金发放"

    /// 发放批次 / 补发批次 / 退票重发批次（第 n 次）.
    static func kindLabel(_ b: PayrollBatch) -> String {
        switch b.kind {
        case .regular: return "发放批次"
        case .backPay: return "补发批次"
        case .reissue: return "退票重发批次（第 \(b.reissueRound) 次）"
        }
    }

    /// Months skipped before the one asked for: shown before it is generated.
    struct SkipConfirmation: Equatable, Sendable {
        var programme: Programme
        var month: YearMonth
        var skipped: [YearMonth]
        var csrf: String
    }

    static func confirmView(_ m: SkipConfirmation) -> Node<HTML.BodyContext> {
        .div(
            .h1(.text("确认跳过未发放的月份")),
            .p(.class("flash error"), .text(PayrollError.skippedMonths(programme: m.programme.shortChinese, months: m.skipped, month: m.month).message)),
            .p(.text("如属漏发，请先生成 \(m.skipped.first!.description) 的批次；确属无需发放（如暂停发放期间），请确认后继续。")),
            .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollGenerate.path), Layout.csrf(m.csrf),
                  .input(.type(.hidden), .name("programme"), .attr("value", m.programme.rawValue)),
                  .input(.type(.hidden), .name("month"), .attr("value", m.month.description)),
                  .input(.type(.hidden), .name("confirmSkipped"), .attr("value", "1")),
                  .button(.type(.submit), .text("确认跳过，生成 \(m.month) 批次"))),
            .p(.a(.attr("href", SiteURL.payroll.path), .text("返回，不生成")))
        )
    }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        .div(
            .h1(.text(title)),
            .p(.class("muted"), .text("每个项目每月只生成一个批次；重复生成会打开已有批次。批次须审核（冻结）后才能导出银行文件，导出即计入资金支出。")),
            .p(.a(.attr("href", SiteURL.payrollReturns.path), .text("退票处理（银行回盘退回的发放）"))),
            .forEach(m.sections) { section in
                .div(
                    .h2("\(section.programme.shortChinese)资金发放"),
                    .if(!section.canGenerate, .p(.class("muted"), .text("本县未在系统中开展该项目或该项目尚未实现：只列出已有批次。"))),
                    .if(section.canGenerate && m.permissions.contains(.preparePayroll), .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollGenerate.path), Layout.csrf(m.csrf),
                          .input(.type(.hidden), .name("programme"), .attr("value", section.programme.rawValue)),
                          .label(.text("发放月份 "), .input(.type(.text), .name("month"), .attr("value", section.suggestedMonth.description),
                                                        .placeholder("YYYY-MM"), .required(true))),
                          .button(.type(.submit), .text("生成\(section.programme.shortChinese)发放批次")))),
                    .if(section.canGenerate && section.paysMonthly && m.permissions.contains(.preparePayroll),
                        .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollBackPay.path), Layout.csrf(m.csrf),
                              .input(.type(.hidden), .name("programme"), .attr("value", section.programme.rawValue)),
                              .label(.text("补发月份 "), .input(.type(.text), .name("month"), .attr("value", m.today.yearMonth.description),
                                                            .placeholder("YYYY-MM"), .required(true))),
                              .label(.text(" 补发起始月份 "), .input(.type(.text), .name("from"), .placeholder("YYYY-MM"), .required(true))),
                              .button(.class("secondary"), .type(.submit), .text("生成补发批次")))),
                    .table(.tr(.th("月份"), .th("状态"), .th(.class("num"), .text("笔数")), .th(.class("num"), .text("金额（元）")), .th("")),
                           .forEach(section.batches) { b in
                               .tr(.td(.text(b.kind == .regular ? b.month.description : "\(b.month) \(kindLabel(b))")), .td(PayrollBatchPage.stateBadge(b.state)),
                                   .td(.class("num"), .text("\(b.lineCount)")), .td(.class("num"), .text(b.total.groupedYuanString)),
                                   .td(.a(.attr("href", SiteURL.payrollBatch(b.id).path), .text("查看"))))
                           }))
            }
        )
    }
}

/// One payroll batch: facts, the next action, holds, totals by township, a page of lines.
enum PayrollBatchPage {
    struct Line: Equatable, Sendable {
        var number: Int
        var householdID: String
        var township: String
        var village: String
        var payeeName: String
        var maskedID: String
        var maskedAccount: String
        var householdSize: Int
        var amount: Money
    }

    struct Town: Equatable, Sendable {
        var name: String
        var lineCount: Int
        var total: Money
    }

    /// A month a back-pay line settles (补发).
    struct Item: Equatable, Sendable {
        var number: Int
        var payeeName: String
        var month: YearMonth
        var basis: BackPayBasis
        var entitled: Money
        var paid: Money
        var owed: Money
        var trace: String
    }

    /// The bank file as handed over: what the page says about it.
    struct HandedOver: Equatable, Sendable {
        var fileName: String
        var format: String
        var sha256: String
        /// Beijing time.
        var at: String
        var by: String
    }

    struct Model: Equatable, Sendable {
        var batch: PayrollBatch
        /// For a back-pay batch, the months the lines on this page settle.
        var items: [Item] = []
        var holds: [PayrollHold]
        var towns: [Town]
        var lines: [Line]
        var page: Int
        var perPage: Int
        var csrf: String
        /// What the user may do here (forms they may not use are not shown).
        /// The signed-in user (the generator is not offered the approval).
        var user: String?
        var permissions: Set<Permission> = Set(Permission.allCases)
        /// Lines paid but flagged by the payee checks (field case C20).
        var flags: [PayrollHold] = []
        /// The bank file handed over, once (nil before).
        var handedOver: HandedOver?
        /// The bank formats the county can write, the chosen one first.
        var formats: [String] = ["csv"]
        /// What the bank said of the lines (after the first result file).
        var results: BankReturnStore.Summary?
        /// Result files imported: name, when (Beijing), by whom, override.
        var imports: [String] = []
        /// The townships on the batch (code, name), for the credit-day form.
        var townships: [(code: String, name: String)] = []

        static func == (a: Model, b: Model) -> Bool {
            a.batch == b.batch && a.items == b.items && a.holds == b.holds && a.towns == b.towns && a.lines == b.lines
                && a.page == b.page && a.perPage == b.perPage && a.csrf == b.csrf && a.user == b.user
                && a.permissions == b.permissions && a.flags == b.flags && a.handedOver == b.handedOver && a.formats == b.formats
                && a.results == b.results && a.imports == b.imports && a.townships.map(\.code) == b.townships.map(\.code)
        }

        /// Pure: names resolved by `placeName`, ID and account masked, lines numbered from the page.
        static func make(batch: PayrollBatch, holds: [PayrollHold], towns: [PayrollTownshipTotal], lines: [PayrollLine],
                         page: Int, perPage: Int, csrf: String, placeName: (String) -> String) -> Model {
            Model(batch: batch, holds: holds,
                  towns: towns.map { Town(name: placeName($0.townshipCode), lineCount: $0.lineCount, total: $0.total) },
                  lines: lines.enumerated().map { i, l in
                      Line(number: (page - 1) * perPage + i + 1, householdID: l.householdID, township: placeName(l.townshipCode),
                           village: placeName(l.villageCode), payeeName: l.payeeName, maskedID: l.payeeResidentID.masked,
                           maskedAccount: "****" + String(l.bankAccount.suffix(4)), householdSize: l.householdSize,
                           amount: l.amount)
                  },
                  page: page, perPage: perPage, csrf: csrf)
        }

        var title: String {
            "\(batch.month) \(batch.programme.shortChinese)" + PayrollIndex.kindLabel(batch)
        }

        /// The items of the page's lines, numbered as their lines.
        static func items(_ items: [BackPayItem], lines: [PayrollLine], firstNumber: Int) -> [Item] {
            var numbers: [String: (Int, String)] = [:]
            for (i, l) in lines.enumerated() { numbers[l.recipientKey] = (firstNumber + i, l.payeeName) }
            return items.compactMap { item in
                numbers[item.recipientKey].map {
                    Item(number: $0.0, payeeName: $0.1, month: item.month, basis: item.basis, entitled: item.entitled,
                         paid: item.paid, owed: item.owed, trace: item.trace.map(\.description).joined(separator: "；"))
                }
            }.sorted { ($0.number, $0.month) < ($1.number, $1.month) }
        }
    }

    static func stateBadge(_ state: PayrollState) -> Node<HTML.BodyContext> {
        Layout.badge(state.chinese, state == .exported ? "ok" : "warn")
    }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        let b = m.batch
        let id = b.id
        return .div(
            .h1(.text(m.title)),
            .dl(.class("facts"),
                .dt("批次号"), .dd(.text(id)),
                .dt("状态"), .dd(stateBadge(b.state)),
                .dt("项目"), .dd(.text(b.programme.chinese)),
                .dt("笔数"), .dd(.text("\(b.lineCount)")),
                .dt("合计金额"), .dd(.text("\(b.total.groupedYuanString) 元")),
                .dt("生成人"), .dd(.text(b.createdBy ?? "—")),
                .dt("审核人"), .dd(.text(b.approvedBy ?? "—"))),
            .div(
                .if(b.state == .draft, .group(
                    .if(m.permissions.contains(.approvePayroll) && m.user != nil && m.user == b.createdBy,
                        .p(.class("muted"), .text("本批次由您生成，须由另一人审核（不相容岗位分离）。"))),
                    .if(m.permissions.contains(.approvePayroll) && (m.user == nil || m.user != b.createdBy),
                        .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollApprove(id).path), Layout.csrf(m.csrf),
                              .button(.type(.submit), .text("审核通过（冻结批次）")))),
                    .if(m.permissions.contains(.preparePayroll),
                        .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollDiscard(id).path), Layout.csrf(m.csrf),
                              .button(.class("secondary"), .type(.submit), .text("作废草稿，按最新档案重新生成")))))),
                .if(b.state == .approved && m.permissions.contains(.exportPayroll),
                    .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollExport(id).path), Layout.csrf(m.csrf),
                          .label(.text("银行文件格式 "), Controls.select("format", m.formats.map { Controls.option($0, $0) })),
                          .button(.type(.submit), .text("生成并交付银行文件（计入支出，只生成一次）")))),
                .unwrap(m.handedOver) { f in
                    .div(.class("flash info"),
                         .p(.text("银行文件已于 \(f.at) 由 \(f.by) 生成并交付（\(f.format) 格式，\(f.fileName)）。再次下载得到的是同一文件，不会生成第二个文件；请勿重复上传银行。")),
                         .p(.class("muted"), .text("SHA-256 \(f.sha256)")),
                         .if(m.permissions.contains(.exportPayroll), .p(.a(.attr("href", SiteURL.payrollBankFile(id).path), .text("下载已交付的银行文件")))))
                },
                .if(b.state == .exported, .div(
                    .h2("银行回盘与对账"),
                    .unwrap(m.results) { r in
                        .p(.text("共 \(r.lines) 笔：银行入账 \(r.paid) 笔，退票 \(r.returned) 笔（已处理 \(r.decided) 笔），未对账 \(r.open) 笔。"),
                           .if(r.returned > 0, .a(.attr("href", SiteURL.payrollReturns.path), .text(" 去处理退票"))))
                    },
                    .forEach(m.results?.followUps ?? []) { f in .p(.a(.attr("href", SiteURL.payrollBatch(f).path), .text("退票重发批次 \(f)"))) },
                    .forEach(m.imports) { i in .p(.class("muted"), .text(i)) },
                    .if(b.reconciledAt != nil, .p(Layout.badge("已对账关闭（\(b.reconciledBy ?? "")）", "ok"))),
                    .if(b.reconciledAt == nil && m.permissions.contains(.exportPayroll), .group(
                        .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollReturnFile(id).path),
                              .attr("enctype", "multipart/form-data"), Layout.csrf(m.csrf),
                              .label(.text("导入银行回盘文件（CSV） "), .input(.type(.file), .name("file"), .required(true))),
                              .button(.type(.submit), .text("导入回盘"))),
                        .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollCredit(id).path), Layout.csrf(m.csrf),
                              .label(.text("登记银行入账日期 "), .input(.type(.date), .name("date"), .required(true))),
                              .label(.text(" 乡镇 "), Controls.select("township", [Controls.option("", "全部乡镇")]
                                  + m.townships.map { Controls.option($0.code, $0.name) })),
                              .button(.class("secondary"), .type(.submit), .text("登记入账日期"))),
                        .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollReconcile(id).path), Layout.csrf(m.csrf),
                              .button(.class("secondary"), .type(.submit), .text("对账关闭（每笔均有入账结果或退票处理后）"))))),
                    .if(b.reconciledAt == nil && m.permissions.contains(.overrideReturns),
                        .form(.class("inline"), .method(.post), .attr("action", SiteURL.payrollReturnOverride(id).path),
                              .attr("enctype", "multipart/form-data"), Layout.csrf(m.csrf),
                              .label(.text("覆盖导入（银行更正此前结果时） "), .input(.type(.file), .name("file"), .required(true))),
                              .label(.text(" 覆盖原因 "), .input(.type(.text), .name("overrideReason"), .required(true))),
                              .button(.class("secondary"), .type(.submit), .text("覆盖导入"))))
                )),
                // Exported before files were kept: the first download becomes the one file.
                .if(b.state == .exported && m.handedOver == nil && m.permissions.contains(.exportPayroll),
                    .p(.a(.attr("href", SiteURL.payrollBankFile(id).path), .text("下载银行文件（首次下载时保存，此后始终为同一文件）"))))
            ),
            .if(!m.holds.isEmpty, .group(
                .h2("暂停发放（\(Set(m.holds.map { $0.memberID ?? $0.householdID }).count) 户）"),
                .table(.tr(.th("家庭"), .th("原因")),
                       .forEach(m.holds) { h in
                           .tr(.td(m.permissions.contains(.viewRegistry) ? .a(.attr("href", SiteURL.household(h.householdID).path), .text(h.payeeName))
                                                                          : .text(h.payeeName)), .td(.text(h.reason)))
                       }))),
            .if(!m.flags.isEmpty, .group(
                .h2("照常发放、请核实（\(m.flags.count) 户）"),
                .table(.tr(.th("家庭"), .th("提示")),
                       .forEach(m.flags) { h in
                           .tr(.td(m.permissions.contains(.viewRegistry) ? .a(.attr("href", SiteURL.household(h.householdID).path), .text(h.payeeName))
                                                                          : .text(h.payeeName)), .td(.text(h.reason)))
                       }))),
            .h2("分乡镇汇总"),
            .table(.tr(.th("乡镇"), .th(.class("num"), .text("笔数")), .th(.class("num"), .text("金额（元）"))),
                   .forEach(m.towns) { t in
                       .tr(.td(.text(t.name)), .td(.class("num"), .text("\(t.lineCount)")),
                           .td(.class("num"), .text(t.total.groupedYuanString)))
                   }),
            .h2("发放明细"),
            .table(.tr(.th("#"), .th("乡镇"), .th("村（社区）"), .th("收款人"), .th("身份证号"), .th("账号"), .th(.class("num"), .text("人数")),
                       .th(.class("num"), .text("金额（元）"))),
                   .forEach(m.lines) { l in
                       .tr(.td(.text("\(l.number)")), .td(.text(l.township)), .td(.text(l.village)),
                           .td(m.permissions.contains(.viewRegistry) ? .a(.attr("href", SiteURL.household(l.householdID).path), .text(l.payeeName))
                                                                     : .text(l.payeeName)),
                           .td(.text(l.maskedID)), .td(.text(l.maskedAccount)),
                           .td(.class("num"), .text("\(l.householdSize)")), .td(.class("num"), .text(l.amount.groupedYuanString)))
                   }),
            .if(b.kind == .backPay, .group(
                .h2("补发月份明细"),
                .p(.class("muted"), .text("每笔补发按月列出：现行核定金额减去当月已发（含此前补发），差额补发；同一月份不会重复补发。")),
                .table(.tr(.th("#"), .th("收款人"), .th("所属月份"), .th("类型"), .th(.class("num"), .text("核定（元）")),
                           .th(.class("num"), .text("已发（元）")), .th(.class("num"), .text("补发（元）")), .th("计算过程")),
                       .forEach(m.items) { i in
                           .tr(.td(.text("\(i.number)")), .td(.text(i.payeeName)), .td(.text(i.month.description)),
                               .td(.text(i.basis.chinese)), .td(.class("num"), .text(i.entitled.groupedYuanString)),
                               .td(.class("num"), .text(i.paid.groupedYuanString)), .td(.class("num"), .text(i.owed.groupedYuanString)),
                               .td(.class("muted"), .text(i.trace)))
                       }))),
            Layout.pager(total: b.lineCount, page: m.page, perPage: m.perPage) { SiteURL.payrollBatch(id).with(["page": "\($0)"]) }
        )
    }
}
