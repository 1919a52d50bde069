import Persistence
import Vapor

enum AuditLog {
    /// Appends to the audit trail: who (the signed-in user unless `actor` says), from which address, did
    /// what to which record, with the values before and after a change.
    static func record(_ req: Request, action: String, subject: String, detail: String = "", actor: String? = nil,
                       householdID: String? = nil, before: String? = nil, after: String? = nil) async throws {
        try await AuditStore(req.db).append(AuditDraft(
            countyCode: req.settings.countyCode, actor: actor ?? req.actor, address: req.clientAddress, action: action,
            subject: subject, householdID: householdID, detail: detail, before: before, after: after))
    }
}
