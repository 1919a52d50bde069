import FluentKit
import SQLKit

/// The relief station (救助管理站, rules.md §4): people (by ID number or the station's temporary code) and
/// their stays, each with its snapshot and events; one open stay per person (a partial unique index).
/// Idempotent like 0008.
struct M0014ReliefStation: AsyncMigration {
    var name: String { "0014_ReliefStation" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await database.schema("station_persons")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            // The ID number, or the temporary code of a person not yet identified: one row per person.
            .field("person_key", .string, .required)
            .field("identified", .bool, .required)
            .field("name", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "county_code", "person_key", name: "uq_station_persons_key")
            .ignoreExisting()
            .create()
        try await database.schema("station_stays")
            .field("id", .string, .identifier(auto: false))
            .field("county_code", .string, .required)
            .field("person_id", .string, .required, .references("station_persons", "id"))
            .field("admitted_on", .string, .required)
            .field("exited_on", .string)
            .field("snapshot", .string, .required)
            .field("created_by", .string, .required)
            .field("updated_at", .datetime, .required)
            .ignoreExisting()
            .create()
        try await sql.raw("CREATE UNIQUE INDEX IF NOT EXISTS uq_station_stays_open ON station_stays (person_id) WHERE exited_on IS NULL").run()
        try await sql.raw("CREATE INDEX IF NOT EXISTS ix_station_stays_dates ON station_stays (county_code, admitted_on)").run()
        try await database.schema("station_events")
            .field("id", .string, .identifier(auto: false))
            .field("stay_id", .string, .required, .references("station_stays", "id", onDelete: .cascade))
            .field("seq", .int, .required)
            .field("kind", .string, .required)
            .field("payload", .string, .required)
            .field("actor", .string, .required)
            .field("recorded_at", .datetime, .required)
            .unique(on: "stay_id", "seq", name: "uq_station_events_seq")
            .ignoreExisting()
            .create()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        struct N: Decodable { var n: Int }
        let used = try await sql.raw("SELECT COUNT(*) AS n FROM station_stays").first(decoding: N.self)?.n ?? 0
        guard used == 0 else { throw StoreError.conflict("已有 \(used) 次救助站救助记录，不能回退迁移 0014 (stays would be lost)") }
        try await database.schema("station_events").delete()
        try await database.schema("station_stays").delete()
        try await database.schema("station_persons").delete()
    }
}
