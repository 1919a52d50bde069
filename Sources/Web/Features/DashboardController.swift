import Domain
import Persistence
import Plot
import Vapor

/// 工作台: people and households by programme and town, the latest payroll, overdue applications.
struct DashboardController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.home, use: index)
    }

    /// Cards for the county's first programme (its headline, 低保 in Pengxi), a coverage table of every
    /// programme, this month's batch and township table of each monthly programme, overdue applications.
    func index(req: Request) async throws -> HTMLPage {
        let s = req.settings
        let today = s.today()
        let stats = StatisticsStore(req.db)
        let payrollStore = req.payroll
        let latest = try await stats.latestPayrollMonth(countyCode: s.countyCode)
        let month = latest ?? today.yearMonth
        let programmes = try await stats.coverageByProgramme(countyCode: s.countyCode, month: month)
        var sections: [(programme: Programme, coverage: [TownshipCoverage], batch: PayrollBatch?)] = []
        for p in s.programmes {
            sections.append((p, try await stats.coverage(of: p, countyCode: s.countyCode, month: month),
                             try await payrollStore.batch(countyCode: s.countyCode, programme: p, month: month)))
        }
        let open = try await req.applications.list(openOnly: true)
        let overdue = open.filter { app in
            guard let deadline = app.deadline else { return false }
            return (try? s.calendar.workingDaysLeft(from: today, until: deadline)).map { $0 < 0 } ?? false
        }
        func totals(_ c: [TownshipCoverage]) -> (households: Int, people: Int, amount: Money) {
            (c.reduce(0) { $0 + $1.households }, c.reduce(0) { $0 + $1.people }, c.reduce(Money.zero) { $0 + $1.monthlyBenefit })
        }
        let headline = sections.first
        let head = totals(headline?.coverage ?? [])
        let body: Node<HTML.BodyContext> = .div(
            .h1("工作台"),
            .p(.class("muted"), .text("统计月份 \(month)（最近一次发放月份）；今天 \(today)")),
            .div(.class("cards"),
                 .unwrap(headline) { h in
                     .group(card("\(h.programme.shortChinese)户数", "\(head.households)", "户"),
                            card("\(h.programme.shortChinese)人数（保障人数）", "\(head.people)", "人"),
                            card("月保障金", head.amount.groupedYuanString, "元"))
                 },
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
            .forEach(sections.filter { (try? $0.programme.rules())?.cadence == .monthly }) { section in
                .unwrap(section.batch, { b in
                    .p(.text("\(b.month) \(b.programme.shortChinese)发放批次："), Layout.badge(b.state.chinese, b.state == .exported ? "ok" : "warn"),
                       .text(" \(b.lineCount) 笔，合计 \(b.total.groupedYuanString) 元 "), .a(.attr("href", SiteURL.payrollBatch(b.id).path), .text("查看")))
                }, else: .p(.text("\(month) 尚未生成\(section.programme.shortChinese)发放批次。"), .a(.attr("href", SiteURL.payroll.path), .text("去生成"))))
            },
            .forEach(sections) { section in
                let t = totals(section.coverage)
                return .group(
                    .h2("分乡镇\(section.programme.shortChinese)保障情况（\(month)）"),
                    .table(
                        .tr(.th("乡镇（街道）"), .th(.class("num"), .text("户数")), .th(.class("num"), .text("人数")),
                            .th(.class("num"), .text("月保障金（元）"))),
                        .forEach(section.coverage) { c in
                            .tr(.td(.a(.attr("href", SiteURL.households.with(["town": c.townshipCode, "programme": section.programme.rawValue])), .text(s.townshipName(c.townshipCode)))),
                                .td(.class("num"), .text("\(c.households)")), .td(.class("num"), .text("\(c.people)")),
                                .td(.class("num"), .text(c.monthlyBenefit.groupedYuanString)))
                        },
                        .tr(.th("合计"), .th(.class("num"), .text("\(t.households)")), .th(.class("num"), .text("\(t.people)")),
                            .th(.class("num"), .text(t.amount.groupedYuanString)))
                    ))
            },
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
