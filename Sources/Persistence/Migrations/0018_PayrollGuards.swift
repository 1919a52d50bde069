import FluentKit
import SQLKit

/// A frozen batch carries the checksum of its lines (`payroll_batches.lines_sha256`, taken at approval),
/// verified before every bank file (docs/adr/0020-guarded-changes.md). Batches approved or exported
/// before this migration get the checksum of their lines as they are now.
///
/// Idempotent like 0008.
struct M0018PayrollGuards: AsyncMigration {
    var name: String { "0018_PayrollGuards" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if !(try await MigrationProbe.columnExists("lines_sha256", in: "payroll_batches", on: database)) {
            try await sql.raw("ALTER TABLE payroll_batches ADD COLUMN lines_sha256 TEXT").run()
        }
        struct Row: Decodable { var id: String }
        let frozen = try await sql.raw("SELECT id FROM payroll_batches WHERE state IN ('approved', 'exported') AND lines_sha256 IS NULL")
            .all(decoding: Row.self)
        try await database.transaction { db in
            for b in frozen {
                try await db.sql.raw("UPDATE payroll_batches SET lines_sha256 = \(bind: try await PayrollRows.checksum(of: b.id, on: db.sql, values: .clear)) WHERE id = \(bind: b.id)").run()
            }
        }
    }

    func revert(on database: any Database) async throws {}
}
