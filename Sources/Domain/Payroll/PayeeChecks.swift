/// Checks of who is paid, run on every batch before approval (field case C20, 套取: cadre-controlled or
/// shared payee accounts; 财办〔2020〕37号: a subsidy goes to the card in the beneficiary's or the head's own
/// name, and holding cards for others is forbidden). docs/adr/0022-fund-ledger.md.
public enum PayeeCheck: String, Codable, Sendable, CaseIterable {
    /// The same account is registered for another household (any programme, any state).
    case sharedAccount = "SHARED_ACCOUNT"
    /// The account's holder (户名) is neither the payee (the head or the designated member, the guardian of a
    /// child) nor the member paid for.
    case holderNotBeneficiary = "HOLDER_NOT_BENEFICIARY"
    /// One contact phone for `payment.sharedContactHouseholds` households or more: flagged, still paid.
    case sharedContact = "SHARED_CONTACT"
    /// The account was changed shortly before the first payment to it (`payment.accountChangeHoldDays`).
    case accountChanged = "ACCOUNT_CHANGED"

    /// Whether the line is left out of the batch (held) or only flagged.
    public var holds: Bool { self != .sharedContact }

    public var chinese: String {
        switch self {
        case .sharedAccount: return "收款账号与其他家庭相同"
        case .holderNotBeneficiary: return "账户户名不是救助对象本人或其监护人"
        case .sharedContact: return "多户共用一个联系电话"
        case .accountChanged: return "收款账号临近发放时变更"
        }
    }
}

/// A line's payee as the checks see it: the registry's facts about its household's account.
public struct PayeeFacts: Hashable, Sendable {
    public var householdID: String
    public var memberID: String?
    /// The payee's name (the head or the designated member).
    public var payeeName: String
    /// The member paid for, for member-level programmes.
    public var beneficiaryName: String?
    /// 户名 as registered; nil when not recorded (then the payee is taken as the holder).
    public var accountHolder: String?
    /// The account's key (`PayeeChecks.accountKey`, or its blind index): equal for equal accounts.
    public var accountKey: String
    public var phone: String?
    /// The day the account was last changed (the day it was recorded); nil when it is the account
    /// registered with the household.
    public var accountChangedOn: CivilDate?
    /// An earlier batch held this household `ACCOUNT_CHANGED` for this same account and nobody released it:
    /// the hold stands until a decision, however long ago the change was.
    public var heldBefore = false

    public init(householdID: String, memberID: String? = nil, payeeName: String, beneficiaryName: String? = nil,
                accountHolder: String? = nil, accountKey: String, phone: String? = nil, accountChangedOn: CivilDate? = nil) {
        self.householdID = householdID
        self.memberID = memberID
        self.payeeName = payeeName
        self.beneficiaryName = beneficiaryName
        self.accountHolder = accountHolder
        self.accountKey = accountKey
        self.phone = phone
        self.accountChangedOn = accountChangedOn
    }
}

/// A check that found something on one household.
public struct PayeeFinding: Hashable, Sendable {
    public var householdID: String
    public var check: PayeeCheck
    /// Why, in words a case worker can act on (no account or ID number in it).
    public var detail: String

    /// `CODE：说明`, the form every hold reason takes.
    public var reason: String { "\(check.rawValue)：\(check.chinese)，\(detail)" }
}

/// A recorded decision that a finding is explained (e.g. two split households of one family share a card
/// with the county's consent): it releases that check for that household while the account stays the same.
public struct PayeeRelease: Hashable, Sendable {
    public var householdID: String
    public var check: PayeeCheck
    public var accountKey: String

    public init(householdID: String, check: PayeeCheck, accountKey: String) {
        self.householdID = householdID
        self.check = check
        self.accountKey = accountKey
    }
}

public enum PayeeChecks {
    /// An account number reduced to its letters and digits, upper-case: `6217-0000-0000-0002` and
    /// `6217 0000 0000 0002` are one account.
    public static func accountKey(_ account: String) -> String {
        String(account.unicodeScalars.filter { ($0.value >= 48 && $0.value <= 57) || ($0.value >= 65 && $0.value <= 90)
            || ($0.value >= 97 && $0.value <= 122) }.map { Character($0) }).uppercased()
    }

    /// A name compared as people write it: spaces (also ideographic) and the middle dot variants removed.
    static func sameName(_ a: String, _ b: String) -> Bool {
        func norm(_ s: String) -> String {
            String(s.filter { !$0.isWhitespace && $0 != "·" && $0 != "•" && $0 != "・" && $0 != "\u{3000}" })
        }
        return norm(a) == norm(b)
    }

    /// The findings on the payees of a batch of `month` generated on `today` (field case C20).
    /// - Parameters:
    ///   - payees: one per line to be paid.
    ///   - accountHouseholds: for each account key, every household of the county registered with it.
    ///   - phoneHouseholds: for each contact phone, every household of the county registered with it.
    ///   - released: decisions recorded for checks that were explained.
    /// - Returns: findings in the order of `payees`, then of `PayeeCheck.allCases`.
    public static func findings(_ payees: [PayeeFacts], month: YearMonth, today: CivilDate, payment: PaymentPolicy,
                                accountHouseholds: [String: Set<String>], phoneHouseholds: [String: Set<String>],
                                released: Set<PayeeRelease>) -> [PayeeFinding] {
        var out: [PayeeFinding] = []
        var seen = Set<String>()
        for p in payees where seen.insert("\(p.householdID)|\(p.memberID ?? "")").inserted {
            func add(_ check: PayeeCheck, _ detail: String) {
                guard !released.contains(PayeeRelease(householdID: p.householdID, check: check, accountKey: p.accountKey))
                else { return }
                out.append(PayeeFinding(householdID: p.householdID, check: check, detail: detail))
            }
            let others = (accountHouseholds[p.accountKey] ?? []).subtracting([p.householdID])
            if !others.isEmpty {
                add(.sharedAccount, "该账号还登记在另外 \(others.count) 户，须核实后由县级作出放行决定")
            }
            if let holder = p.accountHolder?.trimmingWhitespace(), !holder.isEmpty,
               !sameName(holder, p.payeeName), !(p.beneficiaryName.map { sameName(holder, $0) } ?? false) {
                add(.holderNotBeneficiary, "户名“\(holder)”不是收款人“\(p.payeeName)”\(p.beneficiaryName.map { "或救助对象“\($0)”" } ?? "")")
            }
            if let phone = p.phone?.trimmingWhitespace(), !phone.isEmpty,
               let n = phoneHouseholds[phone]?.count, n >= payment.sharedContactHouseholds {
                add(.sharedContact, "该联系电话登记在 \(n) 户（达到 \(payment.sharedContactHouseholds) 户即提示），照常发放，请核实")
            }
            if let changed = p.accountChangedOn {
                // Changed within the window before this batch is made (a batch made now pays the new account,
                // whatever month it is for), or held before and not released.
                let age = changed.days(until: today)
                if p.heldBefore {
                    add(.accountChanged, "账号于 \(changed) 变更，此前批次已暂停且尚未放行，须核实后放行")
                } else if age <= payment.accountChangeHoldDays {
                    add(.accountChanged, "账号于 \(changed) 变更，在生成本批次前 \(max(age, 0)) 天内，须核实后放行")
                }
            }
        }
        return out
    }
}
