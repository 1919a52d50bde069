import FluentKit
import SQLKit

/// Revocable API tokens for other systems (docs/adr/0018-access.md): each acts as an account (its role
/// and area), is stored as its SHA-256 only, and can be revoked.
struct M0019ApiTokens: AsyncMigration {
    var name: String { "0019_ApiTokens" }

    func prepare(on database: any Database) async throws {
        try await database.schema("api_tokens")
            .field("id", .string, .identifier(auto: false))
            .field("name", .string, .required)
            .field("user_id", .string, .required, .references("users", "id"))
            .field("token_sha256", .string, .required)
            .field("created_at", .datetime, .required)
            .field("created_by", .string, .required)
            .field("revoked_at", .datetime)
            .field("last_used_at", .datetime)
            .unique(on: "name", name: "uq_api_tokens_name")
            .unique(on: "token_sha256", name: "uq_api_tokens_hash")
            .ignoreExisting()
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("api_tokens").delete()
    }
}
