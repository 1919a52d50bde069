import FluentKit
import SQLKit

/// Households (一户一档), members, income items, assets and the file's documents.
struct M0001CreateRegistry: AsyncMigration {
    var name: String { "0001_CreateRegistry" }

    func prepare(on database: any Database) async throws {
        try await database.schema("households")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("township_code", .string, .required)
            .field("village_code", .string, .required)
            .field("area", .string, .required)
            .field("address", .string, .required)
            .field("phone", .string)
            .field("bank_name", .string)
            .field("bank_account", .string)
            .field("payee_resident_id", .string)
            .field("is_demo", .bool, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("members")
            .field("id", .string, .identifier(auto: false))
            .field("household_id", .string, .required, .references("households", "id", onDelete: .cascade))
            .field("county_code", .string, .required)
            .field("resident_id", .string, .required)
            .field("name", .string, .required)
            .field("relationship", .string, .required)
            .field("sex", .string, .required)
            .field("birth_date", .string, .required)
            .field("status", .string, .required)
            .field("status_since", .string)
            .field("disability_grade", .int)
            .field("disability_type", .string)
            .field("serious_illness", .bool, .required)
            .field("schooling", .string)
            .field("work_capacity", .string, .required)
            .field("position", .int, .required)
            .unique(on: "resident_id", name: "uq_members_resident_id")
            .create()
        try await database.schema("income_items")
            .field("id", .string, .identifier(auto: false))
            .field("household_id", .string, .required, .references("households", "id", onDelete: .cascade))
            .field("member_id", .string, .required, .references("members", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("period", .string, .required)
            .field("amount_fen", .int64, .required)
            .create()
        try await database.schema("assets")
            .field("id", .string, .identifier(auto: false))
            .field("household_id", .string, .required, .references("households", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("description", .string, .required)
            .field("value_fen", .int64, .required)
            .create()
        try await database.schema("documents")
            .field("id", .string, .identifier(auto: false))
            .field("household_id", .string, .required, .references("households", "id", onDelete: .cascade))
            .field("kind", .string, .required)
            .field("original_name", .string, .required)
            .field("content_type", .string, .required)
            .field("size_bytes", .int64, .required)
            .field("sha256", .string, .required)
            .field("stored_name", .string, .required)
            .field("uploaded_by", .string, .required)
            .field("uploaded_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        // At most one head per household, enforced by the database as well as the domain.
        try await sql.raw("CREATE UNIQUE INDEX uq_members_one_head ON members (household_id) WHERE relationship = 'head'").run()
        try await sql.raw("CREATE INDEX ix_members_household ON members (household_id)").run()
        try await sql.raw("CREATE INDEX ix_members_name ON members (name)").run()
        try await sql.raw("CREATE INDEX ix_households_township ON households (county_code, township_code)").run()
        try await sql.raw("CREATE INDEX ix_income_household ON income_items (household_id)").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["documents", "assets", "income_items", "members", "households"] {
            try await database.schema(table).delete()
        }
    }
}
