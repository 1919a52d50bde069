import Crypto
import Domain
import FluentKit
import Foundation
import SQLKit

extension Database {
    /// This database as SQLKit (both drivers we ship are SQL databases).
    var sql: any SQLDatabase { self as! any SQLDatabase }
}

enum SQLSupport {
    static let decoder = SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase)

    /// `values` in slices of at most `size`, for `IN (…)` lists that stay under every driver's bind limit.
    static func chunks<T>(_ values: [T], size: Int = 500) -> [[T]] {
        stride(from: 0, to: values.count, by: size).map { Array(values[$0..<min($0 + size, values.count)]) }
    }

    /// Inserts rows with multi-row INSERT statements, `chunk` rows at a time (SQLite allows 32,766
    /// bound values per statement, PostgreSQL 65,535).
    static func insert(into table: String, columns: [String], rows: [[any Encodable & Sendable]],
                       on sql: any SQLDatabase) async throws {
        guard !rows.isEmpty else { return }
        let chunk = max(1, 30_000 / max(columns.count, 1) / 2)
        var start = 0
        while start < rows.count {
            let end = min(start + chunk, rows.count)
            var builder = sql.insert(into: table).columns(columns)
            for row in rows[start..<end] { builder = builder.values(row) }
            try await builder.run()
            start = end
        }
    }

    static func newID() -> String { UUID().uuidString.lowercased() }

    /// Inside a transaction, locks the row `id` of `table` until commit (PostgreSQL `FOR UPDATE`), so two
    /// workflow steps on one record run one after the other and the second sees the first's state: every
    /// state change is a guarded transition. SQLite has one writer: nothing to do.
    static func lockRow(_ table: StaticString, id: String, on db: any Database) async throws {
        guard db.inTransaction, db.sql.dialect.name == "postgresql" else { return }
        try await db.sql.raw("SELECT id FROM \(unsafeRaw: "\(table)") WHERE id = \(bind: id) FOR UPDATE").run()
    }

    static let json: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try json.encode(value), as: UTF8.self)
    }

    /// Stored JSON is read through `Stored.json`, which names the table and column of a bad value.
    static let jsonDecoder = JSONDecoder()
}

/// File checksums: what documents and policy imports record.
public enum Checksum {
    /// Lowercase hex SHA-256 of `data`.
    public static func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// SHA-256 over data given a piece at a time (a file read in chunks).
    public struct Streaming {
        var hasher = SHA256()
        public init() {}
        public mutating func update(_ data: Data) { hasher.update(data: data) }
        /// Lowercase hex, as `sha256Hex`.
        public func hex() -> String { hasher.finalize().map { String(format: "%02x", $0) }.joined() }
    }
}

/// Something the store refused; each carries a message for staff naming the value.
public enum StoreError: Error, Equatable, Sendable {
    case notFound(what: String, id: String)
    case conflict(String)
    case outOfRange(String)
    /// A stored value that does not parse: never replaced by a default.
    case unreadable(table: String, column: String, value: String)

    public var message: String {
        switch self {
        case let .notFound(what, id): return "找不到\(what)（\(id)） (not found)"
        case .conflict(let m), .outOfRange(let m): return m
        case let .unreadable(table, column, value):
            return "数据库表 \(table) 的 \(column) 列中的值“\(value)”无法识别，已停止处理以免按错误的值计算；请联系系统管理员核查该记录 (stored value does not parse: \(table).\(column) = \(value))"
        }
    }
}

/// Reads stored values back into domain values. A value that does not parse is an error naming the
/// table, column and value (`StoreError.unreadable`), never a default.
struct Stored {
    let table: String

    init(_ table: String) { self.table = table }

    func parse<T: RawRepresentable>(_ column: String, _ raw: String) throws(StoreError) -> T where T.RawValue == String {
        guard let v = T(rawValue: raw) else { throw .unreadable(table: table, column: column, value: raw) }
        return v
    }

    func parse<T: RawRepresentable>(_ column: String, _ raw: String?) throws(StoreError) -> T? where T.RawValue == String {
        guard let raw else { return nil }
        guard let v = T(rawValue: raw) else { throw .unreadable(table: table, column: column, value: raw) }
        return v
    }

    func month(_ column: String, _ number: Int) throws(StoreError) -> YearMonth {
        guard let m = YearMonth(number: number) else { throw .unreadable(table: table, column: column, value: "\(number)") }
        return m
    }

    func month(_ column: String, _ number: Int?) throws(StoreError) -> YearMonth? {
        guard let number else { return nil }
        guard let m = YearMonth(number: number) else { throw .unreadable(table: table, column: column, value: "\(number)") }
        return m
    }

    func date(_ column: String, _ text: String) throws(StoreError) -> CivilDate {
        do { return try CivilDate(parsing: text) } catch { throw .unreadable(table: table, column: column, value: text) }
    }

    func date(_ column: String, _ text: String?) throws(StoreError) -> CivilDate? {
        guard let text else { return nil }
        do { return try CivilDate(parsing: text) } catch { throw .unreadable(table: table, column: column, value: text) }
    }

    /// A stored 身份证号码, checked again (check digit, birth date) before it is shown, paid or exported.
    func residentID(_ column: String, _ text: String) throws(StoreError) -> ResidentID {
        do {
            let id = try ResidentID(text)
            guard id.value == text else { throw StoreError.unreadable(table: table, column: column, value: text) }
            return id
        } catch { throw .unreadable(table: table, column: column, value: text) }
    }

    func residentID(_ column: String, _ text: String?) throws(StoreError) -> ResidentID? {
        guard let text else { return nil }
        return try residentID(column, text) as ResidentID
    }

    func division(_ column: String, _ text: String) throws(StoreError) -> DivisionCode {
        guard let d = DivisionCode(text) else { throw .unreadable(table: table, column: column, value: text) }
        return d
    }

    func json<T: Decodable>(_ type: T.Type, _ column: String, _ text: String) throws(StoreError) -> T {
        do { return try SQLSupport.jsonDecoder.decode(type, from: Data(text.utf8)) } catch {
            throw .unreadable(table: table, column: column, value: String(text.prefix(200)))
        }
    }

    /// Amount components as stored: `[{"fen":90000,"kind":"basic"}]`. A missing value, an unknown kind, or
    /// parts that do not sum exactly to `total` (the row's amount) are refused. `differences`: the parts
    /// are differences (back pay: a part may be negative, e.g. a top-up decided lower), only the sum is checked.
    func components(_ column: String, _ text: String?, total: Money,
                    differences: Bool = false) throws(StoreError) -> [AmountComponent] {
        guard let text else { throw .unreadable(table: table, column: column, value: "NULL") }
        var out: [AmountComponent] = []
        for r in try json([StoredComponent].self, column, text) {
            guard let kind = AmountComponent.Kind(rawValue: r.kind) else {
                throw .unreadable(table: table, column: column, value: r.kind)
            }
            // Only an offset takes money away; every other part is zero or more.
            guard differences || kind.isOffset == (r.fen < 0) || r.fen == 0 else {
                throw .unreadable(table: table, column: column, value: "\(r.kind) \(Money(fen: r.fen).yuanString)")
            }
            out.append(AmountComponent(kind, Money(fen: r.fen)))
        }
        let sum = out.reduce(Money.zero) { $0 + $1.amount }
        guard sum == total else {
            throw .unreadable(table: table, column: column, value: "\(text)（合计 \(sum.yuanString) ≠ 金额 \(total.yuanString)）")
        }
        return out
    }
}

/// How amount components are stored: integer fen, never a yuan string or a float.
struct StoredComponent: Codable {
    var fen: Int64
    var kind: String

    static func encode(_ components: [AmountComponent]) throws -> String {
        try SQLSupport.encode(components.map { StoredComponent(fen: $0.amount.fen, kind: $0.kind.rawValue) })
    }
}

/// SQL fragments used in more than one query, each written once.
enum SQLFragments {
    /// The enrollment aliased `alias` is active in `month`: started on or before it and not ended before it.
    /// `alias` is a compile-time literal, so nothing from outside can reach the SQL text.
    static func active(_ alias: StaticString, in month: YearMonth) -> SQLQueryString {
        let alias = "\(alias)"
        return " \(unsafeRaw: alias).start_month <= \(bind: month.number) AND (\(unsafeRaw: alias).end_month IS NULL OR \(unsafeRaw: alias).end_month >= \(bind: month.number)) "
    }

    /// The member aliased `alias` counts in `programme`'s household in `month`: active, or its status (death,
    /// moving out, …) began in the month or later (`Member.counts(in:)`: the one rule for assess, review and
    /// payroll), and not supported by another programme as a person that month (a 特困 person leaves the
    /// 低保 household: one person, one programme; field case C02). Twin of `HouseholdComposition
    /// .countedMembers(in:)` with `AssessmentInput.supportedElsewhere`.
    static func counted(_ alias: StaticString, in programme: Programme, month: YearMonth) -> SQLQueryString {
        let alias = "\(alias)"
        return " (\(unsafeRaw: alias).status = 'active' OR \(unsafeRaw: alias).status_since >= \(bind: month.firstDay.description)) AND NOT EXISTS (SELECT 1 FROM enrollments x WHERE x.member_id = \(unsafeRaw: alias).id AND "
            + apart("x", besides: programme) + " AND " + active("x", in: month) + ") "
    }

    /// The enrollment aliased `alias` is of a programme other than `programme` that supports its person
    /// apart from the household (`Programme.supportingPersonApart`: 特困, 孤儿).
    static func apart(_ alias: StaticString, besides programme: Programme) -> SQLQueryString {
        let alias = "\(alias)"
        let others = Programme.supportingPersonApart.filter { $0 != programme }.map(\.rawValue)
        // `IN ()` is not SQL; with no such programme nothing is apart.
        guard !others.isEmpty else { return " 1 = 0 " }
        return " \(unsafeRaw: alias).programme IN (\(binds: others)) "
    }

    /// The payroll line aliased `alias` was not returned by the bank (a returned line's money came back:
    /// it is not spending; its follow-up line, if repaid, is).
    static func notReturned(_ alias: StaticString) -> SQLQueryString {
        let l = "\(alias)"
        return " NOT EXISTS (SELECT 1 FROM payroll_line_results rr WHERE rr.line_id = \(unsafeRaw: l).id AND rr.paid = \(bind: false)) "
    }

    /// The member aliased `member` is who household `household` is paid to: active, and the designated
    /// payee, or the head when none is designated (matched by blind index, ADR 0021).
    static func payee(_ member: StaticString, of household: StaticString) -> SQLQueryString {
        let p = "\(member)", h = "\(household)"
        return " \(unsafeRaw: p).household_id = \(unsafeRaw: h).id AND \(unsafeRaw: p).status = 'active' AND ((\(unsafeRaw: h).payee_resident_index IS NULL AND \(unsafeRaw: p).relationship = 'head') OR \(unsafeRaw: p).resident_id_index = \(unsafeRaw: h).payee_resident_index) "
    }

    /// The household aliased `alias` lies in `scope` (a county, township or village): the one filter
    /// of every list, search and count by area (ADR 0018).
    static func inScope(_ alias: StaticString, _ scope: AccessScope) -> SQLQueryString {
        let alias = "\(alias)"
        var q: SQLQueryString = " \(unsafeRaw: alias).county_code = \(bind: scope.countyCode) "
        if let township = scope.township { q = q + " AND \(unsafeRaw: alias).township_code = \(bind: township.value) " }
        if let village = scope.village { q = q + " AND \(unsafeRaw: alias).village_code = \(bind: village.value) " }
        return q
    }

    /// The temporary-assistance case aliased `alias` lies in `scope`: by its household's village when it
    /// has one (as `AccessStore.place`), else by its township.
    static func temporaryCaseInScope(_ alias: StaticString, _ scope: AccessScope) -> SQLQueryString {
        let a = "\(alias)"
        return " ((\(unsafeRaw: a).household_id IS NOT NULL AND \(unsafeRaw: a).household_id IN (SELECT hh.id FROM households hh WHERE "
            + inScope("hh", scope) + ")) OR (\(unsafeRaw: a).household_id IS NULL AND " + townshipInScope(alias, scope) + ")) "
    }

    /// A record kept at a township (`alias.township_code`, no village: a temporary case of a person with
    /// no household) lies in `scope`: county users see all, a township its own, a village none.
    static func townshipInScope(_ alias: StaticString, _ scope: AccessScope) -> SQLQueryString {
        let alias = "\(alias)"
        if scope.village != nil { return " 1 = 0 " }
        var q: SQLQueryString = " \(unsafeRaw: alias).county_code = \(bind: scope.countyCode) "
        if let township = scope.township { q = q + " AND \(unsafeRaw: alias).township_code = \(bind: township.value) " }
        return q
    }
}
