/// Who receives a programme's benefit.
public enum RecipientKind: String, Sendable {
    /// The household as a whole (低保: DB-2021 Art. 4, the application unit is the household).
    case household
    /// One member of a registered household (特困, 孤儿, 事实无人抚养儿童: the person is assessed and paid).
    case member
    /// A person with no registered household and possibly no ID (流浪乞讨 relief station, 国务院令第381号).
    case person
}

/// How a programme pays.
public enum PaymentCadence: String, Sendable {
    /// A monthly amount through the payroll, from the month after approval until it ends.
    case monthly
    /// A one-off grant (临时救助), in the next payroll or paid at once.
    case once
    /// Services and goods, no bank payment (relief station: meals, bed-nights, travel voucher).
    case inKind
}

/// One part of an amount (assess-format.md `components[]`). Components sum exactly to the amount.
public struct AmountComponent: Hashable, Codable, Sendable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The basic amount: the 低保 gap (补差) or floor, the 特困 basic living standard, the orphan allowance.
        case basic
        /// 特困 care standard by tier (TK-2021 Art. 22).
        case care
        /// 分类施保 top-up (DB-2021 Art. 27).
        case topUp = "top-up"
        /// 特困 basic pension counted in the standard, paid by the pension scheme (negative).
        case pensionOffset = "pension-offset"
        /// 补差: only the difference to another programme's amount (民发〔2019〕62号).
        case difference
        /// 特困: other income the standard includes (`tekun.incomeInStandard`), deducted (negative).
        case incomeOffset = "income-offset"
        /// An overpayment owed by the same household, deducted from a one-off grant (抵扣, field case C16; negative).
        case recoveryOffset = "recovery-offset"

        /// Takes money away (negative): the pension, income and recovery offsets only.
        public var isOffset: Bool { self == .pensionOffset || self == .incomeOffset || self == .recoveryOffset }

        public var chinese: String {
            switch self {
            case .basic: return "基本保障金"
            case .care: return "照料护理费"
            case .topUp: return "分类施保"
            case .pensionOffset: return "基础养老金抵扣"
            case .difference: return "补差"
            case .incomeOffset: return "收入抵扣"
            case .recoveryOffset: return "抵扣多发待追回款"
            }
        }
    }

    public var kind: Kind
    /// Fen; negative only for an offset.
    public var amount: Money

    public init(_ kind: Kind, _ amount: Money) {
        self.kind = kind
        self.amount = amount
    }
}

/// What an assessment is asked about: the household as the case worker determined it, the month, and
/// for member-level programmes the member assessed (`subject`).
public struct AssessmentInput: Hashable, Sendable {
    public var household: HouseholdComposition
    public var month: YearMonth
    /// The member assessed for 特困, 孤儿 and 事实无人抚养儿童; nil for household programmes.
    public var subject: ResidentID?
    /// Members supported as persons by another programme in the month (a 特困 person): they leave the
    /// household's count (one person, one programme; field case C02).
    public var supportedElsewhere: [ResidentID: Programme]
    /// The first month the subject has been supported by this programme, for a review; nil for a first
    /// decision (特困 past 18 continues only a recognition made before 18, TK-2021 Art. 24).
    public var supportedSince: YearMonth?
    /// 临时救助: the grant asked for.
    public var temporary: TemporaryRequest?
    /// 事实无人抚养儿童: what the subject already receives each month (低保 share, 特困).
    public var otherSupport: [OtherSupport]

    public init(household: HouseholdComposition, month: YearMonth, subject: ResidentID? = nil,
                supportedElsewhere: [ResidentID: Programme] = [:], supportedSince: YearMonth? = nil,
                temporary: TemporaryRequest? = nil, otherSupport: [OtherSupport] = []) {
        self.otherSupport = otherSupport
        self.household = household
        self.month = month
        self.subject = subject
        self.supportedElsewhere = supportedElsewhere
        self.supportedSince = supportedSince
        self.temporary = temporary
    }
}

extension AssessmentInput {
    /// The member a member-level programme assesses: named, in the household, and born by the month.
    /// - Parameter noSubject: the refusal when no subject is named, in the programme's words.
    /// - Throws: `AssessmentError.subject` naming what is wrong.
    public func subjectMember(noSubject: String) throws(AssessmentError) -> Member {
        guard let subjectID = subject else { throw .subject(noSubject) }
        guard let person = household.members.first(where: { $0.residentID == subjectID }) else {
            throw .subject("被评估人 \(subjectID.masked) 不是本户成员 (subject not in the household)")
        }
        guard subjectID.birthDate <= month.lastDay else {
            throw .subject("被评估人出生日期 \(subjectID.birthDate) 晚于评估月份 \(month) (born after the month assessed)")
        }
        return person
    }
}

/// 临时救助: the type and the grant asked for, in months of the base standard or as an amount, and what
/// the household already received this calendar year (for the yearly cap).
public struct TemporaryRequest: Hashable, Sendable {
    public enum Size: Hashable, Codable, Sendable {
        /// Months of the base standard (per person when the type is per capita).
        case months(Ratio)
        /// Yuan, the whole grant.
        case amount(Money)
    }

    public var type: TemporaryType
    public var size: Size
    /// Fen granted to the household earlier in the same calendar year.
    public var grantedThisYear: Money

    public init(type: TemporaryType, size: Size, grantedThisYear: Money = .zero) {
        self.type = type
        self.size = size
        self.grantedThisYear = grantedThisYear
    }
}

/// A one-off grant's answer (临时救助): the amount, the allowed range, who approves it, and flags.
public struct OneOffGrant: Hashable, Sendable {
    public enum Approver: String, Hashable, Codable, Sendable {
        case township, county

        public var chinese: String { self == .township ? "乡镇（街道）" : "县民政局" }
    }

    /// Fen, rounded once.
    public var amount: Money
    public var minimum: Money
    public var maximum: Money
    public var approver: Approver
    /// `CAPPED` when the yearly cap cut the grant (field case C07).
    public var flags: [String]

    public init(amount: Money, minimum: Money, maximum: Money, approver: Approver, flags: [String]) {
        self.amount = amount
        self.minimum = minimum
        self.maximum = maximum
        self.approver = approver
        self.flags = flags
    }
}

/// A programme's answer for one month: eligible or not, the amount as components, and the trace.
public struct BenefitDecision: Hashable, Sendable {
    public var programme: Programme
    public var month: YearMonth
    public var area: Area
    public var eligible: Bool
    /// Counted members (household programmes) or 1 (member programmes): the 保障人数 of the decision.
    public var householdSize: Int
    /// The member assessed, for member-level programmes.
    public var subject: ResidentID?
    /// The standard the amount was measured against (yuan per person per month), when there is one.
    public var standard: Money?
    /// Per-capita monthly income, exact (shown rounded, never used rounded), when income was tested.
    public var perCapitaIncome: FenRatio?
    /// Monthly amount (fen), rounded once half-up: the exact sum of `components`; zero when not eligible.
    public var monthlyBenefit: Money
    public var components: [AmountComponent]
    public var reasons: [IneligibilityReason]
    public var trace: [TraceLine]
    /// `510921/2021-01`.
    public var policyVersion: String
    /// 临时救助: the one-off grant (the monthly amount is zero).
    public var oneOff: OneOffGrant?

    public init(programme: Programme, month: YearMonth, area: Area, eligible: Bool, householdSize: Int,
                subject: ResidentID?, standard: Money?, perCapitaIncome: FenRatio?, monthlyBenefit: Money,
                components: [AmountComponent], reasons: [IneligibilityReason], trace: [TraceLine],
                policyVersion: String) {
        self.programme = programme
        self.month = month
        self.area = area
        self.eligible = eligible
        self.householdSize = householdSize
        self.subject = subject
        self.standard = standard
        self.perCapitaIncome = perCapitaIncome
        self.monthlyBenefit = monthlyBenefit
        self.components = components
        self.reasons = reasons
        self.trace = trace
        self.policyVersion = policyVersion
    }
}

/// A limit of a procedure step (rules.md §9 "Deadline engine").
public struct ProcedureDeadline: Hashable, Sendable {
    public enum Limit: Hashable, Sendable {
        case workingDays(Int)
        case calendarDays(Int)

        public var chinese: String {
            switch self {
            case .workingDays(let n): return "\(n) 个工作日"
            case .calendarDays(let n): return "\(n) 天"
            }
        }
    }

    /// What must be done, in the field's words (启动家庭经济状况调查, 公示, …).
    public var step: String
    public var limit: Limit
    /// The rule that sets it, e.g. `民发〔2021〕57号 第15条`.
    public var source: String

    public init(_ step: String, _ limit: Limit, source: String) {
        self.step = step
        self.limit = limit
        self.source = source
    }
}

/// One programme's rules: who receives, how it is assessed, how it pays, when it is held, its deadlines.
///
/// Everything outside Domain (stores, jobs, pages, commands) takes a `Programme` and asks it for its
/// rules (`Programme.rules()`); none of them names a programme. Adding a programme adds a type
/// conforming to this protocol, its migration and its pages, and changes nothing that already works
/// (docs/adr/0008-programme-seam.md).
public protocol ProgrammeRules: Sendable {
    var programme: Programme { get }
    var recipient: RecipientKind { get }
    var cadence: PaymentCadence { get }

    /// Assesses one case for one month under `policy`. Pure: no I/O.
    /// - Throws: `AssessmentError` naming the input that the programme cannot assess.
    func assess(_ input: AssessmentInput, policy: Policy) throws(AssessmentError) -> BenefitDecision

    /// Why a payable enrollment must be held this month rather than paid, beyond the checks every
    /// programme makes (an active payee with an account); nil to pay.
    func hold(_ enrollment: PayableEnrollment, policy: Policy) -> PayrollHold?

    /// The procedure limits in force under `policy`, in the order the steps happen.
    func deadlines(policy: Policy) -> [ProcedureDeadline]

    /// The date the whole procedure must be finished by, counted from acceptance; `extended` after an
    /// objection or a recorded special case; nil when the policy sets no limit (临时救助 without
    /// `temporary.procedureWorkingDays`).
    /// - Throws: `WorkCalendarError` when the holiday calendar does not reach the date.
    func procedureDeadline(acceptedOn: CivilDate, extended: Bool, policy: Policy,
                           calendar: WorkCalendar) throws(WorkCalendarError) -> CivilDate?

    /// The limit in words for the application page (`30 个工作日`).
    func procedureLimitText(extended: Bool, policy: Policy) -> String

    /// Whether a special case may extend the limit by a recorded decision (低保: 45 WD, DB-2021 Art. 22).
    var allowsRecordedExtension: Bool { get }

    /// The least share of the year's approvals the county verifies itself (特困: 30 %, TK-2021 Art. 16);
    /// nil when the rules set none.
    var countySpotCheckShare: Ratio? { get }

    /// The rule a refusal decision's trace cites (e.g. `民发〔2021〕57号 第21条`).
    var refusalSource: String { get }

    /// What the printed notices cite.
    var noticeCitations: NoticeCitations { get }

    /// The rule a review (复核) cites.
    var reviewSource: String { get }

    /// 补贴项目 on a bank-file line and in the fund table's use rows, e.g. `城市低保金`.
    func paymentLabel(area: Area?) -> String

    /// Whether the fund table (附表1) shows this programme's spending split by area (urban/rural), as
    /// the county's table does for 低保.
    var fundUseByArea: Bool { get }

    /// Whether the township's opinion is published for 7 days (公示) before the county decides; false for
    /// children's allowances (民发〔2019〕62号 二(二): no 公示, to protect the child's privacy).
    var hasPublicNotice: Bool { get }

    /// Whether a member enrolled by this programme leaves other programmes' household count in the months
    /// it runs (one person, one payment for one need: 特困 over 低保, C02; 孤儿's allowance instead of a
    /// 低保 share, ADR 0013). False where the rules pay only a difference (事实无人抚养儿童).
    var supportsPersonApart: Bool { get }

    /// Whether the amount is a difference to what the person receives elsewhere (事实无人抚养儿童's 补差):
    /// payroll then reads that support each month and holds a line whose difference has changed.
    var paysDifference: Bool { get }

    /// The deadline of the step the application waits on now (§1.7: the investigation's start, the county's
    /// decision …), with its rule; nil when the programme sets none for that state. Past the holiday
    /// calendar the date is nil and `bound` the latest it can be (`WorkCalendar.bounding`).
    func stepDeadline(_ application: AssistanceApplication, policy: Policy, calendar: WorkCalendar) -> StepDeadline?

    /// A household programme that may enrol one member alone (低保's 单人保, DB-2021 Art. 8).
    var allowsSingleMember: Bool { get }

    /// 渐退期 for a case a review finds no longer eligible: months the current amount continues after the
    /// review month, with the trace line that says why; nil for a programme without a gradual exit.
    /// - Parameters: `decided`, the input the current amount was decided from (nil when not kept); `now`,
    ///   the case as the review assesses it.
    func gradualExit(decided: AssessmentInput?, now: AssessmentInput, policy: Policy) -> (months: Int, trace: TraceLine)?
}

/// The deadline of the current step of an application.
public struct StepDeadline: Hashable, Sendable {
    /// `启动家庭经济状况调查`, `县级审核确认` …
    public var step: String
    /// nil when the holiday calendar does not reach it.
    public var due: CivilDate?
    /// The latest it can be, when `due` is unknown.
    public var bound: CivilDate?
    public var source: String

    /// Counts `workingDays` from `start` with `calendar`, or bounds it when the calendar ends.
    public init(_ step: String, workingDays: Int, from start: CivilDate, calendar: WorkCalendar, source: String) {
        self.step = step
        self.due = try? calendar.adding(workingDays: workingDays, to: start)
        self.bound = due == nil ? try? calendar.bounding.adding(workingDays: workingDays, to: start) : nil
        self.source = source
    }

    /// Overdue on `today`: past the date, or past the latest it can be.
    public func overdue(today: CivilDate) -> Bool {
        if let due { return today > due }
        return bound.map { today > $0 } ?? false
    }
}

extension ProgrammeRules {
    /// A household programme that may enrol one member alone (低保's 单人保, DB-2021 Art. 8); false otherwise.
    public var allowsSingleMember: Bool { false }
    public func gradualExit(decided: AssessmentInput?, now: AssessmentInput, policy: Policy) -> (months: Int, trace: TraceLine)? { nil }
    public func stepDeadline(_ application: AssistanceApplication, policy: Policy, calendar: WorkCalendar) -> StepDeadline? { nil }
    public var paysDifference: Bool { false }
    public var hasPublicNotice: Bool { true }
    public var supportsPersonApart: Bool { recipient == .member }
}

/// The rules a programme's printed notices cite, in the notices' own (Chinese numeral) style.
public struct NoticeCitations: Hashable, Sendable {
    /// 公示: what may be published and for how long.
    public var publicNotice: String
    /// 不予纳入通知书: the written-notice deadline.
    public var refusalNotice: String
    /// 不予纳入通知书: the appeal routes (行政复议, 行政诉讼).
    public var appeal: String
    /// What each workflow step's form cites, by step name (`recordInformationCheck`, `recordHomeVisit`,
    /// `townshipReview`, `resolveObjection`, `recordCountyHomeVisit`, `refuse`); a step absent cites nothing.
    public var steps: [String: String]

    public init(publicNotice: String, refusalNotice: String, appeal: String, steps: [String: String] = [:]) {
        self.publicNotice = publicNotice
        self.refusalNotice = refusalNotice
        self.appeal = appeal
        self.steps = steps
    }
}

/// Why an assessment could not be made (as opposed to a case that is not eligible).
public enum AssessmentError: Error, Equatable, Sendable {
    /// The member assessed is missing or not in the household.
    case subject(String)
    /// A fact the programme needs is not recorded (e.g. 特困's placement or self-care assessment).
    case missing(String)
    /// The policy version cannot assess this (no version in force, or the programme not configured).
    case policy(PolicyError)
    /// 低保 by the tiered method (分档, DB-2021 Art. 23): a counted member has no tier (`code` nil) or one
    /// the version does not list. `member` is the name and masked ID (`张三（110101************）`),
    /// `known` the version's codes in file order, `version` the policy version (`350305/2023-01`).
    case dibaoTier(member: String, code: String?, known: [String], version: String)

    public var message: String {
        switch self {
        case .subject(let m): return m
        case .missing(let what): return "缺少\(what)，无法测算 (missing fact)"
        case .policy(let e): return e.message
        case let .dibaoTier(member, code, known, version):
            let codes = known.joined(separator: "、")
            guard let code else {
                return "成员 \(member) 没有低保档次：政策 \(version) 按分档发放（民发〔2021〕57号 第23条），须由乡镇确定其档次，可用档次 \(codes)，无法测算 (dibao tier not assigned)"
            }
            return "成员 \(member) 的低保档次“\(code)”不在政策 \(version) 的 dibao.tiers 中；可用档次 \(codes)，无法测算 (unknown dibao tier)"
        }
    }
}
