import Domain
import FluentKit
import Foundation
import SQLKit

/// The fund ledger: allocations received, and spending as exported payroll batches.
public struct FundStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    /// Records an allocation. Re-recording the same source and document number is refused.
    /// - Throws: `StoreError.conflict` naming the document number.
    public func add(_ a: Allocation, countyCode: String, isDemo: Bool = false) async throws {
        struct Row: Decodable { var id: String }
        if try await database.sql.select().column("id").from("fund_allocations")
            .where(SQLIdentifier("county_code"), .equal, countyCode)
            .where(SQLIdentifier("source"), .equal, a.source.rawValue)
            .where(SQLIdentifier("document_number"), .equal, a.documentNumber).first(decoding: Row.self) != nil {
            throw StoreError.conflict("文号“\(a.documentNumber)”的\(a.source.chinese)已登记，不能重复登记 (allocation already recorded)")
        }
        try await database.sql.insert(into: "fund_allocations").columns(
            "id", "county_code", "year", "source", "document_number", "allocated_on", "amount_fen", "programme", "is_demo"
        ).values(SQLSupport.newID(), countyCode, a.year, a.source.rawValue, a.documentNumber, a.date.description,
                 a.amount.fen, a.programme?.rawValue, isDemo).run()
    }

    public func allocations(countyCode: String, year: Int) async throws -> [Allocation] {
        struct Row: Decodable {
            var year: Int; var source: String; var documentNumber: String; var allocatedOn: String; var amountFen: Int64
            var programme: String?
        }
        return try await database.sql.select().column("*").from("fund_allocations")
            .where(SQLIdentifier("county_code"), .equal, countyCode).where(SQLIdentifier("year"), .equal, year)
            .orderBy("allocated_on").all(decoding: Row.self, with: SQLSupport.decoder).map {
                Allocation(year: $0.year, source: FundingSource(rawValue: $0.source) ?? .county,
                           documentNumber: $0.documentNumber, date: try CivilDate(parsing: $0.allocatedOn),
                           amount: Money(fen: $0.amountFen), programme: $0.programme.flatMap(Programme.init(rawValue:)))
            }
    }

    /// The latest year with an allocation, if any (the funds page opens on it).
    public func latestYear(countyCode: String) async throws -> Int? {
        struct Row: Decodable { var y: Int? }
        return try await database.sql.raw("SELECT MAX(year) AS y FROM fund_allocations WHERE county_code = \(bind: countyCode)")
            .first(decoding: Row.self)?.y
    }

    /// Spending of `year` by programme (and area for 低保): lines of exported batches of that year's months.
    public func uses(countyCode: String, year: Int) async throws -> [FundUse] {
        struct Row: Decodable { var programme: String; var area: String; var total: Int64 }
        let rows = try await database.sql.raw("""
            SELECT b.programme, l.area, CAST(SUM(l.amount_fen) AS BIGINT) AS total
            FROM payroll_lines l JOIN payroll_batches b ON b.id = l.batch_id
            WHERE b.county_code = \(bind: countyCode) AND b.state = 'exported'
              AND b.month >= \(bind: year * 100 + 1) AND b.month <= \(bind: year * 100 + 12)
            GROUP BY b.programme, l.area
            """).all(decoding: Row.self, with: SQLSupport.decoder)
        var uses: [FundUse] = []
        // Always show both 低保 lines, as the county's table does, even when one is zero.
        for area in Area.allCases {
            let fen = rows.first { $0.programme == Programme.dibao.rawValue && $0.area == area.rawValue }?.total ?? 0
            uses.append(FundUse(programme: .dibao, area: area, amount: Money(fen: fen)))
        }
        for r in rows where r.programme != Programme.dibao.rawValue {
            uses.append(FundUse(programme: Programme(rawValue: r.programme) ?? .temporary, area: nil,
                                amount: Money(fen: r.total)))
        }
        return uses
    }

    /// The year's table. The previous years' balance comes in as 上年结转 (carried over), computed
    /// from the ledger year by year, so a year's table always starts where the last one ended.
    /// Years a fund table can be asked for.
    public static let years = 2000...2100

    public func fundTable(countyCode: String, year: Int) async throws -> FundTable {
        guard Self.years.contains(year) else {
            throw StoreError.outOfRange("年度 \(year) 超出范围：请填写 \(Self.years.lowerBound)–\(Self.years.upperBound) 之间的年份 (year out of range)")
        }
        var allocations = try await allocations(countyCode: countyCode, year: year)
        let carried = try await balance(countyCode: countyCode, before: year)
        if carried != .zero {
            allocations.insert(Allocation(year: year, source: .carriedOver, documentNumber: "上年结转",
                                          date: CivilDate(year: year, month: 1, day: 1)!, amount: carried, programme: nil),
                               at: 0)
        }
        return FundTable(year: year, allocations: allocations, uses: try await uses(countyCode: countyCode, year: year))
    }

    /// Raised minus used over every year before `year`.
    public func balance(countyCode: String, before year: Int) async throws -> Money {
        struct Row: Decodable { var y: Int? }
        let sql = database.sql
        let firstAllocation = try await sql.raw("SELECT MIN(year) AS y FROM fund_allocations WHERE county_code = \(bind: countyCode)")
            .first(decoding: Row.self)?.y
        let firstSpending = try await sql.raw("""
            SELECT MIN(month) / 100 AS y FROM payroll_batches WHERE county_code = \(bind: countyCode) AND state = 'exported'
            """).first(decoding: Row.self)?.y
        guard let earliest = [firstAllocation, firstSpending].compactMap({ $0 }).min(), earliest < year else { return .zero }
        let first = max(earliest, Self.years.lowerBound)
        var balance = Money.zero
        for y in first..<year {
            let raised = try await allocations(countyCode: countyCode, year: y).reduce(Money.zero) { $0 + $1.amount }
            let used = try await uses(countyCode: countyCode, year: y).reduce(Money.zero) { $0 + $1.amount }
            balance = balance + raised - used
        }
        return balance
    }
}
