import FluentKit
import SQLKit

/// Back pay (补发, docs/adr/0016-back-pay.md).
///
/// - A payroll batch gets a `kind`: `regular` (one per county, programme and month, as before) or
///   `back-pay` (one per county, programme and the month it is paid in). The unique key becomes
///   (county, programme, month, kind). SQLite cannot drop a table constraint, so there the table is
///   rebuilt with foreign keys off (dropping it with them on would cascade to every line); PostgreSQL
///   swaps the constraint in place.
/// - `back_pay_items`: each month a back-pay line settles, with what was owed, paid and the trace, so
///   a month is never paid twice (the items of every batch count as paid).
/// - `decisions.input`: the assessment input a decision was computed from, so a standard signed later
///   (调标) recomputes the same facts under the new figures. NULL for decisions recorded before.
/// - `members.dibao_tier`: the 分档 tier code the township assigned (ADR 0015); NULL: none.
/// - `applications.refusal_notice_pending`: a refusal whose written notice (DB-2021 Art. 21, 3 WD) is not
///   recorded as delivered; false for refusals recorded before (their delivery is not known).
///
/// Idempotent like 0008: a process killed after the schema changed but before Fluent recorded the
/// migration finds the schema in place.
struct M0015BackPay: AsyncMigration {
    var name: String { "0015_BackPay" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if !(try await MigrationProbe.columnExists("kind", in: "payroll_batches", on: database)) {
            if sql.dialect.name == "sqlite" {
                try await rebuildBatchesOnSQLite(database)
            } else {
                try await database.transaction { db in
                    let sql = db as! any SQLDatabase
                    try await sql.raw("ALTER TABLE payroll_batches ADD COLUMN kind TEXT NOT NULL DEFAULT 'regular'").run()
                    try await sql.raw("ALTER TABLE payroll_batches DROP CONSTRAINT uq_payroll_batches_month").run()
                    try await sql.raw("ALTER TABLE payroll_batches ADD CONSTRAINT uq_payroll_batches_kind UNIQUE (county_code, programme, month, kind)").run()
                }
            }
        }
        if !(try await MigrationProbe.columnExists("input", in: "decisions", on: database)) {
            try await sql.raw("ALTER TABLE decisions ADD COLUMN input TEXT").run()
        }
        // 分档: the tier the township assigned a member (ADR 0015), for a region whose 低保 is tiered.
        if !(try await MigrationProbe.columnExists("dibao_tier", in: "members", on: database)) {
            try await sql.raw("ALTER TABLE members ADD COLUMN dibao_tier TEXT").run()
        }
        // A refusal whose written notice is not yet recorded as delivered stays in the working list.
        if !(try await MigrationProbe.columnExists("refusal_notice_pending", in: "applications", on: database)) {
            try await sql.raw("ALTER TABLE applications ADD COLUMN refusal_notice_pending BOOLEAN NOT NULL DEFAULT FALSE").run()
        }
        try await database.schema("back_pay_items")
            .field("id", .string, .identifier(auto: false))
            .field("batch_id", .string, .required, .references("payroll_batches", "id", onDelete: .cascade))
            .field("line_id", .string, .required, .references("payroll_lines", "id", onDelete: .cascade))
            .field("county_code", .string, .required)
            .field("programme", .string, .required)
            .field("recipient_key", .string, .required)
            .field("for_month", .int, .required)
            .field("entitled_fen", .int64, .required)
            .field("paid_fen", .int64, .required)
            .field("owed_fen", .int64, .required)
            .field("components", .string, .required)
            .field("decision_id", .string, .required)
            .field("policy_version", .string, .required)
            .field("basis", .string, .required)
            .field("trace", .string, .required)
            .unique(on: "batch_id", "recipient_key", "for_month", name: "uq_back_pay_items_month")
            .ignoreExisting()
            .create()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_back_pay_items_recipient ON back_pay_items (programme, recipient_key, for_month)").run()
    }

    /// payroll_batches with `kind` and the new unique key, on the one SQLite connection, in one
    /// transaction between `foreign_keys = OFF` and `ON` (the pragma is a no-op inside a transaction).
    func rebuildBatchesOnSQLite(_ database: any Database) async throws {
        try await database.withConnection { conn in
            let sql = conn as! any SQLDatabase
            try await sql.raw("PRAGMA foreign_keys = OFF").run()
            do {
                try await conn.transaction { db in
                    let sql = db as! any SQLDatabase
                    try await db.schema("payroll_batches_v2")
                        .field("id", .string, .identifier(auto: false))
                        .field("county_code", .string, .required)
                        .field("programme", .string, .required)
                        .field("month", .int, .required)
                        .field("kind", .string, .required, .sql(.default(SQLLiteral.string("regular"))))
                        .field("state", .string, .required)
                        .field("line_count", .int, .required)
                        .field("total_fen", .int64, .required)
                        .field("created_at", .datetime, .required)
                        .field("created_by", .string, .required)
                        .field("approved_at", .datetime)
                        .field("approved_by", .string)
                        .field("exported_at", .datetime)
                        .field("exported_by", .string)
                        .unique(on: "county_code", "programme", "month", "kind", name: "uq_payroll_batches_kind")
                        .create()
                    try await sql.raw("""
                        INSERT INTO payroll_batches_v2 (id, county_code, programme, month, kind, state, line_count, total_fen,
                          created_at, created_by, approved_at, approved_by, exported_at, exported_by)
                        SELECT id, county_code, programme, month, 'regular', state, line_count, total_fen, created_at,
                          created_by, approved_at, approved_by, exported_at, exported_by FROM payroll_batches
                        """).run()
                    try await sql.raw("DROP TABLE payroll_batches").run()
                    try await sql.raw("ALTER TABLE payroll_batches_v2 RENAME TO payroll_batches").run()
                    struct Violation: Decodable { var table: String }
                    if let v = try await sql.raw("PRAGMA foreign_key_check").first(decoding: Violation.self) {
                        throw StoreError.conflict("0015_BackPay: foreign key check failed in \(v.table)")
                    }
                }
            } catch {
                try await sql.raw("PRAGMA foreign_keys = ON").run()
                throw error
            }
            try await sql.raw("PRAGMA foreign_keys = ON").run()
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("back_pay_items").delete()
    }
}
