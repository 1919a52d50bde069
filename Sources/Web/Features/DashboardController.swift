import Domain
import Persistence
import Plot
import Vapor

/// 工作台: people and households by programme and town, the latest payroll, overdue applications.
struct DashboardController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(use: index)
    }

    func index(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let today = s.today()
        let stats = StatisticsStore(req.db)
        let payrollStore = req.payroll
        let latest = try await stats.latestPayrollMonth(countyCode: s.countyCode)
        let month = latest ?? today.yearMonth
        let coverage = try await stats.dibaoCoverage(countyCode: s.countyCode, month: month)
        let programmes = try await stats.coverageByProgramme(countyCode: s.countyCode, month: month)
        let batch = try await payrollStore.batch(countyCode: s.countyCode, programme: .dibao, month: month)
        let open = try await req.applications.list(openOnly: true)
        let overdue = open.filter { app in
            guard let deadline = app.deadline else { return false }
            return (try? s.calendar.workingDaysLeft(from: today, until: deadline)).map { $0 < 0 } ?? false
        }
        let households = coverage.reduce(0) { $0 + $1.households }
        let people = coverage.reduce(0) { $0 + $1.people }
        let amount = coverage.reduce(Money.zero) { $0 + $1.monthlyBenefit }
        let body: Node<HTML.BodyContext> = .div(
            .h1("工作台"),
            .p(.class("muted"), .text("统计月份 \(month)（最近一次发放月份）；今天 \(today)")),
            .div(.class("cards"),
                 card("低保户数", "\(households)", "户"), card("低保人数（保障人数）", "\(people)", "人"),
                 card("月保障金", amount.groupedYuanString, "元"),
                 card("待办申请", "\(open.count)", "件"),
                 card("超期申请", "\(overdue.count)", "件", warn: !overdue.isEmpty)),
            .h2("分项目保障情况（\(month)）"),
            .table(
                .tr(.th("救助项目"), .th(.class("num"), .text("户数")), .th(.class("num"), .text("人数")),
                    .th(.class("num"), .text("月保障金（元）"))),
                .forEach(programmes) { p in
                    .tr(.td(.text("\(p.programme.shortChinese)（\(p.area.chinese)）")),
                        .td(.class("num"), .text("\(p.households)")), .td(.class("num"), .text("\(p.people)")),
                        .td(.class("num"), .text(p.monthlyBenefit.groupedYuanString)))
                }
            ),
            .h2("本月发放"),
            .unwrap(batch, { b in
                .p(.text("\(b.month) 低保发放批次："), Layout.badge(b.state.chinese, b.state == .exported ? "ok" : "warn"),
                   .text(" \(b.lineCount) 户，合计 \(b.total.groupedYuanString) 元 "), .a(.attr("href", "/payroll/\(b.id)"), .text("查看")))
            }, else: .p(.text("\(month) 尚未生成发放批次。"), .a(.attr("href", "/payroll"), .text("去生成")))),
            .h2("分乡镇低保保障情况（\(month)）"),
            .table(
                .tr(.th("乡镇（街道）"), .th(.class("num"), .text("户数")), .th(.class("num"), .text("人数")),
                    .th(.class("num"), .text("月保障金（元）"))),
                .forEach(coverage) { c in
                    .tr(.td(.a(.attr("href", "/households?town=\(c.townshipCode)&programme=dibao"), .text(s.townshipName(c.townshipCode)))),
                        .td(.class("num"), .text("\(c.households)")), .td(.class("num"), .text("\(c.people)")),
                        .td(.class("num"), .text(c.monthlyBenefit.groupedYuanString)))
                },
                .tr(.th("合计"), .th(.class("num"), .text("\(households)")), .th(.class("num"), .text("\(people)")),
                    .th(.class("num"), .text(amount.groupedYuanString)))
            ),
            .h2("超期未办结的申请"),
            .if(overdue.isEmpty, .p(.class("muted"), .text("没有超期申请。")),
                else: ApplicationsController.table(overdue, settings: s, today: today))
        )
        return HTMLPage(html: Layout.page(title: "工作台", request: req, active: .dashboard, body: body))
    }

    func card(_ label: String, _ value: String, _ unit: String, warn: Bool = false) -> Node<HTML.BodyContext> {
        .div(.class(warn ? "card warn" : "card"), .div(.class("value"), .text(value), .span(.class("muted"), .text(" \(unit)"))),
             .div(.class("label"), .text(label)))
    }
}
