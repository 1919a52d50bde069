import FluentKit
import SQLKit

/// Households held out of a batch, with the reason, kept with the batch (never silently dropped).
struct M0007CreatePayrollHolds: AsyncMigration {
    var name: String { "0007_CreatePayrollHolds" }

    func prepare(on database: any Database) async throws {
        try await database.schema("payroll_holds")
            .field("id", .string, .identifier(auto: false))
            .field("batch_id", .string, .required, .references("payroll_batches", "id", onDelete: .cascade))
            .field("household_id", .string, .required)
            .field("payee_name", .string, .required)
            .field("reason", .string, .required)
            .create()
        try await (database as! any SQLDatabase).raw("CREATE INDEX ix_payroll_holds_batch ON payroll_holds (batch_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("payroll_holds").delete()
    }
}
