import FluentKit

/// Fund allocations (资金下达) by source, with document number.
struct M0005CreateFunds: AsyncMigration {
    var name: String { "0005_CreateFunds" }

    func prepare(on database: any Database) async throws {
        try await database.schema("fund_allocations")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("year", .int, .required)
            .field("source", .string, .required)
            .field("document_number", .string, .required)
            .field("allocated_on", .string, .required)
            .field("amount_fen", .int64, .required)
            .field("programme", .string)
            .field("is_demo", .bool, .required)
            .unique(on: "county_code", "source", "document_number", name: "uq_fund_allocations_document")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("fund_allocations").delete()
    }
}
