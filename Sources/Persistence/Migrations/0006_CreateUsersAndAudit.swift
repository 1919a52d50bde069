import FluentKit

/// Staff accounts and the append-only audit log.
struct M0006CreateUsersAndAudit: AsyncMigration {
    var name: String { "0006_CreateUsersAndAudit" }

    func prepare(on database: any Database) async throws {
        try await database.schema("users")
            .field("id", .string, .identifier(auto: false))
            .field("username", .string, .required)
            .field("password_hash", .string, .required)
            .field("display_name", .string, .required)
            .field("role", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "username", name: "uq_users_username")
            .create()
        try await database.schema("audit_log")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("at", .datetime, .required)
            .field("actor", .string, .required)
            .field("action", .string, .required)
            .field("subject", .string, .required)
            .field("detail", .string, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("audit_log").delete()
        try await database.schema("users").delete()
    }
}
