import FluentKit
import SQLKit

/// Questions a migration asks about the schema before it changes it, the same way on SQLite and
/// PostgreSQL.
enum MigrationProbe {
    /// True when `table` has `column`. Asked outside any transaction: on PostgreSQL a failed statement
    /// would abort the transaction around it.
    static func columnExists(_ column: String, in table: String, on database: any Database) async throws -> Bool {
        let sql = database as! any SQLDatabase
        do {
            try await sql.raw("SELECT \(ident: column) FROM \(ident: table) WHERE 1 = 0").run()
            return true
        } catch {
            return false
        }
    }
}
