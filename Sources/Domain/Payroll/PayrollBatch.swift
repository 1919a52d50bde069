/// Payroll batch states: draft → approved (frozen) → exported (paid; money counts as spent).
public enum PayrollState: String, Codable, Sendable, CaseIterable {
    case draft, approved, exported

    public var chinese: String {
        switch self {
        case .draft: return "待审核"
        case .approved: return "已审核（冻结）"
        case .exported: return "已导出银行文件"
        }
    }
}

/// One line of a payroll batch. Payee and account are copied onto the line when the batch is
/// generated, so later registry edits never change what a batch pays (field case C08).
public struct PayrollLine: Hashable, Sendable {
    public var householdID: String
    /// The member paid for, for member-level programmes (特困, 孤儿…); nil when the household is.
    public var memberID: String?
    public var townshipCode: String
    public var villageCode: String
    public var area: Area
    public var payeeName: String
    public var payeeResidentID: ResidentID
    public var bankAccount: String
    public var householdSize: Int
    /// The parts of the amount (fen), e.g. one `basic` part for 低保.
    public var components: [AmountComponent]
    /// The one-off grant (临时救助 case) the line pays; nil for a monthly amount.
    public var grantID: String?

    public init(householdID: String, memberID: String? = nil, townshipCode: String, villageCode: String, area: Area,
                payeeName: String, payeeResidentID: ResidentID, bankAccount: String, householdSize: Int,
                components: [AmountComponent], grantID: String? = nil) {
        self.grantID = grantID
        self.householdID = householdID
        self.memberID = memberID
        self.townshipCode = townshipCode
        self.villageCode = villageCode
        self.area = area
        self.payeeName = payeeName
        self.payeeResidentID = payeeResidentID
        self.bankAccount = bankAccount
        self.householdSize = householdSize
        self.components = components
    }

    /// Fen: the sum of `components`, so a line's amount is always explained by its parts.
    public var amount: Money { components.reduce(.zero) { $0 + $1.amount } }

    /// Who a line pays for: the grant, the member, or the household. A batch pays each recipient at most once.
    public var recipientKey: String { grantID.map { "grant:\($0)" } ?? memberID ?? householdID }
}

/// An enrollment active in the month being paid, as payroll sees it: what was decided, and the
/// registry as it is now (payee, account, counted members, the recipient member's status).
public struct PayableEnrollment: Hashable, Sendable {
    public var enrollmentID: String
    public var householdID: String
    /// The member enrolled, for member-level programmes.
    public var memberID: String?
    public var townshipCode: String
    public var villageCode: String
    public var area: Area
    /// The parts of the monthly amount (fen), as decided.
    public var components: [AmountComponent]
    public var householdSize: Int
    /// The payee, or nil when no active member can be paid (the payee died or moved out).
    public var payeeName: String?
    public var payeeResidentID: ResidentID?
    public var bankAccount: String?
    /// Members counted in the registry now; differs from `householdSize` after an unreviewed change.
    public var countedMembers: Int
    /// The enrolled member's name and status now (member-level programmes).
    public var memberName: String?
    public var memberStatus: MemberStatus?
    /// The enrolled member as registered now, for rules that depend on age, schooling or disability
    /// (特困's 18th birthday).
    public var member: Member?
    /// The month being paid.
    public var month: YearMonth?
    /// The one-off grant to pay (临时救助 case); nil for a monthly enrollment.
    public var grantID: String?
    /// For programmes that pay a difference: what the member receives elsewhere in the month, as payroll
    /// found it; nil when not read.
    public var otherSupport: [OtherSupport]?
    /// A record problem that stops this recipient's line (a stored birth date disagreeing with the ID):
    /// held with it, the rest of the batch paid.
    public var recordProblem: String?

    public init(enrollmentID: String, householdID: String, memberID: String? = nil, townshipCode: String,
                villageCode: String, area: Area, components: [AmountComponent], householdSize: Int, payeeName: String?, payeeResidentID: ResidentID?, bankAccount: String?,
                countedMembers: Int, memberName: String? = nil, memberStatus: MemberStatus? = nil, member: Member? = nil,
                month: YearMonth? = nil, grantID: String? = nil) {
        self.grantID = grantID
        self.enrollmentID = enrollmentID
        self.householdID = householdID
        self.memberID = memberID
        self.townshipCode = townshipCode
        self.villageCode = villageCode
        self.area = area
        self.components = components
        self.householdSize = householdSize
        self.payeeName = payeeName
        self.payeeResidentID = payeeResidentID
        self.bankAccount = bankAccount
        self.countedMembers = countedMembers
        self.memberName = memberName
        self.memberStatus = memberStatus
        self.member = member
        self.month = month
    }

    /// Fen per month: the sum of `components`.
    public var monthlyBenefit: Money { components.reduce(.zero) { $0 + $1.amount } }

    /// Whether the enrolled member counts in the month paid (`Member.counts(in:)`, the rule assess and
    /// review use); from the status alone when the member's record was not read; nil for a household.
    public var memberCounts: Bool? {
        if let member, let month { return member.counts(in: month) }
        return memberStatus.map(\.counts)
    }

    /// Who would be paid: the grant, the member, or the household (as `PayrollLine.recipientKey`).
    public var recipientKey: String { grantID.map { "grant:\($0)" } ?? memberID ?? householdID }
}

/// Why an enrollment got no line this month (shown on the payroll page; never silently dropped).
public struct PayrollHold: Hashable, Sendable {
    public var householdID: String
    /// The member held, for member-level programmes.
    public var memberID: String?
    public var payeeName: String
    /// `CODE：说明`, e.g. `NO_BANK_ACCOUNT：未登记收款账号`.
    public var reason: String

    public init(householdID: String, memberID: String? = nil, payeeName: String, reason: String) {
        self.householdID = householdID
        self.memberID = memberID
        self.payeeName = payeeName
        self.reason = reason
    }
}

/// Computes the lines of a month from the active enrollments. Pure.
public enum PayrollPlan {
    /// Held, not paid: whatever the programme's own rules hold (for 低保, a household whose counted
    /// members no longer match the decided size: field case C01); for every programme, an enrollment
    /// with no active payee or no account. Each recipient is paid at most once per batch.
    public static func lines(for enrollments: [PayableEnrollment], rules: any ProgrammeRules, policy: Policy)
        -> (lines: [PayrollLine], holds: [PayrollHold]) {
        var lines: [PayrollLine] = []
        var holds: [PayrollHold] = []
        lines.reserveCapacity(enrollments.count)
        let perRecipient = Dictionary(grouping: enrollments, by: \.recipientKey).mapValues(\.count)
        for e in enrollments {
            let name = e.payeeName ?? "—"
            // Two decisions running in one month for one recipient: which amount is right is for staff
            // to say; the rest of the batch is paid.
            if let n = perRecipient[e.recipientKey], n > 1 {
                holds.append(PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: name,
                                         reason: "OVERLAPPING_ENROLLMENTS：本月有 \(n) 条在保记录重叠，须核查后再发放"))
                continue
            }
            if let problem = e.recordProblem {
                holds.append(PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: name,
                                         reason: "RECORD_PROBLEM：\(problem)"))
                continue
            }
            if let hold = rules.hold(e, policy: policy) {
                holds.append(hold)
                continue
            }
            guard let payee = e.payeeResidentID, let payeeName = e.payeeName else {
                holds.append(PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: name,
                                         reason: "NO_ACTIVE_PAYEE：收款人已不在户，请指定新的收款人"))
                continue
            }
            guard let account = e.bankAccount?.trimmingWhitespace(), !account.isEmpty else {
                holds.append(PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: payeeName,
                                         reason: "NO_BANK_ACCOUNT：未登记收款账号"))
                continue
            }
            guard e.monthlyBenefit >= .zero else {
                holds.append(PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: payeeName,
                                         reason: "NEGATIVE_AMOUNT：核定金额为 \(e.monthlyBenefit.yuanString) 元，须核查决定"))
                continue
            }
            guard e.monthlyBenefit > .zero else { continue }
            lines.append(PayrollLine(householdID: e.householdID, memberID: e.memberID, townshipCode: e.townshipCode,
                                     villageCode: e.villageCode, area: e.area, payeeName: payeeName,
                                     payeeResidentID: payee, bankAccount: account,
                                     householdSize: e.householdSize, components: e.components, grantID: e.grantID))
        }
        return (lines, holds)
    }

    /// Allowed state changes of a batch.
    /// - Throws: `PayrollError.invalidTransition`.
    public static func transition(from state: PayrollState, to next: PayrollState) throws(PayrollError) {
        switch (state, next) {
        case (.draft, .approved), (.approved, .exported): return
        default: throw .invalidTransition(from: state, to: next)
        }
    }
}

public enum PayrollError: Error, Equatable, Sendable {
    case invalidTransition(from: PayrollState, to: PayrollState)
    case batchNotFound(String)
    case noPolicy(PolicyError)
    case tooFarAhead(month: YearMonth, latest: YearMonth)
    /// The programme pays no monthly amount (one-off grants, services in kind).
    case notPaidByPayroll(String)
    /// The user who generated the batch may not approve it (segregation of duties).
    case sameApprover(String)
    /// The lines of a frozen batch no longer match the checksum taken at approval: altered in the database.
    case linesChanged(batch: String, approvedBy: String?)
    /// Months with no batch between the programme's latest batch and the month asked for: warned about
    /// before the month is generated, which a person confirms.
    case skippedMonths(programme: String, months: [YearMonth], month: YearMonth)

    public var message: String {
        switch self {
        case let .invalidTransition(from, to):
            return "发放批次状态为“\(from.chinese)”，不能变为“\(to.chinese)”：须先审核再导出，审核后不可修改 (invalid batch transition)"
        case .batchNotFound(let id): return "找不到发放批次 \(id) (batch not found)"
        case .noPolicy(let e): return e.message
        case .notPaidByPayroll(let programme):
            return "\(programme)不按月发放，没有月度发放批次 (programme is not paid monthly)"
        case let .tooFarAhead(month, latest):
            return "不能生成 \(month) 的发放批次：最多只能提前准备下个月（\(latest)） (month too far ahead)"
        case .sameApprover(let user):
            return "批次由 \(user) 生成，须由另一人审核（不相容岗位分离） (the generator may not approve)"
        case let .skippedMonths(programme, months, month):
            return "\(programme)\(months.map(\.description).joined(separator: "、"))尚未生成发放批次，确认跳过这些月份并生成 \(month) 吗？漏发的月份之后须补发 (months skipped; confirm to go on)"
        case let .linesChanged(batch, approvedBy):
            return "发放批次 \(batch) 的明细与审核时（\(approvedBy ?? "—") 审核）的校验值不符：明细在审核后被改动，不能导出银行文件，请立即报告并核查审计日志 (lines altered after approval)"
        }
    }
}
