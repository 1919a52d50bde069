/// The fund ledger's checks, pure: cost sharing between levels (field case C13), idle money (C14), the
/// timeliness of payments (C14) and the overpayment-recovery ledger (C16). docs/adr/0022-fund-ledger.md.

// MARK: - Cost sharing (C13)

/// What each level of government owed towards a programme's spending in a year, against what it sent.
public struct CostSharingSettlement: Hashable, Sendable {
    public struct Level: Hashable, Sendable {
        public var source: FundingSource
        public var share: Ratio
        /// Fen: spending × share, rounded half-up once; the county (the last level) takes the remainder, so
        /// the dues add up to the spending exactly.
        public var due: Money
        /// Fen: allocations from this level for the programme in the year.
        public var received: Money

        /// Fen: received − due when positive: an upper level sent more than its share (上级多拨待清算).
        public var overTransferred: Money { received > due ? received - due : .zero }
        /// Fen: due − received when positive: still to come (应拨未到位), or for the county its own
        /// contribution still to arrange (本级应安排).
        public var outstanding: Money { due > received ? due - received : .zero }

        /// `上级多拨待清算` / `上级应拨未到位` / `本级配套未到位` / `已结清`.
        public var status: String {
            if overTransferred > .zero { return source == .county ? "本级多安排" : "上级多拨待清算" }
            if outstanding > .zero { return source == .county ? "本级配套未到位" : "上级应拨未到位" }
            return "已结清"
        }
    }

    public var programme: Programme
    public var year: Int
    /// Fen: the programme's spending in the year.
    public var spending: Money
    public var levels: [Level]
}

public enum CostSharing {
    /// Each level's due share of `spending` and what it sent (field case C13: temporary assistance 2,720,000.00
    /// shared city 50 % / county 50 % → city due 1,360,000.00; received 3,390,000.00 → 2,030,000.00 over, to
    /// settle; the county's due is 1,360,000.00, never the −670,000.00 of "spending − city money").
    /// - Parameters: `shares` from the policy (`funds.costSharing`), adding up to 1; `received` by source.
    public static func settle(programme: Programme, year: Int, spending: Money, shares: [FundingSource: Ratio],
                              received: [FundingSource: Money]) -> CostSharingSettlement {
        let order = FundingSource.allCases.filter { shares[$0] != nil }
        var levels: [CostSharingSettlement.Level] = []
        var assigned = Money.zero
        for (i, source) in order.enumerated() {
            let share = shares[source]!
            let due = i == order.count - 1 ? spending - assigned : share.times(spending).roundedHalfUp()
            assigned += due
            levels.append(.init(source: source, share: share, due: due, received: received[source] ?? .zero))
        }
        return CostSharingSettlement(programme: programme, year: year, spending: spending, levels: levels)
    }
}

// MARK: - Idle money (C14)

/// Money into an account: an allocation, or a programme's share of one.
public struct FundReceipt: Hashable, Sendable {
    public var date: CivilDate
    /// Fen, positive.
    public var amount: Money
    /// The document number (文号) or what else names it.
    public var reference: String

    public init(date: CivilDate, amount: Money, reference: String) {
        self.date = date
        self.amount = amount
        self.reference = reference
    }
}

/// Money out of an account (a batch exported, a grant paid at once), or back in (a returned payment, as a
/// negative amount).
public struct FundPayment: Hashable, Sendable {
    public var date: CivilDate
    /// Fen: positive paid out, negative credited back.
    public var amount: Money
    public var reference: String

    public init(date: CivilDate, amount: Money, reference: String) {
        self.date = date
        self.amount = amount
        self.reference = reference
    }
}

/// An account's position on a day: what came in, what went out, and which receipts are still unspent and
/// for how long (first in, first out: the oldest money is spent first).
public struct FundPosition: Hashable, Sendable {
    public struct Unspent: Hashable, Sendable {
        public var receipt: FundReceipt
        /// Fen left of the receipt.
        public var remaining: Money
        /// Whole months since the receipt arrived.
        public var months: Int
        /// Unspent for `idleMonths` or more: 沉淀资金.
        public var idle: Bool
    }

    public var asOf: CivilDate
    public var received: Money
    public var spent: Money
    public var unspent: [Unspent]

    /// Fen: received − spent (held in the treasury account, 国库, until paid). Negative when overspent.
    public var balance: Money { received - spent }
    /// Fen of the balance unspent `idleMonths` or more.
    public var idle: Money { unspent.filter(\.idle).reduce(.zero) { $0 + $1.remaining } }

    /// spent ÷ received as a percentage with two decimals, half-up ("20.00"); nil when nothing came in.
    public var executionRatePercent: String? { Percent.of(spent, received) }
}

public enum FundAging {
    /// The account's position at the end of `asOf`: receipts and payments dated after it are left out.
    /// A receipt is idle when `idleMonths` whole months have passed since it arrived (2021-03-15 is idle on
    /// 2022-03-15 at 12 months) and part of it is unspent.
    public static func position(receipts: [FundReceipt], payments: [FundPayment], asOf: CivilDate,
                                idleMonths: Int) -> FundPosition {
        let ins = receipts.filter { $0.date <= asOf }.sorted { ($0.date, $0.reference) < ($1.date, $1.reference) }
        let outs = payments.filter { $0.date <= asOf }
        let received = ins.reduce(Money.zero) { $0 + $1.amount }
        let spent = outs.reduce(Money.zero) { $0 + $1.amount }
        var toConsume = spent
        var unspent: [FundPosition.Unspent] = []
        for r in ins {
            let used = min(max(toConsume, .zero), r.amount)
            toConsume = toConsume - used
            let left = r.amount - used
            guard left > .zero else { continue }
            let months = wholeMonths(from: r.date, to: asOf)
            unspent.append(.init(receipt: r, remaining: left, months: months, idle: months >= idleMonths))
        }
        return FundPosition(asOf: asOf, received: received, spent: spent, unspent: unspent)
    }

    /// Whole months from `a` to `b`: 2021-03-15 → 2022-03-14 is 11, → 2022-03-15 is 12; a start on the 31st
    /// reaches a shorter month on its last day.
    public static func wholeMonths(from a: CivilDate, to b: CivilDate) -> Int {
        guard a <= b else { return 0 }
        var n = b.yearMonth.monthsSince(a.yearMonth)
        let day = min(a.day, b.yearMonth.lastDay.day)
        if b.day < day { n -= 1 }
        return max(n, 0)
    }
}

/// A percentage of two amounts with two decimals, rounded half-up once.
public enum Percent {
    /// part ÷ whole × 100 as "74.82"; nil when whole is not positive.
    public static func of(_ part: Money, _ whole: Money) -> String? {
        guard whole.fen > 0 else { return nil }
        return FenRatio(numerator: part.fen * 10_000, denominator: whole.fen).roundedHalfUp().yuanString
    }
}

// MARK: - Timeliness (C14)

/// When a township's payment of a month reached the cards: the bank's credit date.
public struct PaymentCredit: Hashable, Sendable {
    public var townshipCode: String
    public var programme: Programme
    public var month: YearMonth
    public var creditedOn: CivilDate

    public init(townshipCode: String, programme: Programme, month: YearMonth, creditedOn: CivilDate) {
        self.townshipCode = townshipCode
        self.programme = programme
        self.month = month
        self.creditedOn = creditedOn
    }
}

/// A month's payment to one township judged against its due day.
public struct TimelinessFinding: Hashable, Sendable {
    public var credit: PaymentCredit
    public var due: CivilDate
    /// Calendar days after the due day (0 when on time).
    public var daysLate: Int
    /// Other months of the same programme credited to the township on the same day: paid in one lump
    /// (按季/合并发放), sorted.
    public var lumpedWith: [YearMonth]

    public var isLate: Bool { daysLate > 0 }
    public var isLumped: Bool { !lumpedWith.isEmpty }
}

public enum Timeliness {
    /// Each credit judged against `payment.dueDate(of:)` (field case C14: township X's April, May and June
    /// credited together on 2021-06-28 are late by 79, 49 and 18 days and lumped; July credited on
    /// 2021-07-23 is late by 13 days everywhere). Sorted by month, township, programme.
    public static func findings(_ credits: [PaymentCredit], payment: PaymentPolicy) -> [TimelinessFinding] {
        let groups = Dictionary(grouping: credits) { "\($0.townshipCode)|\($0.programme.rawValue)|\($0.creditedOn)" }
        return credits.map { c in
            let due = payment.dueDate(of: c.month)
            let others = (groups["\(c.townshipCode)|\(c.programme.rawValue)|\(c.creditedOn)"] ?? [])
                .map(\.month).filter { $0 != c.month }
            return TimelinessFinding(credit: c, due: due, daysLate: max(0, due.days(until: c.creditedOn)),
                                     lumpedWith: Array(Set(others)).sorted())
        }.sorted { ($0.credit.month, $0.credit.townshipCode, $0.credit.programme.rawValue)
            < ($1.credit.month, $1.credit.townshipCode, $1.credit.programme.rawValue) }
    }
}

// MARK: - Overpayment recovery (C16)

/// How an owed amount was settled (追缴).
public enum RecoveryKind: String, Codable, Sendable, CaseIterable {
    /// Repaid in cash or by bank (已追回).
    case recovered
    /// Deducted from a payment due to the same household (抵扣): the payment's line shows it.
    case offset
    /// Waived for hardship, or written off as uncollectable (减免/核销): only with an approval reference.
    case waived

    public var chinese: String {
        switch self {
        case .recovered: return "已追回"
        case .offset: return "已抵扣"
        case .waived: return "减免核销"
        }
    }
}

/// One settlement of an owed amount.
public struct RecoveryEntry: Hashable, Sendable {
    public var kind: RecoveryKind
    /// Fen, positive.
    public var amount: Money
    public var date: CivilDate
    /// The approval document (审批文号) of a waiver; the receipt number of a repayment, if any.
    public var reference: String?
    /// For an offset: the one-off grant (临时救助 case) it is deducted from.
    public var grantID: String?
    public var note: String

    public init(kind: RecoveryKind, amount: Money, date: CivilDate, reference: String? = nil, grantID: String? = nil,
                note: String = "") {
        self.kind = kind
        self.amount = amount
        self.date = date
        self.reference = reference
        self.grantID = grantID
        self.note = note
    }
}

/// A household's owed amount of one programme and how it was settled: recovered + offset + waived +
/// outstanding = owed, always (field case C16).
public struct RecoveryAccount: Hashable, Sendable {
    public var householdID: String
    public var programme: Programme
    /// Fen: the overpaid months added up.
    public var owed: Money
    public var entries: [RecoveryEntry]

    public init(householdID: String, programme: Programme, owed: Money, entries: [RecoveryEntry]) {
        self.householdID = householdID
        self.programme = programme
        self.owed = owed
        self.entries = entries
    }

    public func total(_ kind: RecoveryKind) -> Money {
        entries.filter { $0.kind == kind }.reduce(.zero) { $0 + $1.amount }
    }
    public var recovered: Money { total(.recovered) }
    public var offset: Money { total(.offset) }
    public var waived: Money { total(.waived) }
    /// Fen: owed − recovered − offset − waived; never negative (an entry above it is refused).
    public var outstanding: Money { owed - recovered - offset - waived }
}

public enum RecoveryError: Error, Equatable, Sendable {
    case notPositive(String)
    case moreThanOutstanding(amount: Money, outstanding: Money)
    case waiverWithoutApproval
    case offsetWithoutPayment

    public var message: String {
        switch self {
        case .notPositive(let text): return "金额“\(text)”须大于 0 (amount must be positive)"
        case let .moreThanOutstanding(amount, outstanding):
            return "金额 \(amount.yuanString) 元超过尚未追回的 \(outstanding.yuanString) 元 (more than outstanding)"
        case .waiverWithoutApproval:
            return "减免或核销须填写审批文号（如 2021-17），未登记 (a waiver needs its approval reference; field case C16)"
        case .offsetWithoutPayment:
            return "抵扣须指明从哪一笔待发放的临时救助中扣除 (an offset needs the payment it is deducted from)"
        }
    }
}

public enum RecoveryLedger {
    /// Checks a new entry against the account.
    /// - Throws: `RecoveryError.notPositive`, `.moreThanOutstanding`, `.waiverWithoutApproval` (a waiver
    ///   or write-off with no approval reference, field case C16), `.offsetWithoutPayment`.
    public static func check(_ e: RecoveryEntry, against account: RecoveryAccount) throws(RecoveryError) {
        guard e.amount > .zero else { throw .notPositive(e.amount.yuanString) }
        if e.kind == .waived, (e.reference ?? "").trimmingWhitespace().isEmpty { throw .waiverWithoutApproval }
        if e.kind == .offset, e.grantID == nil { throw .offsetWithoutPayment }
        guard e.amount <= account.outstanding else { throw .moreThanOutstanding(amount: e.amount, outstanding: account.outstanding) }
    }
}
