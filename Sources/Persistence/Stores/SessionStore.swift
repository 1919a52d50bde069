import Crypto
import FluentKit
import Foundation
import SQLKit

/// Browser sessions kept in the database, so a restart signs no one out and logout, a password change
/// or a disabled account ends them everywhere. Rows are keyed by the SHA-256 of the cookie value.
public struct SessionStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    /// How long a session lives: `idle` without a request, `absolute` in all (seconds).
    public struct Lifetime: Sendable {
        public var idle: TimeInterval
        public var absolute: TimeInterval
        public init(idle: TimeInterval, absolute: TimeInterval) { self.idle = idle; self.absolute = absolute }
        /// 30 minutes idle, 12 hours in all (等保 2.0 8.1.4.1 c: 登录连接超时自动退出).
        public static let standard = Lifetime(idle: 30 * 60, absolute: 12 * 3600)
    }

    public struct Record: Sendable, Equatable {
        public var data: [String: String]
        public var userID: String?
        public var createdAt: Date
        public var lastSeenAt: Date
    }

    /// How stale `last_seen_at` may grow before a request that changes nothing writes it again: one write
    /// a minute per session instead of one per request (the idle timeout is then exact to a minute).
    public static let touchInterval: TimeInterval = 60

    /// Whether a request that read `record` and leaves `data` and `userID` must still write the session.
    public static func needsWrite(after record: Record, data: [String: String], userID: String?, now: Date = Date()) -> Bool {
        record.data != data || record.userID != userID || now.timeIntervalSince(record.lastSeenAt) >= touchInterval
    }

    static func key(_ id: String) -> String {
        SHA256.hash(data: Data(id.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A new random session id (32 bytes, base64url), stored with its data.
    /// Expired sessions are purged first, so sessions never opened again do not pile up.
    public func create(data: [String: String], userID: String?, address: String, lifetime: Lifetime,
                       now: Date = Date()) async throws -> String {
        try await purgeExpired(lifetime: lifetime, now: now)
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let id = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        try await database.sql.insert(into: "sessions")
            .columns("id_hash", "user_id", "data", "address", "created_at", "last_seen_at")
            .values(Self.key(id), userID, try SQLSupport.encode(data), String(address.prefix(64)), now, now).run()
        return id
    }

    struct Row: Decodable { var userId: String?; var data: String; var createdAt: Date; var lastSeenAt: Date }

    /// The session, or nil when there is none or it has expired (an expired one is deleted).
    public func read(_ id: String, lifetime: Lifetime, now: Date = Date()) async throws -> Record? {
        guard let row = try await database.sql.select().columns("user_id", "data", "created_at", "last_seen_at").from("sessions")
            .where(SQLIdentifier("id_hash"), .equal, Self.key(id)).first(decoding: Row.self, with: SQLSupport.decoder)
        else { return nil }
        if now.timeIntervalSince(row.lastSeenAt) > lifetime.idle || now.timeIntervalSince(row.createdAt) > lifetime.absolute {
            try await delete(id)
            return nil
        }
        let data = try Stored("sessions").json([String: String].self, "data", row.data)
        return Record(data: data, userID: row.userId, createdAt: row.createdAt, lastSeenAt: row.lastSeenAt)
    }

    /// Stores the data and marks the session used now. A session deleted meanwhile (logout elsewhere,
    /// a password change) stays deleted: nothing is re-created.
    public func update(_ id: String, data: [String: String], userID: String?, now: Date = Date()) async throws {
        try await database.sql.update("sessions").set("data", to: try SQLSupport.encode(data)).set("user_id", to: userID)
            .set("last_seen_at", to: now).where(SQLIdentifier("id_hash"), .equal, Self.key(id)).run()
    }

    public func delete(_ id: String) async throws {
        try await database.sql.delete(from: "sessions").where(SQLIdentifier("id_hash"), .equal, Self.key(id)).run()
    }

    /// Deletes sessions unused for longer than the idle time or older than the absolute lifetime.
    public func purgeExpired(lifetime: Lifetime, now: Date = Date()) async throws {
        try await database.sql.delete(from: "sessions")
            .where(SQLIdentifier("last_seen_at"), .lessThan, now.addingTimeInterval(-lifetime.idle))
            .orWhere(SQLIdentifier("created_at"), .lessThan, now.addingTimeInterval(-lifetime.absolute)).run()
    }

    /// Sessions of a user (for the users page).
    public func count(userID: String) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await database.sql.raw("SELECT COUNT(*) AS n FROM sessions WHERE user_id = \(bind: userID)")
            .first(decoding: N.self)?.n ?? 0
    }
}
