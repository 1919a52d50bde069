import FluentKit
import SQLKit

/// ID numbers and bank account numbers sealed at rest (AES-256-GCM, docs/adr/0021-sealed-columns.md), found
/// by blind index: `members.resident_id_index` (unique), `households.payee_resident_index`,
/// `temporary_cases.applicant_resident_index`; `station_persons.person_key` becomes the index of the
/// person's ID number or station code. Records that carry ID numbers are sealed whole: `decisions.input`,
/// `station_stays.snapshot`. Payroll lines seal the payee's ID and account number.
///
/// Values already in the database are sealed in one transaction with the key in `JIUZHU_DATA_KEY`: a
/// database with rows and no key is refused (`DataKeyError.missing`), and nothing is changed. The
/// columns are added idempotently like 0008; a value already sealed is left as it is.
struct M0020SealIdentifiers: AsyncMigration {
    var name: String { "0020_SealIdentifiers" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        for (table, column) in [("members", "resident_id_index"), ("households", "payee_resident_index"),
                                ("temporary_cases", "applicant_resident_index")]
        where !(try await MigrationProbe.columnExists(column, in: table, on: database)) {
            try await sql.raw("ALTER TABLE \(ident: table) ADD COLUMN \(ident: column) TEXT").run()
        }
        try await database.transaction { db in
            try await Self.sealExisting(on: db)
        }
        try await sql.raw("CREATE UNIQUE INDEX IF NOT EXISTS uq_members_resident_index ON members (resident_id_index)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_households_payee_index ON households (payee_resident_index)").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_temporary_cases_applicant_index ON temporary_cases (applicant_resident_index)").run()
        // The index on the sealed text finds nothing any more.
        try await sql.raw("DROP INDEX IF EXISTS ix_temporary_cases_applicant").run()
    }

    /// Every value still in the clear, sealed (and indexed) under the current key.
    static func sealExisting(on db: any Database) async throws {
        let sql = db.sql
        struct Row: Decodable { var id: String; var v: String? }
        func clear(_ table: String, _ column: String) async throws -> [Row] {
            try await sql.raw("""
                SELECT id, \(ident: column) AS v FROM \(ident: table)
                WHERE \(ident: column) IS NOT NULL AND \(ident: column) NOT LIKE 'e1:%'
                """).all(decoding: Row.self)
        }
        var sealedOrNil: Sealed?
        func sealed() throws -> Sealed {
            if let s = sealedOrNil { return s }
            let s = try Sealed(db)
            sealedOrNil = s
            return s
        }
        for c in SealedColumn.sealedBy0020 {
            for r in try await clear(c.table, c.column) {
                let keys = try sealed().keys
                var q: SQLQueryString = "UPDATE \(ident: c.table) SET \(ident: c.column) = \(bind: try keys.seal(r.v!, as: c.kind))"
                if let index = c.index { q = q + ", \(ident: index) = \(bind: keys.index(r.v!, as: c.kind))" }
                try await sql.raw(q + " WHERE id = \(bind: r.id)").run()
            }
        }
        // The person key was the ID number or station code itself; it becomes its index (32 hex digits).
        let persons = try await sql.raw("SELECT id, person_key AS v FROM station_persons").all(decoding: Row.self)
        for r in persons where !(r.v!.count == 32 && r.v!.allSatisfy(\.isHexDigit)) {
            try await sql.raw("UPDATE station_persons SET person_key = \(bind: try sealed().keys.index(r.v!, as: .residentID)) WHERE id = \(bind: r.id)").run()
        }
    }

    func revert(on database: any Database) async throws {}
}
