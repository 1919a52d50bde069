import Domain
import FluentKit
import SQLKit

/// Where a record lies, for the authorization layer: a page about a record outside the user's area
/// answers 404, as if it did not exist (ADR 0018).
public struct AccessStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    /// The kinds of record a page can be about.
    public enum Subject: String, Sendable, CaseIterable {
        case household, application, termination, temporaryCase, stay, batch, warning, referral, complaint
    }

    /// Where a record is kept.
    public enum Place: Hashable, Sendable {
        /// A household's village (and through it its township and county).
        case village(DivisionCode)
        /// A township's record with no household (a temporary case of a person not registered).
        case township(DivisionCode)
        /// A county record (a payroll batch, a station stay).
        case county(String)

        public func isVisible(in scope: AccessScope) -> Bool {
            switch self {
            case .village(let v): return scope.contains(village: v)
            case .township(let t): return scope.contains(township: t)
            case .county(let c): return scope.contains(county: c)
            }
        }
    }

    struct Row: Decodable { var countyCode: String?; var townshipCode: String?; var villageCode: String?; var householdId: String? }

    /// Where the record lies, or nil when there is no such record.
    /// - Throws: `StoreError` when a stored code does not parse.
    public func place(of subject: Subject, id: String) async throws -> Place? {
        try await locate(subject, id: id)?.place
    }

    /// Where the record lies and the household it concerns (for the audit trail), or nil when there is
    /// no such record.
    public func locate(_ subject: Subject, id: String) async throws -> (place: Place, householdID: String?)? {
        let query: SQLQueryString
        switch subject {
        case .household:
            query = "SELECT county_code, township_code, village_code, id AS household_id FROM households WHERE id = \(bind: id)"
        case .application:
            query = "SELECT h.county_code, h.township_code, h.village_code, h.id AS household_id FROM applications a JOIN households h ON h.id = a.household_id WHERE a.id = \(bind: id)"
        case .termination:
            query = "SELECT h.county_code, h.township_code, h.village_code, h.id AS household_id FROM terminations t JOIN households h ON h.id = t.household_id WHERE t.id = \(bind: id)"
        case .temporaryCase:
            query = "SELECT c.county_code, c.township_code, h.village_code, h.id AS household_id FROM temporary_cases c LEFT JOIN households h ON h.id = c.household_id WHERE c.id = \(bind: id)"
        case .stay:
            query = "SELECT county_code FROM station_stays WHERE id = \(bind: id)"
        case .batch:
            query = "SELECT county_code FROM payroll_batches WHERE id = \(bind: id)"
        case .warning:
            query = "SELECT h.county_code, h.township_code, h.village_code, h.id AS household_id FROM early_warnings w JOIN households h ON h.id = w.household_id WHERE w.id = \(bind: id)"
        case .referral:
            query = "SELECT r.county_code, r.township_code, h.village_code, h.id AS household_id FROM referrals r LEFT JOIN households h ON h.id = r.household_id WHERE r.id = \(bind: id)"
        case .complaint:
            query = "SELECT c.county_code, c.township_code, h.village_code, h.id AS household_id FROM complaints c LEFT JOIN households h ON h.id = c.household_id WHERE c.id = \(bind: id)"
        }
        guard let row = try await database.sql.raw(query).first(decoding: Row.self, with: SQLSupport.decoder) else { return nil }
        let stored = Stored(subject.rawValue)
        if let v = row.villageCode { return (.village(try stored.division("village_code", v)), row.householdId) }
        if let t = row.townshipCode { return (.township(try stored.division("township_code", t)), row.householdId) }
        guard let c = row.countyCode else { return nil }
        return (.county(c), nil)
    }
}
