import Domain
import FluentKit
import Foundation
import SQLKit

/// An enrollment: a household, or one member of it, receiving a programme's monthly benefit from a
/// month (until an end month).
public struct Enrollment: Hashable, Sendable {
    public var id: String
    public var householdID: String
    /// The member enrolled, for member-level programmes (特困, 孤儿…); nil when the household is.
    public var memberID: String?
    public var programme: Programme
    public var area: Area
    public var householdSize: Int
    /// Fen per month: the exact sum of `components`.
    public var monthlyBenefit: Money
    public var components: [AmountComponent]
    public var startMonth: YearMonth
    public var endMonth: YearMonth?
    /// The decision that started it (its trace explains the amount).
    public var decisionID: String

    /// Started on or before `month` and not ended before it (the Swift twin of `SQLFragments.active`).
    public func isActive(in month: YearMonth) -> Bool {
        startMonth <= month && (endMonth.map { $0 >= month } ?? true)
    }
}

/// The columns of `decisions` and `enrollments`, and the one way each row is written.
enum DecisionRows {
    static let columns = [
        "id", "county_code", "household_id", "application_id", "member_id", "programme", "outcome", "decided_on",
        "first_month", "area", "household_size", "monthly_benefit_fen", "components", "policy_version", "trace", "input",
    ]

    /// - Parameter input: what the amount was assessed from (kept so a standard signed later recomputes the
    ///   same facts, docs/adr/0016); nil for a decision that assesses nothing (a stop, a termination).
    static func row(id: String, countyCode: String, householdID: String, applicationID: String?, memberID: String?,
                    outcome: String, decidedOn: CivilDate, firstMonth: YearMonth?, decision d: BenefitDecision,
                    trace: [TraceLine], input: SealedInput? = nil) throws -> [any Encodable & Sendable] {
        [id, countyCode, householdID, applicationID, memberID, d.programme.rawValue, outcome, decidedOn.description,
         firstMonth?.number, d.area.rawValue, d.householdSize, d.monthlyBenefit.fen,
         try StoredComponent.encode(d.components), d.policyVersion, try SQLSupport.encode(trace),
         input?.text]
    }

    static func insert(on sql: any SQLDatabase, countyCode: String, householdID: String, applicationID: String?,
                       memberID: String?, outcome: String, decidedOn: CivilDate, firstMonth: YearMonth?,
                       decision: BenefitDecision, trace: [TraceLine], input: SealedInput? = nil) async throws -> String {
        let id = SQLSupport.newID()
        try await SQLSupport.insert(into: "decisions", columns: columns, rows: [
            try row(id: id, countyCode: countyCode, householdID: householdID, applicationID: applicationID,
                    memberID: memberID, outcome: outcome, decidedOn: decidedOn, firstMonth: firstMonth,
                    decision: decision, trace: trace, input: input),
        ], on: sql)
        return id
    }
}

/// A decision's assessment input as stored: `StoredAssessmentInput` JSON, sealed (it holds ID numbers,
/// ADR 0021).
struct SealedInput {
    let text: String
    init(_ input: AssessmentInput, _ sealed: Sealed) throws {
        text = try sealed.keys.seal(try StoredAssessmentInput.encode(input), as: .record)
    }
}

/// How a decision's assessment input is stored (`decisions.input`, sealed): the household as assessed, the
/// subject, who was supported elsewhere, and what the subject received elsewhere. JSON; fen exact.
struct StoredAssessmentInput: Codable {
    struct Other: Codable { var label: String; var numerator: Int64; var denominator: Int64 }
    var area: String
    var members: [Member]
    var subject: String?
    var supportedElsewhere: [String: String]
    var supportedSince: Int?
    var otherSupport: [Other]

    static func encode(_ i: AssessmentInput) throws -> String {
        try SQLSupport.encode(StoredAssessmentInput(
            area: i.household.area.rawValue, members: i.household.members, subject: i.subject?.value,
            supportedElsewhere: Dictionary(uniqueKeysWithValues: i.supportedElsewhere.map { ($0.key.value, $0.value.rawValue) }),
            supportedSince: i.supportedSince?.number,
            otherSupport: i.otherSupport.map { Other(label: $0.label, numerator: $0.monthly.numerator, denominator: $0.monthly.denominator) }))
    }

    /// The input again, for `month`, from the sealed column of decision `row`.
    /// - Throws: `DataKeyError` when it does not open; `StoreError.unreadable` naming `decisions.input` when
    ///   it does not parse.
    static func open(_ stored: String, month: YearMonth, _ sealed: Sealed, row: String) throws -> AssessmentInput {
        let text = try sealed.record("decisions", "input", stored, row: row)
        return try Sealed.redacted(row: row) { try decode(text, month: month) }
    }

    static func decode(_ text: String, month: YearMonth) throws(StoreError) -> AssessmentInput {
        let t = Stored("decisions")
        let s = try t.json(StoredAssessmentInput.self, "input", text)
        let area: Area = try t.parse("input.area", s.area) as Area
        var elsewhere: [ResidentID: Programme] = [:]
        for (id, p) in s.supportedElsewhere {
            elsewhere[try t.residentID("input.supportedElsewhere", id) as ResidentID] = try t.parse("input.supportedElsewhere", p) as Programme
        }
        guard s.otherSupport.allSatisfy({ $0.denominator > 0 }) else {
            throw .unreadable(table: "decisions", column: "input.otherSupport", value: String(text.prefix(200)))
        }
        let household: HouseholdComposition
        do { household = try HouseholdComposition(area: area, members: s.members) } catch {
            throw .unreadable(table: "decisions", column: "input.members", value: error.message)
        }
        return AssessmentInput(
            household: household, month: month,
            subject: try t.residentID("input.subject", s.subject), supportedElsewhere: elsewhere,
            supportedSince: try t.month("input.supportedSince", s.supportedSince),
            otherSupport: s.otherSupport.map { OtherSupport($0.label, FenRatio(numerator: $0.numerator, denominator: $0.denominator)) })
    }
}

enum EnrollmentRows {
    static let columns = [
        "id", "county_code", "household_id", "member_id", "programme", "area", "household_size", "monthly_benefit_fen",
        "components", "start_month", "end_month", "decision_id",
    ]

    static func row(countyCode: String, householdID: String, memberID: String?, decision d: BenefitDecision,
                    from: YearMonth, decisionID: String) throws -> [any Encodable & Sendable] {
        [SQLSupport.newID(), countyCode, householdID, memberID, d.programme.rawValue, d.area.rawValue, d.householdSize,
         d.monthlyBenefit.fen, try StoredComponent.encode(d.components), from.number, Optional<Int>.none, decisionID]
    }
}

/// Enrollments and decisions, for every programme.
public struct EnrollmentStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    /// Where the recipient of `programme` is in `enrollments`: its household, and its member when the
    /// programme enrolls members.
    static func recipient(_ sql: inout SQLQueryString, householdID: String, memberID: String?) {
        sql = sql + SQLQueryString(" AND household_id = \(bind: householdID)")
        if let memberID {
            sql = sql + SQLQueryString(" AND member_id = \(bind: memberID)")
        } else {
            sql = sql + SQLQueryString(" AND member_id IS NULL")
        }
    }

    /// Starts an enrollment in `decision.programme` from `from`. The newest decision governs from its
    /// first month: an earlier enrollment of the same programme and recipient still running then (open,
    /// or stopped at a later month) ends the month before, so two never overlap.
    /// - Throws: `StoreError.conflict` when an enrollment of the recipient starts in or after `from` (a
    ///   later decision already governs those months).
    static func enroll(on sql: any SQLDatabase, countyCode: String, householdID: String, memberID: String?,
                       decision: BenefitDecision, from: YearMonth, decisionID: String) async throws {
        struct Row: Decodable { var startMonth: Int }
        var later = SQLQueryString("SELECT start_month FROM enrollments WHERE programme = \(bind: decision.programme.rawValue) AND start_month >= \(bind: from.number)")
        recipient(&later, householdID: householdID, memberID: memberID)
        if let row = try await sql.raw(later).first(decoding: Row.self, with: SQLSupport.decoder) {
            let start = try Stored("enrollments").month("start_month", row.startMonth)
            throw StoreError.conflict("该对象已有自 \(start) 起的\(decision.programme.shortChinese)在保记录，不能再确认自 \(from) 起纳入；请先核对原记录 (a later enrollment exists)")
        }
        var close = SQLQueryString("UPDATE enrollments SET end_month = \(bind: from.previous.number) WHERE programme = \(bind: decision.programme.rawValue) AND (end_month IS NULL OR end_month >= \(bind: from.number))")
        recipient(&close, householdID: householdID, memberID: memberID)
        try await sql.raw(close).run()
        try await SQLSupport.insert(into: "enrollments", columns: EnrollmentRows.columns, rows: [
            try EnrollmentRows.row(countyCode: countyCode, householdID: householdID, memberID: memberID,
                                   decision: decision, from: from, decisionID: decisionID),
        ], on: sql)
    }

    /// A decision to record in bulk (demo county): the assessment and its recipient.
    public struct BulkDecision: Sendable {
        public var householdID: String
        public var memberID: String?
        public var countyCode: String
        public var decidedOn: CivilDate
        public var decision: BenefitDecision
        /// What the decision was assessed from (kept for a later standard, docs/adr/0016).
        public var input: AssessmentInput?

        public init(householdID: String, memberID: String? = nil, countyCode: String, decidedOn: CivilDate,
                    decision: BenefitDecision, input: AssessmentInput? = nil) {
            self.input = input
            self.householdID = householdID
            self.memberID = memberID
            self.countyCode = countyCode
            self.decidedOn = decidedOn
            self.decision = decision
        }
    }

    /// Writes approved decisions and their enrollments (from each decision's month) with multi-row
    /// inserts. Callers wrap it in their own transaction.
    public static func bulkApprove(_ items: [BulkDecision], on db: any Database) async throws {
        let sealed = try Sealed(db)
        var decisions: [[any Encodable & Sendable]] = []
        var enrollments: [[any Encodable & Sendable]] = []
        for item in items {
            let id = SQLSupport.newID()
            let d = item.decision
            decisions.append(try DecisionRows.row(id: id, countyCode: item.countyCode, householdID: item.householdID,
                                                  applicationID: nil, memberID: item.memberID, outcome: "approved",
                                                  decidedOn: item.decidedOn, firstMonth: d.month, decision: d,
                                                  trace: d.trace, input: try item.input.map { try SealedInput($0, sealed) }))
            enrollments.append(try EnrollmentRows.row(countyCode: item.countyCode, householdID: item.householdID,
                                                      memberID: item.memberID, decision: d, from: d.month,
                                                      decisionID: id))
        }
        try await SQLSupport.insert(into: "decisions", columns: DecisionRows.columns, rows: decisions, on: db.sql)
        try await SQLSupport.insert(into: "enrollments", columns: EnrollmentRows.columns, rows: enrollments, on: db.sql)
    }

    /// Decisions of a household (every programme, its members' too), newest first.
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func decisions(ofHousehold id: String) async throws -> [DecisionRecord] {
        struct Row: Decodable {
            var id: String; var programme: String; var outcome: String; var decidedOn: String; var firstMonth: Int?
            var householdSize: Int; var monthlyBenefitFen: Int64; var policyVersion: String; var trace: String
        }
        let t = Stored("decisions")
        let rows = try await database.sql.select().column("*").from("decisions")
            .where(SQLIdentifier("household_id"), .equal, id).orderBy("decided_on", .descending)
            .all(decoding: Row.self, with: SQLSupport.decoder)
        return try rows.map {
            DecisionRecord(id: $0.id, programme: try t.parse("programme", $0.programme), outcome: $0.outcome,
                           decidedOn: try t.date("decided_on", $0.decidedOn), firstMonth: try t.month("first_month", $0.firstMonth),
                           householdSize: $0.householdSize, monthlyBenefit: Money(fen: $0.monthlyBenefitFen),
                           policyVersion: $0.policyVersion, trace: try t.json([TraceLine].self, "trace", $0.trace))
        }
    }

    /// Enrollments of a household (every programme, its members' too), oldest first.
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func enrollments(ofHousehold id: String) async throws -> [Enrollment] {
        struct Row: Decodable {
            var id: String; var householdId: String; var memberId: String?; var programme: String; var area: String
            var householdSize: Int; var monthlyBenefitFen: Int64; var components: String?; var startMonth: Int
            var endMonth: Int?; var decisionId: String
        }
        let t = Stored("enrollments")
        return try await database.sql.select().column("*").from("enrollments")
            .where(SQLIdentifier("household_id"), .equal, id).orderBy("start_month")
            .all(decoding: Row.self, with: SQLSupport.decoder).map {
                Enrollment(id: $0.id, householdID: $0.householdId, memberID: $0.memberId,
                           programme: try t.parse("programme", $0.programme), area: try t.parse("area", $0.area),
                           householdSize: $0.householdSize, monthlyBenefit: Money(fen: $0.monthlyBenefitFen),
                           components: try t.components("components", $0.components, total: Money(fen: $0.monthlyBenefitFen)),
                           startMonth: try t.month("start_month", $0.startMonth),
                           endMonth: try t.month("end_month", $0.endMonth), decisionID: $0.decisionId)
            }
    }

    /// What a review (复核) decided.
    public enum ReviewOutcome: Equatable, Sendable {
        /// Nothing material changed: the amount stays (DB-2021 Art. 31).
        case unchanged(Money)
        /// A new amount from `from` (the month after the review; field-case assumption A1).
        case adjusted(from: YearMonth, old: Money, new: Money)
        /// No longer eligible: paid up to and including `lastMonth`.
        case stopped(lastMonth: YearMonth)
        /// 渐退期: above the standard because a member found work; the current amount continues through
        /// `lastMonth` (`months` after the review month), then stops (`GradualExit`).
        case gradualExit(lastMonth: YearMonth, months: Int)
    }

    /// 复核 (periodic or after a change): re-assesses an enrolled recipient of `programme` as registered
    /// now, under the policy of the month after `date`, by the programme's own rules, and records the
    /// decision with its trace, in one transaction.
    /// - Parameter memberID: the member enrolled, for member-level programmes; nil for the household.
    /// - Throws: `StoreError.notFound` when there is no current enrollment of the programme;
    ///   `ProgrammeError.notImplemented`; `WorkflowError.dateInFuture`; `PolicyError`; `AssessmentError`.
    public func review(householdID: String, memberID: String? = nil, programme: Programme, on date: CivilDate,
                       actor: String, today: CivilDate) async throws -> ReviewOutcome {
        if date > today { throw WorkflowError.dateInFuture(date, today: today) }
        let rules = try programme.rules()
        return try await database.transaction { db in
            let sql = db.sql
            let next = date.yearMonth.next
            // Only an enrollment still running after the review month can be changed by it: one already
            // stopped (e.g. by an earlier review in the same month) is not reviewed again.
            guard let current = try await EnrollmentStore(db).enrollments(ofHousehold: householdID)
                .last(where: { $0.programme == programme && $0.memberID == memberID && ($0.endMonth == nil || $0.endMonth! >= next) }),
                  let household = try await RegistryStore(db).household(householdID)
            else { throw StoreError.notFound(what: "在保\(programme.shortChinese)对象", id: householdID) }
            // No review dated before the decision it reviews (a backdated review once cancelled an
            // enrollment that had been paid for years).
            struct Decided: Decodable { var id: String; var decidedOn: String; var input: String? }
            let decidedRow = try await sql.select().columns("id", "decided_on", "input").from("decisions")
                .where(SQLIdentifier("id"), .equal, current.decisionID).first(decoding: Decided.self, with: SQLSupport.decoder)
            if let decidedRow {
                let on = try Stored("decisions").date("decided_on", decidedRow.decidedOn)
                if date < on { throw WorkflowError.dateBefore(date, what: "在保决定日期", earlier: on) }
            }
            let subject = try await memberID.asyncMap { try await RegistryStore(db).residentID(ofMember: $0) }
            let since = try await EnrollmentStore(db).enrollments(ofHousehold: householdID)
                .filter { $0.programme == programme && $0.memberID == memberID }.map(\.startMonth).min()
            /// The recipient assessed for `month` under the policy then, as registered now.
            func decide(_ month: YearMonth) async throws -> (BenefitDecision, AssessmentInput, Policy) {
                let policy = try await PolicyStore(db).policy(region: household.countyCode, month: month)
                let elsewhere = try await Self.supportedElsewhere(householdID: householdID, besides: programme, month: month, on: db)
                let other = try await memberID.asyncMap {
                    try await Self.otherSupport(householdID: householdID, memberID: $0, besides: programme, month: month, on: sql)
                } ?? []
                let input = AssessmentInput(household: household.composition, month: month, subject: subject,
                                            supportedElsewhere: elsewhere, supportedSince: since, otherSupport: other)
                return (try rules.assess(input, policy: policy), input, policy)
            }
            let reviewLine = TraceLine("复核", "复核日期 \(date)，经办人 \(actor)", source: rules.reviewSource)
            // A dated change of the household (a death, a move) takes effect from the month after the event
            // (A1), even when the review comes later (field case C01): the months from then to the review's
            // month are re-decided (`retroactiveReview`), and the case goes on from the month after the review.
            if memberID == nil, let event = household.composition.members
                .compactMap({ m in m.statusSince.flatMap { !m.status.counts ? ($0, m) : nil } })
                .filter({ $0.0.yearMonth.next > current.startMonth && $0.0.yearMonth.next < next })
                .min(by: { $0.0 < $1.0 }) {
                return try await retroactiveReview(
                    from: event.0.yearMonth.next, event: "\(event.1.name)于 \(event.0) \(event.1.status.chinese)", current: current,
                    household: household, programme: programme, date: date, actor: actor, reviewLine: reviewLine, decide: decide, on: db)
            }
            let (d, input, policy) = try await decide(next)
            let outcome: ReviewOutcome
            var label: String?
            var extra: [TraceLine] = []
            if !d.eligible || d.monthlyBenefit == .zero {
                if let end = current.endMonth {
                    // Already ending (渐退期, or a stop decided for a later month): the end stands, never extended.
                    extra.append(TraceLine("已决定终止", "本次复核仍不符合条件，维持原定发放至 \(end) 止"))
                    label = "reviewed"
                    outcome = end > date.yearMonth ? .gradualExit(lastMonth: end, months: end.monthsSince(date.yearMonth)) : .stopped(lastMonth: end)
                } else {
                    // 渐退期, where the programme has one (低保: when the income above the standard is new work).
                    var last = date.yearMonth
                    let decided = try decidedRow.flatMap { row in
                        try row.input.map { try StoredAssessmentInput.open($0, month: next, Sealed(db), row: row.id) }
                    }
                    if let (months, line) = rules.gradualExit(decided: decided, now: input, policy: policy) {
                        extra.append(line)
                        last = date.yearMonth.adding(months: months)
                    }
                    var stop = SQLQueryString("UPDATE enrollments SET end_month = \(bind: last.number) WHERE programme = \(bind: programme.rawValue) AND start_month <= \(bind: date.yearMonth.number) AND end_month IS NULL")
                    Self.recipient(&stop, householdID: householdID, memberID: memberID)
                    try await sql.raw(stop).run()
                    try await Self.cancelPending(on: sql, programme: programme, householdID: householdID, memberID: memberID,
                                                 after: last)
                    outcome = last == date.yearMonth ? .stopped(lastMonth: last) : .gradualExit(lastMonth: last, months: last.monthsSince(date.yearMonth))
                }
            } else if d.monthlyBenefit == current.monthlyBenefit && d.householdSize == current.householdSize
                        && d.components == current.components && current.endMonth == nil {
                outcome = .unchanged(d.monthlyBenefit)
            } else {
                outcome = .adjusted(from: next, old: current.monthlyBenefit, new: d.monthlyBenefit)
            }
            let decisionID = try await DecisionRows.insert(
                on: sql, countyCode: household.countyCode, householdID: householdID, applicationID: nil,
                memberID: memberID, outcome: label ?? Self.label(outcome), decidedOn: date, firstMonth: next, decision: d,
                trace: d.trace + extra + [reviewLine], input: try SealedInput(input, Sealed(db)))
            if case .adjusted = outcome {
                // A second review before an adjustment took effect replaces it.
                try await Self.cancelPending(on: sql, programme: programme, householdID: householdID, memberID: memberID,
                                             after: date.yearMonth)
                try await Self.enroll(on: sql, countyCode: household.countyCode, householdID: householdID,
                                      memberID: memberID, decision: d, from: next, decisionID: decisionID)
            }
            try await audit(db, county: household.countyCode, actor: actor, action: "enrollment.\(label ?? Self.label(outcome))",
                            subject: householdID, detail: "\(programme.rawValue) \(date)", householdID: householdID)
            return outcome
        }
    }

    static func label(_ outcome: ReviewOutcome) -> String {
        switch outcome {
        case .unchanged: return "reviewed"
        case .adjusted: return "adjusted"
        case .stopped: return "stopped"
        case .gradualExit: return "gradual-exit"
        }
    }

    /// A review after a dated change (A1, field case C01): the months from `from` (the month after the
    /// event) through the review's month are re-decided — one decision per stretch between policy changes
    /// (a new version, the edge of an exemption window), each assessed for its first month as registered
    /// now — and the case goes on from the month after the review under the policy then. Months of those
    /// stretches already paid (approved or exported, with earlier back pay) at more than now decided are
    /// recorded as overpaid, one row a month; months held are owed back pay. No 渐退期 (the change is a
    /// death or a move, not work).
    func retroactiveReview(from: YearMonth, event: String, current: Enrollment, household: HouseholdFile, programme: Programme,
                           date: CivilDate, actor: String, reviewLine: TraceLine,
                           decide: (YearMonth) async throws -> (BenefitDecision, AssessmentInput, Policy),
                           on db: any Database) async throws -> ReviewOutcome {
        let sql = db.sql
        let next = date.yearMonth.next
        let householdID = household.id
        // Where the policy changes within the months re-decided: a version's first month, an exemption's edges.
        let book = try await PolicyStore(db).book()
        var starts: Set<YearMonth> = [from]
        for p in book.policies where p.region == household.countyCode {
            starts.insert(p.effective)
            for e in p.dibao?.exemptIncome ?? [] {
                if let f = e.from { starts.insert(f) }
                if let t = e.through { starts.insert(t.next) }
            }
        }
        let stretches = starts.filter { $0 >= from && $0 <= date.yearMonth }.sorted()
        let source = "民发〔2022〕83号 第一部分第（三）项；变化自事件次月起生效（A1）"
        // The months from `from` belong to the decisions below: what ran then ends the month before.
        var drop = SQLQueryString("DELETE FROM enrollments WHERE programme = \(bind: programme.rawValue) AND start_month >= \(bind: from.number)")
        Self.recipient(&drop, householdID: householdID, memberID: nil)
        try await sql.raw(drop).run()
        var close = SQLQueryString("UPDATE enrollments SET end_month = \(bind: from.previous.number) WHERE programme = \(bind: programme.rawValue) AND (end_month IS NULL OR end_month >= \(bind: from.number))")
        Self.recipient(&close, householdID: householdID, memberID: nil)
        try await sql.raw(close).run()
        var amounts: [(YearMonth, YearMonth, Money)] = []
        var lastPaid = from.previous
        for (i, start) in stretches.enumerated() {
            let end = i + 1 < stretches.count ? stretches[i + 1].previous : date.yearMonth
            let (d, input, _) = try await decide(start)
            let pays = d.eligible && d.monthlyBenefit > .zero
            let id = try await DecisionRows.insert(
                on: sql, countyCode: household.countyCode, householdID: householdID, applicationID: nil, memberID: nil,
                outcome: pays ? "adjusted" : "stopped", decidedOn: date, firstMonth: start, decision: d,
                trace: d.trace + [TraceLine("追溯调整", "\(event)，\(start) 至 \(end) 按变化后的家庭重新核定", source: source), reviewLine],
                input: try SealedInput(input, Sealed(db)))
            if pays {
                var row = try EnrollmentRows.row(countyCode: household.countyCode, householdID: householdID, memberID: nil,
                                                 decision: d, from: start, decisionID: id)
                row[10] = end.number
                try await SQLSupport.insert(into: "enrollments", columns: EnrollmentRows.columns, rows: [row], on: sql)
                lastPaid = end
            }
            amounts.append((start, end, pays ? d.monthlyBenefit : .zero))
        }
        // From the month after the review, the case as it is now.
        let (d, input, _) = try await decide(next)
        let pays = d.eligible && d.monthlyBenefit > .zero
        let outcome: ReviewOutcome = pays ? .adjusted(from: from, old: current.monthlyBenefit, new: d.monthlyBenefit)
            : .stopped(lastMonth: lastPaid)
        let id = try await DecisionRows.insert(
            on: sql, countyCode: household.countyCode, householdID: householdID, applicationID: nil, memberID: nil,
            outcome: Self.label(outcome), decidedOn: date, firstMonth: next, decision: d,
            trace: d.trace + [TraceLine("追溯调整", "\(event)，自 \(from) 起重新核定；\(next) 起按本次复核", source: source), reviewLine],
            input: try SealedInput(input, Sealed(db)))
        if pays {
            try await SQLSupport.insert(into: "enrollments", columns: EnrollmentRows.columns, rows: [
                try EnrollmentRows.row(countyCode: household.countyCode, householdID: householdID, memberID: nil, decision: d,
                                       from: next, decisionID: id),
            ], on: sql)
        }
        // Months already paid at more than now decided: overpaid, one row a month for the recovery ledger
        // (C01: 600 × 2 for June–July).
        struct Paid: Decodable { var month: Int; var fen: Int64 }
        var paid: [Int: Int64] = [:]
        for p in try await sql.raw("""
            SELECT b.month, l.amount_fen AS fen FROM payroll_lines l JOIN payroll_batches b ON b.id = l.batch_id
            WHERE b.programme = \(bind: programme.rawValue) AND b.kind = 'regular' AND b.state <> 'draft'
              AND l.recipient_key = \(bind: householdID) AND b.month >= \(bind: from.number) AND b.month <= \(bind: date.yearMonth.number)
            UNION ALL
            SELECT i.for_month AS month, i.owed_fen AS fen FROM back_pay_items i
            WHERE i.programme = \(bind: programme.rawValue) AND i.recipient_key = \(bind: householdID)
              AND i.for_month >= \(bind: from.number) AND i.for_month <= \(bind: date.yearMonth.number)
            """).all(decoding: Paid.self, with: SQLSupport.decoder) {
            paid[p.month, default: 0] += p.fen
        }
        for (month, fen) in paid.sorted(by: { $0.key < $1.key }) {
            let m = try Stored("payroll_batches").month("month", month)
            guard let decided = amounts.first(where: { $0.0 <= m && m <= $0.1 })?.2, fen > decided.fen else { continue }
            try await OverpaymentRows.insert(on: sql, countyCode: household.countyCode, householdID: householdID, memberID: nil,
                                             programme: programme, month: month, amount: Money(fen: fen) - decided,
                                             reason: "复核追溯（\(event)）：\(m) 核定 \(decided.yuanString) 元，已发放 \(Money(fen: fen).yuanString) 元",
                                             terminationID: nil)
        }
        try await audit(db, county: household.countyCode, actor: actor, action: "enrollment.\(Self.label(outcome))",
                        subject: householdID, detail: "\(programme.rawValue) \(date) from \(from)", householdID: householdID)
        return outcome
    }
}

extension EnrollmentStore {
    /// Members of the household supported as persons by a programme other than `programme` in `month`.
    public func supportedElsewhere(householdID: String, besides programme: Programme, month: YearMonth) async throws -> [ResidentID: Programme] {
        try await Self.supportedElsewhere(householdID: householdID, besides: programme, month: month, on: database)
    }

    /// Members of the household supported apart by a programme other than `programme` in `month` (特困, 孤儿:
    /// one person, one programme: they leave `programme`'s household count; field case C02).
    static func supportedElsewhere(householdID: String, besides programme: Programme, month: YearMonth,
                                   on db: any Database) async throws -> [ResidentID: Programme] {
        let sql = db.sql, sealed = try Sealed(db)
        struct Row: Decodable { var id: String; var residentId: String; var programme: String }
        let q = SQLQueryString("""
            SELECT m.id, m.resident_id, x.programme FROM enrollments x JOIN members m ON m.id = x.member_id
            WHERE m.household_id = \(bind: householdID) AND
            """) + SQLFragments.apart("x", besides: programme) + " AND " + SQLFragments.active("x", in: month)
        var out: [ResidentID: Programme] = [:]
        for r in try await sql.raw(q).all(decoding: Row.self, with: SQLSupport.decoder) {
            let programme: Programme = try Stored("enrollments").parse("programme", r.programme)
            out[try sealed.residentID("members", "resident_id", r.residentId, row: r.id)] = programme
        }
        return out
    }

    /// A household whose periodic review is due.
    public struct ReviewDue: Hashable, Sendable {
        public var householdID: String
        public var headName: String
        public var townshipCode: String
        public var lastDecided: CivilDate
        public var due: ReviewSchedule.Due
    }

    /// Households of a household programme (低保) enrolled in `asOf`'s month whose next review
    /// (`ReviewSchedule`) falls on or before `asOf + withinDays`, earliest first.
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func reviewsDue(programme: Programme, in scope: AccessScope, asOf: CivilDate, withinDays: Int = 30) async throws -> [ReviewDue] {
        struct Row: Decodable {
            var householdId: String; var townshipCode: String; var lastDecided: String?; var headName: String?; var able: Int
            var death: String?
        }
        // Able to work: counted, full or partial capacity, aged 18–59 on `asOf`.
        let youngest = CivilDate(year: asOf.year - 18, month: asOf.month, day: min(asOf.day, CivilDate.daysIn(year: asOf.year - 18, month: asOf.month)))!
        let oldest = CivilDate(year: asOf.year - 60, month: asOf.month, day: min(asOf.day, CivilDate.daysIn(year: asOf.year - 60, month: asOf.month)))!
        let q = SQLQueryString("""
            SELECT e.household_id, h.township_code,
              (SELECT MAX(d.decided_on) FROM decisions d WHERE d.household_id = e.household_id AND d.programme = e.programme
                 AND d.member_id IS NULL AND d.outcome IN ('approved', 'adjusted', 'reviewed')) AS last_decided,
              (SELECT m.name FROM members m WHERE m.household_id = e.household_id AND m.relationship = 'head') AS head_name,
              (SELECT COUNT(*) FROM members w WHERE w.household_id = e.household_id AND w.status = 'active'
                 AND w.work_capacity IN ('full', 'partial') AND w.birth_date <= \(bind: youngest.description)
                 AND w.birth_date > \(bind: oldest.description)) AS able,
              (SELECT MIN(x.status_since) FROM members x WHERE x.household_id = e.household_id AND x.status = 'deceased'
                 AND x.status_since IS NOT NULL) AS death
            FROM enrollments e JOIN households h ON h.id = e.household_id
            WHERE e.programme = \(bind: programme.rawValue) AND e.member_id IS NULL AND
            """) + SQLFragments.inScope("h", scope) + " AND " + SQLFragments.active("e", in: asOf.yearMonth)
        let t = Stored("decisions"), m = Stored("members")
        let horizon = asOf.adding(days: withinDays)
        var out: [ReviewDue] = []
        for r in try await database.sql.raw(q).all(decoding: Row.self, with: SQLSupport.decoder) {
            guard let last = try t.date("decided_on", r.lastDecided) else { continue }
            let death = try m.date("status_since", r.death).flatMap { $0 > last ? $0 : nil }
            let due = ReviewSchedule.due(lastDecided: last, ableToWork: r.able > 0, deathAfterDecision: death)
            guard due.date <= horizon else { continue }
            out.append(ReviewDue(householdID: r.householdId, headName: r.headName ?? "", townshipCode: r.townshipCode,
                                 lastDecided: last, due: due))
        }
        return out.sorted { ($0.due.date, $0.householdID) < ($1.due.date, $1.householdID) }
    }

    /// What `memberID` already receives in `month` from programmes other than `programme`: the household's
    /// 低保 (or other household programme) per counted person, exact, and the member's own enrollments. For
    /// 事实无人抚养儿童's difference (民发〔2019〕62号 §3).
    static func otherSupport(householdID: String, memberID: String, besides programme: Programme, month: YearMonth,
                             on sql: any SQLDatabase) async throws -> [OtherSupport] {
        struct Row: Decodable { var programme: String; var memberId: String?; var monthlyBenefitFen: Int64; var householdSize: Int }
        let q = SQLQueryString("""
            SELECT x.programme, x.member_id, x.monthly_benefit_fen, x.household_size FROM enrollments x
            WHERE x.household_id = \(bind: householdID) AND x.programme <> \(bind: programme.rawValue)
              AND (x.member_id IS NULL OR x.member_id = \(bind: memberID)) AND
            """) + SQLFragments.active("x", in: month) + SQLQueryString(" ORDER BY x.programme")
        let t = Stored("enrollments")
        return try await sql.raw(q).all(decoding: Row.self, with: SQLSupport.decoder).map { r in
            let p: Programme = try t.parse("programme", r.programme)
            guard r.memberId == nil else { return OtherSupport(p.shortChinese, FenRatio(Money(fen: r.monthlyBenefitFen))) }
            guard r.householdSize > 0 else { throw StoreError.unreadable(table: "enrollments", column: "household_size", value: "\(r.householdSize)") }
            return OtherSupport("\(p.shortChinese)（按户人均：\(Money(fen: r.monthlyBenefitFen).yuanString) ÷ \(r.householdSize) 人）",
                                FenRatio(numerator: r.monthlyBenefitFen, denominator: Int64(r.householdSize)))
        }
    }

    /// After a member is enrolled as a person from `month` (特困), the household's cases of other
    /// programmes (低保) that no member counts in any more stop at the month before, each with a
    /// recorded "stopped" decision whose trace says why (field case C02: 孙某's 低保 closes when his 特困
    /// starts). A household with members still counted is left to its review: until then its payroll
    /// line is held (MEMBERS_CHANGED), never paid for the person twice.
    /// - Returns: the programmes stopped.
    static func stopEmptiedHouseholdCases(householdID: String, from month: YearMonth, decidedOn date: CivilDate,
                                          actor: String, on db: any Database) async throws -> [Programme] {
        let sql = db.sql
        guard let household = try await RegistryStore(db).household(householdID) else { return [] }
        let policy = try await PolicyStore(db).policy(region: household.countyCode, month: month)
        var stopped: [Programme] = []
        for e in try await EnrollmentStore(db).enrollments(ofHousehold: householdID)
        where e.memberID == nil && (e.endMonth == nil || e.endMonth! >= month) && e.startMonth <= month {
            let rules = try e.programme.rules()
            let elsewhere = try await supportedElsewhere(householdID: householdID, besides: e.programme, month: month, on: db)
            let d = try rules.assess(AssessmentInput(household: household.composition, month: month,
                                                     supportedElsewhere: elsewhere), policy: policy)
            guard d.householdSize == 0 else { continue }
            var stop = SQLQueryString("UPDATE enrollments SET end_month = \(bind: month.previous.number) WHERE programme = \(bind: e.programme.rawValue) AND (end_month IS NULL OR end_month >= \(bind: month.number))")
            recipient(&stop, householdID: householdID, memberID: nil)
            try await sql.raw(stop).run()
            _ = try await DecisionRows.insert(
                on: sql, countyCode: household.countyCode, householdID: householdID, applicationID: nil, memberID: nil,
                outcome: "transferred", decidedOn: date, firstMonth: month, decision: d,
                trace: d.trace + [TraceLine("停发", "本户成员均已由其他项目按人保障，\(e.programme.shortChinese)自 \(month) 起停发", source: rules.reviewSource)])
            try await audit(db, county: household.countyCode, actor: actor, action: "enrollment.stopped",
                            subject: householdID, detail: "\(e.programme.rawValue) from \(month): members supported elsewhere", householdID: householdID)
            stopped.append(e.programme)
        }
        return stopped
    }

    /// Cancels the recipient's enrollments of `programme` that start after `month` (decided, not started),
    /// unless a batch already lists the recipient after `month`: that batch must be dealt with first.
    /// - Throws: `StoreError.conflict` naming the month of that batch.
    static func cancelPending(on sql: any SQLDatabase, programme: Programme, householdID: String, memberID: String?,
                              after month: YearMonth) async throws {
        struct Listed: Decodable { var month: Int }
        var pending = SQLQueryString("SELECT start_month AS month FROM enrollments WHERE programme = \(bind: programme.rawValue) AND start_month > \(bind: month.number)")
        recipient(&pending, householdID: householdID, memberID: memberID)
        guard try await sql.raw(pending).first(decoding: Listed.self) != nil else { return }
        if let listed = try await sql.raw("""
            SELECT b.month FROM payroll_lines l JOIN payroll_batches b ON b.id = l.batch_id
            WHERE b.programme = \(bind: programme.rawValue) AND l.recipient_key = \(bind: memberID ?? householdID)
              AND b.month > \(bind: month.number) ORDER BY b.month LIMIT 1
            """).first(decoding: Listed.self) {
            let listedMonth = try Stored("payroll_batches").month("month", listed.month)
            throw StoreError.conflict("\(listedMonth) 的\(programme.shortChinese)发放批次已列入该对象：请先作废该月草稿批次，或以 \(listedMonth) 之后的日期复核 (a batch already lists this recipient)")
        }
        var cancel = SQLQueryString("DELETE FROM enrollments WHERE programme = \(bind: programme.rawValue) AND start_month > \(bind: month.number)")
        recipient(&cancel, householdID: householdID, memberID: memberID)
        try await sql.raw(cancel).run()
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
