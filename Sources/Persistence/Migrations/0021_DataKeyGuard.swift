import FluentKit
import SQLKit

/// The database knows which key it is sealed with (`data_key_state`, one row), and refuses, by trigger, a
/// sealed column written under any other: a server still running with the old key after `jiuzhu key
/// rotate`, or a process started with the wrong key, cannot mix keys (found when tried as a new user
/// would: a rotation under a running server left two keys and a duplicate person). ADR 0021.
///
/// The row is written by the first process that opens the database with a key (`DataKeyRotation.verify`)
/// and changed only by a rotation. Until then the triggers let everything through.
struct M0021DataKeyGuard: AsyncMigration {
    var name: String { "0021_DataKeyGuard" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        // `retired`: the ids of keys rotated away from, comma-separated; never made current again.
        try await sql.raw("""
            CREATE TABLE IF NOT EXISTS data_key_state (id INTEGER PRIMARY KEY CHECK (id = 1), key_id TEXT NOT NULL,
              retired TEXT NOT NULL DEFAULT '')
            """).run()
        let postgres = sql.dialect.name == "postgresql"
        if postgres {
            try await sql.raw("""
                CREATE OR REPLACE FUNCTION jiuzhu_sealed_guard() RETURNS trigger AS $$
                DECLARE k text; v text;
                BEGIN
                  SELECT key_id INTO k FROM data_key_state WHERE id = 1;
                  IF k IS NULL THEN RETURN NEW; END IF;
                  v := to_jsonb(NEW) ->> TG_ARGV[0];
                  IF v IS NOT NULL AND left(v, 12) <> 'e1:' || k || ':' THEN
                    RAISE EXCEPTION 'jiuzhu: %.% is not sealed with the database''s key %', TG_TABLE_NAME, TG_ARGV[0], k;
                  END IF;
                  RETURN NEW;
                END $$ LANGUAGE plpgsql
                """).run()
        }
        try await Self.guardColumns(SealedColumn.sealedBy0020, on: sql)
    }

    /// Creates the guard trigger of each of `columns` (a later migration that seals more calls it for its own).
    static func guardColumns(_ columns: [SealedColumn], on sql: any SQLDatabase) async throws {
        let postgres = sql.dialect.name == "postgresql"
        for c in columns {
            let name = "tg_sealed_\(c.table)_\(c.column)"
            if postgres {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: name) ON \(ident: c.table)").run()
                try await sql.raw("""
                    CREATE TRIGGER \(unsafeRaw: name) BEFORE INSERT OR UPDATE OF \(ident: c.column) ON \(ident: c.table)
                    FOR EACH ROW EXECUTE FUNCTION jiuzhu_sealed_guard(\(unsafeRaw: "'" + c.column + "'"))
                    """).run()
            } else {
                let check: SQLQueryString = """
                    WHEN NEW.\(ident: c.column) IS NOT NULL AND EXISTS (SELECT 1 FROM data_key_state)
                      AND substr(NEW.\(ident: c.column), 1, 12) <> (SELECT 'e1:' || key_id || ':' FROM data_key_state WHERE id = 1)
                    BEGIN SELECT RAISE(ABORT, \(unsafeRaw: "'jiuzhu: " + c.table + "." + c.column + " is not sealed with the database''s key'")); END
                    """
                try await sql.raw("CREATE TRIGGER IF NOT EXISTS \(unsafeRaw: name + "_insert") BEFORE INSERT ON \(ident: c.table) " + check).run()
                try await sql.raw("CREATE TRIGGER IF NOT EXISTS \(unsafeRaw: name + "_update") BEFORE UPDATE OF \(ident: c.column) ON \(ident: c.table) " + check).run()
            }
        }
    }

    static func unguardColumns(_ columns: [SealedColumn], on sql: any SQLDatabase) async throws {
        for c in columns {
            let name = "tg_sealed_\(c.table)_\(c.column)"
            if sql.dialect.name == "postgresql" {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: name) ON \(ident: c.table)").run()
            } else {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: name + "_insert")").run()
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: name + "_update")").run()
            }
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await Self.unguardColumns(SealedColumn.sealedBy0020, on: sql)
        try await sql.raw("DROP TABLE IF EXISTS data_key_state").run()
    }
}
