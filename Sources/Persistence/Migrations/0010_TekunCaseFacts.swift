import FluentKit
import SQLKit

/// 特困 case facts on the member: the placement chosen (供养方式) and the county's self-care assessment
/// (how many of the six indicators the person cannot do, and when it was assessed). Idempotent like 0008:
/// a process that died after the columns were added but before Fluent recorded the migration re-runs it.
struct M0010TekunCaseFacts: AsyncMigration {
    var name: String { "0010_TekunCaseFacts" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for (column, type) in [("tekun_placement", "TEXT"), ("self_care_failed", "INTEGER"), ("self_care_assessed_on", "TEXT")]
        where try await !MigrationProbe.columnExists(column, in: "members", on: database) {
            try await sql.raw("ALTER TABLE members ADD COLUMN \(unsafeRaw: column) \(unsafeRaw: type)").run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        struct N: Decodable { var n: Int }
        let used = try await sql.raw("SELECT COUNT(*) AS n FROM members WHERE tekun_placement IS NOT NULL OR self_care_failed IS NOT NULL")
            .first(decoding: N.self)?.n ?? 0
        guard used == 0 else {
            throw StoreError.conflict("已有 \(used) 名成员登记了特困供养方式或自理能力评估，不能回退迁移 0010 (case facts would be lost)")
        }
        for column in ["tekun_placement", "self_care_failed", "self_care_assessed_on"] {
            try await sql.raw("ALTER TABLE members DROP COLUMN \(unsafeRaw: column)").run()
        }
    }
}
