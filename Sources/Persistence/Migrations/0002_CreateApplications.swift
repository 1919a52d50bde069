import FluentKit
import SQLKit

/// Applications (申请), their workflow events, and decisions with their traces.
struct M0002CreateApplications: AsyncMigration {
    var name: String { "0002_CreateApplications" }

    func prepare(on database: any Database) async throws {
        try await database.schema("applications")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("household_id", .string, .required, .references("households", "id", onDelete: .cascade))
            .field("programme", .string, .required)
            .field("state", .string, .required)
            .field("accepted_on", .string, .required)
            .field("deadline", .string)  // NULL: the holiday calendar does not reach it yet
            .field("close_relative", .bool, .required)
            .field("snapshot", .string, .required)
            .field("created_by", .string, .required)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("application_events")
            .field("id", .string, .identifier(auto: false))
            .field("application_id", .string, .required, .references("applications", "id", onDelete: .cascade))
            .field("seq", .int, .required)
            .field("kind", .string, .required)
            .field("payload", .string, .required)
            .field("actor", .string, .required)
            .field("recorded_at", .datetime, .required)
            .unique(on: "application_id", "seq", name: "uq_application_events_seq")
            .create()
        try await database.schema("decisions")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("household_id", .string, .required, .references("households", "id", onDelete: .cascade))
            .field("application_id", .string)
            .field("programme", .string, .required)
            .field("outcome", .string, .required)
            .field("decided_on", .string, .required)
            .field("first_month", .int)
            .field("area", .string, .required)
            .field("household_size", .int, .required)
            .field("monthly_benefit_fen", .int64, .required)
            .field("policy_version", .string, .required)
            .field("trace", .string, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX ix_applications_state ON applications (county_code, state)").run()
        try await sql.raw("CREATE INDEX ix_decisions_household ON decisions (household_id)").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["decisions", "application_events", "applications"] { try await database.schema(table).delete() }
    }
}
