import Domain
import FluentKit
import Foundation
import SQLKit

/// The county's allocation plans (资金分配方案): proposed, reviewed, decided by the party group meeting,
/// co-signed by the finance bureau, issued by a joint document; each step's actor and time kept. An issued
/// plan's shares are money in the programmes' accounts from the day it was issued.
public struct AllocationPlanStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    public struct Plan: Hashable, Sendable {
        public var id: String
        public var year: Int
        public var title: String
        public var lines: [AllocationPlanLine]
        public var steps: [AllocationPlanRecord]
        public var last: AllocationPlanStep { steps.last?.step ?? .proposed }
        public var issuedOn: CivilDate?
    }

    /// A new plan (step `proposed`), checked against the pooled money of each source received in `year`
    /// less what earlier plans of the year allocated.
    /// - Throws: `AllocationPlanError.noLines`, `.moreThanReceived`; `StoreError.outOfRange` without a title.
    public func propose(year: Int, title: String, lines: [AllocationPlanLine], countyCode: String, actor: String,
                        note: String = "") async throws -> String {
        let name = title.trimmingWhitespace()
        guard !name.isEmpty, name.count <= 100 else { throw StoreError.outOfRange("分配方案名称必填，不超过 100 字 (a title is required)") }
        guard lines.allSatisfy({ $0.amount > .zero }) else { throw RecoveryError.notPositive("0") }
        var received: [FundingSource: Money] = [:]
        for a in try await FundStore(database).allocations(countyCode: countyCode, year: year) where a.programme == nil {
            received[a.source, default: .zero] += a.amount
        }
        for p in try await plans(year: year, countyCode: countyCode) {
            for l in p.lines { received[l.source, default: .zero] = (received[l.source] ?? .zero) - l.amount }
        }
        try AllocationPlanRules.check(lines, received: received)
        let id = SQLSupport.newID()
        try await database.transaction { db in
            try await db.sql.insert(into: "allocation_plans").columns("id", "county_code", "year", "title", "state")
                .values(id, countyCode, year, name, AllocationPlanStep.proposed.rawValue).run()
            for l in lines {
                try await db.sql.insert(into: "allocation_plan_lines").columns("id", "plan_id", "programme", "source", "amount_fen")
                    .values(SQLSupport.newID(), id, l.programme.rawValue, l.source.rawValue, l.amount.fen).run()
            }
            try await db.sql.insert(into: "allocation_plan_steps").columns("id", "plan_id", "step", "actor", "at", "reference", "note")
                .values(SQLSupport.newID(), id, AllocationPlanStep.proposed.rawValue, actor, Date(), nil as String?, note).run()
            try await audit(db, county: countyCode, actor: actor, action: "allocation-plan.proposed", subject: id,
                            detail: "\(year) \(name) " + lines.map { "\($0.programme.rawValue)/\($0.source.rawValue) \($0.amount.yuanString)" }.joined(separator: ", "))
        }
        return id
    }

    /// The next step of a plan, in order, by its actor now; `issued` dates the plan's shares.
    /// - Throws: `AllocationPlanError` (out of order, a reference missing, the same person reviewing what
    ///   they proposed); `StoreError.notFound`.
    public func advance(_ planID: String, to step: AllocationPlanStep, reference: String?, note: String, on day: CivilDate,
                        actor: String) async throws {
        try await database.transaction { db in
            try await SQLSupport.lockRow("allocation_plans", id: planID, on: db)
            guard let plan = try await Self.plan(planID, on: db.sql) else { throw StoreError.notFound(what: "分配方案", id: planID) }
            try AllocationPlanRules.advance(from: plan.last, to: step, lastActor: plan.steps.last?.actor ?? "", actor: actor,
                                            reference: reference)
            try await db.sql.insert(into: "allocation_plan_steps").columns("id", "plan_id", "step", "actor", "at", "reference", "note")
                .values(SQLSupport.newID(), planID, step.rawValue, actor, Date(), reference?.trimmingWhitespace(), note).run()
            try await db.sql.raw("""
                UPDATE allocation_plans SET state = \(bind: step.rawValue), issued_on = \(bind: step == .issued ? day.description : nil)
                WHERE id = \(bind: planID)
                """).run()
            struct C: Decodable { var countyCode: String }
            let county = try await db.sql.raw("SELECT county_code FROM allocation_plans WHERE id = \(bind: planID)").first(decoding: C.self, with: SQLSupport.decoder)?.countyCode ?? ""
            try await audit(db, county: county, actor: actor, action: "allocation-plan.\(step.rawValue)", subject: planID,
                            detail: reference ?? "")
        }
    }

    public func plans(year: Int, countyCode: String) async throws -> [Plan] {
        struct Row: Decodable { var id: String }
        var out: [Plan] = []
        for r in try await database.sql.raw("""
            SELECT id FROM allocation_plans WHERE county_code = \(bind: countyCode) AND year = \(bind: year) ORDER BY id
            """).all(decoding: Row.self) {
            if let p = try await Self.plan(r.id, on: database.sql) { out.append(p) }
        }
        return out
    }

    static func plan(_ id: String, on sql: any SQLDatabase) async throws -> Plan? {
        struct P: Decodable { var id: String; var year: Int; var title: String; var issuedOn: String? }
        guard let p = try await sql.raw("SELECT id, year, title, issued_on FROM allocation_plans WHERE id = \(bind: id)")
            .first(decoding: P.self, with: SQLSupport.decoder) else { return nil }
        struct L: Decodable { var programme: String; var source: String; var amountFen: Int64 }
        struct S: Decodable { var step: String; var actor: String; var at: Date; var reference: String?; var note: String }
        let t = Stored("allocation_plan_lines")
        let lines = try await sql.raw("SELECT programme, source, amount_fen FROM allocation_plan_lines WHERE plan_id = \(bind: id) ORDER BY programme, source")
            .all(decoding: L.self, with: SQLSupport.decoder).map {
                AllocationPlanLine(programme: try t.parse("programme", $0.programme), source: try t.parse("source", $0.source),
                                   amount: Money(fen: $0.amountFen))
            }
        let order = AllocationPlanStep.allCases
        let steps = try await sql.raw("SELECT step, actor, at, reference, note FROM allocation_plan_steps WHERE plan_id = \(bind: id)")
            .all(decoding: S.self, with: SQLSupport.decoder).map {
                AllocationPlanRecord(step: try Stored("allocation_plan_steps").parse("step", $0.step), actor: $0.actor,
                                     at: ChinaClock.beijingTime($0.at), reference: $0.reference, note: $0.note)
            }.sorted { order.firstIndex(of: $0.step)! < order.firstIndex(of: $1.step)! }
        return Plan(id: p.id, year: p.year, title: p.title, lines: lines, steps: steps,
                    issuedOn: try Stored("allocation_plans").date("issued_on", p.issuedOn))
    }

    /// The issued plans' shares for `programme`, dated the day each plan was issued (money in its account).
    static func issuedShares(countyCode: String, programme: Programme, through: CivilDate, on sql: any SQLDatabase) async throws -> [FundReceipt] {
        struct Row: Decodable { var issuedOn: String; var amountFen: Int64; var title: String; var source: String }
        let t = Stored("allocation_plans")
        return try await sql.raw("""
            SELECT p.issued_on, l.amount_fen, p.title, l.source FROM allocation_plan_lines l JOIN allocation_plans p ON p.id = l.plan_id
            WHERE p.county_code = \(bind: countyCode) AND p.state = 'issued' AND l.programme = \(bind: programme.rawValue)
              AND p.issued_on <= \(bind: through.description)
            """).all(decoding: Row.self, with: SQLSupport.decoder).map {
            let source: FundingSource = try Stored("allocation_plan_lines").parse("source", $0.source)
            return FundReceipt(date: try t.date("issued_on", $0.issuedOn), amount: Money(fen: $0.amountFen),
                               reference: "分配方案“\($0.title)” \(source.chinese)")
        }
    }
}
