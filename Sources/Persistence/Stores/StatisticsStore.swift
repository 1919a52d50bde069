import Domain
import FluentKit
import SQLKit

/// Counts for the dashboard: people and households by programme and township.
public struct TownshipCoverage: Hashable, Sendable {
    public var townshipCode: String
    /// Enrollments: households for household programmes, persons for member-level ones.
    public var households: Int
    /// 保障人数: counted members of the decisions.
    public var people: Int
    public var monthlyBenefit: Money
}

public struct ProgrammeCoverage: Hashable, Sendable {
    public var programme: Programme
    public var area: Area
    public var households: Int
    public var people: Int
    public var monthlyBenefit: Money
}

public struct StatisticsStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    /// Coverage of `programme` in `month` by township: enrollments, counted people (保障人数), monthly amount.
    public func coverage(of programme: Programme, in scope: AccessScope, month: YearMonth) async throws -> [TownshipCoverage] {
        struct Row: Decodable { var townshipCode: String; var households: Int; var people: Int?; var total: Int64? }
        return try await database.sql.raw(SQLQueryString("""
            SELECT h.township_code, COUNT(*) AS households, CAST(SUM(e.household_size) AS BIGINT) AS people,
              CAST(SUM(e.monthly_benefit_fen) AS BIGINT) AS total
            FROM enrollments e JOIN households h ON h.id = e.household_id
            WHERE e.programme = \(bind: programme.rawValue) AND
            """) + SQLFragments.inScope("h", scope) + " AND " + SQLFragments.active("e", in: month) + SQLQueryString("""

            GROUP BY h.township_code ORDER BY h.township_code
            """)).all(decoding: Row.self, with: SQLSupport.decoder).map {
            TownshipCoverage(townshipCode: $0.townshipCode, households: $0.households, people: $0.people ?? 0,
                             monthlyBenefit: Money(fen: $0.total ?? 0))
        }
    }

    /// Coverage in `month` by programme and area: enrollments, people, monthly amount.
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func coverageByProgramme(in scope: AccessScope, month: YearMonth) async throws -> [ProgrammeCoverage] {
        struct Row: Decodable { var programme: String; var area: String; var households: Int; var people: Int?; var total: Int64? }
        let t = Stored("enrollments")
        return try await database.sql.raw(SQLQueryString("""
            SELECT e.programme, e.area, COUNT(*) AS households, CAST(SUM(e.household_size) AS BIGINT) AS people,
              CAST(SUM(e.monthly_benefit_fen) AS BIGINT) AS total
            FROM enrollments e JOIN households h ON h.id = e.household_id WHERE
            """) + SQLFragments.inScope("h", scope) + " AND " + SQLFragments.active("e", in: month) + SQLQueryString("""

            GROUP BY e.programme, e.area ORDER BY e.programme, e.area
            """)).all(decoding: Row.self, with: SQLSupport.decoder).map {
            ProgrammeCoverage(programme: try t.parse("programme", $0.programme), area: try t.parse("area", $0.area),
                              households: $0.households, people: $0.people ?? 0, monthlyBenefit: Money(fen: $0.total ?? 0))
        }
    }

    /// The latest month that has a payroll batch, if any.
    public func latestPayrollMonth(countyCode: String) async throws -> YearMonth? {
        struct Row: Decodable { var m: Int? }
        let m = try await database.sql.raw("SELECT MAX(month) AS m FROM payroll_batches WHERE county_code = \(bind: countyCode)")
            .first(decoding: Row.self)?.m
        return try Stored("payroll_batches").month("month", m)
    }
}
