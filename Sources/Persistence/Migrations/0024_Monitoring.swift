import FluentKit
import SQLKit

/// Low-income population monitoring (issue 8, docs/adr/0025-monitoring.md):
/// - `low_income_households`: the register's categories other than 低保 and 特困 (which enrollments give),
///   with where each came from;
/// - `early_warnings`: a warning about a household, its township, deadline, verification visit and outcome;
/// - `referrals`: requests a township window sent to another department, and the feedback;
/// - `complaints`: 投诉举报, the reporter sealed at rest (whistle-blowers are protected), its township, deadline,
///   investigation, answer and outcome.
/// Idempotent.
struct M0024Monitoring: AsyncMigration {
    var name: String { "0024_Monitoring" }

    /// The columns this migration seals (guarded by 0021's triggers, resealed by rotation).
    static let sealed: [SealedColumn] = [.init(table: "complaints", column: "reporter", kind: .record)]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await database.schema("low_income_households")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("household_id", .string, .required, .references("households", "id"))
            .field("category", .string, .required)
            .field("source", .string, .required)
            .field("since", .string, .required)
            .field("note", .string, .required)
            .field("registered_by", .string, .required)
            .field("registered_at", .datetime, .required)
            .unique(on: "household_id", "category", name: "uq_low_income_households")
            .ignoreExisting()
            .create()
        try await database.schema("early_warnings")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("household_id", .string, .required, .references("households", "id"))
            .field("township_code", .string, .required)
            .field("source", .string, .required)
            // The hit that raised it, so a re-import raises nothing twice.
            .field("hit_id", .string)
            .field("detail", .string, .required)
            .field("raised_on", .string, .required)
            .field("due_on", .string, .required)
            .field("stage", .string, .required)
            .field("visit", .string)
            .field("outcome", .string)
            .field("outcome_note", .string)
            .field("closed_on", .string)
            .field("referral_id", .string)
            .field("raised_by", .string, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "hit_id", name: "uq_early_warnings_hit")
            .ignoreExisting()
            .create()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_early_warnings_county ON early_warnings (county_code, stage)").run()
        try await database.schema("referrals")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("township_code", .string, .required)
            .field("household_id", .string)
            .field("person_name", .string, .required)
            .field("department", .string, .required)
            .field("request", .string, .required)
            .field("referred_on", .string, .required)
            .field("feedback_due", .string, .required)
            .field("feedback", .string)
            .field("closed_on", .string)
            .field("referred_by", .string, .required)
            .field("updated_at", .datetime, .required)
            .ignoreExisting()
            .create()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_referrals_county ON referrals (county_code, closed_on)").run()
        try await database.schema("complaints")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("township_code", .string, .required)
            .field("household_id", .string)
            .field("application_id", .string)
            .field("channel", .string, .required)
            .field("received_on", .string, .required)
            .field("reporter", .string)
            .field("content", .string, .required)
            .field("due_on", .string, .required)
            .field("stage", .string, .required)
            .field("investigation", .string)
            .field("finding", .string)
            .field("investigated_on", .string)
            .field("reply", .string)
            .field("replied_on", .string)
            .field("outcome", .string)
            .field("closed_on", .string)
            .field("received_by", .string, .required)
            .field("updated_at", .datetime, .required)
            .ignoreExisting()
            .create()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_complaints_county ON complaints (county_code, stage)").run()
        try await M0021DataKeyGuard.guardColumns(Self.sealed, on: sql)
    }

    func revert(on database: any Database) async throws {
        try await M0021DataKeyGuard.unguardColumns(Self.sealed, on: database as! any SQLDatabase)
        for table in ["complaints", "early_warnings", "referrals", "low_income_households"] { try await database.schema(table).delete() }
    }
}
