import Domain
import FluentKit
import Foundation
import SQLKit

/// The documents of a household file (一户一档). Bytes go to the data directory beside the database,
/// named by a new id; the checksum and metadata go to the database.
public struct DocumentStore: Sendable {
    let database: any Database
    public let directory: URL
    /// Largest accepted file, in bytes.
    public let maxBytes: Int

    public init(_ database: any Database, directory: URL, maxBytes: Int = 10 * 1024 * 1024) {
        self.database = database
        self.directory = directory
        self.maxBytes = maxBytes
    }

    public enum DocumentError: Error, Equatable, Sendable {
        case tooLarge(name: String, bytes: Int, max: Int)
        case empty(name: String)

        public var message: String {
            switch self {
            case let .tooLarge(name, bytes, max):
                return "文件“\(name)”大小 \(bytes / 1024) KB，超过上限 \(max / 1024 / 1024) MB：请压缩或分开上传 (file too large)"
            case .empty(let name): return "文件“\(name)”为空 (empty file)"
            }
        }
    }

    /// Stores a document: the file is written first, then the row; if the row fails the file is removed.
    /// - Throws: `DocumentError`, `StoreError.notFound` for an unknown household.
    public func add(householdID: String, kind: DocumentKind, originalName: String, contentType: String,
                    bytes: Data, actor: String) async throws -> DocumentInfo {
        guard !bytes.isEmpty else { throw DocumentError.empty(name: originalName) }
        guard bytes.count <= maxBytes else {
            throw DocumentError.tooLarge(name: originalName, bytes: bytes.count, max: maxBytes)
        }
        guard try await RegistryStore(database).household(householdID) != nil else {
            throw StoreError.notFound(what: "家庭", id: householdID)
        }
        let id = SQLSupport.newID()
        let digest = Checksum.sha256Hex(bytes)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent(id)
        try bytes.write(to: file, options: .atomic)
        let info = DocumentInfo(id: id, kind: kind, originalName: originalName, contentType: contentType,
                                sizeBytes: Int64(bytes.count), sha256: digest, storedName: id, uploadedBy: actor)
        do {
            try await database.sql.insert(into: "documents").columns(
                "id", "household_id", "kind", "original_name", "content_type", "size_bytes", "sha256", "stored_name",
                "uploaded_by", "uploaded_at"
            ).values(id, householdID, kind.rawValue, originalName, contentType, Int64(bytes.count), digest, id, actor,
                     Date()).run()
        } catch {
            try? FileManager.default.removeItem(at: file)
            throw error
        }
        return info
    }

    public func documents(ofHousehold id: String) async throws -> [DocumentInfo] {
        struct Row: Decodable {
            var id: String; var kind: String; var originalName: String; var contentType: String; var sizeBytes: Int64
            var sha256: String; var storedName: String; var uploadedBy: String
        }
        return try await database.sql.select().column("*").from("documents").where(SQLIdentifier("household_id"), .equal, id)
            .orderBy("uploaded_at").all(decoding: Row.self, with: SQLSupport.decoder).map {
                DocumentInfo(id: $0.id, kind: try Stored("documents").parse("kind", $0.kind), originalName: $0.originalName,
                             contentType: $0.contentType, sizeBytes: $0.sizeBytes, sha256: $0.sha256,
                             storedName: $0.storedName, uploadedBy: $0.uploadedBy)
            }
    }

    /// The document's bytes, checked against the stored checksum.
    public func content(of documentID: String, householdID: String) async throws -> (DocumentInfo, Data) {
        guard let info = try await documents(ofHousehold: householdID).first(where: { $0.id == documentID }) else {
            throw StoreError.notFound(what: "材料", id: documentID)
        }
        let data = try Data(contentsOf: directory.appendingPathComponent(info.storedName))
        let digest = Checksum.sha256Hex(data)
        guard digest == info.sha256 else {
            throw StoreError.conflict("材料“\(info.originalName)”校验值不符，文件可能已被改动 (checksum mismatch)")
        }
        return (info, data)
    }
}
