import FluentKit
import SQLKit

/// Matching against other departments' data (issue 8, docs/adr/0024-matching.md):
/// - `dataset_mappings`: which column holds which field, saved per kind and source;
/// - `dataset_imports`: each file imported, with its source, checksum (unique per county and kind: the same
///   file again changes nothing), row counts and what was reported;
/// - `dataset_records`: one fact per row, its ID number sealed beside its blind index, and the fact's key
///   (sealed, indexed) unique per county: a fact already known is not stored twice (field case C11);
/// - `match_hits`: what a record means for a person of the registry (exact by ID, or a near match by name
///   and birth date), its reason code, severity and actions, and the decision a person recorded on it.
/// - `close_relative_filings`: the 近亲属备案 register (DB-2021 Art. 11), one row per confirmed cadre hit.
/// The new sealed columns get the guard triggers of 0021. Idempotent.
struct M0023Matching: AsyncMigration {
    var name: String { "0023_Matching" }

    /// The columns this migration seals (the triggers of 0021 guard them too).
    static let sealed: [SealedColumn] = [
        .init(table: "dataset_records", column: "resident_id", kind: .residentID, index: "resident_id_index"),
        .init(table: "dataset_records", column: "relative_resident_id", kind: .residentID, index: "relative_resident_index"),
        .init(table: "dataset_records", column: "record_key", kind: .record, index: "record_key_index"),
        .init(table: "dataset_records", column: "record", kind: .record),
    ]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await database.schema("dataset_mappings")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("kind", .string, .required)
            .field("source", .string, .required)
            .field("mapping", .string, .required)
            .field("saved_by", .string, .required)
            .field("saved_at", .datetime, .required)
            .unique(on: "county_code", "kind", "source", name: "uq_dataset_mappings")
            .ignoreExisting()
            .create()
        try await database.schema("dataset_imports")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("kind", .string, .required)
            .field("source", .string, .required)
            .field("file_name", .string, .required)
            .field("sha256", .string, .required)
            .field("row_count", .int, .required)
            .field("added", .int, .required)
            .field("known", .int, .required)
            // JSON: the duplicate rows, conflicts and ID warnings reported (masked numbers only).
            .field("report", .string, .required)
            .field("imported_by", .string, .required)
            .field("imported_at", .datetime, .required)
            .unique(on: "county_code", "kind", "sha256", name: "uq_dataset_imports_file")
            .ignoreExisting()
            .create()
        try await database.schema("dataset_records")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("kind", .string, .required)
            .field("import_id", .string, .required, .references("dataset_imports", "id"))
            .field("row_number", .int, .required)
            .field("resident_id", .string, .required)
            .field("resident_id_index", .string, .required)
            .field("relative_resident_id", .string)
            .field("relative_resident_index", .string)
            .field("record_key", .string, .required)
            .field("record_key_index", .string, .required)
            .field("record", .string, .required)
            .field("content_hash", .string, .required)
            .field("name", .string, .required)
            .field("event_date", .string)
            .field("month", .int)
            .unique(on: "county_code", "record_key_index", name: "uq_dataset_records_key")
            .ignoreExisting()
            .create()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_dataset_records_person ON dataset_records (county_code, resident_id_index)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_dataset_records_relative ON dataset_records (relative_resident_index)").run()
        try await database.schema("match_hits")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("record_id", .string, .required, .references("dataset_records", "id"))
            .field("kind", .string, .required)
            .field("household_id", .string, .required)
            .field("member_id", .string, .required)
            // `relative`: the cadre roster row names this member as the cadre's relative; else `person`.
            .field("via", .string, .required)
            .field("subject_name", .string, .required)
            .field("match_type", .string, .required)
            .field("code", .string, .required)
            .field("severity", .string, .required)
            .field("actions", .string, .required)
            .field("holds_payment", .bool, .required)
            .field("blocks_approval", .bool, .required)
            .field("summary", .string, .required)
            .field("recover_from", .int)
            .field("id_warning", .bool, .required)
            .field("found_by", .string, .required)
            .field("found_at", .datetime, .required)
            .field("status", .string, .required)
            .field("decision", .string)
            .field("decision_note", .string)
            .field("decided_by", .string)
            .field("decided_at", .datetime)
            // The day of the decision: a confirmed hit holds payment until a decision on the household is on or after it.
            .field("decided_on", .string)
            .unique(on: "record_id", "member_id", "via", name: "uq_match_hits")
            .ignoreExisting()
            .create()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_match_hits_household ON match_hits (household_id, status)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_match_hits_county ON match_hits (county_code, status)").run()
        try await database.schema("close_relative_filings")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("household_id", .string, .required)
            .field("member_id", .string, .required)
            .field("hit_id", .string, .required, .references("match_hits", "id"))
            .field("member_name", .string, .required)
            .field("code", .string, .required)
            .field("detail", .string, .required)
            .field("filed_on", .string, .required)
            .field("filed_by", .string, .required)
            .field("note", .string, .required)
            .unique(on: "hit_id", name: "uq_close_relative_filings_hit")
            .ignoreExisting()
            .create()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_close_relative_filings ON close_relative_filings (county_code, filed_on)").run()
        try await M0021DataKeyGuard.guardColumns(Self.sealed, on: sql)
    }

    func revert(on database: any Database) async throws {
        try await M0021DataKeyGuard.unguardColumns(Self.sealed, on: database as! any SQLDatabase)
        for table in ["close_relative_filings", "match_hits", "dataset_records", "dataset_imports", "dataset_mappings"] {
            try await database.schema(table).delete()
        }
    }
}
