import FluentKit
import SQLKit

/// The programme seam (docs/adr/0008-programme-seam.md): enrollments, decisions, payroll lines and
/// holds (and applications) can point at a member, and enrollments, decisions and lines carry their amount components.
/// A batch pays each recipient (a member, or a household) at most once: payroll lines are rebuilt
/// with a unique key on (batch, recipient) instead of (batch, household). Existing rows get their one
/// `basic` component (the whole amount); nothing else changes. One transaction: a crash leaves the
/// schema as before or as after.
struct M0008ProgrammeSeam: AsyncMigration {
    var name: String { "0008_ProgrammeSeam" }

    /// `[{"fen":N,"kind":"basic"}]` for an amount column, `[]` when it is zero (the stored form of
    /// `StoredComponent`).
    static func basicComponent(_ column: String) -> SQLQueryString {
        """
        CASE WHEN \(unsafeRaw: column) = 0 THEN '[]'
          ELSE '[{"fen":' || CAST(\(unsafeRaw: column) AS TEXT) || ',"kind":"basic"}]' END
        """
    }

    /// The payroll line columns of 0004, which both shapes keep.
    static func lineColumns(_ builder: SchemaBuilder) -> SchemaBuilder {
        builder
            .field("id", .string, .identifier(auto: false))
            .field("batch_id", .string, .required, .references("payroll_batches", "id", onDelete: .cascade))
            .field("seq", .int, .required)
            .field("household_id", .string, .required)
            .field("township_code", .string, .required)
            .field("village_code", .string, .required)
            .field("area", .string, .required)
            .field("payee_name", .string, .required)
            .field("payee_resident_id", .string, .required)
            .field("bank_account", .string, .required)
            .field("household_size", .int, .required)
            .field("amount_fen", .int64, .required)
    }

    func prepare(on database: any Database) async throws {
        // Fluent records a migration in `_fluent_migrations` after `prepare` returns, in a statement of its
        // own: a process killed between the two leaves this schema in place but unrecorded. Then the
        // next run finds it done and only lets Fluent record it.
        if try await MigrationProbe.columnExists("recipient_key", in: "payroll_lines", on: database) { return }
        try await database.transaction { db in
            let sql = db as! any SQLDatabase
            for table in ["enrollments", "decisions"] {
                try await sql.raw("ALTER TABLE \(unsafeRaw: table) ADD COLUMN member_id TEXT").run()
                try await sql.raw("ALTER TABLE \(unsafeRaw: table) ADD COLUMN components TEXT").run()
                try await sql.raw("UPDATE \(unsafeRaw: table) SET components = " + Self.basicComponent("monthly_benefit_fen")).run()
            }
            try await sql.raw("ALTER TABLE payroll_holds ADD COLUMN member_id TEXT").run()
            try await sql.raw("ALTER TABLE applications ADD COLUMN member_id TEXT").run()
            try await Self.lineColumns(db.schema("payroll_lines_v2"))
                .field("member_id", .string)
                .field("recipient_key", .string, .required)
                .field("components", .string, .required)
                .unique(on: "batch_id", "recipient_key", name: "uq_payroll_lines_recipient")
                .create()
            try await sql.raw("""
                INSERT INTO payroll_lines_v2 (id, batch_id, seq, household_id, member_id, recipient_key, township_code,
                  village_code, area, payee_name, payee_resident_id, bank_account, household_size, amount_fen, components)
                SELECT id, batch_id, seq, household_id, NULL, household_id, township_code, village_code, area, payee_name,
                  payee_resident_id, bank_account, household_size, amount_fen,
                """ + Self.basicComponent("amount_fen") + " FROM payroll_lines").run()
            try await sql.raw("DROP TABLE payroll_lines").run()
            try await sql.raw("ALTER TABLE payroll_lines_v2 RENAME TO payroll_lines").run()
            try await sql.raw("CREATE INDEX ix_payroll_lines_batch ON payroll_lines (batch_id, seq)").run()
            try await sql.raw("CREATE INDEX ix_payroll_lines_household ON payroll_lines (household_id)").run()
            try await sql.raw("CREATE INDEX ix_enrollments_member ON enrollments (member_id)").run()
        }
    }

    /// Back to the 0007 shape; refused while any line, enrollment or decision points at a member
    /// (the old unique key could not hold them).
    func revert(on database: any Database) async throws {
        try await database.transaction { db in
            let sql = db as! any SQLDatabase
            struct N: Decodable { var n: Int }
            for table in ["payroll_lines", "enrollments", "decisions", "applications"] {
                let n = try await sql.raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table) WHERE member_id IS NOT NULL")
                    .first(decoding: N.self)?.n ?? 0
                if n > 0 { throw MigrationRevertRefused(name: name, reason: "\(table) 有 \(n) 行指向成员") }
            }
            try await sql.raw("DROP INDEX ix_enrollments_member").run()
            try await Self.lineColumns(db.schema("payroll_lines_v1"))
                .unique(on: "batch_id", "household_id", name: "uq_payroll_lines_household")
                .create()
            try await sql.raw("""
                INSERT INTO payroll_lines_v1 (id, batch_id, seq, household_id, township_code, village_code, area, payee_name,
                  payee_resident_id, bank_account, household_size, amount_fen)
                SELECT id, batch_id, seq, household_id, township_code, village_code, area, payee_name, payee_resident_id,
                  bank_account, household_size, amount_fen FROM payroll_lines
                """).run()
            try await sql.raw("DROP TABLE payroll_lines").run()
            try await sql.raw("ALTER TABLE payroll_lines_v1 RENAME TO payroll_lines").run()
            try await sql.raw("CREATE INDEX ix_payroll_lines_batch ON payroll_lines (batch_id, seq)").run()
            try await sql.raw("CREATE INDEX ix_payroll_lines_household ON payroll_lines (household_id)").run()
            try await sql.raw("ALTER TABLE payroll_holds DROP COLUMN member_id").run()
            try await sql.raw("ALTER TABLE applications DROP COLUMN member_id").run()
            for table in ["enrollments", "decisions"] {
                try await sql.raw("ALTER TABLE \(unsafeRaw: table) DROP COLUMN components").run()
                try await sql.raw("ALTER TABLE \(unsafeRaw: table) DROP COLUMN member_id").run()
            }
        }
    }
}

/// Reverting would lose rows the older schema cannot hold.
struct MigrationRevertRefused: Error, CustomStringConvertible {
    var name: String
    var reason: String
    var description: String { "迁移 \(name) 不能回退：\(reason)；请恢复升级前的数据库备份 (migration cannot be reverted)" }
}
