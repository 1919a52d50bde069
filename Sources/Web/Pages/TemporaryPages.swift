import Domain
import Persistence
import Plot

/// 临时救助: the list of cases with the paperwork still owed after 先行救助, the townships' reserve funds,
/// and the intake form for an applicant with no registered household.
enum TemporaryIndex {
    struct Row: Equatable, Sendable {
        var id: String
        var applicant: String
        var township: String
        var type: TemporaryType
        var acceptedOn: CivilDate
        var state: TemporaryCaseState
        var amount: Money?
        /// `先行救助后补齐手续 …` or the procedure deadline, with overdue said in words.
        var due: String
        var overdue: Bool
        var payment: String
    }

    struct Reserve: Equatable, Sendable {
        var township: String
        var allotted: Money
        var paid: Money
        var balance: Money
    }

    struct Model: Equatable, Sendable {
        var rows: [Row]
        var all: Bool
        var reserves: [Reserve]
        /// Townships of the county (code, name), for the forms.
        var townships: [(code: String, name: String)]
        var today: CivilDate
        var csrf: String
        /// Why 临时救助 cannot be accepted this month (the policy configures none), or nil.
        var notConfigured: String?

        static func == (a: Model, b: Model) -> Bool {
            a.rows == b.rows && a.all == b.all && a.reserves == b.reserves && a.townships.map(\.code) == b.townships.map(\.code)
                && a.today == b.today && a.notConfigured == b.notConfigured
        }
    }

    static func row(_ c: StoredTemporaryCase, townshipName: String, today: CivilDate) -> Row {
        let t = c.temporaryCase
        var due = "—", overdue = false
        if t.state == .assistedFirst {
            overdue = t.paperworkOverdue(today: today)
            due = "补齐手续 \(t.paperworkDue?.description ?? "期限待定")" + (overdue ? "（已逾期）" : "")
        } else if t.state.isOpen, let d = c.deadline {
            overdue = today > d
            due = "办结 \(d)" + (overdue ? "（已逾期）" : "")
        } else if t.paperworkLate {
            due = "补齐手续逾期（\(t.paperworkCompletedOn!) 补齐，期限 \(t.paperworkDue!)）"
        }
        let payment: String
        if let on = c.paidFromReserveOn { payment = "\(on) 备用金已发放" }
        else if let b = c.payrollBatch { payment = "\(b.month) 批次（\(b.state.chinese)）" }
        else if t.state == .approved { payment = "待列入下一发放批次" }
        else { payment = "—" }
        return Row(id: c.id, applicant: c.applicantName + (c.householdID == nil ? "（非本地户籍）" : ""), township: townshipName,
                   type: t.type, acceptedOn: t.acceptedOn, state: t.state, amount: t.amount, due: due, overdue: overdue, payment: payment)
    }

    static func table(_ rows: [Row]) -> Node<HTML.BodyContext> {
        .table(.tr(.th("受理日期"), .th("申请人"), .th("乡镇"), .th("类型"), .th("状态"), .th(.class("num"), .text("金额（元）")),
                   .th("期限"), .th("发放")),
               .forEach(rows) { r in
                   .tr(.td(.text(r.acceptedOn.description)),
                       .td(.a(.attr("href", SiteURL.temporaryCase(r.id).path), .text(r.applicant))),
                       .td(.text(r.township)), .td(.text(r.type.chinese)), .td(.text(r.state.chinese)),
                       .td(.class("num"), .text(r.amount?.groupedYuanString ?? "—")),
                       .td(r.overdue ? Layout.badge(r.due, "bad") : .text(r.due)), .td(.text(r.payment)))
               })
    }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        let overdue = m.rows.filter(\.overdue)
        return .div(
            .h1("临时救助"),
            .unwrap(m.notConfigured) { .p(.class("flash error"), .text($0)) },
            .p(.text("本户籍家庭的申请请在 "), .a(.attr("href", SiteURL.households.path), .text("家庭档案")),
               .text(" 中打开该户后受理；非本地户籍人员在下方受理。 "),
               m.all ? .a(.attr("href", SiteURL.temporaryCases.path), .text("只看未办结"))
                     : .a(.attr("href", SiteURL.temporaryCases.with(["all": "1"])), .text("显示全部"))),
            .if(!overdue.isEmpty, .p(.class("flash error"),
                                      .text("\(overdue.count) 件已逾期：先行救助后未在期限内补齐手续，或未在办结期限内审批"))),
            .if(m.rows.isEmpty, .p(.class("muted"), .text("没有案件。")), else: table(m.rows)),
            .h2("乡镇临时救助备用金"),
            .if(m.reserves.isEmpty, .p(.class("muted"), .text("尚未拨付备用金：先行救助和即时发放须先有备用金。")),
                else: .table(.tr(.th("乡镇"), .th(.class("num"), .text("已拨付（元）")), .th(.class("num"), .text("已发放（元）")),
                                 .th(.class("num"), .text("余额（元）"))),
                             .forEach(m.reserves) { r in
                                 .tr(.td(.text(r.township)), .td(.class("num"), .text(r.allotted.groupedYuanString)),
                                     .td(.class("num"), .text(r.paid.groupedYuanString)), .td(.class("num"), .text(r.balance.groupedYuanString)))
                             })),
            .form(.class("inline"), .method(.post), .attr("action", SiteURL.reserveFundAllotments.path), Layout.csrf(m.csrf),
                  .label(.text("乡镇 "), Controls.select("township", m.townships.map { Controls.option($0.code, $0.name) })),
                  .label(.text("拨付日期 "), .input(.type(.date), .name("date"), .attr("value", m.today.description), .required(true))),
                  .label(.text("金额（元） "), .input(.type(.text), .name("amount"), .attr("inputmode", "decimal"), .required(true))),
                  .label(.text("文号或凭证号 "), .input(.type(.text), .name("document"), .required(true))),
                  .button(.type(.submit), .text("拨付备用金"))),
            .h2("受理非本地户籍人员的申请"),
            .p(.class("muted"), .text("急难情形不受户籍限制，由急难发生地受理（民发〔2020〕69号 第14项）；身份不明者请转救助管理站。按 1 人计算，只能由乡镇备用金发放。")),
            .form(.class("stack"), .method(.post), .attr("action", SiteURL.newTemporaryCase.path), Layout.csrf(m.csrf),
                  .label(.text("姓名 "), .input(.type(.text), .name("name"), .required(true))),
                  .label(.text("身份证号 "), .input(.type(.text), .name("residentID"), .required(true))),
                  .label(.text("户籍地 "), .input(.type(.text), .name("hukouPlace"), .required(true))),
                  .label(.text("急难发生地（乡镇） "), Controls.select("township", m.townships.map { Controls.option($0.code, $0.name) })),
                  .label(.text("城乡 "), Controls.select("area", Area.allCases.map { Controls.option($0.rawValue, $0.chinese) })),
                  form(today: m.today),
                  .button(.type(.submit), .text("受理")))
        )
    }

    /// The fields every intake form shares: date, type, cause, and the grant asked for.
    static func form(today: CivilDate) -> Node<HTML.FormContext> {
        .group(
            .label(.text("受理日期 "), .input(.type(.date), .name("acceptedOn"), .attr("value", today.description), .required(true))),
            .label(.text("类型 "), Controls.select("type", TemporaryType.allCases.map { Controls.option($0.rawValue, $0.chinese) })),
            .label(.text("困难情形 "), Controls.textarea("cause")),
            .label(.text("申请救助（月数，按基数计算） "), .input(.type(.text), .name("months"), .attr("inputmode", "decimal"))),
            .label(.text("或申请金额（元） "), .input(.type(.text), .name("amount"), .attr("inputmode", "decimal")))
        )
    }
}

/// One 临时救助 case: facts, the grant's trace, the history and the next steps.
enum TemporaryCasePage {
    struct Model: Equatable, Sendable {
        var id: String
        var row: TemporaryIndex.Row
        var householdID: String?
        var hukouPlace: String?
        var maskedID: String
        var temporaryCase: TemporaryCase
        var deadline: CivilDate?
        var policyVersion: String?
        var trace: [TraceLine]
        var events: [String]
        var nextSteps: [String]
        /// The grant a decision today would make, with its approver, or why none can be made.
        var preview: String?
        var today: CivilDate
        var csrf: String
    }

    static func view(_ m: Model) -> Node<HTML.BodyContext> {
        .div(
            .h1(.text("临时救助：\(m.row.applicant)")),
            .dl(.class("facts"), .forEach(facts(m)) { fact in .group(.dt(.text(fact.0)), .dd(fact.1)) }),
            .unwrap(m.preview) { .p(.class("muted"), .text("按今天测算：\($0)")) },
            .if(!m.trace.isEmpty, .group(
                .h2(.text("计算过程" + (m.policyVersion.map { "（政策版本 \($0)）" } ?? ""))),
                .ol(.class("trace"), .forEach(m.trace) { .li(.text($0.description)) }))),
            .if(!m.nextSteps.isEmpty, .h2("办理")),
            .forEach(m.nextSteps) { step in form(step, m) },
            .h2("办理记录"),
            .ol(.forEach(m.events) { .li(.text($0)) }),
            .p(.class("muted"), .text("依据：《社会救助暂行办法》第四十七至四十九条；民发〔2018〕23号；民发〔2020〕69号 第15项"))
        )
    }

    /// The case's facts as (label, value) pairs, in reading order.
    static func facts(_ m: Model) -> [(String, Node<HTML.BodyContext>)] {
        let c = m.temporaryCase
        let status: Node<HTML.BodyContext> = .group(.text(c.state.chinese + " "), .if(m.row.overdue, Layout.badge("已逾期", "bad")))
        let applicant: Node<HTML.BodyContext> = .group(
            .text("\(m.row.applicant)（\(m.maskedID)）"),
            .unwrap(m.householdID) { .a(.attr("href", SiteURL.household($0).path), .text(" 查看家庭档案")) })
        var first = "—"
        if let on = c.assistedFirstOn {
            first = "\(on) 发放，补齐手续期限 \(c.paperworkDue?.description ?? "待定")"
            if let done = c.paperworkCompletedOn { first += "，\(done) 补齐" + (c.paperworkLate ? "（逾期）" : "") }
        }
        let investigation = c.investigation.map { "\($0.date) \($0.investigators.joined(separator: "、"))：\($0.findings)" } ?? "—"
        let township = c.townshipOpinion.map { "\(c.townshipOn?.description ?? "") \($0)" } ?? "—"
        let county = c.countyOpinion.map { "\(c.decidedOn?.description ?? "") \($0)" } ?? "—"
        let amount = c.amount.map { "\($0.groupedYuanString) 元，\(c.approver?.chinese ?? "")审批" } ?? "—"
        let payment = c.payment.map { "\($0.chinese)；\(m.row.payment)" } ?? "—"
        let texts: [(String, String)] = [
            ("类型", c.type.chinese), ("困难情形", c.cause),
        ]
        let rest: [(String, String)] = [
            ("户籍地", m.hukouPlace ?? "本县（已登记家庭）"), ("受理乡镇", m.row.township),
            ("受理日期", c.acceptedOn.description), ("申请", sizeText(c.size)),
            ("办结期限", m.deadline?.description ?? "本县政策未规定"), ("先行救助", first), ("调查核实", investigation),
            ("乡镇审核", township), ("县级审批", county), ("救助金额", amount), ("发放", payment),
            ("不予救助理由", c.refusalReason ?? "—"),
        ]
        return [("状态", status)] + texts.map { ($0.0, .text($0.1)) } + [("申请人", applicant)] + rest.map { ($0.0, .text($0.1)) }
    }

    static func sizeText(_ s: TemporaryRequest.Size) -> String {
        switch s {
        case .months(let r): return "\(r) 个月基数"
        case .amount(let a): return "\(a.groupedYuanString) 元"
        }
    }

    static func form(_ step: String, _ m: Model) -> Node<HTML.BodyContext> {
        let date: Node<HTML.FormContext> = .label(.text("日期 "), .input(.type(.date), .name("date"),
                                                                       .attr("value", m.today.description), .required(true)))
        func f(_ title: String, _ fields: Node<HTML.FormContext>, _ button: String, danger: Bool = false) -> Node<HTML.BodyContext> {
            .form(.class("stack"), .method(.post), .attr("action", SiteURL.temporaryCaseStep(m.id, step: step).path),
                  Layout.csrf(m.csrf), .strong(.text(title)), date, fields,
                  .button(.class(danger ? "danger" : ""), .type(.submit), .text(button)))
        }
        switch step {
        case "assistFirst":
            return f("先行救助（急难型，乡镇审批额度内，从乡镇备用金即时发放）", .empty, "先行发放")
        case "recordInvestigation":
            return f("调查核实" + (m.temporaryCase.state == .assistedFirst ? "（补齐手续）" : ""),
                     .group(.label(.text("调查人员（顿号分隔） "), .input(.type(.text), .name("investigators"), .required(true))),
                            .label(.text("调查核实情况 "), Controls.textarea("text"))), "登记")
        case "townshipDecision":
            let first = m.temporaryCase.state == .assistedFirst
            return f(first ? "乡镇审核（补齐手续，确认已先行发放的金额）" : "乡镇审核（额度内批准，超过额度报县级审批）",
                     .group(.label(.text("审核意见 "), Controls.textarea("text")),
                            // A person with no registered household has no bank card on file: the reserve pays.
                            .if(!first, .label(.text("发放方式 "), Controls.select("payment", TemporaryPayment.allCases
                                .filter { m.householdID != nil || $0 == .reserveFund }.map {
                                Controls.option($0.rawValue, $0.chinese, selected: $0 == (m.householdID == nil ? .reserveFund : .payroll))
                            })))), first ? "补齐手续" : "审核")
        case "countyApprove":
            return f("县级审批", .label(.text("审批意见 "), Controls.textarea("text")), "批准")
        case "returnToTownship":
            return f("退回乡镇重新审核（金额须按最新情况重新测算时）", .label(.text("退回理由 "), Controls.textarea("text")), "退回")
        case "refuse":
            return f("不予救助", .label(.text("理由 "), Controls.textarea("text")), "不予救助", danger: true)
        default:
            return .empty
        }
    }
}
