import Persistence
import Vapor

extension Request {
    /// The audit entry of a change this request makes, for a store to append in the change's transaction.
    func auditDraft(_ action: String, subject: String, detail: String = "") -> AuditDraft {
        AuditDraft(countyCode: settings.countyCode, actor: actor, address: clientAddress, action: action, subject: subject,
                   detail: detail)
    }
}

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
