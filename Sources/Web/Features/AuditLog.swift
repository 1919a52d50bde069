import Persistence
import Vapor

enum AuditLog {
    /// Appends to the audit log: who did what to which record, from which address.
    /// - Parameter actor: the user name; by default the signed-in user's.
    static func record(_ req: Request, action: String, subject: String, detail: String = "", actor: String? = nil) async throws {
        let from = req.clientAddress
        try await AuditStore(req.db).append(countyCode: req.settings.countyCode, actor: actor ?? req.actor, action: action,
                                            subject: subject, detail: detail.isEmpty ? "来自 \(from)" : "\(detail)（来自 \(from)）")
    }
}
