import Domain
import FluentKit
import Foundation
import SQLKit

/// Back pay (补发, docs/adr/0016-back-pay.md): the months already paid (their regular batch approved or
/// exported) that the decisions governing them now decide more for, paid by a batch of its own.
extension PayrollStore {
    /// The result of asking for a back-pay batch.
    public struct BackPayGeneration: Sendable {
        /// The batch; nil when nothing is owed (no batch is written).
        public var batch: PayrollBatch?
        /// False when the month's back-pay batch already existed and came back unchanged.
        public var created: Bool
        /// Months owed, one per recipient and month (what the batch's lines settle).
        public var items: [BackPayItem]
        /// Months still held by the programme's rules: not owed until the reason is resolved.
        public var heldMonths: [BackPayPlan.HeldMonth]
        /// Months paid more than is decided now (listed for the recovery ledger, never netted here).
        public var overpaid: [BackPayPlan.Overpaid]
        /// Months in the range whose regular batch is a draft or missing: settled by that batch, not here.
        public var monthsNotFrozen: [YearMonth]
    }

    /// Generates the back-pay batch of `programme` paid in `month`, settling the months `from` … `month`
    /// whose regular batch is approved or exported; or returns the month's existing back-pay batch. Each
    /// owed month is one item (`back_pay_items`), so a month is never paid twice: the items of every batch
    /// count as paid, and a second back-pay batch owes only what is still owed.
    /// - Throws: `PayrollError.notPaidByPayroll` for a programme without monthly amounts;
    ///   `PayrollError.tooFarAhead`; `StoreError.outOfRange` when `from` is after `month`;
    ///   `PayrollError.noPolicy` for a month in the range with no policy; `StoreError.unreadable`.
    public func generateBackPay(programme: Programme, month: YearMonth, from: YearMonth, countyCode: String,
                                actor: String) async throws -> BackPayGeneration {
        let rules = try programme.rules()
        guard rules.cadence == .monthly else { throw PayrollError.notPaidByPayroll(programme.shortChinese) }
        let latest = today().yearMonth.next
        guard month <= latest else { throw PayrollError.tooFarAhead(month: month, latest: latest) }
        guard from <= month else {
            throw StoreError.outOfRange("补发起始月份 \(from) 晚于发放月份 \(month) (from after month)")
        }
        if let existing = try await batch(countyCode: countyCode, programme: programme, month: month, kind: .backPay) {
            return BackPayGeneration(batch: existing, created: false, items: try await backPayItems(of: existing.id),
                                     heldMonths: [], overpaid: [], monthsNotFrozen: [])
        }
        try await StoredCodes.check(database.sql, countyCode: countyCode)
        var months: [YearMonth] = []
        var m = from
        while m <= month { months.append(m); m = m.next }
        var candidates: [BackPayCandidate] = []
        var policies: [YearMonth: Policy] = [:]
        var notFrozen: [YearMonth] = []
        var payees: [String: PayableEnrollment] = [:]
        for m in months {
            guard let regular = try await batch(countyCode: countyCode, programme: programme, month: m),
                  regular.state != .draft
            else { notFrozen.append(m); continue }
            do { policies[m] = try await PolicyStore(database).policy(region: countyCode, month: m) }
            catch let error as PolicyError { throw PayrollError.noPolicy(error) }
            candidates += try await backPayCandidates(programme: programme, countyCode: countyCode, month: m,
                                                      regularBatchID: regular.id)
        }
        for c in candidates { payees[c.enrollment.recipientKey] = c.enrollment }
        let plan = BackPayPlan.plan(candidates, rules: rules, policies: policies)
        let grouped = BackPayPlan.lines(plan.items, payees: payees)
        // A recipient with no payee or account now is held as a month is: listed, not paid.
        let paidKeys = Set(grouped.map { $0.0.recipientKey })
        var held = plan.heldMonths
        for item in plan.items where !paidKeys.contains(item.recipientKey) {
            let e = payees[item.recipientKey]!
            held.append(.init(hold: PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: e.payeeName ?? "—",
                                                reason: "NO_ACTIVE_PAYEE_OR_ACCOUNT：无在户收款人或收款账号"), month: item.month))
        }
        let items = grouped.flatMap(\.1)
        guard !grouped.isEmpty else {
            return BackPayGeneration(batch: nil, created: false, items: [], heldMonths: held, overpaid: plan.overpaid,
                                     monthsNotFrozen: notFrozen)
        }
        let id = SQLSupport.newID()
        let total = grouped.reduce(Money.zero) { $0 + $1.0.amount }
        do {
            try await database.transaction { db in
                let sql = db.sql
                try await PayrollRows.insertBatch(on: sql, id: id, countyCode: countyCode, programme: programme, month: month,
                                                  kind: .backPay, lineCount: grouped.count, total: total, at: Date(), actor: actor)
                var lineRows: [[any Encodable & Sendable]] = []
                let sealed = try Sealed(db)
                var itemRows: [[any Encodable & Sendable]] = []
                for (i, (l, months)) in grouped.enumerated() {
                    let lineID = SQLSupport.newID()
                    lineRows.append(try PayrollRows.line(id: lineID, batchID: id, seq: i + 1, l, sealed))
                    for item in months {
                        itemRows.append([SQLSupport.newID(), id, lineID, countyCode, programme.rawValue, item.recipientKey,
                                         item.month.number, item.entitled.fen, item.paid.fen, item.owed.fen,
                                         try StoredComponent.encode(item.components), item.decisionID, item.policyVersion,
                                         item.basis.rawValue, try SQLSupport.encode(item.trace)])
                    }
                }
                try await SQLSupport.insert(into: "payroll_lines", columns: PayrollRows.lineColumns, rows: lineRows, on: sql)
                try await SQLSupport.insert(into: "back_pay_items", columns: [
                    "id", "batch_id", "line_id", "county_code", "programme", "recipient_key", "for_month", "entitled_fen",
                    "paid_fen", "owed_fen", "components", "decision_id", "policy_version", "basis", "trace",
                ], rows: itemRows, on: sql)
                try await audit(db, county: countyCode, actor: actor, action: "payroll.back-pay", subject: id,
                                detail: "\(programme.rawValue) \(month) from \(from) lines \(grouped.count) months \(itemRows.count) total \(total.yuanString)")
            }
        } catch {
            // Another clerk generated the month's back pay meanwhile: the unique key refused ours; return theirs.
            if let existing = try await batch(countyCode: countyCode, programme: programme, month: month, kind: .backPay) {
                return BackPayGeneration(batch: existing, created: false, items: try await backPayItems(of: existing.id),
                                         heldMonths: [], overpaid: [], monthsNotFrozen: [])
            }
            throw error
        }
        return BackPayGeneration(batch: try await batch(id: id), created: true, items: items, heldMonths: held,
                                 overpaid: plan.overpaid, monthsNotFrozen: notFrozen)
    }

    /// The recipients of `programme` enrolled in `month`, with what governs the month now and what was paid.
    func backPayCandidates(programme: Programme, countyCode: String, month: YearMonth,
                           regularBatchID: String) async throws -> [BackPayCandidate] {
        let payable = try await payableEnrollments(programme: programme, countyCode: countyCode, month: month)
        struct Decided: Decodable { var id: String; var decisionId: String; var policyVersion: String }
        let decided = try await database.sql.raw(SQLQueryString("""
            SELECT e.id, e.decision_id, d.policy_version FROM enrollments e JOIN decisions d ON d.id = e.decision_id
            WHERE e.county_code = \(bind: countyCode) AND e.programme = \(bind: programme.rawValue) AND
            """) + SQLFragments.active("e", in: month)).all(decoding: Decided.self, with: SQLSupport.decoder)
        let byEnrollment = Dictionary(decided.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        struct Line: Decodable { var recipientKey: String; var amountFen: Int64; var components: String }
        let t = Stored("payroll_lines")
        var lines: [String: [AmountComponent]] = [:]
        for r in try await database.sql.raw("""
            SELECT recipient_key, amount_fen, components FROM payroll_lines WHERE batch_id = \(bind: regularBatchID)
            """).all(decoding: Line.self, with: SQLSupport.decoder) {
            lines[r.recipientKey] = try t.components("components", r.components, total: Money(fen: r.amountFen))
        }
        struct Held: Decodable { var householdId: String; var memberId: String? }
        let held = Set(try await database.sql.raw("""
            SELECT household_id, member_id FROM payroll_holds WHERE batch_id = \(bind: regularBatchID)
            """).all(decoding: Held.self, with: SQLSupport.decoder).map { $0.memberId ?? $0.householdId })
        struct Item: Decodable { var recipientKey: String; var owedFen: Int64; var components: String }
        let it = Stored("back_pay_items")
        var earlier: [String: [[AmountComponent]]] = [:]
        for r in try await database.sql.raw("""
            SELECT recipient_key, owed_fen, components FROM back_pay_items
            WHERE county_code = \(bind: countyCode) AND programme = \(bind: programme.rawValue) AND for_month = \(bind: month.number)
            """).all(decoding: Item.self, with: SQLSupport.decoder) {
            earlier[r.recipientKey, default: []].append(
                try it.components("components", r.components, total: Money(fen: r.owedFen), differences: true))
        }
        return payable.compactMap { e in
            guard let d = byEnrollment[e.enrollmentID] else { return nil }
            return BackPayCandidate(enrollment: e, month: month, decisionID: d.decisionId, policyVersion: d.policyVersion,
                                    regularLine: lines[e.recipientKey], wasHeld: held.contains(e.recipientKey),
                                    backPaid: earlier[e.recipientKey] ?? [])
        }
    }

    /// The months a back-pay batch settles, one per recipient and month, in line order.
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func backPayItems(of batchID: String) async throws -> [BackPayItem] {
        struct Row: Decodable {
            var recipientKey: String; var forMonth: Int; var entitledFen: Int64; var paidFen: Int64; var owedFen: Int64
            var components: String; var decisionId: String; var policyVersion: String; var basis: String; var trace: String
        }
        let t = Stored("back_pay_items")
        return try await database.sql.raw("""
            SELECT i.recipient_key, i.for_month, i.entitled_fen, i.paid_fen, i.owed_fen, i.components, i.decision_id,
              i.policy_version, i.basis, i.trace
            FROM back_pay_items i JOIN payroll_lines l ON l.id = i.line_id
            WHERE i.batch_id = \(bind: batchID) ORDER BY l.seq, i.for_month
            """).all(decoding: Row.self, with: SQLSupport.decoder).map { r in
            BackPayItem(recipientKey: r.recipientKey, month: try t.month("for_month", r.forMonth),
                        entitled: Money(fen: r.entitledFen), paid: Money(fen: r.paidFen),
                        components: try t.components("components", r.components, total: Money(fen: r.owedFen), differences: true),
                        decisionID: r.decisionId, policyVersion: r.policyVersion, basis: try t.parse("basis", r.basis),
                        trace: try t.json([TraceLine].self, "trace", r.trace))
        }
    }
}
