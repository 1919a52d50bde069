import FluentKit
import Foundation
import SQLKit

/// The hash-chained, append-only audit trail (docs/adr/0019-audit-trail.md).
///
/// - `audit_log` gets `seq` (unique, from 1), `at_utc` (the hashed time text), `address`, `household_id`,
///   `before_value`, `after_value`, `prev_hash`, `hash`. Entries written before are chained here, oldest
///   first (by time, then id), so `jiuzhu audit verify` covers them too.
/// - Triggers refuse UPDATE and DELETE on `audit_log` (and TRUNCATE on PostgreSQL).
///
/// Idempotent like 0008: the columns are probed, only unchained rows are chained, the triggers are
/// created if missing.
struct M0017AuditChain: AsyncMigration {
    var name: String { "0017_AuditChain" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for (column, type) in [("seq", "BIGINT"), ("at_utc", "TEXT"), ("address", "TEXT"), ("household_id", "TEXT"),
                               ("before_value", "TEXT"), ("after_value", "TEXT"), ("prev_hash", "TEXT"), ("hash", "TEXT")] {
            if !(try await MigrationProbe.columnExists(column, in: "audit_log", on: database)) {
                try await sql.raw("ALTER TABLE audit_log ADD COLUMN \(unsafeRaw: column) \(unsafeRaw: type)").run()
            }
        }
        try await database.transaction { db in
            let sql = db as! any SQLDatabase
            struct Old: Decodable { var id: String; var countyCode: String; var at: Date; var actor: String; var action: String
                                    var subject: String; var detail: String }
            struct Head: Decodable { var seq: Int64; var hash: String }
            var head = try await sql.raw("SELECT seq, hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1")
                .first(decoding: Head.self)
            let old = try await sql.raw("SELECT id, county_code, at, actor, action, subject, detail FROM audit_log WHERE seq IS NULL ORDER BY at, id")
                .all(decoding: Old.self, with: SQLSupport.decoder)
            for o in old {
                let seq = (head?.seq ?? 0) + 1
                let prev = head?.hash ?? AuditEntry.genesis
                let at = AuditChain.utc(o.at)
                let draft = AuditDraft(countyCode: o.countyCode, actor: o.actor, action: o.action, subject: o.subject, detail: o.detail)
                let hash = AuditEntry.hash(seq: seq, id: o.id, atUTC: at, draft: draft, prevHash: prev)
                try await sql.raw("""
                    UPDATE audit_log SET seq = \(bind: seq), at_utc = \(bind: at), prev_hash = \(bind: prev), hash = \(bind: hash)
                    WHERE id = \(bind: o.id)
                    """).run()
                head = Head(seq: seq, hash: hash)
            }
        }
        try await sql.raw("CREATE UNIQUE INDEX IF NOT EXISTS uq_audit_log_seq ON audit_log (seq)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_audit_log_household ON audit_log (household_id, seq)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_audit_log_actor ON audit_log (actor, seq)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_audit_log_at ON audit_log (at_utc)").run()
        if sql.dialect.name == "sqlite" {
            try await sql.raw("CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END").run()
            try await sql.raw("CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END").run()
        } else {
            try await sql.raw("""
                CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
                BEGIN RAISE EXCEPTION 'audit_log is append-only'; END; $$ LANGUAGE plpgsql
                """).run()
            try await sql.raw("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log").run()
            try await sql.raw("CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()").run()
            try await sql.raw("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log").run()
            try await sql.raw("CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()").run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if sql.dialect.name == "sqlite" {
            try await sql.raw("DROP TRIGGER IF EXISTS audit_log_no_update").run()
            try await sql.raw("DROP TRIGGER IF EXISTS audit_log_no_delete").run()
        } else {
            try await sql.raw("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log").run()
            try await sql.raw("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log").run()
        }
    }
}
