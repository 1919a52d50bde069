import Domain
import Persistence
import Plot

/// 工作台: the headline programme's cards, coverage by programme, each programme's batch of the month and
/// its townships, overdue applications.
enum Dashboard {
    struct Town: Equatable, Sendable {
        var code: String
        var name: String
        var households: Int
        var people: Int
        var amount: Money
    }

    struct Section: Equatable, Sendable {
        var programme: Programme
        /// Paid monthly through the payroll (has a batch of the month, or should have).
        var monthly: Bool
        var batch: PayrollBatch?
        var towns: [Town]

        var households: Int { towns.reduce(0) { $0 + $1.households } }
        var people: Int { towns.reduce(0) { $0 + $1.people } }
        var amount: Money { towns.reduce(Money.zero) { $0 + $1.amount } }
    }

    struct Model: Equatable, Sendable {
        /// The latest month with a batch, or this month.
        var month: YearMonth
        var today: CivilDate
        /// One per programme the county runs, in its order; the first is the headline.
        var sections: [Section]
        var byProgramme: [ProgrammeCoverage]
        var openApplications: Int
        var overdue: [ApplicationRow]
        /// No policy version in force this month: nothing can be computed (shown first, as an error).
        var policyMissing: String? = nil
        /// "Standards unchanged since …" and other policy warnings that stand.
        var policyWarnings: [String] = []
        /// 临时救助 this year and what is still open, when the county runs it.
        var temporary: TemporarySummary? = nil
        /// 救助站: the month's figures and who is in the station now.
        var station: StationSummary? = nil
        /// 动态监测: the loop as counts (rules.md §6), for those who may read household files.
        var monitoring: MonitoringLoop? = nil
        /// The user's area (county, township or village name): every figure is of it.
        var areaName: String = ""
        /// The user may read household files: cards, coverage, townships, applications.
        var showsRegistry: Bool = true
        /// The user may read payroll batches.
        var showsPayroll: Bool = true
        /// The user manages accounts (系统管理员): a link to 用户管理.
        var managesUsers: Bool = false
        /// The user may read the policy versions (links to 政策标准).
        var showsPolicy: Bool = true
    }

    /// One-off grants are counted, not listed by town like monthly amounts.
    /// The relief station this month (C18: 人次 and 人数 counted apart) and its open stays.
    struct StationSummary: Equatable, Sendable {
        var month: YearMonth
        var visits: Int
        var people: Int
        var inStation: Int
        var overstaying: Int
    }

    struct TemporarySummary: Equatable, Sendable {
        var year: Int
        var granted: Int
        var amount: Money
        var open: Int
        /// Open cases past a deadline, the paperwork after 先行救助 included.
        var overdue: Int
    }

    static let title = "工作台"

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        .div(
            .h1(.text(title)),
            .p(.class("muted"), .text("\(m.areaName.isEmpty ? "" : m.areaName + "；")统计月份 \(m.month)（最近一次发放月份）；今天 \(m.today)")),
            .if(m.managesUsers, .p(.a(.attr("href", SiteURL.users.path), .text("用户管理：账号、角色与管辖区域")))),
            .unwrap(m.policyMissing) { text in
                .p(.class("flash error"), .text(text + " "), .if(m.showsPolicy, .a(.attr("href", SiteURL.policies.path), .text("政策标准"))))
            },
            .forEach(m.policyWarnings) { text in
                .p(.class("flash"), .text("提示：" + text + " "), .if(m.showsPolicy, .a(.attr("href", SiteURL.policies.path), .text("查看政策标准"))))
            },
            .if(m.showsRegistry, registry(m)),
            .if(m.showsPayroll, .group(.h2("本月发放"),
            .forEach(m.sections.filter(\.monthly)) { section in
                .unwrap(section.batch, { b in
                    .p(.text("\(b.month) \(b.programme.shortChinese)发放批次："), PayrollBatchPage.stateBadge(b.state),
                       .text(" \(b.lineCount) 笔，合计 \(b.total.groupedYuanString) 元 "),
                       .a(.attr("href", SiteURL.payrollBatch(b.id).path), .text("查看")))
                }, else: .p(.text("\(m.month) 尚未生成\(section.programme.shortChinese)发放批次。"),
                            .a(.attr("href", SiteURL.payroll.path), .text("去生成"))))
            })),
            .unwrap(m.monitoring) { l in
                .group(.h2("低收入人口动态监测"),
                       .p(.text("主动发现 \(l.registeredTotal) 户 → 动态监测 \(l.raised) 条预警 → 预警核实 \(l.verified) 条 → 救助帮扶 \(l.helped) 条 → 数据归集 \(l.closed) 条；转介待反馈 \(l.openReferrals) 件"),
                          .if(l.overdue > 0, Layout.badge("\(l.overdue) 条预警逾期", "bad")),
                          .if(l.overdueReferrals > 0, Layout.badge("\(l.overdueReferrals) 件转介逾期", "bad")),
                          .text(" "), .a(.attr("href", SiteURL.monitoring.path), .text("查看"))))
            },
            .unwrap(m.station) { st in
                .group(.h2("救助站（\(st.month)）"),
                       .p(.text("本月救助 \(st.visits) 人次、\(st.people) 人；现在站 \(st.inStation) 人"),
                          .if(st.overstaying > 0, Layout.badge("其中 \(st.overstaying) 人超过救助期限", "bad")),
                          .text(" "), .a(.attr("href", SiteURL.station.path), .text("查看"))))
            }
        )
    }

    /// The parts drawn from household files, for users who may read them (in their area).
    static func registry(_ m: Model) -> Node<HTML.BodyContext> {
        .group(
            .div(.class("cards"),
                 .unwrap(m.sections.first) { h in
                     .group(card("\(h.programme.shortChinese)户数", "\(h.households)", "户"),
                            card("\(h.programme.shortChinese)人数（保障人数）", "\(h.people)", "人"),
                            card("月保障金", h.amount.groupedYuanString, "元"))
                 },
                 card("待办申请", "\(m.openApplications)", "件"),
                 card("超期申请", "\(m.overdue.count)", "件", warn: !m.overdue.isEmpty)),
            .h2("分项目保障情况（\(m.month)）"),
            .table(
                .tr(.th("救助项目"), .th(.class("num"), .text("户数")), .th(.class("num"), .text("人数")),
                    .th(.class("num"), .text("月保障金（元）"))),
                .forEach(m.byProgramme) { p in
                    .tr(.td(.text("\(p.programme.shortChinese)（\(p.area.chinese)）")),
                        .td(.class("num"), .text("\(p.households)")), .td(.class("num"), .text("\(p.people)")),
                        .td(.class("num"), .text(p.monthlyBenefit.groupedYuanString)))
                }
            ),
            .forEach(m.sections) { section in
                .group(
                    .h2("分乡镇\(section.programme.shortChinese)保障情况（\(m.month)）"),
                    .table(
                        .tr(.th("乡镇（街道）"), .th(.class("num"), .text("户数")), .th(.class("num"), .text("人数")),
                            .th(.class("num"), .text("月保障金（元）"))),
                        .forEach(section.towns) { c in
                            .tr(.td(.a(.attr("href", SiteURL.households.with(["town": c.code, "programme": section.programme.rawValue])),
                                       .text(c.name))),
                                .td(.class("num"), .text("\(c.households)")), .td(.class("num"), .text("\(c.people)")),
                                .td(.class("num"), .text(c.amount.groupedYuanString)))
                        },
                        .tr(.th("合计"), .th(.class("num"), .text("\(section.households)")), .th(.class("num"), .text("\(section.people)")),
                            .th(.class("num"), .text(section.amount.groupedYuanString)))
                    ))
            },
            .unwrap(m.temporary) { t in
                .group(.h2("临时救助（\(t.year) 年）"),
                       .p(.text("已救助 \(t.granted) 件，合计 \(t.amount.groupedYuanString) 元；未办结 \(t.open) 件"),
                          .if(t.overdue > 0, Layout.badge("其中 \(t.overdue) 件已逾期（含先行救助后未补齐手续）", "bad")),
                          .text(" "), .a(.attr("href", SiteURL.temporaryCases.path), .text("查看"))))
            },
            .h2("超期未办结的申请"),
            .if(m.overdue.isEmpty, .p(.class("muted"), .text("没有超期申请。")), else: ApplicationRow.table(m.overdue))
        )
    }

    static func card(_ label: String, _ value: String, _ unit: String, warn: Bool = false) -> Node<HTML.BodyContext> {
        .div(.class(warn ? "card warn" : "card"), .div(.class("value"), .text(value), .span(.class("muted"), .text(" \(unit)"))),
             .div(.class("label"), .text(label)))
    }
}
