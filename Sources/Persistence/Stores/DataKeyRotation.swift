import Domain
import FluentKit
import Foundation
import SQLKit

/// Checks that the database was sealed with the key given, and reseals it under a new one (ADR 0021).
public struct DataKeyRotation: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    static var columns: [SealedColumn] { SealedColumn.all }

    /// The ids of the keys the indexed columns are sealed with (a blind index is only found with the key
    /// that made it): one scan of each.
    func keyIDsInUse() async throws -> Set<String> {
        struct Row: Decodable { var k: String? }
        var ids = Set<String>()
        for c in Self.columns where c.index != nil {
            for r in try await database.sql.raw("""
                SELECT DISTINCT substr(\(ident: c.column), 1, 12) AS k FROM \(ident: c.table) WHERE \(ident: c.column) IS NOT NULL
                """).all(decoding: Row.self) {
                guard let k = r.k, let id = DataKeys.keyID(of: k) else {
                    throw DataKeyError.notSealed("\(c.table).\(c.column)")
                }
                ids.insert(id)
            }
        }
        return ids
    }

    /// Refuses to work with keys that would not find what is stored: a database sealed with another key,
    /// or one whose rotation has not been run.
    /// - Throws: `DataKeyError.missing` (no keys), `.unknownKey` (sealed with a key not given),
    ///   `.rotationPending` (values under a previous key: run `jiuzhu key rotate`).
    public func verify() async throws {
        let keys = try database.dataKeys()
        for id in try await keyIDsInUse() where id != keys.current.id {
            if keys.previous.contains(where: { $0.id == id }) { throw DataKeyError.rotationPending(id) }
            throw DataKeyError.unknownKey(id, "数据库")
        }
    }

    public struct Result: Sendable, Equatable {
        /// Values resealed, by table.column.
        public var resealed: [String: Int]
        public var stationPersons: Int
    }

    /// Reseals every value not under the current key with it, recomputes the blind indexes, in one
    /// transaction: interrupted, the database is as before (run it again). `JIUZHU_DATA_KEY` is the new
    /// key, `JIUZHU_DATA_KEY_PREVIOUS` the old ones. Running it again when all is under the current key
    /// changes nothing.
    /// - Parameter progress: called with table.column and the count done, every 1,000 values.
    /// - Throws: `DataKeyError.unknownKey` for a value sealed with a key not given (nothing is changed).
    public func rotate(progress: @escaping @Sendable (String, Int) -> Void = { _, _ in }) async throws -> Result {
        try await database.transaction { db in
            let keys = try db.dataKeys()
            let sql = db.sql
            let current = DataKeys.prefix + keys.current.id + ":"
            var result = Result(resealed: [:], stationPersons: 0)
            struct Row: Decodable { var id: String; var v: String }
            for c in Self.columns {
                let rows = try await sql.raw("""
                    SELECT id, \(ident: c.column) AS v FROM \(ident: c.table)
                    WHERE \(ident: c.column) IS NOT NULL AND \(ident: c.column) NOT LIKE \(bind: current + "%")
                    """).all(decoding: Row.self)
                let name = "\(c.table).\(c.column)"
                for (n, r) in rows.enumerated() {
                    let text = try keys.open(r.v, as: c.kind, place: "\(name) (\(r.id))")
                    var q: SQLQueryString = "UPDATE \(ident: c.table) SET \(ident: c.column) = \(bind: try keys.seal(text, as: c.kind))"
                    if let index = c.index { q = q + ", \(ident: index) = \(bind: keys.index(text, as: c.kind))" }
                    try await sql.raw(q + " WHERE id = \(bind: r.id)").run()
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
                text[s.personId] = try Stored("station_stays").json(Domain.Stay.self, "snapshot", json).person.text
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
