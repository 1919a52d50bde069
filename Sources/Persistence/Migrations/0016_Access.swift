import FluentKit
import SQLKit

/// Users scoped to areas, and sessions kept in the database (ADR 0018).
///
/// - `users.area_code`: the county (6 digits), township or village (12 digits) the user works in.
///   Users created before have none: a county-level user gets the county of the registry when the
///   registry holds exactly one county; any other is refused at sign-in until an administrator sets it
///   (`jiuzhu user add NAME --role ROLE --area CODE` again), never guessed.
/// - The role `county-clerk` becomes `county-staff` (the role names of ADR 0018).
/// - `users.disabled_at`, `users.must_change_password` (a one-time password), `users.password_changed_at`.
/// - `sessions`: one row per browser session, keyed by the SHA-256 of the cookie value (a copy of the
///   table gives no usable session), with the user, address, creation and last-use times; a server
///   restart keeps them, logout and a password change delete them.
///
/// Idempotent like 0008.
struct M0016Access: AsyncMigration {
    var name: String { "0016_Access" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if !(try await MigrationProbe.columnExists("area_code", in: "users", on: database)) {
            try await sql.raw("ALTER TABLE users ADD COLUMN area_code TEXT").run()
        }
        if !(try await MigrationProbe.columnExists("disabled_at", in: "users", on: database)) {
            try await sql.raw("ALTER TABLE users ADD COLUMN disabled_at TIMESTAMP").run()
        }
        if !(try await MigrationProbe.columnExists("must_change_password", in: "users", on: database)) {
            try await sql.raw("ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE").run()
        }
        if !(try await MigrationProbe.columnExists("password_changed_at", in: "users", on: database)) {
            try await sql.raw("ALTER TABLE users ADD COLUMN password_changed_at TIMESTAMP").run()
        }
        try await sql.raw("UPDATE users SET role = 'county-staff' WHERE role = 'county-clerk'").run()
        struct County: Decodable { var county_code: String }
        let counties = try await sql.raw("SELECT DISTINCT county_code FROM households").all(decoding: County.self)
        if counties.count == 1 {
            try await sql.raw("""
                UPDATE users SET area_code = \(bind: counties[0].county_code)
                WHERE area_code IS NULL AND role IN ('county-staff', 'county-leader', 'finance', 'auditor', 'admin')
                """).run()
        }
        try await database.schema("sessions")
            .field("id_hash", .string, .identifier(auto: false))
            .field("user_id", .string)
            .field("data", .string, .required)
            .field("address", .string, .required)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .ignoreExisting()
            .create()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_sessions_user ON sessions (user_id)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_sessions_last_seen ON sessions (last_seen_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("sessions").delete()
    }
}
