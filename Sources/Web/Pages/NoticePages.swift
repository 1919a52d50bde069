import Domain
import Foundation
import Persistence
import Plot
import Vapor

/// 公示 for the village notice board (DB-2021 Arts. 19, 24, 36): the chooser, and the printable sheet.
struct NoticesController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.notices, use: page)
    }

    /// `?village=CODE&programme=dibao&kind=review|standing[&month=YYYY-MM]`: the sheet; without a village, the chooser.
    func page(req: Request) async throws -> HTMLPage {
        let s = req.settings
        guard let scope = req.staff?.scope else { throw Abort(.unauthorized) }
        let villages = s.divisions.villages.filter { scope.contains(village: $0.code) }
        let programmes = Programme.allCases.filter { p in (try? p.rules()).map { $0.hasPublicNotice && $0.cadence == .monthly } ?? false }
        guard let raw = req.query[String.self, at: "village"] else {
            let model = NoticeChooser.Model(villages: villages.map { ($0.code.value, s.townshipName($0.code.townshipCode.value) + $0.name) },
                                            programmes: programmes.map { ($0.rawValue, $0.shortChinese) }, month: s.today().yearMonth)
            return HTMLPage(html: Layout.page(title: NoticeChooser.title, request: req, active: .applications, body: NoticeChooser.view(model)))
        }
        // A village outside the user's area does not exist for the user.
        guard let village = DivisionCode(raw), let division = s.divisions.division(village), division.level == .village,
              scope.contains(village: village) else { throw StoreError.notFound(what: "村（社区）", id: raw) }
        let programme = try Programme(token: req.query[String.self, at: "programme"] ?? Programme.dibao.rawValue)
        let rules = try programme.rules()
        // Children are never published, whichever sheet is asked for.
        guard rules.hasPublicNotice else { throw NoticeError.notPublished(programme) }
        let township = s.townshipName(village.townshipCode.value)
        let notice: VillageNotice
        if req.query[String.self, at: "kind"] == "standing" {
            let month = try req.query[String.self, at: "month"].map { try YearMonth(parsing: $0) } ?? s.today().yearMonth
            notice = try VillageNotice(kind: .standing(month), programme: programme, rules: rules, township: township, village: division.name,
                                       lines: try await NoticeStore(req.db).standing(programme: programme, village: village, month: month),
                                       hotline: s.hotline)
        } else {
            guard let r = try await NoticeStore(req.db).review(programme: programme, village: village, on: s.today()) else {
                throw StoreError.notFound(what: "\(division.name)公示期内的\(programme.shortChinese)申请", id: s.today().description)
            }
            notice = try VillageNotice(kind: .review(start: r.start, end: r.end), programme: programme, rules: rules, township: township,
                                       village: division.name, lines: r.lines, hotline: s.hotline)
        }
        return HTMLPage(html: Layout.page(title: notice.title, request: req, active: .applications,
                                          body: NoticeSheet.view(notice, date: s.today())))
    }
}

/// Which notice to print.
enum NoticeChooser {
    static let title = "公示"

    struct Model: Equatable, Sendable {
        var villages: [(String, String)]
        var programmes: [(String, String)]
        var month: YearMonth

        static func == (a: Model, b: Model) -> Bool {
            a.villages.map { "\($0.0)\($0.1)" } == b.villages.map { "\($0.0)\($0.1)" } && a.programmes.map(\.0) == b.programmes.map(\.0) && a.month == b.month
        }
    }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        .div(
            .h1(.text(title)),
            .p(.class("muted"), .text("打印张贴于村（社区）公示栏：只列姓名、家庭人口和金额，不列身份证号、住址、收入和理由（民发〔2021〕57号 第24条）。孤儿和事实无人抚养儿童不张榜公示。")),
            .form(.method(.get), .attr("action", SiteURL.notices.path),
                  .label(.text("村（社区）"), Controls.select("village", m.villages.map { Controls.option($0.0, $0.1) }, required: true)),
                  .label(.text("救助项目"), Controls.select("programme", m.programmes.map { Controls.option($0.0, $0.1) }, required: true)),
                  .label(.text("公示类别"), Controls.select("kind", [Controls.option("review", "审核确认公示（公示期内的申请）"),
                                                               Controls.option("standing", "长期公示（当月在保对象）")], required: true)),
                  .label(.text("长期公示月份"), .input(.type(.month), .name("month"), .attr("value", m.month.description))),
                  .button(.type(.submit), .text("生成公示")))
        )
    }
}

/// The printable sheet: the lines, the period and the last day for objections (review), the hotline, the rule.
enum NoticeSheet {
    static func view(_ n: VillageNotice, date: CivilDate) -> Node<HTML.BodyContext> {
        let review: Bool
        var intro: String
        switch n.kind {
        case let .review(start, end):
            review = true
            intro = "经本人申请、家庭经济状况调查核实和乡镇（街道）初审，现将下列申请对象予以公示。公示期 7 天，自 \(start) 至 \(end)；对公示对象有异议的，请于 \(end) 前向乡镇（街道）或县民政局反映。"
        case let .standing(month):
            review = false
            intro = "现将本村（社区）\(month.year) 年 \(month.month) 月\(n.programme.chinese)对象予以长期公示，接受群众监督。"
        }
        if n.lines.isEmpty { intro += "（本期无对象。）" }
        return .div(.class("notice"),
            .h1(.text(n.title)),
            .p(.text("\(n.township)\(n.village)")),
            .p(.text(intro)),
            .table(
                .tr(.th("序号"), .th("姓名"), .th(.class("num"), .text("家庭人口（人）")), .th(.class("num"), .text(review ? "拟保障金额（元/月）" : "保障金额（元/月）")),
                    .if(review, .th("初审意见"))),
                .forEach(Array(n.lines.enumerated())) { i, l in
                    .tr(.td(.text("\(i + 1)")), .td(.text(l.name)), .td(.class("num"), .text("\(l.householdSize)")),
                        .td(.class("num"), .text(l.monthlyAmount?.groupedYuanString ?? "—")), .if(review, .td(.text(l.opinion ?? ""))))
                },
                .tr(.td(.text("合计")), .td(.text("\(n.totalHouseholds) 户")), .td(.class("num"), .text("\(n.totalPeople)")),
                    .td(.class("num"), .text(n.totalAmount.groupedYuanString)),
                    .if(review, .td(.text(""))))
            ),
            .p(.text("投诉举报电话：\(n.hotline)；社会救助服务热线：12349。")),
            .p(.text("（依据\(n.citation)）")),
            .p(.class("sign"), .text("\(n.township)人民政府　\(date)"))
        )
    }
}
