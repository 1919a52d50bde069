import Domain
import FluentKit
import Foundation
import SQLKit

/// The fund ledger's views over what is recorded (docs/adr/0022-fund-ledger.md): when payments reached the
/// cards (timeliness, field case C14), the money in and out of an account with its unspent and idle
/// receipts (C14), and each level's share of a programme's spending (C13).
public struct FundLedgerStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    // MARK: - Credits and timeliness

    /// Records the day the bank credited a batch's money to the cards of one township, or of every township
    /// on the batch (`townshipCode` nil). Recording the same day again changes nothing.
    /// - Throws: `PayrollError.invalidTransition` for a batch not yet handed over; `StoreError.outOfRange`
    ///   for a day before the month preceding the batch's; `StoreError.conflict` for a township with another
    ///   day recorded already, or one not on the batch.
    public func recordCredit(batchID: String, townshipCode: String?, creditedOn: CivilDate, source: String = "manual",
                             actor: String) async throws {
        let payroll = PayrollStore(database)
        let b = try await payroll.batch(id: batchID)
        guard b.state == .exported else { throw PayrollError.invalidTransition(from: b.state, to: .exported) }
        // Paid ahead at most from the month before (past months entered later are handed over late, so the
        // hand-over day is no bound).
        let earliest = b.month.previous.firstDay
        guard creditedOn >= earliest else {
            throw StoreError.outOfRange("入账日期 \(creditedOn) 早于 \(earliest)：\(b.month) 的发放不会在此之前入账 (credited too early)")
        }
        let townships = try await payroll.townshipTotals(of: batchID).map(\.townshipCode)
        let chosen = townshipCode.map { [$0] } ?? townships
        if let t = townshipCode, !townships.contains(t) {
            throw StoreError.conflict("乡镇 \(t) 不在该批次中 (township not on the batch)")
        }
        try await database.transaction { db in
            struct Row: Decodable { var townshipCode: String; var creditedOn: String }
            let existing = Dictionary(try await db.sql.raw("""
                SELECT township_code, credited_on FROM payment_credits WHERE batch_id = \(bind: batchID)
                """).all(decoding: Row.self, with: SQLSupport.decoder).map { ($0.townshipCode, $0.creditedOn) }, uniquingKeysWith: { a, _ in a })
            for t in chosen {
                if let day = existing[t] {
                    guard day == creditedOn.description else {
                        throw StoreError.conflict("乡镇 \(t) 的入账日期已登记为 \(day)，不能改为 \(creditedOn) (credit day recorded)")
                    }
                    continue
                }
                try await db.sql.insert(into: "payment_credits").columns("id", "batch_id", "township_code", "credited_on", "source",
                                                                          "recorded_by", "recorded_at")
                    .values(SQLSupport.newID(), batchID, t, creditedOn.description, source, actor, Date()).run()
            }
            try await audit(db, county: b.countyCode, actor: actor, action: "payroll.credited", subject: batchID,
                            detail: "\(townshipCode ?? "全部乡镇") \(creditedOn)")
        }
    }

    /// The credits recorded for the regular batches of the months of `year`.
    public func credits(countyCode: String, year: Int) async throws -> [PaymentCredit] {
        struct Row: Decodable { var townshipCode: String; var programme: String; var month: Int; var creditedOn: String }
        let t = Stored("payment_credits")
        return try await database.sql.raw("""
            SELECT c.township_code, b.programme, b.month, c.credited_on FROM payment_credits c
            JOIN payroll_batches b ON b.id = c.batch_id
            WHERE b.county_code = \(bind: countyCode) AND b.kind = 'regular'
              AND b.month >= \(bind: year * 100 + 1) AND b.month <= \(bind: year * 100 + 12)
            ORDER BY b.month, c.township_code
            """).all(decoding: Row.self, with: SQLSupport.decoder).map {
            PaymentCredit(townshipCode: $0.townshipCode, programme: try Stored("payroll_batches").parse("programme", $0.programme),
                          month: try Stored("payroll_batches").month("month", $0.month), creditedOn: try t.date("credited_on", $0.creditedOn))
        }
    }

    /// Each credit of `year` judged against the due day of the policy in force in its month (field case C14).
    /// - Throws: `PayrollError.noPolicy` for a month with no policy.
    public func timeliness(countyCode: String, year: Int) async throws -> [TimelinessFinding] {
        let credits = try await credits(countyCode: countyCode, year: year)
        let policies = PolicyStore(database)
        var out: [TimelinessFinding] = []
        for (month, group) in Dictionary(grouping: credits, by: \.month) {
            let policy: Policy
            do { policy = try await policies.policy(region: countyCode, month: month) }
            catch let e as PolicyError { throw PayrollError.noPolicy(e) }
            // Lumps are found across months, so judge the township's credits together, keep this month's.
            let same = credits.filter { c in group.contains { $0.townshipCode == c.townshipCode && $0.programme == c.programme } }
            out += Timeliness.findings(same, payment: policy.payment).filter { $0.credit.month == month }
        }
        return out.sorted { ($0.credit.month, $0.credit.townshipCode, $0.credit.programme.rawValue)
            < ($1.credit.month, $1.credit.townshipCode, $1.credit.programme.rawValue) }
    }

    // MARK: - Positions and idle money

    /// Money in: the allocations dated on or before `through`; for a programme, those earmarked for it and
    /// its shares of issued allocation plans; for the whole fund (nil), all allocations.
    public func receipts(countyCode: String, programme: Programme?, through: CivilDate) async throws -> [FundReceipt] {
        struct Row: Decodable { var allocatedOn: String; var amountFen: Int64; var documentNumber: String; var source: String }
        var q = SQLQueryString("""
            SELECT allocated_on, amount_fen, document_number, source FROM fund_allocations
            WHERE county_code = \(bind: countyCode) AND allocated_on <= \(bind: through.description)
            """)
        if let programme { q = q + " AND programme = \(bind: programme.rawValue)" }
        let t = Stored("fund_allocations")
        var out = try await database.sql.raw(q + " ORDER BY allocated_on").all(decoding: Row.self, with: SQLSupport.decoder).map {
            let source: FundingSource = try t.parse("source", $0.source)
            return FundReceipt(date: try t.date("allocated_on", $0.allocatedOn), amount: Money(fen: $0.amountFen),
                               reference: "\(source.chinese) \($0.documentNumber)")
        }
        // A programme's account also receives its shares of the pooled money by the plans issued.
        if let programme {
            out += try await AllocationPlanStore.issuedShares(countyCode: countyCode, programme: programme, through: through, on: database.sql)
        }
        return out.sorted { ($0.date, $0.reference) < ($1.date, $1.reference) }
    }

    /// Money out, dated: every batch's lines the bank did not return, on the bank's first credit day of the
    /// batch (else the day its file was handed over, Beijing), each grant paid at once from a township's
    /// reserve fund on its day; of one programme, or of all (nil).
    public func payments(countyCode: String, programme: Programme?, through: CivilDate) async throws -> [FundPayment] {
        struct Batch: Decodable { var id: String; var programme: String; var month: Int; var exportedAt: Date; var totalFen: Int64?
            var kind: String; var creditedOn: String? }
        let t = Stored("payroll_batches")
        var out: [FundPayment] = []
        // Each batch's lines the bank did not return, on the bank's first credit day (else the hand-over day).
        for b in try await database.sql.raw(SQLQueryString("""
            SELECT b.id, b.programme, b.month, b.exported_at, b.kind,
              (SELECT CAST(SUM(l.amount_fen) AS BIGINT) FROM payroll_lines l WHERE l.batch_id = b.id AND
            """) + SQLFragments.notReturned("l") + SQLQueryString("""
            ) AS total_fen,
              (SELECT MIN(c.credited_on) FROM payment_credits c WHERE c.batch_id = b.id) AS credited_on
            FROM payroll_batches b
            WHERE b.county_code = \(bind: countyCode) AND b.state = 'exported' AND b.exported_at IS NOT NULL
            """)).all(decoding: Batch.self, with: SQLSupport.decoder) {
            let p: Programme = try t.parse("programme", b.programme)
            guard programme == nil || programme == p else { continue }
            let day = try b.creditedOn.map { try Stored("payment_credits").date("credited_on", $0) } ?? ChinaClock.date(of: b.exportedAt)
            guard day <= through, let total = b.totalFen, total != 0 else { continue }
            out.append(FundPayment(date: day, amount: Money(fen: total),
                                   reference: "\(p.shortChinese) \(try t.month("month", b.month))\(b.kind == "back-pay" ? " 补发" : "") 批次 \(b.id)"))
        }
        if programme == nil || programme == .temporary {
            struct R: Decodable { var entryDate: String; var amountFen: Int64; var temporaryCaseId: String? }
            let r = Stored("reserve_fund_entries")
            for e in try await database.sql.raw("""
                SELECT entry_date, amount_fen, temporary_case_id FROM reserve_fund_entries
                WHERE county_code = \(bind: countyCode) AND kind = 'payment' AND entry_date <= \(bind: through.description)
                """).all(decoding: R.self, with: SQLSupport.decoder) {
                out.append(FundPayment(date: try r.date("entry_date", e.entryDate), amount: Money(fen: e.amountFen),
                                       reference: "临时救助 乡镇备用金即时发放 \(e.temporaryCaseId ?? "")"))
            }
        }
        return out.sorted { ($0.date, $0.reference) < ($1.date, $1.reference) }
    }

    /// The account's position at the end of `asOf` (field case C14): money in and out, first in first out,
    /// with what is unspent and since when; idle after the policy's `funds.idleMonths`.
    /// - Throws: `PayrollError.noPolicy` when no policy is in force in `asOf`'s month.
    public func position(countyCode: String, programme: Programme?, asOf: CivilDate) async throws -> FundPosition {
        try await account(countyCode: countyCode, programme: programme, asOf: asOf).position
    }

    /// The account's position with the entries it was made from (the page's drill-down), read once.
    public func account(countyCode: String, programme: Programme?, asOf: CivilDate)
        async throws -> (position: FundPosition, receipts: [FundReceipt], payments: [FundPayment]) {
        let policy: Policy
        do { policy = try await PolicyStore(database).policy(region: countyCode, month: asOf.yearMonth) }
        catch let e as PolicyError { throw PayrollError.noPolicy(e) }
        let receipts = try await receipts(countyCode: countyCode, programme: programme, through: asOf)
        let payments = try await payments(countyCode: countyCode, programme: programme, through: asOf)
        return (FundAging.position(receipts: receipts, payments: payments, asOf: asOf, idleMonths: policy.funds.idleMonths),
                receipts, payments)
    }

    // MARK: - Cost sharing

    /// Each programme the policy in force in December of `year` shares between levels (`funds.costSharing`):
    /// its spending in the year (as 附表1 counts it) against the allocations earmarked for it by source
    /// (field case C13).
    /// - Throws: `PayrollError.noPolicy` when no policy is in force that December.
    public func costSharing(countyCode: String, year: Int) async throws -> [CostSharingSettlement] {
        let policy: Policy
        do { policy = try await PolicyStore(database).policy(region: countyCode, month: YearMonth(year: year, month: 12)!) }
        catch let e as PolicyError { throw PayrollError.noPolicy(e) }
        guard !policy.funds.costSharing.isEmpty else { return [] }
        let funds = FundStore(database)
        let uses = try await funds.uses(countyCode: countyCode, year: year)
        let allocations = try await funds.allocations(countyCode: countyCode, year: year)
        return Programme.allCases.compactMap { p in
            guard let shares = policy.funds.costSharing[p] else { return nil }
            let spending = uses.filter { $0.programme == p }.reduce(Money.zero) { $0 + $1.amount }
            var received: [FundingSource: Money] = [:]
            for a in allocations where a.programme == p { received[a.source, default: .zero] += a.amount }
            return CostSharing.settle(programme: p, year: year, spending: spending, shares: shares, received: received)
        }
    }
}
