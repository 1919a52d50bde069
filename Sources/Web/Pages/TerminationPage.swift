import Domain
import Persistence
import Plot

/// 终止供养: one termination with its 公示 and the next steps, and its printable 公示.
enum TerminationPage {
    struct Model: Equatable, Sendable {
        var id: String
        var householdID: String
        var personName: String
        var village: String
        var programme: Programme
        var termination: Termination
        var noticeEnd: CivilDate?
        var nextSteps: [String]
        var today: CivilDate
        var csrf: String
        var citation: String
        /// The person's ID, masked (first 6 and last 4 characters).
        var maskedID: String
        /// Where to appeal (行政复议, 行政诉讼).
        var appeal: String
        var hotline: String
    }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        let t = m.termination
        return .div(
            .h1(.text("终止\(m.programme.chinese)：\(m.personName)")),
            .dl(.class("facts"),
                .dt("状态"), .dd(.text(t.state.chinese)),
                .dt("终止理由"), .dd(.text(t.ground.chinese + (t.factOn.map { "（\($0)）" } ?? ""))),
                .dt("乡镇核实意见"), .dd(.text(t.opinion)),
                .dt("提出日期"), .dd(.text(t.proposedOn.description)),
                .dt("公示"), .dd(.text(t.ground.needsPublicNotice
                    ? (t.noticeStart.map { "\($0) 起 7 天，至 \(m.noticeEnd?.description ?? "")" } ?? "—")
                    : "因死亡终止，不公示")),
                .dt("异议"), .dd(.text(t.objections.isEmpty ? "无" : t.objections.joined(separator: "；")
                    + (t.objectionDue.map { "（核查期限 \($0)）" } ?? ""))),
                .dt("决定"), .dd(.text(t.state == .terminated ? "\(t.decidedOn!) 决定终止，自 \(t.stopsFrom!) 起停止供养"
                    : t.state == .cancelled ? "\(t.decidedOn!) 撤销：\(t.cancelReason ?? "")" : "—")),
                .dt("多发月份"), .dd(t.overpaidMonths.map { months in
                    months.isEmpty ? .text("无") : Layout.badge("\(months.map(\.description).joined(separator: "、")) 在\(t.ground.chinese)后仍已发放，已登记为多发待追回", "bad")
                } ?? .text("—")),
                .dt("家庭"), .dd(.a(.attr("href", SiteURL.household(m.householdID).path), .text("查看家庭档案")))),
            .if(t.noticeStart != nil, .p(.a(.attr("href", SiteURL.terminationNotice(m.id).path), .text("打印公示（张贴于村（社区）公示栏）")))),
            .if(t.state == .terminated, .p(.a(.attr("href", SiteURL.terminationLetter(m.id).path), .text("打印终止供养决定书（书面告知本人和村（居）民委员会）")))),
            .if(!m.nextSteps.isEmpty, .h2("办理")),
            .forEach(m.nextSteps) { step in form(step, m) },
            .p(.class("muted"), .text("依据：\(m.citation)"))
        )
    }

    static func form(_ step: String, _ m: Model) -> Node<HTML.BodyContext> {
        let date: Node<HTML.FormContext> = .label(.text("日期 "), .input(.type(.date), .name("date"),
                                                                       .attr("value", m.today.description), .required(true)))
        func f(_ title: String, _ fields: Node<HTML.FormContext>, _ button: String, danger: Bool = false) -> Node<HTML.BodyContext> {
            .form(.class("stack"), .method(.post), .attr("action", SiteURL.terminationStep(m.id, step: step).path),
                  .input(.type(.hidden), .name("_csrf"), .attr("value", m.csrf)),
                  .strong(.text(title)), fields, .button(.class(danger ? "danger" : ""), .type(.submit), .text(button)))
        }
        switch step {
        case "raiseObjection":
            return f("公示期间有异议", .group(date, .label(.text("异议内容 "), Controls.textarea("text"))), "登记异议")
        case "resolveObjection":
            return f("异议核查（15 个工作日内），提出新的核实意见并重新公示 7 天",
                     .group(date, .label(.text("核查意见 "), Controls.textarea("text"))), "重新公示")
        case "closePublicNotice":
            return f("公示期满，报县级审批", date, "报县级审批")
        case "decide":
            return f("县级决定终止（自次月起停止供养，书面告知本人和村（居）民委员会）", date, "决定终止", danger: true)
        case "cancel":
            return f("撤销终止（继续供养）", .group(date, .label(.text("理由 "), Controls.textarea("text"))), "撤销")
        default:
            return .empty
        }
    }

    /// The written decision (TK-2021 Art. 26), with the ground, the 公示, the month support stops, the
    /// routes of appeal and the reminder of other assistance (Art. 27).
    static func letter(_ m: Model) -> Node<HTML.BodyContext> {
        let t = m.termination
        let notice = t.noticeStart.map { "并于 \($0) 至 \(m.noticeEnd?.description ?? "") 在村（社区）公示" } ?? ""
        return .div(.class("notice"),
            .h1(.text("终止\(m.programme.chinese)决定书")),
            .p(.text("\(m.personName)（身份证号码 \(m.maskedID)），\(m.village)：")),
            .p(.text("经乡镇（街道）核实\(notice)，县民政局于 \(t.decidedOn?.description ?? "") 决定：自 \(t.stopsFrom?.description ?? "") 起终止对您的\(m.programme.shortChinese)救助供养。")),
            .p(.text("理由：\(t.ground.chinese)。乡镇核实意见：\(t.opinion)")),
            .p(.text("依据：\(m.citation)。")),
            .p(.text("如对本决定不服，可依法申请行政复议或者提起行政诉讼（\(m.appeal)）。如符合最低生活保障、临时救助等条件，可向乡镇人民政府（街道办事处）申请。")),
            .p(.text("咨询和投诉举报电话：\(m.hotline)，12349。")),
            .p(.class("muted"), .text("本决定书一式两份，送本人和村（居）民委员会。")))
    }

    /// The printable 公示: village, name and the ground only (no ID number, no amounts).
    static func notice(_ m: Model) -> Node<HTML.BodyContext> {
        let t = m.termination
        return .div(.class("notice"),
            .h1(.text("\(m.programme.chinese)终止公示")),
            .p(.text("经乡镇（街道）核实，下列对象拟终止\(m.programme.shortChinese)供养，现予公示。公示期 7 天，自 \(t.noticeStart?.description ?? "") 至 \(m.noticeEnd?.description ?? "")。")),
            .table(.tr(.th("村（社区）"), .th("姓名"), .th("拟终止理由")),
                   .tr(.td(.text(m.village)), .td(.text(m.personName)), .td(.text(t.ground.chinese)))),
            .p(.text("如有异议，请于公示期内向乡镇（街道）或县民政局反映。依据：\(m.citation)")))
    }
}
