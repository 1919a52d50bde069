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

    public func fundTable(countyCode: String, year: Int) async throws -> FundTable {
        FundTable(year: year, allocations: try await allocations(countyCode: countyCode, year: year),
                  uses: try await uses(countyCode: countyCode, year: year))
    }
}
