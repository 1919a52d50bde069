import Domain
import FluentKit
import Foundation
import SQLKit

/// A stay as stored, with its id and the limit that applies to it.
public struct StoredStay: Hashable, Sendable {
    public var id: String
    public var countyCode: String
    public var stay: Stay
    /// The stay limit in days and its source (the region's policy, or 民政部令第24号 第12条).
    public var maxStayDays: Int
    public var limitSource: String
}

/// The relief station (救助管理站): admission of a person known by ID number or by the station's temporary
/// code, the 24-hour family-search notice, services, extensions filed with the higher department, exits,
/// and the month's 人次 and 人数 (field case C18). One open stay per person; every step one transaction.
public struct ReliefStationStore: Sendable {
    let database: any Database
    public let today: @Sendable () -> CivilDate

    public init(_ database: any Database, today: @escaping @Sendable () -> CivilDate = ChinaClock.today) {
        self.database = database
        self.today = today
    }

    /// 入站登记. `admittedAt` is the instant (its Beijing date is the admission date).
    /// - Throws: `StayError.openStayExists` / `.unidentifiedCode` / `.missing` / `.textInvalid` /
    ///   `.dateInFuture`.
    public func admit(_ person: StationPersonKey, name: String, countyCode: String, admittedAt: Date, belongings: String,
                      health: String, minor: Bool, actor: String) async throws -> String {
        let on = ChinaClock.date(of: admittedAt)
        if on > today() { throw StayError.dateInFuture(on, today: today()) }
        if case .unidentified(let code) = person {
            guard (1...20).contains(code.count), code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }) else {
                throw StayError.unidentifiedCode(code)
            }
        }
        // A person not yet identified may have no name: the station describes them instead.
        let name = FreeText.isBlank(name) ? "身份不明人员" : try StayWorkflow.text(name, "姓名", maxLength: 50)
        let belongings = FreeText.isBlank(belongings) ? "无" : try StayWorkflow.text(belongings, "随身物品")
        let health = FreeText.isBlank(health) ? "未见异常" : try StayWorkflow.text(health, "健康状况")
        let stay = Stay(person: person, name: name, admittedOn: on, admittedAt: admittedAt, belongings: belongings,
                        health: health, minor: minor)
        return try await database.transaction { db in
            let sql = db.sql
            // The person is found by the blind index of their ID number or station code (ADR 0021); the
            // stay's record, which holds the number, is sealed.
            let sealed = try Sealed(db)
            let personKey = sealed.keys.index(person.text, as: .residentID)
            struct P: Decodable { var id: String }
            var personID = try await sql.select().column("id").from("station_persons")
                .where(SQLIdentifier("county_code"), .equal, countyCode).where(SQLIdentifier("person_key"), .equal, personKey)
                .first(decoding: P.self)?.id
            if personID == nil {
                let id = SQLSupport.newID()
                try await sql.insert(into: "station_persons").columns("id", "county_code", "person_key", "identified", "name", "created_at")
                    .values(id, countyCode, personKey, person.identityKnown, name, Date()).run()
                personID = id
            }
            struct S: Decodable { var id: String }
            if let open = try await sql.select().column("id").from("station_stays")
                .where(SQLIdentifier("person_id"), .equal, personID!).where(SQLIdentifier("exited_on"), .is, SQLLiteral.null)
                .first(decoding: S.self) {
                throw StayError.openStayExists(open.id)
            }
            let id = SQLSupport.newID()
            try await sql.insert(into: "station_stays").columns("id", "county_code", "person_id", "admitted_on", "exited_on", "snapshot",
                                                                "created_by", "updated_at")
                .values(id, countyCode, personID!, on.description, Optional<String>.none, try sealed.seal(record: SQLSupport.encode(stay)),
                        actor, Date()).run()
            try await audit(db, county: countyCode, actor: actor, action: "station.admit", subject: id,
                            detail: person.identityKnown ? "identified" : "unidentified \(person.text)")
            return id
        }
    }

    /// Records a step on an open stay. - Throws: `StayError`, `StoreError.notFound`.
    @discardableResult
    public func record(_ event: StayWorkflow.Event, on id: String, actor: String) async throws -> StoredStay {
        try await database.transaction { db in
            let stored = try await load(id, on: db)
            let next = try StayWorkflow.apply(event, to: stored.stay, maxStayDays: stored.maxStayDays, today: today())
            let sql = db.sql
            try await sql.update("station_stays").set("snapshot", to: try Sealed(db).seal(record: SQLSupport.encode(next)))
                .set("exited_on", to: next.exitedOn?.description).set("updated_at", to: Date())
                .where(SQLIdentifier("id"), .equal, id).run()
            struct Seq: Decodable { var n: Int? }
            let seq = (try await sql.raw("SELECT MAX(seq) AS n FROM station_events WHERE stay_id = \(bind: id)")
                .first(decoding: Seq.self)?.n ?? 0) + 1
            try await sql.insert(into: "station_events").columns("id", "stay_id", "seq", "kind", "payload", "actor", "recorded_at")
                .values(SQLSupport.newID(), id, seq, Self.kind(event), try SQLSupport.encode(event), actor, Date()).run()
            try await audit(db, county: stored.countyCode, actor: actor, action: "station.\(Self.kind(event))", subject: id, detail: "")
            return try await load(id, on: db)
        }
    }

    static func kind(_ e: StayWorkflow.Event) -> String {
        switch e {
        case .familySearchNotice: return "family-search-notice"
        case .service: return "service"
        case .extend: return "extend"
        case .exit: return "exit"
        }
    }

    public func stay(_ id: String) async throws -> StoredStay { try await load(id, on: database) }

    /// Stays of the county overlapping `from…through` (admitted on or before `through`, not ended before
    /// `from`), newest first; `openOnly` for those still in the station.
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func stays(countyCode: String, from: CivilDate, through: CivilDate, openOnly: Bool = false) async throws -> [StoredStay] {
        var q = database.sql.select().columns("id", "county_code", "snapshot").from("station_stays")
            .where(SQLIdentifier("county_code"), .equal, countyCode)
            .where(SQLIdentifier("admitted_on"), .lessThanOrEqual, through.description)
        q = openOnly ? q.where(SQLIdentifier("exited_on"), .is, SQLLiteral.null)
            : q.where { $0.where(SQLIdentifier("exited_on"), .is, SQLLiteral.null)
                .orWhere(SQLIdentifier("exited_on"), .greaterThanOrEqual, from.description) }
        let rows = try await q.orderBy("admitted_on", .descending).orderBy("id").all(decoding: Row.self, with: SQLSupport.decoder)
        var limits = Limits()
        var out: [StoredStay] = []
        for r in rows { out.append(try await map(r, limits: &limits, on: database)) }
        return out
    }

    /// The month's 救助人次 and 救助人数 (C18), from the stays overlapping it.
    public func figures(countyCode: String, month: YearMonth) async throws -> ReliefStationRules.MonthFigures {
        let stays = try await stays(countyCode: countyCode, from: month.firstDay, through: month.lastDay).map(\.stay)
        return ReliefStationRules.figures(stays, month: month)
    }

    struct Row: Decodable { var id: String; var countyCode: String; var snapshot: String }

    /// The stay limit by county and admission month, read once per list.
    struct Limits {
        var byMonth: [String: (days: Int, source: String)] = [:]
    }

    func map(_ r: Row, limits: inout Limits, on db: any Database) async throws -> StoredStay {
        let stay = try Sealed(db).json(Stay.self, "station_stays", "snapshot", r.snapshot, row: r.id)
        let key = "\(r.countyCode) \(stay.admittedOn.yearMonth)"
        if limits.byMonth[key] == nil {
            // The limit in force at admission: the region's policy for that month, or the national rule.
            // No version in force is not an error here (the national limit holds); a stored version that does
            // not parse still is.
            var policy: Policy?
            do { policy = try await PolicyStore(db).policy(region: r.countyCode, month: stay.admittedOn.yearMonth) }
            catch is PolicyError { policy = nil }
            limits.byMonth[key] = ReliefStationRules.maxStayDays(policy)
        }
        let (days, source) = limits.byMonth[key]!
        return StoredStay(id: r.id, countyCode: r.countyCode, stay: stay, maxStayDays: days, limitSource: source)
    }

    func load(_ id: String, on db: any Database) async throws -> StoredStay {
        try await SQLSupport.lockRow("station_stays", id: id, on: db)
        guard let r = try await db.sql.select().columns("id", "county_code", "snapshot").from("station_stays")
            .where(SQLIdentifier("id"), .equal, id).first(decoding: Row.self, with: SQLSupport.decoder)
        else { throw StoreError.notFound(what: "救助记录", id: id) }
        var limits = Limits()
        return try await map(r, limits: &limits, on: db)
    }
}
