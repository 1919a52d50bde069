/// The kind of a payroll batch: the month's regular payment, or back pay (补发) of months already paid.
public enum PayrollKind: String, Codable, Sendable, CaseIterable {
    /// One per county, programme and month: a month is never paid twice.
    case regular
    /// One per county, programme and the month it is paid in; its lines settle earlier months.
    case backPay = "back-pay"
    /// 退票重发: the corrected returned lines of one batch (`reissueOf`), paid again for that batch's month.
    case reissue

    public var chinese: String {
        switch self {
        case .regular: return "正常发放"
        case .backPay: return "补发"
        case .reissue: return "退票重发"
        }
    }
}

/// Why a month is owed back pay (`back_pay_items.basis`).
public enum BackPayBasis: String, Codable, Sendable, CaseIterable {
    /// The month was paid, and the decision governing it now decides more: a standard signed after the
    /// month was paid (调标), or a review that took effect from an earlier month.
    case difference
    /// The month's line was held (暂停) and the reason no longer applies.
    case released
    /// The month's batch had no line for the recipient: approved or reinstated after it was generated.
    case unpaid

    public var chinese: String {
        switch self {
        case .difference: return "差额补发"
        case .released: return "暂停后补发"
        case .unpaid: return "未列入当月批次补发"
        }
    }
}

/// One earlier month of one recipient, as the back-pay plan sees it: the decision that governs the
/// month now, and what was paid for it.
public struct BackPayCandidate: Hashable, Sendable {
    /// The enrollment governing the month now, with the registry as it is now (for the hold rules).
    public var enrollment: PayableEnrollment
    public var month: YearMonth
    /// The decision of that enrollment and the policy version it cites.
    public var decisionID: String
    public var policyVersion: String
    /// What the month's regular batch paid the recipient (nil: no line).
    public var regularLine: [AmountComponent]?
    /// Whether the month's regular batch held the recipient.
    public var wasHeld: Bool
    /// Earlier back pay for the month, every batch (drafts too: a discarded draft takes its items with it).
    public var backPaid: [[AmountComponent]]

    public init(enrollment: PayableEnrollment, month: YearMonth, decisionID: String, policyVersion: String,
                regularLine: [AmountComponent]?, wasHeld: Bool, backPaid: [[AmountComponent]]) {
        self.enrollment = enrollment
        self.month = month
        self.decisionID = decisionID
        self.policyVersion = policyVersion
        self.regularLine = regularLine
        self.wasHeld = wasHeld
        self.backPaid = backPaid
    }
}

/// One month owed to a recipient: entitled − paid, by component, with its trace.
public struct BackPayItem: Hashable, Sendable {
    public var recipientKey: String
    public var month: YearMonth
    public var entitled: Money
    public var paid: Money
    /// entitled − paid per component kind; the sum is the amount owed (positive).
    public var components: [AmountComponent]
    public var decisionID: String
    public var policyVersion: String
    public var basis: BackPayBasis
    public var trace: [TraceLine]

    public init(recipientKey: String, month: YearMonth, entitled: Money, paid: Money, components: [AmountComponent],
                decisionID: String, policyVersion: String, basis: BackPayBasis, trace: [TraceLine]) {
        self.recipientKey = recipientKey
        self.month = month
        self.entitled = entitled
        self.paid = paid
        self.components = components
        self.decisionID = decisionID
        self.policyVersion = policyVersion
        self.basis = basis
        self.trace = trace
    }

    /// Fen owed: the sum of `components`.
    public var owed: Money { components.reduce(.zero) { $0 + $1.amount } }
}

/// Computes back pay (补发) from the months' candidates. Pure.
///
/// For each earlier month whose regular batch is frozen, the amount owed is what the decision governing
/// the month now decides, less what was paid for it (the regular line and earlier back pay), component by
/// component; owed only when positive. A recipient whose hold rules still apply to the month stays held;
/// a month paid more than is now decided is listed as overpaid (recovery is the fund ledger's, not back
/// pay's). Back pay is never merged into a regular line: it has batches of its own.
/// Rules: 民发〔2021〕57号 第21条、第25条 (paid monthly from the month after approval); the policy's
/// `signed` date (policy-format.md: a version signed after months were paid owes them back pay).
public enum BackPayPlan {
    public struct Result: Hashable, Sendable {
        public var items: [BackPayItem]
        /// Months still held by the programme's rules (the reason still applies): not owed yet.
        public var heldMonths: [HeldMonth]
        /// Months paid more than the governing decision decides now (recovery is the fund ledger's).
        public var overpaid: [Overpaid]
    }

    public struct HeldMonth: Hashable, Sendable {
        public var hold: PayrollHold
        public var month: YearMonth

        public init(hold: PayrollHold, month: YearMonth) {
            self.hold = hold
            self.month = month
        }
    }

    public struct Overpaid: Hashable, Sendable {
        public var recipientKey: String
        public var householdID: String
        public var month: YearMonth
        public var amount: Money
    }

    /// - Parameter policies: the policy in force for each month (for the hold rules); a month without one is
    ///   held (`NO_POLICY`).
    public static func plan(_ candidates: [BackPayCandidate], rules: any ProgrammeRules,
                            policies: [YearMonth: Policy]) -> Result {
        var items: [BackPayItem] = []
        var held: [HeldMonth] = []
        var overpaid: [Overpaid] = []
        // Two decisions governing one recipient's month: which is right is for staff to say (as in a batch).
        let perMonth = Dictionary(grouping: candidates, by: { "\($0.enrollment.recipientKey) \($0.month)" }).mapValues(\.count)
        for c in candidates {
            let e = c.enrollment
            if let n = perMonth["\(e.recipientKey) \(c.month)"], n > 1 {
                held.append(HeldMonth(hold: PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: e.payeeName ?? "—",
                                                        reason: "OVERLAPPING_ENROLLMENTS：\(c.month) 有 \(n) 条在保记录重叠，须核查后再补发"),
                                      month: c.month))
                continue
            }
            let entitled = e.components
            var paidParts = c.regularLine ?? []
            for earlier in c.backPaid { paidParts += earlier }
            let difference = Self.difference(entitled, paidParts)
            let owed = difference.reduce(Money.zero) { $0 + $1.amount }
            if owed < .zero {
                overpaid.append(Overpaid(recipientKey: e.recipientKey, householdID: e.householdID, month: c.month, amount: .zero - owed))
                continue
            }
            guard owed > .zero else { continue }
            // The month is paid now only if nothing would hold it now (the same checks as the month's batch);
            // without the month's policy those checks cannot run, so it is held, never paid unchecked.
            guard let policy = policies[c.month] else {
                held.append(HeldMonth(hold: PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: e.payeeName ?? "—",
                                                        reason: "NO_POLICY：\(c.month) 没有政策版本"), month: c.month))
                continue
            }
            let (_, holds) = PayrollPlan.lines(for: [e], rules: rules, policy: policy)
            if let h = holds.first {
                held.append(HeldMonth(hold: h, month: c.month))
                continue
            }
            let basis: BackPayBasis = c.regularLine != nil ? .difference : (c.wasHeld ? .released : .unpaid)
            let paid = paidParts.reduce(Money.zero) { $0 + $1.amount }
            let decided = entitled.reduce(Money.zero) { $0 + $1.amount }
            var trace = [TraceLine("补发月份", "\(c.month)（\(basis.chinese)）")]
            trace.append(TraceLine("现行核定", "\(decided.yuanString) 元（决定 \(c.decisionID.prefix(8))，政策 \(c.policyVersion)）",
                                   source: "民发〔2021〕57号 第21条"))
            if let line = c.regularLine {
                trace.append(TraceLine("当月已发", "\(line.reduce(Money.zero) { $0 + $1.amount }.yuanString) 元"))
            } else {
                trace.append(TraceLine("当月已发", c.wasHeld ? "0.00 元（当月暂停发放）" : "0.00 元（未列入当月批次）"))
            }
            for (i, earlier) in c.backPaid.enumerated() {
                trace.append(TraceLine("此前补发", "第 \(i + 1) 次 \(earlier.reduce(Money.zero) { $0 + $1.amount }.yuanString) 元"))
            }
            let parts = difference.filter { $0.amount != .zero }
                .map { "\($0.kind.chinese) \($0.amount.yuanString)" }.joined(separator: "，")
            trace.append(TraceLine("应补发", "\(decided.yuanString) − \(paid.yuanString) = \(owed.yuanString) 元（\(parts)）"))
            items.append(BackPayItem(recipientKey: e.recipientKey, month: c.month, entitled: decided, paid: paid,
                                     components: difference.filter { $0.amount != .zero }, decisionID: c.decisionID,
                                     policyVersion: c.policyVersion, basis: basis, trace: trace))
        }
        return Result(items: items, heldMonths: held, overpaid: overpaid)
    }

    /// entitled − paid per component kind, in `AmountComponent.Kind` order.
    public static func difference(_ entitled: [AmountComponent], _ paid: [AmountComponent]) -> [AmountComponent] {
        AmountComponent.Kind.allCases.compactMap { kind in
            let e = entitled.filter { $0.kind == kind }.reduce(Money.zero) { $0 + $1.amount }
            let p = paid.filter { $0.kind == kind }.reduce(Money.zero) { $0 + $1.amount }
            let has = entitled.contains { $0.kind == kind } || paid.contains { $0.kind == kind }
            return has ? AmountComponent(kind, e - p) : nil
        }
    }

    /// The lines of a back-pay batch: one per recipient, summing its months by component (a bank pays
    /// one transfer per card), each month kept as an item. `latest` gives each recipient's payee as
    /// registered now.
    public static func lines(_ items: [BackPayItem], payees: [String: PayableEnrollment]) -> [(PayrollLine, [BackPayItem])] {
        let byRecipient = Dictionary(grouping: items, by: \.recipientKey)
        return byRecipient.keys.sorted().compactMap { key in
            guard let e = payees[key], let payee = e.payeeResidentID, let name = e.payeeName,
                  let account = e.bankAccount?.trimmingWhitespace(), !account.isEmpty else { return nil }
            let months = byRecipient[key]!.sorted { $0.month < $1.month }
            let summed = difference(months.flatMap(\.components), []).filter { $0.amount != .zero }
            return (PayrollLine(householdID: e.householdID, memberID: e.memberID, townshipCode: e.townshipCode,
                                villageCode: e.villageCode, area: e.area, payeeName: name, payeeResidentID: payee,
                                bankAccount: account, householdSize: e.householdSize, components: summed), months)
        }.sorted { ($0.0.townshipCode, $0.0.villageCode, $0.0.householdID) < ($1.0.townshipCode, $1.0.villageCode, $1.0.householdID) }
    }
}
