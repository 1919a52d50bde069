import Domain
import FluentKit
import Foundation
import SQLKit

/// A payroll batch header as stored.
public struct PayrollBatch: Hashable, Sendable {
    public var id: String
    public var countyCode: String
    public var programme: Programme
    public var month: YearMonth
    public var state: PayrollState
    public var lineCount: Int
    public var total: Money
    public var createdAt: Date
    public var approvedBy: String?
    public var exportedAt: Date?

    public init(id: String, countyCode: String, programme: Programme, month: YearMonth, state: PayrollState,
                lineCount: Int, total: Money, createdAt: Date, approvedBy: String?, exportedAt: Date?) {
        self.id = id
        self.countyCode = countyCode
        self.programme = programme
        self.month = month
        self.state = state
        self.lineCount = lineCount
        self.total = total
        self.createdAt = createdAt
        self.approvedBy = approvedBy
        self.exportedAt = exportedAt
    }
}

/// Totals of a batch by township, for review before approval.
public struct PayrollTownshipTotal: Hashable, Sendable {
    public var townshipCode: String
    public var lineCount: Int
    public var total: Money
}

/// Payroll batches: generated once per county, programme and month; approval freezes; export pays.
public struct PayrollStore: Sendable {
    let database: any Database
    public let policyBook: PolicyBook
    /// Today in China: a batch may be prepared for next month at the latest.
    public let today: @Sendable () -> CivilDate

    public init(_ database: any Database, policyBook: PolicyBook = .bundled,
                today: @escaping @Sendable () -> CivilDate = ChinaClock.today) {
        self.database = database
        self.policyBook = policyBook
        self.today = today
    }

    /// The result of asking for a month's batch.
    public struct Generation: Sendable {
        public var batch: PayrollBatch
        /// False when the month's batch already existed and came back unchanged.
        public var created: Bool
        public var holds: [PayrollHold]
    }

    /// Generates the 低保 batch of `month`, or returns the existing one: a month is never paid twice.
    /// Months after next month are refused.
    ///
    /// Lines copy the payee, ID and bank account from the registry (field case C08: later edits never
    /// change a generated batch). The unique key (county, programme, month) makes a race between two
    /// clerks end with one batch.
    /// - Throws: `PayrollError.noPolicy` when no policy is in force for the month.
    public func generate(month: YearMonth, countyCode: String, actor: String) async throws -> Generation {
        let latest = today().yearMonth.next
        guard month <= latest else { throw PayrollError.tooFarAhead(month: month, latest: latest) }
        do { _ = try policyBook.policy(region: countyCode, month: month) } catch { throw PayrollError.noPolicy(error) }
        if let existing = try await batch(countyCode: countyCode, programme: .dibao, month: month) {
            return Generation(batch: existing, created: false, holds: try await self.holds(of: existing.id))
        }
        let payable = try await payableEnrollments(countyCode: countyCode, month: month)
        let (lines, holds) = PayrollPlan.lines(for: payable)
        let id = SQLSupport.newID()
        let total = lines.reduce(Money.zero) { $0 + $1.amount }
        let now = Date()
        do {
            try await database.transaction { db in
                let sql = db.sql
                try await sql.insert(into: "payroll_batches").columns(
                    "id", "county_code", "programme", "month", "state", "line_count", "total_fen", "created_at",
                    "created_by"
                ).values(id, countyCode, Programme.dibao.rawValue, month.number, PayrollState.draft.rawValue,
                         lines.count, total.fen, now, actor).run()
                let rows: [[any Encodable & Sendable]] = lines.enumerated().map { i, l in
                    [SQLSupport.newID(), id, i + 1, l.householdID, l.townshipCode, l.villageCode, l.area.rawValue,
                     l.payeeName, l.payeeResidentID.value, l.bankAccount, l.householdSize, l.amount.fen]
                }
                try await SQLSupport.insert(into: "payroll_lines", columns: [
                    "id", "batch_id", "seq", "household_id", "township_code", "village_code", "area", "payee_name",
                    "payee_resident_id", "bank_account", "household_size", "amount_fen",
                ], rows: rows, on: sql)
                try await SQLSupport.insert(into: "payroll_holds", columns: ["id", "batch_id", "household_id", "payee_name", "reason"],
                                            rows: holds.map { [SQLSupport.newID(), id, $0.householdID, $0.payeeName, $0.reason] },
                                            on: sql)
                try await audit(sql, county: countyCode, actor: actor, action: "payroll.generate", subject: id,
                                detail: "\(month) lines \(lines.count) total \(total.yuanString)")
            }
        } catch {
            // Another clerk generated the month meanwhile: the unique key refused ours; return theirs.
            if let existing = try await batch(countyCode: countyCode, programme: .dibao, month: month) {
                return Generation(batch: existing, created: false, holds: [])
            }
            throw error
        }
        return Generation(batch: try await batch(id: id), created: true, holds: holds)
    }

    /// Active 低保 enrollments of `month` with the payee's details and the members counted now.
    public func payableEnrollments(countyCode: String, month: YearMonth) async throws -> [PayableEnrollment] {
        struct Row: Decodable {
            var householdId: String; var townshipCode: String; var villageCode: String; var area: String
            var monthlyBenefitFen: Int64; var householdSize: Int; var bankAccount: String?
            var payeeName: String?; var payeeResidentId: String?; var countedMembers: Int
        }
        let q: SQLQueryString = """
            SELECT e.household_id, h.township_code, h.village_code, e.area, e.monthly_benefit_fen, e.household_size,
              h.bank_account, p.name AS payee_name, p.resident_id AS payee_resident_id,
              (SELECT COUNT(*) FROM members c WHERE c.household_id = h.id AND c.status = 'active') AS counted_members
            FROM enrollments e
            JOIN households h ON h.id = e.household_id
            LEFT JOIN members p ON p.household_id = h.id AND p.status = 'active' AND
              ((h.payee_resident_id IS NULL AND p.relationship = 'head') OR p.resident_id = h.payee_resident_id)
            WHERE e.county_code = \(bind: countyCode) AND e.programme = 'dibao'
              AND e.start_month <= \(bind: month.number) AND (e.end_month IS NULL OR e.end_month >= \(bind: month.number))
            ORDER BY h.township_code, h.village_code, e.household_id
            """
        let rows = try await database.sql.raw(q).all(decoding: Row.self, with: SQLSupport.decoder)
        return rows.map { r in
            PayableEnrollment(householdID: r.householdId, townshipCode: r.townshipCode, villageCode: r.villageCode,
                              area: Area(rawValue: r.area) ?? .rural, monthlyBenefit: Money(fen: r.monthlyBenefitFen),
                              householdSize: r.householdSize, payeeName: r.payeeName,
                              payeeResidentID: r.payeeResidentId.map(ResidentID.init(trustedNormalized:)),
                              bankAccount: r.bankAccount, countedMembers: r.countedMembers)
        }
    }

    /// draft → approved: the batch is frozen from here on.
    public func approve(_ id: String, actor: String) async throws -> PayrollBatch {
        try await transition(id, to: .approved, actor: actor, column: "approved")
    }

    /// approved → exported: the bank file was produced; the money counts as spent.
    public func markExported(_ id: String, actor: String) async throws -> PayrollBatch {
        try await transition(id, to: .exported, actor: actor, column: "exported")
    }

    /// Deletes a draft batch so it can be generated again from the current registry (never an approved one).
    public func discardDraft(_ id: String, actor: String) async throws {
        try await database.transaction { db in
            let b = try await batch(id: id, on: db)
            guard b.state == .draft else { throw PayrollError.invalidTransition(from: b.state, to: .draft) }
            try await db.sql.delete(from: "payroll_lines").where(SQLIdentifier("batch_id"), .equal, id).run()
            try await db.sql.delete(from: "payroll_batches").where(SQLIdentifier("id"), .equal, id).run()
            try await audit(db.sql, county: b.countyCode, actor: actor, action: "payroll.discard", subject: id,
                            detail: "\(b.month)")
        }
    }

    func transition(_ id: String, to next: PayrollState, actor: String, column: String) async throws -> PayrollBatch {
        try await database.transaction { db in
            let b = try await batch(id: id, on: db)
            try PayrollPlan.transition(from: b.state, to: next)
            // The state guard in WHERE makes a concurrent second approval a no-op that we detect.
            try await db.sql.update("payroll_batches").set("state", to: next.rawValue)
                .set(SQLIdentifier("\(column)_at"), to: Date()).set(SQLIdentifier("\(column)_by"), to: actor)
                .where(SQLIdentifier("id"), .equal, id).where(SQLIdentifier("state"), .equal, b.state.rawValue).run()
            try await audit(db.sql, county: b.countyCode, actor: actor, action: "payroll.\(next.rawValue)",
                            subject: id, detail: "\(b.month)")
            return try await batch(id: id, on: db)
        }
    }

    struct BatchRow: Decodable {
        var id: String; var countyCode: String; var programme: String; var month: Int; var state: String
        var lineCount: Int; var totalFen: Int64; var createdAt: Date; var approvedBy: String?; var exportedAt: Date?
    }

    static func map(_ r: BatchRow) -> PayrollBatch {
        PayrollBatch(id: r.id, countyCode: r.countyCode, programme: Programme(rawValue: r.programme) ?? .dibao,
                     month: YearMonth(number: r.month)!, state: PayrollState(rawValue: r.state) ?? .draft,
                     lineCount: r.lineCount, total: Money(fen: r.totalFen), createdAt: r.createdAt,
                     approvedBy: r.approvedBy, exportedAt: r.exportedAt)
    }

    public func batch(id: String) async throws -> PayrollBatch { try await batch(id: id, on: database) }

    func batch(id: String, on db: any Database) async throws -> PayrollBatch {
        guard let r = try await db.sql.select().column("*").from("payroll_batches").where(SQLIdentifier("id"), .equal, id)
            .first(decoding: BatchRow.self, with: SQLSupport.decoder)
        else { throw PayrollError.batchNotFound(id) }
        return Self.map(r)
    }

    public func batch(countyCode: String, programme: Programme, month: YearMonth) async throws -> PayrollBatch? {
        try await database.sql.select().column("*").from("payroll_batches")
            .where(SQLIdentifier("county_code"), .equal, countyCode)
            .where(SQLIdentifier("programme"), .equal, programme.rawValue)
            .where(SQLIdentifier("month"), .equal, month.number)
            .first(decoding: BatchRow.self, with: SQLSupport.decoder).map(Self.map)
    }

    public func batches(countyCode: String) async throws -> [PayrollBatch] {
        try await database.sql.select().column("*").from("payroll_batches")
            .where(SQLIdentifier("county_code"), .equal, countyCode).orderBy("month", .descending)
            .all(decoding: BatchRow.self, with: SQLSupport.decoder).map(Self.map)
    }

    /// Lines of a batch in file order.
    public func lines(of batchID: String, limit: Int? = nil, offset: Int = 0) async throws -> [PayrollLine] {
        struct Row: Decodable {
            var householdId: String; var townshipCode: String; var villageCode: String; var area: String
            var payeeName: String; var payeeResidentId: String; var bankAccount: String; var householdSize: Int
            var amountFen: Int64
        }
        var q = database.sql.select().column("*").from("payroll_lines").where(SQLIdentifier("batch_id"), .equal, batchID)
            .orderBy("seq")
        // SQLite accepts OFFSET only after LIMIT.
        if let limit { q = q.limit(limit).offset(offset) }
        return try await q.all(decoding: Row.self, with: SQLSupport.decoder).map { r in
            PayrollLine(householdID: r.householdId, townshipCode: r.townshipCode, villageCode: r.villageCode,
                        area: Area(rawValue: r.area) ?? .rural, payeeName: r.payeeName,
                        payeeResidentID: ResidentID(trustedNormalized: r.payeeResidentId), bankAccount: r.bankAccount,
                        householdSize: r.householdSize, amount: Money(fen: r.amountFen))
        }
    }

    /// Households held out of a batch when it was generated, with the reason.
    public func holds(of batchID: String) async throws -> [PayrollHold] {
        struct Row: Decodable { var householdId: String; var payeeName: String; var reason: String }
        return try await database.sql.select().columns("household_id", "payee_name", "reason").from("payroll_holds")
            .where(SQLIdentifier("batch_id"), .equal, batchID).orderBy("household_id")
            .all(decoding: Row.self, with: SQLSupport.decoder)
            .map { PayrollHold(householdID: $0.householdId, payeeName: $0.payeeName, reason: $0.reason) }
    }

    public func townshipTotals(of batchID: String) async throws -> [PayrollTownshipTotal] {
        struct Row: Decodable { var townshipCode: String; var n: Int; var total: Int64 }
        return try await database.sql.raw("""
            SELECT township_code, COUNT(*) AS n, CAST(SUM(amount_fen) AS BIGINT) AS total FROM payroll_lines
            WHERE batch_id = \(bind: batchID) GROUP BY township_code ORDER BY township_code
            """).all(decoding: Row.self, with: SQLSupport.decoder).map {
            PayrollTownshipTotal(townshipCode: $0.townshipCode, lineCount: $0.n, total: Money(fen: $0.total))
        }
    }

    /// Payments made to one household (exported or not), newest first.
    public func payments(ofHousehold id: String) async throws -> [(month: YearMonth, state: PayrollState, amount: Money)] {
        struct Row: Decodable { var month: Int; var state: String; var amountFen: Int64 }
        return try await database.sql.raw("""
            SELECT b.month, b.state, l.amount_fen FROM payroll_lines l JOIN payroll_batches b ON b.id = l.batch_id
            WHERE l.household_id = \(bind: id) ORDER BY b.month DESC
            """).all(decoding: Row.self, with: SQLSupport.decoder).map {
            (YearMonth(number: $0.month)!, PayrollState(rawValue: $0.state) ?? .draft, Money(fen: $0.amountFen))
        }
    }
}
