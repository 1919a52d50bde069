import FluentKit
import Foundation
import SQLKit

extension Database {
    /// This database as SQLKit (both drivers we ship are SQL databases).
    var sql: any SQLDatabase { self as! any SQLDatabase }
}

enum SQLSupport {
    static let decoder = SQLRowDecoder(keyDecodingStrategy: .convertFromSnakeCase)

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

    static let json: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }()

    static func encode<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try json.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

/// Something the store refused; each carries a message for staff naming the value.
public enum StoreError: Error, Equatable, Sendable {
    case notFound(what: String, id: String)
    case conflict(String)
    case outOfRange(String)

    public var message: String {
        switch self {
        case let .notFound(what, id): return "找不到\(what)（\(id)） (not found)"
        case .conflict(let m), .outOfRange(let m): return m
        }
    }
}
