import Domain
import FluentKit
import Foundation
import SQLKit

/// An enrollment: a household receiving a programme's monthly benefit from a month.
public struct Enrollment: Hashable, Sendable {
    public var householdID: String
    public var programme: Programme
    public var area: Area
    public var householdSize: Int
    public var monthlyBenefit: Money
    public var startMonth: YearMonth
    public var endMonth: YearMonth?
}

/// Enrollments and decisions.
public struct EnrollmentStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    /// Starts an enrollment from `from`, ending any earlier open one of the same programme the month before.
    static func enroll(on sql: any SQLDatabase, countyCode: String, householdID: String, programme: Programme,
                       area: Area, size: Int, benefit: Money, from: YearMonth, decisionID: String) async throws {
        try await sql.update("enrollments").set("end_month", to: from.previous.number)
            .where(SQLIdentifier("household_id"), .equal, householdID)
            .where(SQLIdentifier("programme"), .equal, programme.rawValue)
            .where(SQLIdentifier("end_month"), .is, SQLLiteral.null).run()
        try await sql.insert(into: "enrollments").columns(
            "id", "county_code", "household_id", "programme", "area", "household_size", "monthly_benefit_fen",
            "start_month", "end_month", "decision_id"
        ).values(SQLSupport.newID(), countyCode, householdID, programme.rawValue, area.rawValue, size, benefit.fen,
                 from.number, Optional<Int>.none, decisionID).run()
    }

    /// A decision to record in bulk (demo county): the assessment and its household.
    public struct BulkDecision: Sendable {
        public var householdID: String
        public var countyCode: String
        public var decidedOn: CivilDate
        public var decision: DibaoDecision

        public init(householdID: String, countyCode: String, decidedOn: CivilDate, decision: DibaoDecision) {
            self.householdID = householdID
            self.countyCode = countyCode
            self.decidedOn = decidedOn
            self.decision = decision
        }
    }

    /// Writes approved 低保 decisions and their enrollments with multi-row inserts. Callers wrap it in
    /// their own transaction.
    public static func bulkApprove(_ items: [BulkDecision], on db: any Database) async throws {
        var decisions: [[any Encodable & Sendable]] = []
        var enrollments: [[any Encodable & Sendable]] = []
        for item in items {
            let id = SQLSupport.newID()
            let d = item.decision
            decisions.append([id, item.countyCode, item.householdID, Optional<String>.none, Programme.dibao.rawValue,
                              "approved", item.decidedOn.description, d.month.number, d.area.rawValue, d.householdSize,
                              d.monthlyBenefit.fen, d.policyVersion, try SQLSupport.encode(d.trace)])
            enrollments.append([SQLSupport.newID(), item.countyCode, item.householdID, Programme.dibao.rawValue,
                                d.area.rawValue, d.householdSize, d.monthlyBenefit.fen, d.month.number,
                                Optional<Int>.none, id])
        }
        try await SQLSupport.insert(into: "decisions", columns: [
            "id", "county_code", "household_id", "application_id", "programme", "outcome", "decided_on", "first_month",
            "area", "household_size", "monthly_benefit_fen", "policy_version", "trace",
        ], rows: decisions, on: db.sql)
        try await SQLSupport.insert(into: "enrollments", columns: [
            "id", "county_code", "household_id", "programme", "area", "household_size", "monthly_benefit_fen",
            "start_month", "end_month", "decision_id",
        ], rows: enrollments, on: db.sql)
    }

    public func decisions(ofHousehold id: String) async throws -> [DecisionRecord] {
        struct Row: Decodable {
            var id: String; var programme: String; var outcome: String; var decidedOn: String; var firstMonth: Int?
            var householdSize: Int; var monthlyBenefitFen: Int64; var policyVersion: String; var trace: String
        }
        let rows = try await database.sql.select().column("*").from("decisions")
            .where(SQLIdentifier("household_id"), .equal, id).orderBy("decided_on", .descending)
            .all(decoding: Row.self, with: SQLSupport.decoder)
        return try rows.map {
            DecisionRecord(id: $0.id, programme: Programme(rawValue: $0.programme) ?? .dibao, outcome: $0.outcome,
                           decidedOn: try CivilDate(parsing: $0.decidedOn), firstMonth: $0.firstMonth.flatMap(YearMonth.init(number:)),
                           householdSize: $0.householdSize, monthlyBenefit: Money(fen: $0.monthlyBenefitFen),
                           policyVersion: $0.policyVersion, trace: try SQLSupport.decode([TraceLine].self, from: $0.trace))
        }
    }

    public func enrollments(ofHousehold id: String) async throws -> [Enrollment] {
        struct Row: Decodable {
            var householdId: String; var programme: String; var area: String; var householdSize: Int
            var monthlyBenefitFen: Int64; var startMonth: Int; var endMonth: Int?
        }
        return try await database.sql.select().column("*").from("enrollments")
            .where(SQLIdentifier("household_id"), .equal, id).orderBy("start_month")
            .all(decoding: Row.self, with: SQLSupport.decoder).map {
                Enrollment(householdID: $0.householdId, programme: Programme(rawValue: $0.programme) ?? .dibao,
                           area: Area(rawValue: $0.area) ?? .rural, householdSize: $0.householdSize,
                           monthlyBenefit: Money(fen: $0.monthlyBenefitFen),
                           startMonth: YearMonth(number: $0.startMonth)!, endMonth: $0.endMonth.flatMap(YearMonth.init(number:)))
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
    }

    /// 复核 (periodic or after a change): re-assesses an enrolled household as registered now, under the
    /// policy of the month after `date`, and records the decision with its trace, in one transaction.
    /// - Throws: `StoreError.notFound` when the household has no current 低保 enrollment;
    ///   `WorkflowError.dateInFuture`; `PolicyError`.
    public func review(householdID: String, on date: CivilDate, actor: String, policyBook: PolicyBook = .bundled,
                       today: CivilDate) async throws -> ReviewOutcome {
        if date > today { throw WorkflowError.dateInFuture(date, today: today) }
        return try await database.transaction { db in
            let sql = db.sql
            let from = date.yearMonth.next
            guard let current = try await EnrollmentStore(db).enrollments(ofHousehold: householdID)
                .last(where: { $0.programme == .dibao && ($0.endMonth == nil || $0.endMonth! >= date.yearMonth) }),
                  let household = try await RegistryStore(db).household(householdID)
            else { throw StoreError.notFound(what: "在保低保家庭", id: householdID) }
            let policy = try policyBook.policy(region: household.countyCode, month: from)
            let d = DibaoAssessment.assess(household.composition, month: from, policy: policy)
            let outcome: ReviewOutcome
            if !d.eligible || d.monthlyBenefit == .zero {
                try await sql.update("enrollments").set("end_month", to: date.yearMonth.number)
                    .where(SQLIdentifier("household_id"), .equal, householdID)
                    .where(SQLIdentifier("programme"), .equal, Programme.dibao.rawValue)
                    .where(SQLIdentifier("start_month"), .lessThanOrEqual, date.yearMonth.number)
                    .where(SQLGroupExpression(SQLBinaryExpression(SQLIdentifier("end_month"), .is, SQLLiteral.null))).run()
                // An enrollment that had not started yet is cancelled outright.
                try await sql.delete(from: "enrollments").where(SQLIdentifier("household_id"), .equal, householdID)
                    .where(SQLIdentifier("start_month"), .greaterThan, date.yearMonth.number).run()
                outcome = .stopped(lastMonth: date.yearMonth)
            } else if d.monthlyBenefit == current.monthlyBenefit && d.householdSize == current.householdSize {
                outcome = .unchanged(d.monthlyBenefit)
            } else {
                outcome = .adjusted(from: from, old: current.monthlyBenefit, new: d.monthlyBenefit)
            }
            let decisionID = SQLSupport.newID()
            let label: String
            switch outcome {
            case .unchanged: label = "reviewed"
            case .adjusted: label = "adjusted"
            case .stopped: label = "stopped"
            }
            try await sql.insert(into: "decisions").columns(
                "id", "county_code", "household_id", "application_id", "programme", "outcome", "decided_on", "first_month",
                "area", "household_size", "monthly_benefit_fen", "policy_version", "trace"
            ).values(decisionID, household.countyCode, householdID, Optional<String>.none, Programme.dibao.rawValue, label,
                     date.description, from.number, household.area.rawValue, d.householdSize, d.monthlyBenefit.fen,
                     d.policyVersion, try SQLSupport.encode(d.trace + [TraceLine("复核", "复核日期 \(date)，经办人 \(actor)",
                                                                                      source: "民发〔2021〕57号 第31条、第32条")])).run()
            if case .adjusted = outcome {
                try await Self.enroll(on: sql, countyCode: household.countyCode, householdID: householdID, programme: .dibao,
                                      area: household.area, size: d.householdSize, benefit: d.monthlyBenefit, from: from,
                                      decisionID: decisionID)
            }
            try await audit(sql, county: household.countyCode, actor: actor, action: "enrollment.\(label)",
                            subject: householdID, detail: "\(date)")
            return outcome
        }
    }
}
