import Domain
import FluentKit
import SQLKit

/// Counts for the dashboard: people and households by programme and township.
public struct TownshipCoverage: Hashable, Sendable {
    public var townshipCode: String
    public var households: Int
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

    /// 低保 coverage in `month` by township: households, counted people (保障人数), monthly amount.
    public func dibaoCoverage(countyCode: String, month: YearMonth) async throws -> [TownshipCoverage] {
        struct Row: Decodable { var townshipCode: String; var households: Int; var people: Int?; var total: Int64? }
        return try await database.sql.raw("""
            SELECT h.township_code, COUNT(*) AS households, CAST(SUM(e.household_size) AS BIGINT) AS people,
              CAST(SUM(e.monthly_benefit_fen) AS BIGINT) AS total
            FROM enrollments e JOIN households h ON h.id = e.household_id
            WHERE e.county_code = \(bind: countyCode) AND e.programme = 'dibao' AND e.start_month <= \(bind: month.number)
              AND (e.end_month IS NULL OR e.end_month >= \(bind: month.number))
            GROUP BY h.township_code ORDER BY h.township_code
            """).all(decoding: Row.self, with: SQLSupport.decoder).map {
            TownshipCoverage(townshipCode: $0.townshipCode, households: $0.households, people: $0.people ?? 0,
                             monthlyBenefit: Money(fen: $0.total ?? 0))
        }
    }

    /// Coverage in `month` by programme and area: households, people, monthly amount.
    public func coverageByProgramme(countyCode: String, month: YearMonth) async throws -> [ProgrammeCoverage] {
        struct Row: Decodable { var programme: String; var area: String; var households: Int; var people: Int?; var total: Int64? }
        return try await database.sql.raw("""
            SELECT programme, area, COUNT(*) AS households, CAST(SUM(household_size) AS BIGINT) AS people,
              CAST(SUM(monthly_benefit_fen) AS BIGINT) AS total
            FROM enrollments WHERE county_code = \(bind: countyCode) AND start_month <= \(bind: month.number)
              AND (end_month IS NULL OR end_month >= \(bind: month.number))
            GROUP BY programme, area ORDER BY programme, area
            """).all(decoding: Row.self, with: SQLSupport.decoder).map {
            ProgrammeCoverage(programme: Programme(rawValue: $0.programme) ?? .dibao, area: Area(rawValue: $0.area) ?? .rural,
                              households: $0.households, people: $0.people ?? 0, monthlyBenefit: Money(fen: $0.total ?? 0))
        }
    }

    /// The latest month that has a payroll batch, if any.
    public func latestPayrollMonth(countyCode: String) async throws -> YearMonth? {
        struct Row: Decodable { var m: Int? }
        return try await database.sql.raw("SELECT MAX(month) AS m FROM payroll_batches WHERE county_code = \(bind: countyCode)")
            .first(decoding: Row.self)?.m.flatMap(YearMonth.init(number:))
    }
}
