import Domain
import FluentKit
import Foundation
import SQLKit

/// The fund ledger: allocations received, and spending as exported payroll batches.
public struct FundStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    /// Records an allocation. Re-recording the same source and document number is refused.
    /// - Throws: `StoreError.conflict` naming the document number; `StoreError.outOfRange` without a
    ///   document number or with an amount not above zero.
    public func add(_ a: Allocation, countyCode: String, isDemo: Bool = false) async throws {
        guard !a.documentNumber.trimmingWhitespace().isEmpty else {
            throw StoreError.outOfRange("资金下达须登记文号，未登记 (an allocation needs its document number)")
        }
        guard a.amount > .zero else { throw StoreError.outOfRange("下达金额须大于 0 (amount must be positive)") }
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
                let t = Stored("fund_allocations")
                return Allocation(year: $0.year, source: try t.parse("source", $0.source),
                                  documentNumber: $0.documentNumber, date: try t.date("allocated_on", $0.allocatedOn),
                                  amount: Money(fen: $0.amountFen), programme: try t.parse("programme", $0.programme))
            }
    }

    /// The latest year with an allocation, if any (the funds page opens on it).
    public func latestYear(countyCode: String) async throws -> Int? {
        struct Row: Decodable { var y: Int? }
        return try await database.sql.raw("SELECT MAX(year) AS y FROM fund_allocations WHERE county_code = \(bind: countyCode)")
            .first(decoding: Row.self)?.y
    }

    /// Spending of `year` by programme: lines of exported batches of that year's months that the bank did not
    /// return (`SQLFragments.notReturned`; a follow-up batch that repays them counts instead), 临时救助 paid
    /// at once from the townships' reserve funds on a date of that year, and 流浪乞讨人员救助: the costs the
    /// relief station recorded on its services dated in the year (travel vouchers and the like; services
    /// recorded without a cost are counted by the station, not priced here). Programmes whose
    /// rules split spending by area (低保, as the county's table does) get one row per area, shown even
    /// when zero; every programme the county runs (`programmes`) has a row.
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func uses(countyCode: String, year: Int,
                     programmes: [Programme] = Programme.managed + [.vagrantRelief]) async throws -> [FundUse] {
        struct Row: Decodable { var programme: String; var area: String; var total: Int64 }
        let rows = try await database.sql.raw(SQLQueryString("""
            SELECT b.programme, l.area, CAST(SUM(l.amount_fen) AS BIGINT) AS total
            FROM payroll_lines l JOIN payroll_batches b ON b.id = l.batch_id
            WHERE b.county_code = \(bind: countyCode) AND b.state = 'exported'
              AND b.month >= \(bind: year * 100 + 1) AND b.month <= \(bind: year * 100 + 12) AND
            """) + SQLFragments.notReturned("l") + SQLQueryString("""

            GROUP BY b.programme, l.area
            UNION ALL
            SELECT 'temporary' AS programme, c.area, CAST(SUM(r.amount_fen) AS BIGINT) AS total
            FROM reserve_fund_entries r JOIN temporary_cases c ON c.id = r.temporary_case_id
            WHERE r.county_code = \(bind: countyCode) AND r.kind = 'payment'
              AND r.entry_date >= \(bind: "\(year)-01-01") AND r.entry_date <= \(bind: "\(year)-12-31")
            GROUP BY c.area
            """)).all(decoding: Row.self, with: SQLSupport.decoder)
        let t = Stored("payroll_batches")
        var spent: [Programme: [Area: Money]] = [:]
        for r in rows {
            let programme: Programme = try t.parse("programme", r.programme)
            let area: Area = try Stored("payroll_lines").parse("area", r.area)
            spent[programme, default: [:]][area, default: .zero] += Money(fen: r.total)
        }
        // The relief station's costs are not split by area.
        var unsplit: [Programme: Money] = [:]
        for s in try await ReliefStationStore(database).stays(countyCode: countyCode, from: CivilDate(year: year, month: 1, day: 1)!,
                                                              through: CivilDate(year: year, month: 12, day: 31)!) {
            for service in s.stay.services where service.date.year == year && service.cost > .zero {
                unsplit[.vagrantRelief, default: .zero] += service.cost
            }
        }
        var uses: [FundUse] = []
        for programme in Programme.allCases where programmes.contains(programme) || spent[programme] != nil || unsplit[programme] != nil {
            let byArea = spent[programme] ?? [:]
            if (try? programme.rules())?.fundUseByArea == true {
                for area in Area.allCases {
                    uses.append(FundUse(programme: programme, area: area, amount: byArea[area] ?? .zero))
                }
            } else {
                uses.append(FundUse(programme: programme, area: nil, amount: byArea.values.reduce(.zero, +) + (unsplit[programme] ?? .zero)))
            }
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
        try await StoredCodes.check(database.sql, countyCode: countyCode)
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
        struct Text: Decodable { var d: String? }
        let firstReserve = try await sql.raw("""
            SELECT MIN(entry_date) AS d FROM reserve_fund_entries WHERE county_code = \(bind: countyCode) AND kind = 'payment'
            """).first(decoding: Text.self)?.d.flatMap { Int($0.prefix(4)) }
        guard let earliest = [firstAllocation, firstSpending, firstReserve].compactMap({ $0 }).min(), earliest < year else { return .zero }
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
