import Crypto
import Domain
import FluentKit
import Foundation
import SQLKit

/// A batch's bank file as handed over to the bank: produced once, kept, and handed out again byte for byte.
public struct StoredBankFile: Hashable, Sendable {
    public var batchID: String
    /// The `BankFormat` name it was written in.
    public var format: String
    public var fileName: String
    public var content: Data
    /// Lowercase hex SHA-256 of `content`: what the bank and an auditor compare.
    public var sha256: String
    public var lineCount: Int
    public var total: Money
    public var producedAt: Date
    public var producedBy: String
}

/// Bank files (one per batch, ever) and the county's bank formats.
public struct BankFileStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    public func file(of batchID: String) async throws -> StoredBankFile? {
        try await Self.file(of: batchID, on: database.sql, keys: try database.dataKeys())
    }

    static func file(of batchID: String, on sql: any SQLDatabase, keys: DataKeys) async throws -> StoredBankFile? {
        struct Row: Decodable {
            var batchId: String; var format: String; var fileName: String; var content: String; var sha256: String
            var lineCount: Int; var totalFen: Int64; var producedAt: Date; var producedBy: String
        }
        guard let r = try await sql.raw("""
            SELECT batch_id, format, file_name, content, sha256, line_count, total_fen, produced_at, produced_by
            FROM bank_files WHERE batch_id = \(bind: batchID)
            """).first(decoding: Row.self, with: SQLSupport.decoder) else { return nil }
        let content = try Sealed(keys).bytes("bank_files", "content", r.content, row: r.batchId)
        // What was handed over is what is handed out: a file altered at rest is refused, never served.
        guard SHA256.hash(data: content).map({ String(format: "%02x", $0) }).joined() == r.sha256 else {
            throw DataKeyError.damaged("bank_files.content (\(r.batchId))")
        }
        return StoredBankFile(batchID: r.batchId, format: r.format, fileName: r.fileName, content: content, sha256: r.sha256,
                              lineCount: r.lineCount, total: Money(fen: r.totalFen), producedAt: r.producedAt, producedBy: r.producedBy)
    }

    /// Hands a batch's file over: stores it and, for an approved batch, marks the batch exported (the money
    /// counts as spent), in one transaction. A batch has one file, ever: when it has one already (asked
    /// twice, or by two people at once), that one is returned unchanged and `created` is false.
    /// - Parameter content: the file as rendered from the batch's frozen lines.
    /// - Throws: `PayrollError.invalidTransition` for a draft.
    public func handOver(_ batch: PayrollBatch, format: String, fileName: String, content: Data,
                         actor: String) async throws -> (file: StoredBankFile, created: Bool) {
        if let existing = try await file(of: batch.id) { return (existing, false) }
        let store = PayrollStore(database)
        let digest = SHA256.hash(data: content).map { String(format: "%02x", $0) }.joined()
        let insert: @Sendable (any Database) async throws -> Void = { db in
            try await db.sql.insert(into: "bank_files").columns(
                "batch_id", "format", "file_name", "content", "sha256", "line_count", "total_fen", "produced_at", "produced_by"
            ).values(batch.id, format, fileName, try Sealed(db).seal(bytes: content), digest, batch.lineCount, batch.total.fen,
                     Date(), actor).run()
            try await audit(db, county: batch.countyCode, actor: actor, action: "payroll.bank-file", subject: batch.id,
                            detail: "\(format) \(fileName) sha256 \(digest)")
        }
        do {
            switch batch.state {
            case .draft: throw PayrollError.invalidTransition(from: .draft, to: .exported)
            case .approved: _ = try await store.transition(batch.id, to: .exported, actor: actor, column: "exported", also: insert)
            case .exported:
                // Exported before files were kept (migration 0022): this first copy becomes the one.
                try await database.transaction { db in try await insert(db) }
            }
        } catch {
            // Someone else handed it over meanwhile: theirs is the file.
            if let existing = try await file(of: batch.id) { return (existing, false) }
            throw error
        }
        guard let stored = try await file(of: batch.id) else { throw PayrollError.batchNotFound(batch.id) }
        return (stored, true)
    }

    // MARK: - Formats

    /// The formats the county can use: the built-in ones, then its own in name order.
    /// - Throws: `StoreError.unreadable` for a stored definition that does not parse.
    public func formats(countyCode: String) async throws -> [BankFormat] {
        BankFormat.builtIn + (try await custom(countyCode: countyCode))
    }

    func custom(countyCode: String) async throws -> [BankFormat] {
        struct Row: Decodable { var name: String; var definition: String }
        return try await database.sql.raw("""
            SELECT name, definition FROM bank_formats WHERE county_code = \(bind: countyCode) ORDER BY name
            """).all(decoding: Row.self, with: SQLSupport.decoder).map { r in
            guard let f = try? JSONDecoder().decode(BankFormat.self, from: Data(r.definition.utf8)), f.name == r.name else {
                throw StoreError.unreadable(table: "bank_formats", column: "definition", value: r.name)
            }
            return f
        }
    }

    /// The name of the format the county chose, nil when it uses the built-in `csv`.
    public func chosenFormatName(countyCode: String) async throws -> String? {
        struct Row: Decodable { var name: String }
        return try await database.sql.raw("SELECT name FROM bank_format_choice WHERE county_code = \(bind: countyCode)")
            .first(decoding: Row.self)?.name
    }

    /// The format the county's batches are written in: the one it chose, else the built-in `csv`.
    /// - Throws: `BankFormatError.unknownFormat` when the chosen one is gone.
    public func defaultFormat(countyCode: String) async throws -> BankFormat {
        guard let chosen = try await chosenFormatName(countyCode: countyCode) else { return .csv }
        return try await format(named: chosen, countyCode: countyCode)
    }

    /// - Throws: `BankFormatError.unknownFormat` listing the names there are.
    public func format(named name: String, countyCode: String) async throws -> BankFormat {
        let all = try await formats(countyCode: countyCode)
        guard let f = all.first(where: { $0.name == name }) else {
            throw BankFormatError.unknownFormat(name, known: all.map(\.name))
        }
        return f
    }

    /// Replaces the county's own formats with `formats` (checked by `BankFormat.parse`), in one transaction.
    /// - Throws: `StoreError.conflict` when the format in use would be dropped.
    public func importFormats(_ formats: [BankFormat], countyCode: String, actor: String) async throws {
        if let chosen = try await chosenFormatName(countyCode: countyCode),
           !BankFormat.builtIn.contains(where: { $0.name == chosen }), !formats.contains(where: { $0.name == chosen }) {
            throw StoreError.conflict("本县正在使用银行文件格式“\(chosen)”，新文件中没有它：请先改用其他格式 (the format in use would be dropped)")
        }
        try await database.transaction { db in
            try await db.sql.delete(from: "bank_formats").where(SQLIdentifier("county_code"), .equal, countyCode).run()
            for f in formats {
                try await db.sql.insert(into: "bank_formats").columns("id", "county_code", "name", "definition", "imported_by", "imported_at")
                    .values(SQLSupport.newID(), countyCode, f.name, f.json(), actor, Date()).run()
            }
            try await audit(db, county: countyCode, actor: actor, action: "bank-format.import", subject: countyCode,
                            detail: formats.map(\.name).joined(separator: ", "))
        }
    }

    /// Chooses the format the county's batches are written in from now on (files already handed over
    /// keep theirs).
    /// - Throws: `BankFormatError.unknownFormat`.
    public func use(_ name: String, countyCode: String, actor: String) async throws {
        _ = try await format(named: name, countyCode: countyCode)
        try await database.transaction { db in
            try await db.sql.delete(from: "bank_format_choice").where(SQLIdentifier("county_code"), .equal, countyCode).run()
            try await db.sql.insert(into: "bank_format_choice").columns("county_code", "name", "chosen_by", "chosen_at")
                .values(countyCode, name, actor, Date()).run()
            try await audit(db, county: countyCode, actor: actor, action: "bank-format.use", subject: countyCode, detail: name)
        }
    }
}
