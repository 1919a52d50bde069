/// States of a 临时救助 case (rules.md §3.2).
///
/// Two paths: the full chain (受理 → 调查核实 → 乡镇审核, and above the township's limit 县级审批), and for
/// 急难型 the 先行救助 path (受理 → paid at once from the township's reserve fund → the paperwork
/// completed afterwards within the policy's working days, TA-2018 §2(2); Opinion-2020 item 15).
public enum TemporaryCaseState: String, Codable, Sendable, CaseIterable {
    case accepted          // 已受理
    case assistedFirst     // 已先行救助，待补齐手续
    case countyReview      // 报县级审批
    case approved          // 已批准
    case refused           // 不予救助

    public var chinese: String {
        switch self {
        case .accepted: return "已受理"
        case .assistedFirst: return "已先行救助，待补齐手续"
        case .countyReview: return "报县级审批"
        case .approved: return "已批准"
        case .refused: return "不予救助"
        }
    }

    public var isOpen: Bool { self != .approved && self != .refused }
}

/// How an approved grant reaches the person.
public enum TemporaryPayment: String, Codable, Sendable, CaseIterable {
    /// Paid at once from the township's 临时救助备用金 (TA-2018 §3(3)): cash or transfer, on the decision date.
    case reserveFund = "reserve-fund"
    /// Paid to the household's bank card in the next 临时救助 payroll batch.
    case payroll

    public var chinese: String { self == .reserveFund ? "乡镇备用金即时发放" : "随下一发放批次打卡发放" }
}

/// A 临时救助 case and everything its workflow has recorded. The grant's amount is computed by
/// `TemporaryRules` when the case is decided (or paid first) and recorded here with its approver.
public struct TemporaryCase: Hashable, Codable, Sendable {
    public var type: TemporaryType
    public var acceptedOn: CivilDate
    /// 困难情形: what happened (fire, sudden illness, medical bills…).
    public var cause: String
    /// The grant asked for, in months of the base standard or as an amount.
    public var size: TemporaryRequest.Size
    public var state: TemporaryCaseState
    /// 先行救助: the date paid, and the date the paperwork is due (nil when the holiday calendar does not
    /// reach it yet).
    public var assistedFirstOn: CivilDate?
    public var paperworkDue: CivilDate?
    public var paperworkCompletedOn: CivilDate?
    /// 调查核实: the home visit or the check made.
    public var investigation: HomeVisit?
    public var townshipOpinion: String?
    public var townshipOn: CivilDate?
    public var countyOpinion: String?
    public var decidedOn: CivilDate?
    /// Fen: the grant, once computed (先行救助 or the township's decision).
    public var amount: Money?
    public var approver: OneOffGrant.Approver?
    public var payment: TemporaryPayment?
    public var refusalReason: String?

    public init(type: TemporaryType, acceptedOn: CivilDate, cause: String, size: TemporaryRequest.Size) {
        self.type = type
        self.acceptedOn = acceptedOn
        self.cause = cause
        self.size = size
        self.state = .accepted
    }

    /// True when the paperwork after 先行救助 is still open past its due date: a date already passed stays
    /// overdue whatever later holidays are.
    public func paperworkOverdue(today: CivilDate) -> Bool {
        guard state == .assistedFirst, let due = paperworkDue else { return false }
        return today > due
    }

    /// True when the paperwork was completed after its due date (kept for the file, never hidden).
    public var paperworkLate: Bool {
        guard let done = paperworkCompletedOn, let due = paperworkDue else { return false }
        return done > due
    }

    /// The latest date recorded; no later step may be dated before it.
    public var latestRecordedDate: CivilDate {
        [acceptedOn, assistedFirstOn, investigation?.date, townshipOn, decidedOn, paperworkCompletedOn].compactMap { $0 }.max()!
    }
}

/// The steps recorded on a 临时救助 case. Amounts come from `TemporaryRules` through the store, never typed.
public enum TemporaryCaseEvent: Hashable, Codable, Sendable {
    /// 先行救助: 急难型 only, within the township's approval limit; paid at once from the reserve fund.
    case assistFirst(on: CivilDate, amount: Money, approver: OneOffGrant.Approver, paperworkDue: CivilDate?)
    /// 调查核实 (for a 先行救助 case, part of 补齐手续).
    case recordInvestigation(HomeVisit)
    /// 乡镇审核: within the township's limit it approves; above it, it reports to the county. After
    /// 先行救助 it completes the paperwork (the amount must be the one already paid).
    case townshipDecision(on: CivilDate, opinion: String, amount: Money, approver: OneOffGrant.Approver,
                          payment: TemporaryPayment)
    /// 县级审批 of a grant above the township's limit.
    case countyApprove(on: CivilDate, opinion: String)
    /// 退回乡镇重新审核: the county sends the case back (the grant changed, facts to check again); the
    /// township decides anew, on the investigation already recorded.
    case returnToTownship(on: CivilDate, reason: String)
    /// 不予救助 with the written reason (not after 先行救助: the money is paid; see ADR 0012).
    case refuse(on: CivilDate, reason: String)

    public var date: CivilDate {
        switch self {
        case let .assistFirst(on, _, _, _), let .townshipDecision(on, _, _, _, _), let .countyApprove(on, _),
             let .returnToTownship(on, _), let .refuse(on, _):
            return on
        case let .recordInvestigation(v): return v.date
        }
    }

    public var chinese: String {
        switch self {
        case .assistFirst: return "先行救助"
        case .recordInvestigation: return "登记调查核实"
        case .townshipDecision: return "乡镇审核"
        case .countyApprove: return "县级审批"
        case .returnToTownship: return "退回乡镇重新审核"
        case .refuse: return "不予救助"
        }
    }

    public var detail: String {
        switch self {
        case let .assistFirst(_, amount, _, due):
            return "先行发放 \(amount.yuanString) 元（乡镇备用金），补齐手续期限 \(due?.description ?? "待定")"
        case let .recordInvestigation(v): return "调查人员：\(v.investigators.joined(separator: "、"))；\(v.findings)"
        case let .townshipDecision(_, opinion, amount, approver, payment):
            return "\(amount.yuanString) 元，\(approver == .township ? "乡镇审批" : "报县级审批")，\(payment.chinese)：\(opinion)"
        case let .countyApprove(_, opinion): return opinion
        case let .returnToTownship(_, reason): return reason
        case let .refuse(_, reason): return reason
        }
    }
}

/// The 临时救助 state machine: `(case, event) → case | error`. Pure.
public enum TemporaryWorkflow {
    /// Applies `event`. Every date lies between acceptance and `today`, and no step is dated before the
    /// step it follows.
    /// - Throws: `TemporaryCaseError` naming the rule broken.
    public static func apply(_ event: TemporaryCaseEvent, to c: TemporaryCase,
                             today: CivilDate) throws(TemporaryCaseError) -> TemporaryCase {
        var a = c
        let date = event.date
        if date > today { throw .dateInFuture(date, today: today) }
        if date < a.latestRecordedDate { throw .dateBefore(date, earlier: a.latestRecordedDate) }
        func require(_ states: TemporaryCaseState...) throws(TemporaryCaseError) {
            guard states.contains(a.state) else { throw .outOfOrder(event: event.chinese, state: a.state) }
        }
        switch event {
        case let .assistFirst(on, amount, approver, due):
            try require(.accepted)
            guard a.type == .emergency else { throw .assistFirstOnlyEmergency(a.type) }
            guard approver == .township else { throw .assistFirstAboveLimit(amount) }
            guard amount > .zero else { throw .missing("先行救助金额") }
            a.assistedFirstOn = on
            a.paperworkDue = due
            a.amount = amount
            a.approver = approver
            a.payment = .reserveFund
            a.state = .assistedFirst
        case let .recordInvestigation(visit):
            try require(.accepted, .assistedFirst)
            var names: [String] = []
            for n in visit.investigators where !FreeText.isBlank(n) { names.append(try text(n, "调查人员", maxLength: 50)) }
            guard !names.isEmpty else { throw .missing("调查人员") }
            a.investigation = HomeVisit(date: visit.date, investigators: names, findings: try text(visit.findings, "调查核实情况"))
        case let .townshipDecision(on, opinion, amount, approver, payment):
            try require(.accepted, .assistedFirst)
            guard a.investigation != nil else { throw .missing("调查核实记录") }
            let opinion = try text(opinion, "乡镇审核意见")
            guard amount > .zero else { throw .missing("救助金额") }
            a.townshipOpinion = opinion
            a.townshipOn = on
            if a.state == .assistedFirst {
                // 补齐手续 confirms what was paid; a different amount is a new case, not a correction here.
                guard amount == a.amount else { throw .paidAmountDiffers(paid: a.amount ?? .zero, now: amount) }
                a.paperworkCompletedOn = on
                a.decidedOn = on
                a.state = .approved
            } else {
                a.amount = amount
                a.approver = approver
                a.payment = payment
                if approver == .township {
                    a.decidedOn = on
                    a.state = .approved
                } else {
                    a.state = .countyReview
                }
            }
        case let .countyApprove(on, opinion):
            try require(.countyReview)
            a.countyOpinion = try text(opinion, "县级审批意见")
            a.decidedOn = on
            a.state = .approved
        case let .returnToTownship(on, reason):
            try require(.countyReview)
            _ = try text(reason, "退回理由")
            // The grant is decided again by the township; what it reviewed stays in the history.
            a.townshipOn = on
            a.amount = nil
            a.approver = nil
            a.payment = nil
            a.state = .accepted
        case let .refuse(on, reason):
            if a.state == .assistedFirst { throw .alreadyPaidFirst }
            try require(.accepted, .countyReview)
            a.refusalReason = try text(reason, "不予救助理由")
            a.decidedOn = on
            a.amount = nil
            a.payment = nil
            a.state = .refused
        }
        return a
    }

    /// A free-text field as recorded: trimmed, not blank (zero-width characters alone are blank), at most
    /// `maxLength` characters, no control characters other than line breaks and tabs.
    /// - Throws: `TemporaryCaseError.missing` / `.textInvalid` naming the field.
    public static func text(_ raw: String, _ field: String, maxLength: Int = FreeText.maxLength) throws(TemporaryCaseError) -> String {
        do { return try FreeText.check(raw, maxLength: maxLength) } catch {
            switch error {
            case .blank: throw .missing(field)
            default: throw .textInvalid(field: field, reason: error.message)
            }
        }
    }

    /// The steps that may come next, for the case worker's screen.
    public static func nextSteps(for c: TemporaryCase) -> [String] {
        switch c.state {
        case .accepted:
            return (c.type == .emergency ? ["assistFirst"] : []) + ["recordInvestigation"]
                + (c.investigation != nil ? ["townshipDecision"] : []) + ["refuse"]
        case .assistedFirst: return ["recordInvestigation"] + (c.investigation != nil ? ["townshipDecision"] : [])
        case .countyReview: return ["countyApprove", "returnToTownship", "refuse"]
        case .approved, .refused: return []
        }
    }
}

public enum TemporaryCaseError: Error, Equatable, Sendable {
    case outOfOrder(event: String, state: TemporaryCaseState)
    case missing(String)
    case dateInFuture(CivilDate, today: CivilDate)
    case dateBefore(CivilDate, earlier: CivilDate)
    case assistFirstOnlyEmergency(TemporaryType)
    case assistFirstAboveLimit(Money)
    case paidAmountDiffers(paid: Money, now: Money)
    case alreadyPaidFirst
    case textInvalid(field: String, reason: String)

    public var message: String {
        switch self {
        case let .outOfOrder(event, state):
            return "当前状态为“\(state.chinese)”，不能执行“\(event)” (step out of order)"
        case .missing(let what): return "缺少“\(what)”，请填写后再提交 (missing)"
        case let .dateInFuture(d, today):
            return "日期 \(d) 晚于今天（\(today)）：只能登记已经发生的办理步骤 (date in the future)"
        case let .dateBefore(d, earlier):
            return "日期 \(d) 早于此前办理步骤的日期 \(earlier)，请核对 (date before an earlier step)"
        case .assistFirstOnlyEmergency(let t):
            return "先行救助只适用于急难型临时救助，本案为\(t.chinese)，请按调查核实、审核审批的程序办理 (民发〔2018〕23号 二(二); assist-first is for emergencies only)"
        case .assistFirstAboveLimit(let amount):
            return "先行救助金额 \(amount.yuanString) 元超过乡镇审批额度：小额先行救助限乡镇额度内，超过的请按程序报县级审批 (Opinion-2020 item 15; above the township's limit)"
        case let .paidAmountDiffers(paid, now):
            return "补齐手续须按已先行发放的 \(paid.yuanString) 元确认，当前测算为 \(now.yuanString) 元；差额须另行受理 (amount differs from what was paid)"
        case let .textInvalid(field, reason): return "“\(field)”\(reason)"
        case .alreadyPaidFirst:
            return "已先行救助发放的案件不能改为不予救助：请补齐手续；发现不符合条件的，按追回程序处理 (already paid first)"
        }
    }
}
