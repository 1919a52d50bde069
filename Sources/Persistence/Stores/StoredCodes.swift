import Domain
import FluentKit
import SQLKit

/// Before figures are computed from rows that a query selects by a coded value (`programme =
/// ?`, `state = 'exported'`, `status = 'active'`, a month range), every such value of the county is
/// read back and parsed: a row whose code does not parse would otherwise drop out of the filter and the
/// figures would be silently wrong. Each check is one `SELECT DISTINCT` or one indexed probe.
enum StoredCodes {
    struct CodeRow: Decodable { var v: String? }

    /// - Throws: `StoreError.unreadable` naming the first table, column and value that does not parse.
    static func check(_ sql: any SQLDatabase, countyCode: String) async throws {
        try await distinct(Programme.self, "enrollments", "programme", sql, countyCode)
        try await distinct(Area.self, "enrollments", "area", sql, countyCode)
        try await distinct(Programme.self, "payroll_batches", "programme", sql, countyCode)
        try await distinct(PayrollState.self, "payroll_batches", "state", sql, countyCode)
        try await distinct(PayrollKind.self, "payroll_batches", "kind", sql, countyCode)
        try await distinct(MemberStatus.self, "members", "status", sql, countyCode)
        try await distinct(Relationship.self, "members", "relationship", sql, countyCode)
        try await distinct(FundingSource.self, "fund_allocations", "source", sql, countyCode)
        try await months("enrollments", ["start_month", "end_month"], sql, countyCode)
        try await months("payroll_batches", ["month"], sql, countyCode)
    }

    static func distinct<T: RawRepresentable>(_ type: T.Type, _ table: String, _ column: String, _ sql: any SQLDatabase,
                                              _ countyCode: String) async throws where T.RawValue == String {
        let rows = try await sql.raw("""
            SELECT DISTINCT \(ident: column) AS v FROM \(ident: table) WHERE county_code = \(bind: countyCode)
            """).all(decoding: CodeRow.self)
        let t = Stored(table)
        for r in rows {
            guard let v = r.v else { throw StoreError.unreadable(table: table, column: column, value: "NULL") }
            _ = try t.parse(column, v) as T
        }
    }

    /// Months are whole numbers YYYYMM: a fraction or text (possible in SQLite's loosely typed columns) is
    /// refused as well as an impossible month.
    static func months(_ table: String, _ columns: [String], _ sql: any SQLDatabase, _ countyCode: String) async throws {
        struct Row: Decodable { var v: String }
        for column in columns {
            if let bad = try await sql.raw("""
                SELECT CAST(\(ident: column) AS TEXT) AS v FROM \(ident: table) WHERE county_code = \(bind: countyCode)
                  AND \(ident: column) IS NOT NULL AND (CAST(\(ident: column) AS TEXT) <> CAST(CAST(\(ident: column) AS BIGINT) AS TEXT)
                  OR \(ident: column) % 100 < 1 OR \(ident: column) % 100 > 12
                  OR \(ident: column) < 190001 OR \(ident: column) > 299912) LIMIT 1
                """).first(decoding: Row.self) {
                throw StoreError.unreadable(table: table, column: column, value: "\(bad.v)")
            }
        }
    }
}
