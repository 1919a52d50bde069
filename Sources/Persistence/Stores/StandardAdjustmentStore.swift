import Domain
import FluentKit
import Foundation
import SQLKit

/// What a standard adjustment (调标) did.
public struct StandardAdjustment: Hashable, Sendable {
    public var version: String
    /// Enrollments re-decided under the version with a different amount.
    public var changed: Int
    /// Re-decided with the same amount: only the version cited changes.
    public var unchanged: Int
    /// Σ (new − old) of the changed enrollments' monthly amounts, fen.
    public var monthlyChange: Money
    /// Households (or members) left for a review (复核), with why: a decision recorded before inputs were
    /// kept, or an input the new version cannot assess.
    public var needsReview: [NeedsReview]

    public init(version: String, changed: Int, unchanged: Int, monthlyChange: Money, needsReview: [NeedsReview]) {
        self.version = version
        self.changed = changed
        self.unchanged = unchanged
        self.monthlyChange = monthlyChange
        self.needsReview = needsReview
    }

    public struct NeedsReview: Hashable, Sendable {
        public var householdID: String
        public var memberID: String?
        public var reason: String
    }
}

extension EnrollmentStore {
    /// 调标: re-decides, under `version`, every enrollment of `programme` running in or after the version's
    /// effective month whose decision cites another version, from its effective month (or the enrollment's
    /// own start, if later). Each recipient is assessed again from the input its decision kept — the same
    /// facts under the new figures — and gets a decision `standard-adjusted` with the trace; the old
    /// enrollment ends the month before (or is replaced, when it started in the range). Months already
    /// paid at the old amount are then owed the difference (`PayrollStore.generateBackPay`). One transaction;
    /// running it again finds nothing left to adjust.
    /// Rules: policy-format.md `signed` (a version signed after months were paid owes them back pay);
    /// 民发〔2021〕57号 第23条 (the amount from the standard).
    /// - Throws: `StoreError.notFound` when the county has no such version in force for its month;
    ///   `WorkflowError.dateInFuture`, or `.dateBefore` for a date before the version was signed (before its
    ///   first month when it has no signing date); `ProgrammeError`; `PayrollError.notPaidByPayroll` for a
    ///   programme without monthly amounts. A decision made after `date` is left for its own review, listed.
    public func adjustStandard(programme: Programme, countyCode: String, version: String, on date: CivilDate,
                               actor: String, today: CivilDate) async throws -> StandardAdjustment {
        if date > today { throw WorkflowError.dateInFuture(date, today: today) }
        let rules = try programme.rules()
        guard rules.cadence == .monthly else { throw PayrollError.notPaidByPayroll(programme.shortChinese) }
        let book = try await PolicyStore(database).book()
        guard let target = book.policies.first(where: { $0.version == version && $0.region == countyCode }) else {
            throw StoreError.notFound(what: "政策版本", id: version)
        }
        guard target.configures(programme) else {
            throw PolicyError.programmeNotConfigured(programme: programme.rawValue, version: version)
        }
        let effective = target.effective
        // Not before the decision it applies was signed (or, unsigned, before its first month).
        let earliest = target.signed ?? effective.firstDay
        if date < earliest {
            throw WorkflowError.dateBefore(date, what: target.signed == nil ? "\(version) 的生效月份首日" : "\(version) 的签发日期", earlier: earliest)
        }
        return try await database.transaction { db in
            let sql = db.sql
            let sealed = try Sealed(db)
            struct Row: Decodable {
                var id: String; var householdId: String; var memberId: String?; var startMonth: Int; var endMonth: Int?
                var monthlyBenefitFen: Int64; var input: String?; var policyVersion: String; var decidedOn: String
                var decisionId: String
            }
            let rows = try await sql.raw("""
                SELECT e.id, e.household_id, e.member_id, e.start_month, e.end_month, e.monthly_benefit_fen, d.input,
                  d.policy_version, d.decided_on, d.id AS decision_id
                FROM enrollments e JOIN decisions d ON d.id = e.decision_id
                WHERE e.county_code = \(bind: countyCode) AND e.programme = \(bind: programme.rawValue)
                  AND (e.end_month IS NULL OR e.end_month >= \(bind: effective.number))
                  AND d.policy_version <> \(bind: version)
                ORDER BY e.household_id, e.member_id, e.start_month
                """).all(decoding: Row.self, with: SQLSupport.decoder)
            let t = Stored("enrollments")
            var result = StandardAdjustment(version: version, changed: 0, unchanged: 0, monthlyChange: .zero, needsReview: [])
            var decisions: [[any Encodable & Sendable]] = []
            var enrollments: [[any Encodable & Sendable]] = []
            var replaced: [String] = []
            var endBefore: [Int: [String]] = [:]
            for r in rows {
                let start: YearMonth = try t.month("start_month", r.startMonth)
                let end: YearMonth? = try t.month("end_month", r.endMonth)
                let from = max(start, effective)
                // A later version governs from `from`: its own adjustment re-decides this one.
                guard try book.policy(region: countyCode, month: from).version == version else { continue }
                // A decision made after the adjustment's date is not re-decided by it (that would date a decision
                // before the one it replaces): it is listed for its own review.
                let decidedOn = try Stored("decisions").date("decided_on", r.decidedOn)
                guard decidedOn <= date else {
                    result.needsReview.append(.init(householdID: r.householdId, memberID: r.memberId,
                                                    reason: "原决定（\(decidedOn)）晚于调标日期 \(date)，须以其后的日期复核"))
                    continue
                }
                guard let text = r.input else {
                    result.needsReview.append(.init(householdID: r.householdId, memberID: r.memberId,
                                                    reason: "原决定未保存测算依据（0015 之前记录），须逐户复核"))
                    continue
                }
                let input = try StoredAssessmentInput.open(text, month: from, sealed, row: r.decisionId)
                let d: BenefitDecision
                do { d = try rules.assess(input, policy: target) } catch let error as AssessmentError {
                    result.needsReview.append(.init(householdID: r.householdId, memberID: r.memberId,
                                                    reason: "按 \(version) 无法测算：\(error.message)"))
                    continue
                }
                // No longer eligible under the new figures (a lowered standard): a stop is a review's decision,
                // with its notice, never a side effect of 调标.
                guard d.eligible && d.monthlyBenefit > .zero else {
                    result.needsReview.append(.init(householdID: r.householdId, memberID: r.memberId,
                                                    reason: "按 \(version) 已不符合条件，须复核后决定是否停发"))
                    continue
                }
                let old = Money(fen: r.monthlyBenefitFen)
                if d.monthlyBenefit == old { result.unchanged += 1 } else {
                    result.changed += 1
                    result.monthlyChange += d.monthlyBenefit - old
                }
                let signed = target.signed.map { "，\($0) 签发" } ?? ""
                let document = target.document.map { "，\($0)" } ?? ""
                let id = SQLSupport.newID()
                decisions.append(try DecisionRows.row(
                    id: id, countyCode: countyCode, householdID: r.householdId, applicationID: nil, memberID: r.memberId,
                    outcome: "standard-adjusted", decidedOn: date, firstMonth: from, decision: d,
                    trace: d.trace + [TraceLine("调标", "按 \(version)（自 \(effective) 起执行\(signed)\(document)）自 \(from) 起重新核定：原 \(old.yuanString) 元/月（\(r.policyVersion)）→ \(d.monthlyBenefit.yuanString) 元/月；经办人 \(actor)",
                                                      source: "县政策 \(version)；民发〔2021〕57号 第23条")],
                    input: try SealedInput(input, sealed)))
                var row = try EnrollmentRows.row(countyCode: countyCode, householdID: r.householdId, memberID: r.memberId,
                                                 decision: d, from: from, decisionID: id)
                row[10] = end?.number
                enrollments.append(row)
                if start < from { endBefore[from.previous.number, default: []].append(r.id) } else { replaced.append(r.id) }
            }
            for chunk in stride(from: 0, to: replaced.count, by: 500) {
                try await sql.delete(from: "enrollments")
                    .where(SQLIdentifier("id"), .in, SQLBind.group(Array(replaced[chunk..<min(chunk + 500, replaced.count)]))).run()
            }
            for (month, ids) in endBefore {
                for chunk in stride(from: 0, to: ids.count, by: 500) {
                    try await sql.update("enrollments").set("end_month", to: month)
                        .where(SQLIdentifier("id"), .in, SQLBind.group(Array(ids[chunk..<min(chunk + 500, ids.count)]))).run()
                }
            }
            try await SQLSupport.insert(into: "decisions", columns: DecisionRows.columns, rows: decisions, on: sql)
            try await SQLSupport.insert(into: "enrollments", columns: EnrollmentRows.columns, rows: enrollments, on: sql)
            try await audit(db, county: countyCode, actor: actor, action: "enrollment.standard-adjusted", subject: version,
                            detail: "\(programme.rawValue) changed \(result.changed) unchanged \(result.unchanged) review \(result.needsReview.count)")
            return result
        }
    }
}
