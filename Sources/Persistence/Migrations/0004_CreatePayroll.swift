import FluentKit
import SQLKit

/// Payroll batches (one per county, programme and month: a month is never paid twice) and lines.
struct M0004CreatePayroll: AsyncMigration {
    var name: String { "0004_CreatePayroll" }

    func prepare(on database: any Database) async throws {
        try await database.schema("payroll_batches")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("programme", .string, .required)
            .field("month", .int, .required)
            .field("state", .string, .required)
            .field("line_count", .int, .required)
            .field("total_fen", .int64, .required)
            .field("created_at", .datetime, .required)
            .field("created_by", .string, .required)
            .field("approved_at", .datetime)
            .field("approved_by", .string)
            .field("exported_at", .datetime)
            .field("exported_by", .string)
            .unique(on: "county_code", "programme", "month", name: "uq_payroll_batches_month")
            .create()
        try await database.schema("payroll_lines")
            .field("id", .string, .identifier(auto: false))
            .field("batch_id", .string, .required, .references("payroll_batches", "id", onDelete: .cascade))
            .field("seq", .int, .required)
            .field("household_id", .string, .required)
            .field("township_code", .string, .required)
            .field("village_code", .string, .required)
            .field("area", .string, .required)
            .field("payee_name", .string, .required)
            .field("payee_resident_id", .string, .required)
            .field("bank_account", .string, .required)
            .field("household_size", .int, .required)
            .field("amount_fen", .int64, .required)
            .unique(on: "batch_id", "household_id", name: "uq_payroll_lines_household")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX ix_payroll_lines_batch ON payroll_lines (batch_id, seq)").run()
        try await sql.raw("CREATE INDEX ix_payroll_lines_household ON payroll_lines (household_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("payroll_lines").delete()
        try await database.schema("payroll_batches").delete()
    }
}
