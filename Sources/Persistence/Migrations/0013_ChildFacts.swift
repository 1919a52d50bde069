import FluentKit
import SQLKit

/// 孤儿 / 事实无人抚养儿童 facts on the member: placement, each parent's situation, HIV, the hardship
/// disability allowance received; and the overpayments a termination finds (months paid after the
/// entitlement ended, e.g. a parent found alive). Idempotent like 0008.
struct M0013ChildFacts: AsyncMigration {
    var name: String { "0013_ChildFacts" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for (column, type) in [("child_placement", "TEXT"), ("father_situation", "TEXT"), ("mother_situation", "TEXT"),
                               ("hiv_affected", "BOOLEAN"), ("disability_allowance_fen", "BIGINT")]
        where try await !MigrationProbe.columnExists(column, in: "members", on: database) {
            try await sql.raw("ALTER TABLE members ADD COLUMN \(unsafeRaw: column) \(unsafeRaw: type)").run()
        }
        try await database.schema("overpayments")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("household_id", .string, .required)
            .field("member_id", .string)
            .field("programme", .string, .required)
            .field("month", .int, .required)
            .field("amount_fen", .int64, .required)
            .field("reason", .string, .required)
            .field("termination_id", .string)
            .field("recorded_at", .datetime, .required)
            // A month of one programme is owed back once per person.
            .unique(on: "household_id", "member_id", "programme", "month", name: "uq_overpayments_month")
            .ignoreExisting()
            .create()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        struct N: Decodable { var n: Int }
        let used = try await sql.raw("SELECT COUNT(*) AS n FROM members WHERE child_placement IS NOT NULL")
            .first(decoding: N.self)?.n ?? 0
        guard used == 0 else {
            throw StoreError.conflict("已有 \(used) 名儿童登记了养育方式和父母情况，不能回退迁移 0013 (child facts would be lost)")
        }
        try await database.schema("overpayments").delete()
        for column in ["child_placement", "father_situation", "mother_situation", "hiv_affected", "disability_allowance_fen"] {
            try await sql.raw("ALTER TABLE members DROP COLUMN \(unsafeRaw: column)").run()
        }
    }
}
