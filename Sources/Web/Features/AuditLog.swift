import Persistence
import Vapor

enum AuditLog {
    /// Appends to the audit log: who did what to which record.
    static func record(_ req: Request, action: String, subject: String, detail: String = "") async throws {
        try await AuditStore(req.db).append(countyCode: req.settings.countyCode, actor: req.actor, action: action,
                                            subject: subject, detail: detail)
    }
}
