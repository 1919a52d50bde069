import FluentKit
import SQLKit

/// The fund ledger and the payee checks (issue 7, docs/adr/0022-fund-ledger.md):
/// - `households.account_holder` (户名 when not the payee), `bank_account_index` (the account's blind index:
///   the same account in two households is found without opening either), `bank_account_changed_on`;
/// - `payee_releases`: a person's recorded decision that a payee check's finding is explained;
/// - `payroll_flags`: findings that do not hold a line (`SHARED_CONTACT`), kept with the batch;
/// - `bank_files`: each batch's bank file, produced once and handed out again byte for byte;
/// - `bank_formats`: the county's own bank formats (`jiuzhu bank-format import`) and which one it uses;
/// - `payment_credits`: the day a batch's money reached a township's cards (timeliness, field case C14);
/// - `recovery_entries`: how overpayments were settled (field case C16);
/// - `allocation_plans` with their lines and steps: the county's plan for its pooled money, each step's
///   actor and time;
/// - `evaluation_targets`, `evaluation_narratives`: the year's 绩效自评 targets (with reasons) and its
///   report's edited sections, and when it was finalised;
/// - `bank_returns`, `payroll_line_results`, `return_decisions`: the bank's result files, what they said
///   of each line, and what was done with a returned line; a batch gets `reconciled_at/_by` (closed) and,
///   for a follow-up batch of returned lines, `reissue_of` and `reissue_round` in its unique key (SQLite
///   rebuilds the table as 0015 did).
///
/// Existing accounts get their blind index under the current key (refused without one, like 0020).
/// Idempotent like 0008.
struct M0022FundLedger: AsyncMigration {
    var name: String { "0022_FundLedger" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if !(try await MigrationProbe.columnExists("reissue_of", in: "payroll_batches", on: database)) {
            if sql.dialect.name == "sqlite" {
                try await rebuildBatchesOnSQLite(database)
            } else {
                try await database.transaction { db in
                    let sql = db as! any SQLDatabase
                    try await sql.raw("ALTER TABLE payroll_batches ADD COLUMN reissue_of TEXT NOT NULL DEFAULT ''").run()
                    try await sql.raw("ALTER TABLE payroll_batches ADD COLUMN reissue_round INTEGER NOT NULL DEFAULT 0").run()
                    try await sql.raw("ALTER TABLE payroll_batches ADD COLUMN reconciled_at TIMESTAMPTZ").run()
                    try await sql.raw("ALTER TABLE payroll_batches ADD COLUMN reconciled_by TEXT").run()
                    try await sql.raw("ALTER TABLE payroll_batches DROP CONSTRAINT uq_payroll_batches_kind").run()
                    try await sql.raw("ALTER TABLE payroll_batches ADD CONSTRAINT uq_payroll_batches_reissue UNIQUE (county_code, programme, month, kind, reissue_of, reissue_round)").run()
                }
            }
        }
        if !(try await MigrationProbe.columnExists("account_index", in: "payroll_holds", on: database)) {
            try await sql.raw("ALTER TABLE payroll_holds ADD COLUMN account_index TEXT").run()
        }
        for column in ["account_holder", "bank_account_index", "bank_account_changed_on"]
        where !(try await MigrationProbe.columnExists(column, in: "households", on: database)) {
            try await sql.raw("ALTER TABLE households ADD COLUMN \(ident: column) TEXT").run()
        }
        try await database.transaction { db in
            struct Row: Decodable { var id: String; var bankAccount: String }
            let rows = try await db.sql.raw("""
                SELECT id, bank_account FROM households WHERE bank_account IS NOT NULL AND bank_account_index IS NULL
                """).all(decoding: Row.self, with: SQLSupport.decoder)
            guard !rows.isEmpty else { return }
            let sealed = try Sealed(db)
            for r in rows {
                let account = try sealed.account("households", "bank_account", r.bankAccount, row: r.id) ?? ""
                try await db.sql.raw("UPDATE households SET bank_account_index = \(bind: sealed.index(account: account)) WHERE id = \(bind: r.id)").run()
            }
        }
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_households_account_index ON households (bank_account_index)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_households_phone ON households (county_code, phone)").run()

        try await database.schema("payee_releases")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("household_id", .string, .required)
            .field("check_code", .string, .required)
            .field("account_index", .string, .required)
            .field("reference", .string, .required)
            .field("note", .string, .required)
            .field("decided_by", .string, .required)
            .field("decided_at", .datetime, .required)
            .unique(on: "household_id", "check_code", "account_index", name: "uq_payee_releases")
            .ignoreExisting()
            .create()
        try await database.schema("payroll_flags")
            .field("id", .string, .identifier(auto: false))
            .field("batch_id", .string, .required, .references("payroll_batches", "id", onDelete: .cascade))
            .field("household_id", .string, .required)
            .field("member_id", .string)
            .field("payee_name", .string, .required)
            .field("reason", .string, .required)
            .ignoreExisting()
            .create()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_payroll_flags_batch ON payroll_flags (batch_id)").run()
        try await database.schema("bank_files")
            .field("batch_id", .string, .identifier(auto: false), .references("payroll_batches", "id"))
            .field("format", .string, .required)
            .field("file_name", .string, .required)
            // The file carries ID and account numbers: sealed at rest like them (base64 of the bytes, ADR 0021).
            .field("content", .string, .required)
            .field("sha256", .string, .required)
            .field("line_count", .int, .required)
            .field("total_fen", .int64, .required)
            .field("produced_at", .datetime, .required)
            .field("produced_by", .string, .required)
            .ignoreExisting()
            .create()
        try await database.schema("bank_formats")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("name", .string, .required)
            .field("definition", .string, .required)
            .field("imported_by", .string, .required)
            .field("imported_at", .datetime, .required)
            .unique(on: "county_code", "name", name: "uq_bank_formats_name")
            .ignoreExisting()
            .create()
        try await database.schema("bank_format_choice")
            .field("county_code", .string, .identifier(auto: false))
            .field("name", .string, .required)
            .field("chosen_by", .string, .required)
            .field("chosen_at", .datetime, .required)
            .ignoreExisting()
            .create()
        try await database.schema("payment_credits")
            .field("id", .string, .identifier(auto: false))
            .field("batch_id", .string, .required, .references("payroll_batches", "id"))
            .field("township_code", .string, .required)
            .field("credited_on", .string, .required)
            .field("source", .string, .required)
            .field("recorded_by", .string, .required)
            .field("recorded_at", .datetime, .required)
            .unique(on: "batch_id", "township_code", name: "uq_payment_credits")
            .ignoreExisting()
            .create()
        try await database.schema("recovery_entries")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("household_id", .string, .required)
            .field("programme", .string, .required)
            .field("kind", .string, .required)
            .field("amount_fen", .int64, .required)
            .field("entry_date", .string, .required)
            .field("reference", .string)
            .field("grant_id", .string)
            .field("note", .string, .required)
            .field("recorded_by", .string, .required)
            .field("recorded_at", .datetime, .required)
            .ignoreExisting()
            .create()
        try await database.schema("bank_returns")
            .field("id", .string, .identifier(auto: false))
            .field("batch_id", .string, .required, .references("payroll_batches", "id"))
            .field("file_name", .string, .required)
            .field("file_sha256", .string, .required)
            .field("rows", .int, .required)
            .field("paid", .int, .required)
            .field("returned", .int, .required)
            .field("imported_by", .string, .required)
            .field("imported_at", .datetime, .required)
            .field("override_by", .string)
            .field("override_reason", .string)
            .unique(on: "batch_id", "file_sha256", name: "uq_bank_returns_file")
            .ignoreExisting()
            .create()
        try await database.schema("payroll_line_results")
            .field("line_id", .string, .identifier(auto: false), .references("payroll_lines", "id"))
            .field("batch_id", .string, .required, .references("payroll_batches", "id"))
            .field("paid", .bool, .required)
            .field("reason_code", .string)
            .field("reason_text", .string, .required)
            .field("credited_on", .string)
            .field("return_id", .string, .required)
            .field("extra", .string, .required)
            .ignoreExisting()
            .create()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_line_results_batch ON payroll_line_results (batch_id)").run()
        try await database.schema("return_decisions")
            .field("line_id", .string, .identifier(auto: false), .references("payroll_lines", "id"))
            .field("batch_id", .string, .required, .references("payroll_batches", "id"))
            .field("decision", .string, .required)
            .field("note", .string, .required)
            .field("decided_by", .string, .required)
            .field("decided_at", .datetime, .required)
            .field("reissue_batch_id", .string)
            .ignoreExisting()
            .create()
        try await database.schema("allocation_plans")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("year", .int, .required)
            .field("title", .string, .required)
            .field("state", .string, .required)
            .field("issued_on", .string)
            .ignoreExisting()
            .create()
        try await database.schema("allocation_plan_lines")
            .field("id", .string, .identifier(auto: false))
            .field("plan_id", .string, .required, .references("allocation_plans", "id"))
            .field("programme", .string, .required)
            .field("source", .string, .required)
            .field("amount_fen", .int64, .required)
            .ignoreExisting()
            .create()
        try await database.schema("allocation_plan_steps")
            .field("id", .string, .identifier(auto: false))
            .field("plan_id", .string, .required, .references("allocation_plans", "id"))
            .field("step", .string, .required)
            .field("actor", .string, .required)
            .field("at", .datetime, .required)
            .field("reference", .string)
            .field("note", .string, .required)
            .unique(on: "plan_id", "step", name: "uq_allocation_plan_steps")
            .ignoreExisting()
            .create()
        try await database.schema("evaluation_targets")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("year", .int, .required)
            .field("targets", .string, .required)
            .field("entered_by", .string, .required)
            .field("entered_at", .datetime, .required)
            .field("finalised_at", .datetime)
            .field("finalised_by", .string)
            .unique(on: "county_code", "year", name: "uq_evaluation_targets_year")
            .ignoreExisting()
            .create()
        try await database.schema("evaluation_narratives")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("year", .int, .required)
            .field("section", .int, .required)
            .field("text", .string, .required)
            .field("edited_by", .string, .required)
            .field("edited_at", .datetime, .required)
            .unique(on: "county_code", "year", "section", name: "uq_evaluation_narratives_section")
            .ignoreExisting()
            .create()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_recovery_entries_household ON recovery_entries (household_id, programme)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_recovery_entries_grant ON recovery_entries (grant_id)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_overpayments_county ON overpayments (county_code, household_id)").run()
    }

    /// payroll_batches with `reissue_of`, `reissue_round`, `reconciled_at/_by` and the new unique key, as
    /// 0015 rebuilt it: on the one SQLite connection, in one transaction between `foreign_keys = OFF` and `ON`.
    func rebuildBatchesOnSQLite(_ database: any Database) async throws {
        try await database.withConnection { conn in
            let sql = conn as! any SQLDatabase
            try await sql.raw("PRAGMA foreign_keys = OFF").run()
            do {
                try await conn.transaction { db in
                    let sql = db as! any SQLDatabase
                    try await db.schema("payroll_batches_v3")
                        .field("id", .string, .identifier(auto: false))
                        .field("county_code", .string, .required)
                        .field("programme", .string, .required)
                        .field("month", .int, .required)
                        .field("kind", .string, .required, .sql(.default(SQLLiteral.string("regular"))))
                        .field("state", .string, .required)
                        .field("line_count", .int, .required)
                        .field("total_fen", .int64, .required)
                        .field("created_at", .datetime, .required)
                        .field("created_by", .string, .required)
                        .field("approved_at", .datetime)
                        .field("approved_by", .string)
                        .field("exported_at", .datetime)
                        .field("exported_by", .string)
                        .field("lines_sha256", .string)
                        .field("reissue_of", .string, .required, .sql(.default(SQLLiteral.string(""))))
                        .field("reissue_round", .int, .required, .sql(.default(0)))
                        .field("reconciled_at", .datetime)
                        .field("reconciled_by", .string)
                        .unique(on: "county_code", "programme", "month", "kind", "reissue_of", "reissue_round",
                                name: "uq_payroll_batches_reissue")
                        .create()
                    try await sql.raw("""
                        INSERT INTO payroll_batches_v3 (id, county_code, programme, month, kind, state, line_count, total_fen,
                          created_at, created_by, approved_at, approved_by, exported_at, exported_by, lines_sha256)
                        SELECT id, county_code, programme, month, kind, state, line_count, total_fen, created_at,
                          created_by, approved_at, approved_by, exported_at, exported_by, lines_sha256 FROM payroll_batches
                        """).run()
                    try await sql.raw("DROP TABLE payroll_batches").run()
                    try await sql.raw("ALTER TABLE payroll_batches_v3 RENAME TO payroll_batches").run()
                    struct Violation: Decodable { var table: String }
                    if let v = try await sql.raw("PRAGMA foreign_key_check").first(decoding: Violation.self) {
                        throw StoreError.conflict("0022_FundLedger: foreign key check failed in \(v.table)")
                    }
                }
            } catch {
                try await sql.raw("PRAGMA foreign_keys = ON").run()
                throw error
            }
            try await sql.raw("PRAGMA foreign_keys = ON").run()
        }
    }

    func revert(on database: any Database) async throws {
        for table in ["allocation_plan_steps", "allocation_plan_lines", "allocation_plans", "evaluation_narratives", "evaluation_targets", "return_decisions", "payroll_line_results", "bank_returns", "recovery_entries", "payment_credits", "bank_format_choice", "bank_formats", "bank_files", "payroll_flags", "payee_releases"] {
            try await database.schema(table).delete()
        }
    }
}
