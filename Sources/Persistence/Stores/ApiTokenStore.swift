import Crypto
import FluentKit
import Foundation
import SQLKit

/// API tokens for other systems: a token acts as an account (its role and area decide what it may do),
/// is shown once when made, kept only as its SHA-256, and ends when revoked or its account is disabled.
public struct ApiTokenStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    public enum TokenError: Error, Equatable, Sendable, CustomStringConvertible {
        case exists(String)
        case notFound(String)
        case badName(String)

        public var description: String {
            switch self {
            case .exists(let n): return "接口令牌 “\(n)” 已存在"
            case .notFound(let n): return "接口令牌 “\(n)” 不存在或已撤销"
            case .badName(let n): return "接口令牌名称 “\(n)” 不可用：应为 2–40 个英文字母、数字或 . _ -"
            }
        }
    }

    public struct Token: Sendable, Equatable {
        public var name: String
        public var username: String
        public var createdAt: Date
        public var createdBy: String
        public var revokedAt: Date?
        public var lastUsedAt: Date?
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Makes a token named `name` acting as `username`; the token text, shown once.
    /// - Throws: `TokenError.badName`, `.exists`; `UserError.notFound`.
    public func create(name: String, username: String, by actor: String, now: Date = Date()) async throws -> String {
        let n = name.trimmingCharacters(in: .whitespaces)
        guard (2...40).contains(n.count), n.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
            throw TokenError.badName(name)
        }
        guard let user = try await UserStore(database).user(named: username) else { throw UserError.notFound(username) }
        struct Row: Decodable { var id: String }
        if try await database.sql.select().column("id").from("api_tokens").where(SQLIdentifier("name"), .equal, n)
            .first(decoding: Row.self) != nil { throw TokenError.exists(n) }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let token = "jz_" + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        try await database.transaction { db in
            try await db.sql.insert(into: "api_tokens").columns("id", "name", "user_id", "token_sha256", "created_at", "created_by")
                .values(SQLSupport.newID(), n, user.id, Self.hash(token), now, actor).run()
            try await AuditChain.append(AuditDraft(countyCode: String(user.areaCode?.prefix(6) ?? ""), actor: actor, action: "token-added",
                                                   subject: "token:\(n)", detail: "代表账号 \(user.username)"), on: db)
        }
        return token
    }

    /// The account a token acts as, when the token is live and the account enabled; marks it used.
    public func user(forToken token: String, now: Date = Date()) async throws -> StaffUser? {
        guard token.hasPrefix("jz_"), token.count <= 80 else { return nil }
        struct Row: Decodable { var id: String; var userId: String }
        guard let row = try await database.sql.raw("""
            SELECT id, user_id FROM api_tokens WHERE token_sha256 = \(bind: Self.hash(token)) AND revoked_at IS NULL
            """).first(decoding: Row.self, with: SQLSupport.decoder),
              let user = try await UserStore(database).user(id: row.userId), !user.isDisabled
        else { return nil }
        try await database.sql.update("api_tokens").set("last_used_at", to: now).where(SQLIdentifier("id"), .equal, row.id).run()
        return user
    }

    /// Revokes the token: it no longer works.
    /// - Throws: `TokenError.notFound`.
    public func revoke(name: String, by actor: String, now: Date = Date()) async throws {
        try await database.transaction { db in
            let changed = try await db.sql.raw("UPDATE api_tokens SET revoked_at = \(bind: now) WHERE name = \(bind: name) AND revoked_at IS NULL RETURNING id")
                .all()
            if changed.isEmpty { throw TokenError.notFound(name) }
            try await AuditChain.append(AuditDraft(countyCode: "", actor: actor, action: "token-revoked", subject: "token:\(name)"), on: db)
        }
    }

    public func list() async throws -> [Token] {
        struct Row: Decodable {
            var name: String; var username: String; var createdAt: Date; var createdBy: String; var revokedAt: Date?; var lastUsedAt: Date?
        }
        return try await database.sql.raw("""
            SELECT t.name, u.username, t.created_at, t.created_by, t.revoked_at, t.last_used_at
            FROM api_tokens t JOIN users u ON u.id = t.user_id ORDER BY t.name
            """).all(decoding: Row.self, with: SQLSupport.decoder).map {
            Token(name: $0.name, username: $0.username, createdAt: $0.createdAt, createdBy: $0.createdBy, revokedAt: $0.revokedAt,
                  lastUsedAt: $0.lastUsedAt)
        }
    }
}
