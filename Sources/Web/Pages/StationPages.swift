import Domain
import Foundation
import Persistence
import Plot

/// 救助站: the people in the station with their flags, the month's 人次 and 人数 (C18), and admission.
enum StationIndex {
    struct Row: Equatable, Sendable {
        var id: String
        var name: String
        /// ID number masked, or the temporary code.
        var person: String
        var admittedOn: CivilDate
        var exitedOn: CivilDate?
        var exit: String?
        var days: Int
        var lastAllowed: CivilDate
        var overstay: Bool
        var noticeOverdue: Bool
        var minor: Bool
    }

    struct Model: Equatable, Sendable {
        var month: YearMonth
        var figures: ReliefStationRules.MonthFigures
        var rows: [Row]
        var today: CivilDate
        var csrf: String
        var limitText: String
    }

    static func row(_ s: StoredStay, today: CivilDate, now: Date) -> Row {
        let st = s.stay
        let person: String
        switch st.person {
        case .resident(let id): person = id.masked
        case .unidentified(let code): person = "临时编号 \(code)"
        }
        return Row(id: s.id, name: st.name, person: person, admittedOn: st.admittedOn, exitedOn: st.exitedOn, exit: st.exit?.chinese,
                   days: st.days(asOf: today), lastAllowed: st.lastAllowedDay(maxStayDays: s.maxStayDays),
                   overstay: st.overstay(asOf: today, maxStayDays: s.maxStayDays), noticeOverdue: st.familySearchOverdue(now: now),
                   minor: st.minor)
    }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        let flagged = m.rows.filter { $0.overstay || $0.noticeOverdue }
        return .div(
            .h1("救助管理站"),
            .form(.class("inline"), .method(.get), .attr("action", SiteURL.station.path),
                  .label(.text("统计月份 "), .input(.type(.text), .name("month"), .attr("value", m.month.description), .attr("placeholder", "YYYY-MM"))),
                  .button(.type(.submit), .text("查看"))),
            .div(.class("cards"),
                 Dashboard.card("\(m.month) 救助人次", "\(m.figures.visits)", "人次"),
                 Dashboard.card("\(m.month) 救助人数", "\(m.figures.people)", "人"),
                 Dashboard.card("其中未成年人", "\(m.figures.minors)", "人"),
                 Dashboard.card("身份不明", "\(m.figures.unidentified)", "人"),
                 Dashboard.card("超期或寻亲公告逾期", "\(flagged.count)", "次", warn: !flagged.isEmpty)),
            .p(.class("muted"), .text("人次按救助次数计，人数按身份证号码或临时编号计（同一人多次入站只计一人）。\(m.limitText)")),
            .if(m.rows.isEmpty, .p(.class("muted"), .text("本月没有救助记录。")),
                else: .table(.tr(.th("入站日期"), .th("姓名"), .th("证件 / 临时编号"), .th(.class("num"), .text("在站天数")), .th("截止日"),
                                 .th("离站"), .th("提示")),
                             .forEach(m.rows) { r in
                                 .tr(.td(.text(r.admittedOn.description)),
                                     .td(.a(.attr("href", SiteURL.stationStay(r.id).path), .text(r.name + (r.minor ? "（未成年）" : "")))),
                                     .td(.text(r.person)), .td(.class("num"), .text("\(r.days)")), .td(.text(r.lastAllowed.description)),
                                     .td(.text(r.exitedOn.map { "\($0) \(r.exit ?? "")" } ?? "在站")),
                                     .td(.group(.if(r.overstay, Layout.badge("超期未报备延期", "bad")), .text(" "),
                                                .if(r.noticeOverdue, Layout.badge("寻亲公告超过24小时", "bad")))))
                             })),
            .h2("入站登记"),
            .form(.class("stack"), .method(.post), .attr("action", SiteURL.station.path), Layout.csrf(m.csrf),
                  .label(.text("身份证号（身份不明时留空） "), .input(.type(.text), .name("residentID"))),
                  .label(.text("临时编号（身份不明时填写，如 T-0701） "), .input(.type(.text), .name("code"))),
                  .label(.text("姓名 "), .input(.type(.text), .name("name"))),
                  .label(.text("入站日期 "), .input(.type(.date), .name("date"), .attr("value", m.today.description), .required(true))),
                  .label(.text("时间 "), .input(.type(.text), .name("time"), .attr("placeholder", "HH:mm"), .required(true))),
                  .label(.text("随身物品 "), Controls.textarea("belongings", required: false)),
                  .label(.text("健康状况 "), Controls.textarea("health", required: false)),
                  .label(.input(.type(.checkbox), .name("minor"), .attr("value", "on")), .text(" 未成年人")),
                  .button(.type(.submit), .text("入站登记")))
        )
    }
}

/// One stay: the person, admission, services, extensions and the steps left.
enum StationStayPage {
    struct Model: Equatable, Sendable {
        var row: StationIndex.Row
        var stay: Stay
        var limitText: String
        var today: CivilDate
        var csrf: String
    }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        let s = m.stay
        let facts: [(String, String)] = [
            ("证件 / 临时编号", m.row.person), ("入站", "\(ChinaClock.beijingTime(s.admittedAt))"),
            ("随身物品", s.belongings), ("健康状况", s.health), ("在站天数", "\(m.row.days) 天；截止 \(m.row.lastAllowed)（\(m.limitText)）"),
            ("寻亲公告", s.person.identityKnown ? "身份已知，不需公告"
                : s.familySearchNoticeAt.map { "\(ChinaClock.beijingTime($0)) \(s.familySearchChannel ?? "")" } ?? "未发布（入站 24 小时内须发布）"),
            ("离站", s.exitedOn.map { "\($0) \(s.exit?.chinese ?? "")\(s.exitNote.map { "：\($0)" } ?? "")" } ?? "在站"),
        ]
        return .div(
            .h1(.text("救助记录：\(s.name)" + (s.minor ? "（未成年人）" : ""))),
            .group(.if(m.row.overstay, .p(Layout.badge("已超过在站期限，未报备延期", "bad"))),
                   .if(m.row.noticeOverdue, .p(Layout.badge("身份不明人员的寻亲公告超过 24 小时", "bad")))),
            .dl(.class("facts"), .forEach(facts) { f in .group(.dt(.text(f.0)), .dd(.text(f.1))) }),
            .h2("救助服务"),
            .table(.tr(.th("日期"), .th("项目"), .th(.class("num"), .text("数量")), .th(.class("num"), .text("费用（元）")), .th("说明")),
                   .forEach(s.services) { r in
                       .tr(.td(.text(r.date.description)), .td(.text(r.kind.chinese)), .td(.class("num"), .text("\(r.quantity)")),
                           .td(.class("num"), .text(r.cost.groupedYuanString)), .td(.text(r.note)))
                   }),
            .h2("延期报备"),
            .if(s.extensions.isEmpty, .p(.class("muted"), .text("无。")),
                else: .ul(.forEach(s.extensions) { e in .li(.text("\(e.filedOn) 报 \(e.filedWith)，延至 \(e.until)：\(e.reason)")) })),
            .if(s.isOpen, .group(
                .h2("办理"),
                .if(!s.person.identityKnown && s.familySearchNoticeAt == nil,
                    form("familySearchNotice", "登记寻亲公告（入站 24 小时内）", m, .group(
                        .label(.text("发布日期 "), .input(.type(.date), .name("date"), .attr("value", m.today.description), .required(true))),
                        .label(.text("时间 "), .input(.type(.text), .name("time"), .attr("placeholder", "HH:mm"), .required(true))),
                        .label(.text("发布渠道 "), .input(.type(.text), .name("text"), .required(true)))), "登记")),
                form("service", "登记救助服务", m, .group(
                    .label(.text("日期 "), .input(.type(.date), .name("date"), .attr("value", m.today.description), .required(true))),
                    .label(.text("项目 "), Controls.select("kind", StationService.allCases.map { Controls.option($0.rawValue, $0.chinese) })),
                    .label(.text("数量 "), .input(.type(.text), .name("quantity"), .attr("value", "1"), .required(true))),
                    .label(.text("费用（元，可空） "), .input(.type(.text), .name("cost"), .attr("inputmode", "decimal"))),
                    .label(.text("说明 "), .input(.type(.text), .name("text")))), "登记"),
                form("extend", "延期（须报上级民政部门备案）", m, .group(
                    .label(.text("报备日期 "), .input(.type(.date), .name("date"), .attr("value", m.today.description), .required(true))),
                    .label(.text("报备部门 "), .input(.type(.text), .name("filedWith"), .required(true))),
                    .label(.text("延至 "), .input(.type(.date), .name("until"), .required(true))),
                    .label(.text("延期理由 "), Controls.textarea("text"))), "报备延期"),
                form("exit", "离站", m, .group(
                    .label(.text("日期 "), .input(.type(.date), .name("date"), .attr("value", m.today.description), .required(true))),
                    .label(.text("去向 "), Controls.select("kind", StationExit.allCases.map { Controls.option($0.rawValue, $0.chinese) })),
                    .label(.text("说明 "), .input(.type(.text), .name("text")))), "离站"))),
            .p(.class("muted"), .text("依据：国务院令第381号；民政部令第24号（在站一般不超过 10 天，延期报上级民政部门备案）；民政部、公安部 2015 年意见（身份不明者 24 小时内发布寻亲公告）"))
        )
    }

    static func form(_ step: String, _ title: String, _ m: Model, _ fields: Node<HTML.FormContext>, _ button: String) -> Node<HTML.BodyContext> {
        .form(.class("stack"), .method(.post), .attr("action", SiteURL.stationStayStep(m.row.id, step: step).path), Layout.csrf(m.csrf),
              .strong(.text(title)), fields, .button(.type(.submit), .text(button)))
    }
}
