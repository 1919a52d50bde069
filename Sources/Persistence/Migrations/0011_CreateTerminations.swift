import FluentKit

/// Terminations of a person's support (终止救助供养, TK-2021 Arts. 24–26): one row per proposal with its
/// workflow snapshot, and its events.
struct M0011CreateTerminations: AsyncMigration {
    var name: String { "0011_CreateTerminations" }

    func prepare(on database: any Database) async throws {
        try await database.schema("terminations")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("household_id", .string, .required)
            .field("member_id", .string, .required)
            .field("programme", .string, .required)
            .field("enrollment_id", .string, .required)
            .field("state", .string, .required)
            .field("snapshot", .string, .required)
            .field("created_by", .string, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("termination_events")
            .field("id", .string, .identifier(auto: false))
            .field("termination_id", .string, .required, .references("terminations", "id", onDelete: .cascade))
            .field("seq", .int, .required)
            .field("kind", .string, .required)
            .field("payload", .string, .required)
            .field("actor", .string, .required)
            .field("recorded_at", .datetime, .required)
            .unique(on: "termination_id", "seq", name: "uq_termination_events_seq")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("termination_events").delete()
        try await database.schema("terminations").delete()
    }
}
