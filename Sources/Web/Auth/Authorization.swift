import Domain
import Persistence
import Vapor

/// What a route requires. Every `SiteURL` has one (`SiteURL.rule(_:)`, an exhaustive switch: a new
/// case does not compile without its rule), attached at registration and checked by
/// `AccessMiddleware` before the handler runs (ADR 0018).
enum RouteRule: Sendable, Equatable {
    /// Anyone, signed in or not (the login page, the stylesheet, the health check).
    case open
    /// Any signed-in user (the dashboard, which shows each user what their role and area allow; the
    /// password change).
    case signedIn
    /// A user holding the permission; with a subject, the record named by the `:id` parameter must
    /// lie in the user's area, or the answer is 404 as for a record that does not exist.
    case permission(Permission, AccessStore.Subject?)
    /// A workflow step: the permission follows the `:step` parameter (`StepPermissions`).
    case step(StepPermissions.Workflow, AccessStore.Subject)
}

/// Which permission each workflow step needs. A step not listed is refused by name before any handler.
enum StepPermissions {
    enum Workflow: Sendable, Equatable { case application, termination, temporary, station }

    static func permission(_ workflow: Workflow, step: String) -> Permission? {
        switch workflow {
        case .application:
            switch step {
            case "recordInformationCheck", "recordHomeVisit", "completeInvestigation", "raiseObjection",
                 "resolveObjection", "closePublicNotice", "deliverRefusalNotice", "extendDeadline":
                return .townshipSteps
            case "townshipReview": return .townshipDecision
            case "recordCountyHomeVisit", "approve", "refuse": return .countySteps
            default: return nil
            }
        case .termination:
            switch step {
            case "raiseObjection", "resolveObjection", "closePublicNotice": return .townshipSteps
            case "decide", "cancel": return .countySteps
            default: return nil
            }
        case .temporary:
            switch step {
            case "assistFirst", "recordInvestigation": return .townshipSteps
            case "townshipDecision", "refuse": return .townshipDecision
            case "countyApprove", "returnToTownship": return .countySteps
            default: return nil
            }
        case .station:
            switch step {
            case "familySearchNotice", "service", "extend", "exit": return .editStation
            default: return nil
            }
        }
    }
}

extension SiteURL {
    /// The rule of this route for `method` (two cases take both GET and POST).
    func rule(_ method: HTTPMethod) -> RouteRule {
        let read = method == .GET || method == .HEAD
        switch self {
        case .health, .stylesheet, .login, .logout: return .open
        case .home, .password: return .signedIn
        case .assessAPI: return .permission(.viewPolicy, nil)

        case .households: return read ? .permission(.viewRegistry, nil) : .permission(.editRegistry, nil)
        case .newHousehold: return .permission(.editRegistry, nil)
        case .household, .householdDocument: return .permission(.viewRegistry, .household)
        case .householdMemberStatus, .householdPayee, .householdBankAccount, .householdChildFacts, .householdDibaoTier,
             .householdTerminations, .householdDocuments:
            return .permission(.editRegistry, .household)
        // Releasing a payee check's hold is the approver's decision (field case C20).
        case .householdPayeeRelease: return .permission(.approvePayroll, .household)
        // The self-care assessment is the county's (TK-2021 Arts. 20–22), and a review re-decides the amount.
        case .householdTekunFacts, .householdReview: return .permission(.countySteps, .household)
        case .householdApplications, .householdTemporaryCases: return .permission(.openApplication, .household)
        case .householdReveal: return .permission(.revealIdentifiers, .household)

        case .applications: return .permission(.viewRegistry, nil)
        case .application, .applicationNotice, .applicationRefusal: return .permission(.viewRegistry, .application)
        case .applicationStep: return .step(.application, .application)

        case .termination, .terminationNotice, .terminationLetter: return .permission(.viewRegistry, .termination)
        case .terminationStep: return .step(.termination, .termination)

        case .temporaryCases: return .permission(.viewRegistry, nil)
        case .newTemporaryCase: return .permission(.openApplication, nil)
        case .temporaryCase: return .permission(.viewRegistry, .temporaryCase)
        case .temporaryCaseStep: return .step(.temporary, .temporaryCase)
        case .reserveFundAllotments: return .permission(.editFunds, nil)

        case .station: return read ? .permission(.viewStation, nil) : .permission(.editStation, nil)
        case .stationStay: return .permission(.viewStation, .stay)
        case .stationStayStep: return .step(.station, .stay)

        case .payroll: return .permission(.viewPayroll, nil)
        case .payrollGenerate, .payrollBackPay: return .permission(.preparePayroll, nil)
        case .payrollBatch: return .permission(.viewPayroll, .batch)
        case .payrollApprove: return .permission(.approvePayroll, .batch)
        case .payrollDiscard: return .permission(.preparePayroll, .batch)
        case .payrollExport, .payrollBankFile: return .permission(.exportPayroll, .batch)
        case .payrollReturns: return .permission(.viewPayroll, nil)
        // The bank's results come to whoever hands files over; closing a batch and its credit days too.
        case .payrollReturnFile, .payrollReconcile, .payrollCredit: return .permission(.exportPayroll, .batch)
        // What to do with a returned line, and its follow-up batch, are the preparer's.
        case .payrollReturnDecision, .payrollReissue: return .permission(.preparePayroll, .batch)
        case .payrollReturnOverride: return .permission(.overrideReturns, .batch)

        case .funds: return .permission(.viewFunds, nil)
        case .fundAllocations: return .permission(.editFunds, nil)
        // Other departments' data covers the whole county: county staff import it and decide its hits.
        case .matching, .matchingHit, .matchingImport: return .permission(.matchData, nil)
        // Each village's sheet is checked against the user's area in the handler.
        case .notices: return .permission(.viewRegistry, nil)
        // Lists by the user's area; a form's household or township is checked in the handler.
        case .monitoring: return .permission(.viewRegistry, nil)
        case .monitoringWarnings, .monitoringRegister, .referrals: return .permission(.townshipSteps, nil)
        case .monitoringWarningStep: return .permission(.townshipSteps, .warning)
        case .referralFeedback: return .permission(.townshipSteps, .referral)
        case .complaints: return read ? .permission(.viewRegistry, nil) : .permission(.townshipSteps, nil)
        case .complaintStep: return .permission(.townshipSteps, .complaint)
        case .fundsRecovery: return read ? .permission(.viewFunds, nil) : .permission(.editFunds, nil)
        case .fundPlans: return .permission(.editFunds, nil)
        // Each step is a role's (the deputy director, the finance bureau…): checked by the handler.
        case .fundPlanStep: return .permission(.viewFunds, nil)
        case .report, .reportFile: return .permission(.viewFunds, nil)
        case .reportTargets, .reportNarrative, .reportFinalise: return .permission(.editFunds, nil)

        case .policies: return read ? .permission(.viewPolicy, nil) : .permission(.editPolicy, nil)
        case .policyAdjust: return .permission(.editPolicy, nil)

        case .users: return .permission(.manageUsers, nil)
        case .userDisable, .userEnable, .userResetPassword: return .permission(.manageUsers, nil)
        case .audit, .auditVerify: return .permission(.viewAudit, nil)
        }
    }
}

/// The signed-in user, loaded from the database on every request (a disabled account or a changed
/// role takes effect at once).
struct SignedInUser: Sendable {
    var user: StaffUser
    var scope: AccessScope

    var username: String { user.username }
    var displayName: String { user.displayName }
    var role: StaffRole { user.role }
    func may(_ p: Permission) -> Bool { user.role.may(p) }
}

struct SignedInUserKey: StorageKey { typealias Value = SignedInUser }

extension Request {
    /// The signed-in user, set by `AccessMiddleware` (nil on open routes when nobody is signed in).
    var staff: SignedInUser? {
        get { storage[SignedInUserKey.self] }
        set { storage[SignedInUserKey.self] = newValue }
    }

    /// The area the signed-in user may see. Only called on routes that require sign-in.
    var scope: AccessScope {
        guard let s = staff?.scope else { preconditionFailure("scope asked on a route without sign-in") }
        return s
    }

    /// The actor recorded in the audit log and on workflow events.
    var actor: String { staff?.username ?? "anonymous" }

    /// The signed-in user's role may use `url` with `method` (for a workflow route, the `step`). The
    /// record's area is not asked: pages only link records the user can see.
    func allows(_ url: SiteURL, _ method: HTTPMethod = .POST, step: String? = nil) -> Bool {
        guard let user = staff else { return false }
        switch url.rule(method) {
        case .open, .signedIn: return true
        case .permission(let p, _): return user.may(p)
        case .step(let workflow, _): return StepPermissions.permission(workflow, step: step ?? "").map(user.may) ?? false
        }
    }

    /// A form's village must lie in the user's area.
    /// - Throws: `FormError` naming the field when it does not.
    func requireInScope(village code: DivisionCode, field: String) throws {
        guard scope.contains(village: code) else {
            throw FormError(field: field, value: code.value, reason: "不在本账号的管辖区域（\(settings.townshipName(scope.areaCode))）内")
        }
    }

    /// A form's township must lie in the user's area.
    func requireInScope(township code: DivisionCode, field: String) throws {
        guard scope.contains(township: code) else {
            throw FormError(field: field, value: code.value, reason: "不在本账号的管辖区域（\(settings.townshipName(scope.areaCode))）内")
        }
    }
}

/// The one authorization layer. Before any handler: finds the route's rule, loads the signed-in user
/// (from the session), and answers
/// - open routes: go on;
/// - not signed in: the login page (JSON API: 401);
/// - a one-time password not yet changed: the password page, nothing else;
/// - a permission the role lacks: 403;
/// - a record outside the user's area, or no such record: 404, the same answer, so a township clerk
///   cannot learn that another town's household exists;
/// - a route registered without a rule: 500 (and `AuthorizationMatrixTests` fails).
struct AccessMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let route = request.route else { return try await next.respond(to: request) }
        guard let url = route.userInfo[SiteURL.routeKey] as? SiteURL else {
            request.logger.critical("route without an access rule: \(route.description)")
            throw Abort(.internalServerError, reason: "route without an access rule")
        }
        let rule = url.rule(request.method)
        if rule == .open {
            request.staff = try await signedInUser(request)
            return try await next.respond(to: request)
        }
        guard let user = try await signedInUser(request) else {
            if request.isAPI { throw Abort(.unauthorized) }
            return request.redirect(to: SiteURL.login.path)
        }
        request.staff = user
        if user.user.mustChangePassword, url != .password {
            if request.isAPI { throw Abort(.forbidden, reason: "须先修改一次性密码") }
            return request.redirect(to: SiteURL.password.path)
        }
        switch rule {
        case .open, .signedIn:
            break
        case let .permission(permission, subject):
            guard user.may(permission) else { throw try await refused(request, url, "无权\(permission.chinese)", user) }
            if let subject {
                let householdID = try await requireVisible(subject, request, user)
                // Every view of a person's file, and every download, is recorded (who looked at whom).
                if request.method == .GET || request.method == .HEAD {
                    try await recordView(url, subject, householdID: householdID, request)
                }
            }
        case let .step(workflow, subject):
            let step = request.parameters.get("step") ?? ""
            // A step no rule lists is refused before any handler (it names nothing about the record).
            guard let permission = StepPermissions.permission(workflow, step: step) else {
                throw FormError(field: "办理步骤", value: step, reason: "不是可办理的步骤")
            }
            guard user.may(permission) else { throw try await refused(request, url, "无权\(permission.chinese)", user) }
            _ = try await requireVisible(subject, request, user)
        }
        return try await next.respond(to: request)
    }

    /// The household the record concerns, once it is known to lie in the user's area; 404 otherwise (and
    /// a probe of another area's record is recorded, with that household).
    func requireVisible(_ subject: AccessStore.Subject, _ request: Request, _ user: SignedInUser) async throws -> String? {
        let id = request.parameters.get("id") ?? ""
        let found = try await AccessStore(request.db).locate(subject, id: id)
        guard let found, found.place.isVisible(in: user.scope) else {
            try await AuditLog.record(request, action: "denied.not-in-area", subject: id,
                                      detail: "\(request.method) \(request.url.path)：\(found == nil ? "无此记录" : "不在管辖区域")",
                                      householdID: found?.householdID)
            throw Abort(.notFound)
        }
        return found.householdID
    }

    /// Records a refused request (a permission the role lacks) and gives the 403 to throw.
    func refused(_ request: Request, _ url: SiteURL, _ why: String, _ user: SignedInUser) async throws -> Abort {
        try await AuditLog.record(request, action: "denied.permission", subject: request.url.path,
                                  detail: "\(request.method) \(request.url.path)：\(why)")
        return Abort(.forbidden, reason: "本账号（\(user.role.chinese)）\(why)")
    }

    /// `view.household`, `view.application`, …, `download.document`, `download.bank-file`.
    func recordView(_ url: SiteURL, _ subject: AccessStore.Subject, householdID: String?, _ request: Request) async throws {
        let action: String
        switch url {
        case .householdDocument: action = "download.document"
        case .payrollBankFile: action = "download.bank-file"
        case .applicationNotice, .applicationRefusal, .terminationNotice, .terminationLetter: action = "print.\(subject.rawValue)"
        default: action = "view.\(subject.rawValue)"
        }
        let id = request.parameters.get("id") ?? ""
        let detail = request.parameters.get("doc").map { "材料 \($0)" } ?? ""
        try await AuditLog.record(request, action: action, subject: id, detail: detail, householdID: householdID)
    }

    /// The user of the session, or nil (no session, a deleted or disabled account: the session ends).
    /// An account whose area is missing or not of its role's level cannot work: 403 naming the fix.
    func signedInUser(_ request: Request) async throws -> SignedInUser? {
        let user: StaffUser
        if request.isAPI, let bearer = request.headers.bearerAuthorization {
            // Another system's call: its token acts as its account; no cookie, so no CSRF token either.
            guard let u = try await ApiTokenStore(request.db).user(forToken: bearer.token) else { return nil }
            request.storage[TokenAuthenticatedKey.self] = true
            user = u
        } else {
            // Only a request that brought a session cookie has one; touching `session` otherwise would
            // create a session (a row) for every anonymous request.
            guard request.hasSession, let id = request.session.data[SessionKeys.userID] else { return nil }
            guard let u = try await UserStore(request.db).user(id: id), !u.isDisabled else {
                request.session.destroy()
                return nil
            }
            user = u
        }
        do {
            let scope = try request.settings.divisions.scope(role: user.role, area: user.areaCode ?? "")
            return SignedInUser(user: user, scope: scope)
        } catch {
            request.session.destroy()
            throw Abort(.forbidden, reason: "账号 \(user.username) 的管辖区域未设置或有误（\(error.description)）：请系统管理员重新设置")
        }
    }
}

/// Set when the request was authenticated by an API token (`Authorization: Bearer jz_…`).
struct TokenAuthenticatedKey: StorageKey { typealias Value = Bool }

/// The keys of the session data.
enum SessionKeys {
    static let userID = "uid"
    static let csrf = "csrf"
}

/// Security headers on every response (ASVS 14.4; 等保 2.0 8.1.4.4 入侵防范): no framing, no
/// content sniffing, no referrer beyond the site, and a content policy allowing this site's own
/// stylesheet and forms only (no script at all).
struct SecurityHeadersMiddleware: AsyncMiddleware {
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        let h = Self.headers
        for (name, value) in h { response.headers.replaceOrAdd(name: name, value: value) }
        return response
    }

    static let headers: [(String, String)] = [
        ("Content-Security-Policy", contentSecurityPolicy),
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
}
