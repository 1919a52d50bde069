import Domain
import FluentKit
import Foundation
import SQLKit

/// The overpayment-recovery ledger (追缴台账, field case C16): what each household owes back by programme
/// (`overpayments`, written by terminations, reviews and by hand), and how it was settled
/// (`recovery_entries`). recovered + offset + waived + outstanding = owed, always.
public struct RecoveryStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    /// Records a month overpaid that no termination or review found (a duplicate subsidy, an audit finding).
    /// - Throws: `StoreError.conflict` when that month of that programme is owed already;
    ///   `RecoveryError.notPositive`; `StoreError.notFound` for an unknown household.
    public func recordOverpayment(countyCode: String, householdID: String, programme: Programme, month: YearMonth,
                                  amount: Money, reason: String, actor: String) async throws {
        guard amount > .zero else { throw RecoveryError.notPositive(amount.yuanString) }
        let why = reason.trimmingWhitespace()
        guard !why.isEmpty else { throw StoreError.outOfRange("多发原因必填 (a reason is required)") }
        struct Row: Decodable { var id: String }
        guard try await database.sql.raw("SELECT id FROM households WHERE id = \(bind: householdID) AND county_code = \(bind: countyCode)")
            .first(decoding: Row.self) != nil else { throw StoreError.notFound(what: "家庭", id: householdID) }
        if try await database.sql.raw("""
            SELECT id FROM overpayments WHERE household_id = \(bind: householdID) AND member_id IS NULL
              AND programme = \(bind: programme.rawValue) AND month = \(bind: month.number)
            """).first(decoding: Row.self) != nil {
            throw StoreError.conflict("该户 \(month) 的\(programme.shortChinese)多发款已登记，不能重复登记 (already owed)")
        }
        try await database.transaction { db in
            try await OverpaymentRows.insert(on: db.sql, countyCode: countyCode, householdID: householdID, memberID: nil,
                                             programme: programme, month: month.number, amount: amount, reason: why, terminationID: nil)
            try await audit(db, county: countyCode, actor: actor, action: "recovery.owed", subject: householdID,
                            detail: "\(programme.rawValue) \(month) \(amount.yuanString) \(why)", householdID: householdID)
        }
    }

    /// Settles part of what a household owes on a programme, checked by `RecoveryLedger.check`. An offset
    /// names a one-off grant (临时救助) of the same household still to be paid by payroll: the grant's line
    /// will carry the deduction, so the grant's gross, offset and paid amounts are all on it.
    /// - Throws: `RecoveryError` (a waiver without approval among them, field case C16);
    ///   `StoreError.conflict` for an offset against a grant of another household, not approved, paid at
    ///   once or already on a batch, or an offset that would take the whole grant.
    public func record(_ entry: RecoveryEntry, countyCode: String, householdID: String, programme: Programme,
                       actor: String) async throws {
        try await database.transaction { db in
            // One writer at a time per household account and per grant (PostgreSQL: the rows stay locked
            // until commit; a batch being generated locks the grants it pays the same way).
            try await db.sql.raw("UPDATE households SET id = id WHERE id = \(bind: householdID)").run()
            if let grant = entry.grantID {
                try await db.sql.raw("UPDATE temporary_cases SET updated_at = updated_at WHERE id = \(bind: grant)").run()
            }
            // The grant first: what is wrong with it is more to the point than the amount.
            if entry.kind == .offset, let grant = entry.grantID {
                struct G: Decodable { var householdId: String?; var state: String; var payment: String?; var amountFen: Int64? }
                guard let g = try await db.sql.raw("""
                    SELECT household_id, state, payment, amount_fen FROM temporary_cases WHERE id = \(bind: grant)
                    """).first(decoding: G.self, with: SQLSupport.decoder) else {
                    throw StoreError.notFound(what: "临时救助", id: grant)
                }
                guard g.householdId == householdID else {
                    throw StoreError.conflict("临时救助 \(grant) 不是本户的，不能抵扣 (a grant of another household)")
                }
                guard g.state == "approved", g.payment == TemporaryPayment.payroll.rawValue, let gross = g.amountFen else {
                    throw StoreError.conflict("只能从已批准、随发放批次发放的临时救助中抵扣 (only a grant to be paid by payroll)")
                }
                struct N: Decodable { var n: Int }
                if (try await db.sql.raw("SELECT COUNT(*) AS n FROM payroll_lines WHERE temporary_case_id = \(bind: grant)")
                    .first(decoding: N.self)?.n ?? 0) > 0 {
                    throw StoreError.conflict("临时救助 \(grant) 已列入发放批次，不能再抵扣 (already on a batch)")
                }
                let already = try await Self.offsets(grants: [grant], on: db.sql)[grant] ?? .zero
                guard already + entry.amount < Money(fen: gross) else {
                    throw StoreError.conflict("抵扣合计 \((already + entry.amount).yuanString) 元须少于该笔临时救助 \(Money(fen: gross).yuanString) 元 (an offset leaves part of the grant to pay)")
                }
            }
            let account = try await Self.account(householdID: householdID, programme: programme, on: db.sql)
            try RecoveryLedger.check(entry, against: account)
            try await db.sql.insert(into: "recovery_entries").columns(
                "id", "county_code", "household_id", "programme", "kind", "amount_fen", "entry_date", "reference", "grant_id", "note",
                "recorded_by", "recorded_at"
            ).values(SQLSupport.newID(), countyCode, householdID, programme.rawValue, entry.kind.rawValue, entry.amount.fen,
                     entry.date.description, entry.reference?.trimmingWhitespace(), entry.grantID, entry.note, actor, Date()).run()
            try await audit(db, county: countyCode, actor: actor, action: "recovery.\(entry.kind.rawValue)", subject: householdID,
                            detail: "\(programme.rawValue) \(entry.amount.yuanString)\(entry.reference.map { " 依据 \($0)" } ?? "")",
                            householdID: householdID)
        }
    }

    /// A household's account of one programme.
    public func account(householdID: String, programme: Programme) async throws -> RecoveryAccount {
        try await Self.account(householdID: householdID, programme: programme, on: database.sql)
    }

    static func account(householdID: String, programme: Programme, on sql: any SQLDatabase) async throws -> RecoveryAccount {
        struct Owed: Decodable { var total: Int64? }
        let owed = try await sql.raw("""
            SELECT CAST(SUM(amount_fen) AS BIGINT) AS total FROM overpayments
            WHERE household_id = \(bind: householdID) AND programme = \(bind: programme.rawValue)
            """).first(decoding: Owed.self)?.total ?? 0
        return RecoveryAccount(householdID: householdID, programme: programme, owed: Money(fen: owed),
                               entries: try await entries(householdIDs: [householdID], on: sql)[householdID]?[programme] ?? [])
    }

    /// Every account of the county with something owed, by household and programme.
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func accounts(countyCode: String) async throws -> [RecoveryAccount] {
        struct Owed: Decodable { var householdId: String; var programme: String; var total: Int64 }
        let rows = try await database.sql.raw("""
            SELECT household_id, programme, CAST(SUM(amount_fen) AS BIGINT) AS total FROM overpayments
            WHERE county_code = \(bind: countyCode) GROUP BY household_id, programme ORDER BY household_id, programme
            """).all(decoding: Owed.self, with: SQLSupport.decoder)
        var entries: [String: [Programme: [RecoveryEntry]]] = [:]
        for chunk in SQLSupport.chunks(Array(Set(rows.map(\.householdId)))) {
            entries.merge(try await Self.entries(householdIDs: chunk, on: database.sql)) { a, _ in a }
        }
        let t = Stored("overpayments")
        return try rows.map { r in
            let p: Programme = try t.parse("programme", r.programme)
            return RecoveryAccount(householdID: r.householdId, programme: p, owed: Money(fen: r.total),
                                   entries: entries[r.householdId]?[p] ?? [])
        }
    }

    static func entries(householdIDs: [String], on sql: any SQLDatabase) async throws -> [String: [Programme: [RecoveryEntry]]] {
        guard !householdIDs.isEmpty else { return [:] }
        struct Row: Decodable {
            var householdId: String; var programme: String; var kind: String; var amountFen: Int64; var entryDate: String
            var reference: String?; var grantId: String?; var note: String
        }
        let t = Stored("recovery_entries")
        var out: [String: [Programme: [RecoveryEntry]]] = [:]
        for r in try await sql.raw("""
            SELECT household_id, programme, kind, amount_fen, entry_date, reference, grant_id, note FROM recovery_entries
            WHERE household_id IN (\(binds: householdIDs)) ORDER BY entry_date, recorded_at
            """).all(decoding: Row.self, with: SQLSupport.decoder) {
            let p: Programme = try t.parse("programme", r.programme)
            out[r.householdId, default: [:]][p, default: []].append(
                RecoveryEntry(kind: try t.parse("kind", r.kind), amount: Money(fen: r.amountFen), date: try t.date("entry_date", r.entryDate),
                              reference: r.reference, grantID: r.grantId, note: r.note))
        }
        return out
    }

    /// Offsets recorded against each grant (fen), for the payroll line that pays it.
    static func offsets(grants: [String], on sql: any SQLDatabase) async throws -> [String: Money] {
        guard !grants.isEmpty else { return [:] }
        struct Row: Decodable { var grantId: String; var total: Int64 }
        var out: [String: Money] = [:]
        for chunk in SQLSupport.chunks(grants) {
            for r in try await sql.raw("""
                SELECT grant_id, CAST(SUM(amount_fen) AS BIGINT) AS total FROM recovery_entries
                WHERE kind = 'offset' AND grant_id IN (\(binds: chunk)) GROUP BY grant_id
                """).all(decoding: Row.self, with: SQLSupport.decoder) { out[r.grantId] = Money(fen: r.total) }
        }
        return out
    }
}
