import FluentKit
import SQLKit

/// Enrollments: a household receiving a programme's benefit from a month (until an end month).
struct M0003CreateEnrollments: AsyncMigration {
    var name: String { "0003_CreateEnrollments" }

    func prepare(on database: any Database) async throws {
        try await database.schema("enrollments")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("household_id", .string, .required, .references("households", "id", onDelete: .cascade))
            .field("programme", .string, .required)
            .field("area", .string, .required)
            .field("household_size", .int, .required)
            .field("monthly_benefit_fen", .int64, .required)
            .field("start_month", .int, .required)
            .field("end_month", .int)
            .field("decision_id", .string, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX ix_enrollments_programme ON enrollments (county_code, programme, start_month)").run()
        try await sql.raw("CREATE INDEX ix_enrollments_household ON enrollments (household_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("enrollments").delete()
    }
}
