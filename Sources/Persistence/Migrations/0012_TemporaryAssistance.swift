import FluentKit
import SQLKit

/// 临时救助 (rules.md §3): cases with their workflow snapshot and events; the townships' reserve fund
/// (临时救助备用金) as a ledger of allotments and payments; and on payroll lines the case a line pays, unique
/// so a grant is paid by at most one line of any batch. Idempotent like 0008: a process that died after
/// a step but before Fluent recorded the migration re-runs it.
struct M0012TemporaryAssistance: AsyncMigration {
    var name: String { "0012_TemporaryAssistance" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await database.schema("temporary_cases")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("township_code", .string, .required)
            // nil for an applicant with no registered household (no local hukou).
            .field("household_id", .string)
            .field("applicant_name", .string, .required)
            .field("applicant_resident_id", .string, .required)
            .field("hukou_place", .string)
            .field("area", .string, .required)
            .field("type", .string, .required)
            .field("state", .string, .required)
            .field("accepted_on", .string, .required)
            .field("deadline", .string)
            .field("paperwork_due", .string)
            .field("decided_on", .string)
            .field("amount_fen", .int64)
            .field("household_size", .int)
            .field("payment", .string)
            .field("policy_version", .string)
            .field("trace", .string)
            .field("snapshot", .string, .required)
            .field("created_by", .string, .required)
            .field("updated_at", .datetime, .required)
            .ignoreExisting()
            .create()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_temporary_cases_household ON temporary_cases (household_id)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_temporary_cases_applicant ON temporary_cases (applicant_resident_id)").run()
        try await database.schema("temporary_case_events")
            .field("id", .string, .identifier(auto: false))
            .field("case_id", .string, .required, .references("temporary_cases", "id", onDelete: .cascade))
            .field("seq", .int, .required)
            .field("kind", .string, .required)
            .field("payload", .string, .required)
            .field("actor", .string, .required)
            .field("recorded_at", .datetime, .required)
            .unique(on: "case_id", "seq", name: "uq_temporary_case_events_seq")
            .ignoreExisting()
            .create()
        try await database.schema("reserve_fund_entries")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("township_code", .string, .required)
            .field("entry_date", .string, .required)
            .field("kind", .string, .required)
            .field("amount_fen", .int64, .required)
            .field("temporary_case_id", .string)
            .field("document", .string)
            .field("actor", .string, .required)
            .field("recorded_at", .datetime, .required)
            // One payment per case: a grant is never paid twice from the reserve.
            .unique(on: "temporary_case_id", name: "uq_reserve_fund_entries_case")
            .ignoreExisting()
            .create()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_reserve_fund_entries_township ON reserve_fund_entries (county_code, township_code, entry_date)").run()
        if try await !MigrationProbe.columnExists("temporary_case_id", in: "payroll_lines", on: database) {
            try await sql.raw("ALTER TABLE payroll_lines ADD COLUMN temporary_case_id TEXT").run()
        }
        try await sql.raw("CREATE UNIQUE INDEX IF NOT EXISTS uq_payroll_lines_temporary_case ON payroll_lines (temporary_case_id)").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        struct N: Decodable { var n: Int }
        let used = try await sql.raw("SELECT COUNT(*) AS n FROM temporary_cases").first(decoding: N.self)?.n ?? 0
        guard used == 0 else {
            throw StoreError.conflict("已有 \(used) 件临时救助案件，不能回退迁移 0012 (cases would be lost)")
        }
        try await sql.raw("DROP INDEX IF EXISTS uq_payroll_lines_temporary_case").run()
        try await sql.raw("ALTER TABLE payroll_lines DROP COLUMN temporary_case_id").run()
        try await database.schema("reserve_fund_entries").delete()
        try await database.schema("temporary_case_events").delete()
        try await database.schema("temporary_cases").delete()
    }
}
