import Domain
import FluentKit
import Foundation
import SQLKit

/// A staff account. The role and area decide what the user may see and do (`StaffRole.permissions`,
/// `AccessScope`).
public struct StaffUser: Hashable, Sendable {
    public var id: String
    public var username: String
    public var displayName: String
    public var role: StaffRole
    /// 6-digit county or 12-digit township / village code; nil for an account migrated without one
    /// (refused at sign-in until set).
    public var areaCode: String?
    public var passwordHash: String
    /// A one-time password: the user must choose a new one before anything else.
    public var mustChangePassword: Bool
    public var disabledAt: Date?
    public var createdAt: Date

    public var isDisabled: Bool { disabledAt != nil }
}

public enum UserError: Error, Equatable, Sendable, CustomStringConvertible {
    case exists(String)
    case notFound(String)
    /// Disabling it would leave no enabled system administrator.
    case lastAdministrator(String)
    /// A disabled account: enable it first.
    case disabled(String)

    public var description: String {
        switch self {
        case .exists(let u): return "用户 “\(u)” 已存在"
        case .notFound(let u): return "用户 “\(u)” 不存在"
        case .lastAdministrator(let u): return "“\(u)” 是唯一启用的系统管理员，不能停用（否则无人能管理账号）；请先新增另一名系统管理员"
        case .disabled(let u): return "账号 “\(u)” 已停用：请先启用（jiuzhu user enable \(u)，或用户管理页的“启用”）"
        }
    }
}

/// Staff accounts. Passwords arrive already hashed (bcrypt, by the web layer); a password change or a
/// disabled account ends the user's sessions in the same transaction.
public struct UserStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    struct Row: Decodable {
        var id: String; var username: String; var displayName: String; var role: String; var passwordHash: String
        var areaCode: String?; var mustChangePassword: Bool; var disabledAt: Date?; var createdAt: Date
    }

    func user(_ r: Row) throws -> StaffUser {
        StaffUser(id: r.id, username: r.username, displayName: r.displayName, role: try Stored("users").parse("role", r.role),
                  areaCode: r.areaCode, passwordHash: r.passwordHash, mustChangePassword: r.mustChangePassword,
                  disabledAt: r.disabledAt, createdAt: r.createdAt)
    }

    public func user(named username: String) async throws -> StaffUser? {
        try await database.sql.select().column("*").from("users").where(SQLIdentifier("username"), .equal, username)
            .first(decoding: Row.self, with: SQLSupport.decoder).map(user)
    }

    public func user(id: String) async throws -> StaffUser? {
        try await database.sql.select().column("*").from("users").where(SQLIdentifier("id"), .equal, id)
            .first(decoding: Row.self, with: SQLSupport.decoder).map(user)
    }

    /// Every account, by user name.
    public func list() async throws -> [StaffUser] {
        try await database.sql.select().column("*").from("users").orderBy("username")
            .all(decoding: Row.self, with: SQLSupport.decoder).map(user)
    }

    /// Adds an account.
    /// - Parameter oneTime: the password is a one-time password, to be changed at first sign-in.
    /// - Throws: `UserError.exists` when the user name is taken.
    @discardableResult
    public func add(username: String, displayName: String, role: StaffRole, areaCode: String, passwordHash: String,
                    oneTime: Bool, now: Date = Date()) async throws -> StaffUser {
        if try await user(named: username) != nil { throw UserError.exists(username) }
        let id = SQLSupport.newID()
        try await database.sql.insert(into: "users")
            .columns("id", "username", "password_hash", "display_name", "role", "area_code", "must_change_password",
                     "password_changed_at", "created_at")
            .values(id, username, passwordHash, displayName, role.rawValue, areaCode, oneTime, now, now).run()
        return try await user(id: id)!
    }

    /// Sets a new password and ends every session of the user.
    /// - Parameter oneTime: set by an administrator (must be changed at next sign-in) rather than by the user.
    /// - Throws: `UserError.notFound`.
    public func setPassword(userID: String, passwordHash: String, oneTime: Bool, now: Date = Date()) async throws {
        try await database.transaction { db in
            let sql = db as! any SQLDatabase
            let changed = try await sql.update("users").set("password_hash", to: passwordHash)
                .set("must_change_password", to: oneTime).set("password_changed_at", to: now)
                .where(SQLIdentifier("id"), .equal, userID).returning("id").all()
            if changed.isEmpty { throw UserError.notFound(userID) }
            try await sql.delete(from: "sessions").where(SQLIdentifier("user_id"), .equal, userID).run()
        }
    }

    /// Disables the account and ends its sessions; it can no longer sign in.
    /// - Throws: `UserError.notFound`.
    /// - Throws: `UserError.notFound`, `.lastAdministrator`.
    public func disable(username: String, now: Date = Date()) async throws {
        guard let u = try await user(named: username) else { throw UserError.notFound(username) }
        if u.role == .admin, !u.isDisabled,
           try await list().filter({ $0.role == .admin && !$0.isDisabled }).count <= 1 {
            throw UserError.lastAdministrator(username)
        }
        try await database.transaction { db in
            let sql = db as! any SQLDatabase
            try await sql.update("users").set("disabled_at", to: now).where(SQLIdentifier("id"), .equal, u.id).run()
            try await sql.delete(from: "sessions").where(SQLIdentifier("user_id"), .equal, u.id).run()
        }
    }

    /// Enables a disabled account again (its password unchanged).
    /// - Throws: `UserError.notFound`.
    public func enable(username: String) async throws {
        guard let u = try await user(named: username) else { throw UserError.notFound(username) }
        try await database.sql.update("users").set("disabled_at", to: SQLLiteral.null).where(SQLIdentifier("id"), .equal, u.id).run()
    }

    /// Creates the `admin` account, or gives it a new one-time password, enabled again (`serve --reset-admin`).
    public func resetAdmin(countyCode: String, passwordHash: String, now: Date = Date()) async throws {
        if let u = try await user(named: "admin") {
            try await setPassword(userID: u.id, passwordHash: passwordHash, oneTime: true, now: now)
            try await database.sql.update("users").set("disabled_at", to: SQLLiteral.null).set("role", to: StaffRole.admin.rawValue)
                .set("area_code", to: countyCode).where(SQLIdentifier("id"), .equal, u.id).run()
        } else {
            try await add(username: "admin", displayName: "系统管理员", role: .admin, areaCode: countyCode,
                          passwordHash: passwordHash, oneTime: true, now: now)
        }
    }
}

