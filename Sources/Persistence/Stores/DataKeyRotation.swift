import Domain
import FluentKit
import Foundation
import SQLKit

/// Checks that the database was sealed with the key given, and reseals it under a new one (ADR 0021).
public struct DataKeyRotation: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    /// The ids of the keys the indexed columns are sealed with (a blind index is only found with the key
    /// that made it): one scan of each.
    func keyIDsInUse() async throws -> Set<String> {
        struct Row: Decodable { var k: String? }
        var ids = Set<String>()
        for c in SealedColumn.all where c.index != nil {
            for r in try await database.sql.raw("""
                SELECT DISTINCT substr(\(ident: c.column), 1, 12) AS k FROM \(ident: c.table) WHERE \(ident: c.column) IS NOT NULL
                """).all(decoding: Row.self) {
                guard let k = r.k, let id = DataKeys.keyID(of: k) else {
                    struct Row: Decodable { var id: String }
                    let row = try await database.sql.raw("""
                        SELECT id FROM \(ident: c.table) WHERE \(ident: c.column) IS NOT NULL AND \(ident: c.column) NOT LIKE 'e1:%' LIMIT 1
                        """).first(decoding: Row.self)
                    throw DataKeyError.notSealed("\(c.table).\(c.column) (\(row?.id ?? "?"))")
                }
                ids.insert(id)
            }
        }
        return ids
    }

    /// The key the database is sealed with and the keys rotated away from (`data_key_state`, migration
    /// 0021); nil before any process opened it with a key.
    static func state(_ sql: any SQLDatabase) async throws -> (keyId: String, retired: [String])? {
        struct Row: Decodable { var keyId: String; var retired: String }
        return try await sql.raw("SELECT key_id, retired FROM data_key_state WHERE id = 1")
            .first(decoding: Row.self, with: SQLSupport.decoder)
            .map { ($0.keyId, $0.retired.split(separator: ",").map(String.init)) }
    }

    /// Refuses to work with keys that would not find what is stored: a database sealed with another key,
    /// or one whose rotation has not been run. The first time a database is opened with a key, that key
    /// becomes the database's (its triggers then refuse any other).
    /// - Throws: `DataKeyError.missing` (no keys), `.unknownKey` (sealed with a key not given),
    ///   `.rotationPending` (values under a previous key: run `jiuzhu key rotate`), `.retiredKey` (the key
    ///   given was rotated away from), `.notSealed` (a value in the clear, naming its row).
    public func verify() async throws {
        let keys = try database.dataKeys()
        func check(_ id: String) throws {
            guard id != keys.current.id else { return }
            if keys.previous.contains(where: { $0.id == id }) { throw DataKeyError.rotationPending(id) }
            throw DataKeyError.unknownKey(id, "数据库", given: keys.current.id)
        }
        let state = try await Self.state(database.sql)
        if let state, state.retired.contains(keys.current.id) { throw DataKeyError.retiredKey(keys.current.id) }
        if let state { try check(state.keyId) }
        // Also what is stored: a value in the clear (written around the triggers) is named at start.
        for id in try await keyIDsInUse() { try check(id) }
        if state == nil {
            try await database.sql.raw("INSERT INTO data_key_state (id, key_id) VALUES (1, \(bind: keys.current.id))").run()
        }
    }

    public struct Result: Sendable, Equatable {
        /// Values resealed, by table.column.
        public var resealed: [String: Int]
        public var stationPersons: Int
        /// The key the database was sealed with before (nil: none recorded yet); equal to the current key
        /// when there was nothing to rotate.
        public var from: String?
    }

    /// Reseals every value not under the current key with it, recomputes the blind indexes, in one
    /// transaction: interrupted, the database is as before (run it again). `JIUZHU_DATA_KEY` is the new
    /// key, `JIUZHU_DATA_KEY_PREVIOUS` the old ones. Running it again when all is under the current key
    /// changes nothing.
    /// - Parameter progress: called with table.column and the count done, every 1,000 values.
    /// - Throws: `DataKeyError.unknownKey` for a value sealed with a key not given (nothing is changed).
    public func rotate(progress: @escaping @Sendable (String, Int) -> Void = { _, _ in }) async throws -> Result {
        try await database.transaction { db in
            let keys = try db.dataKeys().forRotation()
            let sql = db.sql
            let current = DataKeys.prefix + keys.current.id + ":"
            // The database's key first: its triggers then accept the values resealed, and refuse any process
            // still writing with the old one (ADR 0021). A key rotated away from is never current again.
            let state = try await Self.state(sql)
            var result = Result(resealed: [:], stationPersons: 0, from: state?.keyId)
            if let state {
                let retired = state.retired
                if retired.contains(keys.current.id) { throw DataKeyError.retiredKey(keys.current.id) }
                if state.keyId != keys.current.id {
                    try await sql.raw("""
                        UPDATE data_key_state SET key_id = \(bind: keys.current.id), retired = \(bind: (retired + [state.keyId]).joined(separator: ","))
                        WHERE id = 1
                        """).run()
                }
            } else {
                // No key recorded yet: the keys the values are sealed with now are the ones rotated away from.
                let before = try await DataKeyRotation(db).keyIDsInUse().subtracting([keys.current.id]).sorted()
                result.from = before.first ?? keys.current.id
                try await sql.raw("""
                    INSERT INTO data_key_state (id, key_id, retired) VALUES (1, \(bind: keys.current.id), \(bind: before.joined(separator: ",")))
                    """).run()
            }
            struct Row: Decodable { var id: String; var v: String }
            for c in SealedColumn.all {
                let rows = try await sql.raw("""
                    SELECT \(ident: c.key) AS id, \(ident: c.column) AS v FROM \(ident: c.table)
                    WHERE \(ident: c.column) IS NOT NULL AND \(ident: c.column) NOT LIKE \(bind: current + "%")
                    """).all(decoding: Row.self)
                let name = "\(c.table).\(c.column)"
                for (n, r) in rows.enumerated() {
                    let text = try keys.open(r.v, as: c.kind, place: "\(name) (\(r.id))")
                    var q: SQLQueryString = "UPDATE \(ident: c.table) SET \(ident: c.column) = \(bind: try keys.seal(text, as: c.kind))"
                    if let index = c.index { q = q + ", \(ident: index) = \(bind: keys.index(text, as: c.kind))" }
                    try await sql.raw(q + " WHERE \(ident: c.key) = \(bind: r.id)").run()
                    if (n + 1) % 1_000 == 0 { progress(name, n + 1) }
                }
                if !rows.isEmpty { progress(name, rows.count) }
                result.resealed[name] = rows.count
            }
            // A station person is found by the index of their ID number or code: recomputed from a stay's record.
            struct Stay: Decodable { var personId: String; var snapshot: String; var id: String }
            struct P: Decodable { var id: String; var personKey: String }
            let stays = try await sql.raw("SELECT person_id, snapshot, id FROM station_stays ORDER BY person_id, id")
                .all(decoding: Stay.self, with: SQLSupport.decoder)
            var text: [String: String] = [:]
            for s in stays where text[s.personId] == nil {
                let json = try keys.open(s.snapshot, as: .record, place: "station_stays.snapshot (\(s.id))")
                text[s.personId] = try Sealed.redacted(row: s.id) { try Stored("station_stays").json(Domain.Stay.self, "snapshot", json) }.person.text
            }
            for p in try await sql.raw("SELECT id, person_key FROM station_persons").all(decoding: P.self, with: SQLSupport.decoder) {
                guard let t = text[p.id] else { continue }
                let key = keys.index(t, as: .residentID)
                if key != p.personKey {
                    try await sql.raw("UPDATE station_persons SET person_key = \(bind: key) WHERE id = \(bind: p.id)").run()
                    result.stationPersons += 1
                }
            }
            return result
        }
    }
}
