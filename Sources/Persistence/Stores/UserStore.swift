import FluentKit
import Foundation
import SQLKit

/// Staff roles. One place decides what each may do (`Web/Auth`).
public enum StaffRole: String, Codable, Sendable, CaseIterable {
    case admin, countyClerk = "county-clerk", townshipClerk = "township-clerk"

    public var chinese: String {
        switch self {
        case .admin: return "系统管理员"
        case .countyClerk: return "县民政局经办人"
        case .townshipClerk: return "乡镇经办人"
        }
    }
}

public struct StaffUser: Hashable, Sendable {
    public var id: String
    public var username: String
    public var displayName: String
    public var role: StaffRole
    public var passwordHash: String
}

/// Staff accounts. Passwords arrive already hashed (bcrypt, by the web layer).
public struct UserStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    struct Row: Decodable { var id: String; var username: String; var displayName: String; var role: String; var passwordHash: String }

    public func user(named username: String) async throws -> StaffUser? {
        try await database.sql.select().column("*").from("users").where(SQLIdentifier("username"), .equal, username)
            .first(decoding: Row.self, with: SQLSupport.decoder).map {
                StaffUser(id: $0.id, username: $0.username, displayName: $0.displayName,
                          role: try Stored("users").parse("role", $0.role), passwordHash: $0.passwordHash)
            }
    }

    /// Creates the user, or replaces the password of an existing one (a one-time admin password on start).
    public func upsert(username: String, displayName: String, role: StaffRole, passwordHash: String) async throws {
        if try await user(named: username) != nil {
            try await database.sql.update("users").set("password_hash", to: passwordHash)
                .where(SQLIdentifier("username"), .equal, username).run()
        } else {
            try await database.sql.insert(into: "users")
                .columns("id", "username", "password_hash", "display_name", "role", "created_at")
                .values(SQLSupport.newID(), username, passwordHash, displayName, role.rawValue, Date()).run()
        }
    }
}

/// The append-only audit log.
public struct AuditStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    public func append(countyCode: String, actor: String, action: String, subject: String, detail: String) async throws {
        try await audit(database.sql, county: countyCode, actor: actor, action: action, subject: subject, detail: detail)
    }
}
