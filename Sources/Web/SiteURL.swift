import Vapor

/// Every path of the site, written once. Route registration, links, form actions and redirects all come
/// from these cases (as SwiftPackageIndex-Server's `SiteURL`); no path is written twice as a string.
///
/// A case's associated values are the path's variable parts. To register a route, pass the
/// placeholders of `SiteURL.P` (`.household(P.id)` registers `/households/:id`).
enum SiteURL: Hashable, Sendable {
    case home
    case health
    case stylesheet
    case login
    case logout
    /// Change one's own password (a one-time password must be changed before anything else).
    case password
    case assessAPI

    case households
    case newHousehold
    case household(String)
    case householdMemberStatus(String)
    case householdPayee(String)
    /// 更换收款账户: the bank, account and holder (户名), dated (field case C20).
    case householdBankAccount(String)
    /// 放行: a recorded decision releasing a payee check's hold on the household (field case C20).
    case householdPayeeRelease(String)
    /// 特困 case facts of a member: placement and self-care assessment.
    case householdTekunFacts(String)
    /// 孤儿 / 事实无人抚养儿童 facts of a child: placement, parents' situations.
    case householdChildFacts(String)
    /// 分档: the tier the township assigned a member (POST).
    case householdDibaoTier(String)
    /// Show the household's full ID and account numbers, recorded (POST).
    case householdReveal(String)
    /// Propose ending a member's support (终止供养).
    case householdTerminations(String)
    case householdReview(String)
    case householdApplications(String)
    case householdDocuments(String)
    case householdDocument(String, document: String)

    case applications
    case application(String)
    case applicationNotice(String)
    case applicationRefusal(String)
    /// A workflow step of `ApplicationWorkflow.nextSteps` (`townshipReview`, `approve`, …).
    case applicationStep(String, step: String)

    case termination(String)
    case terminationNotice(String)
    /// The written decision to the person (终止供养决定书, TK-2021 Art. 26).
    case terminationLetter(String)
    /// A step of `TerminationWorkflow.nextSteps` (`raiseObjection`, `decide`, …).
    case terminationStep(String, step: String)

    /// 临时救助: cases and the townships' reserve funds.
    case temporaryCases
    /// Intake for a person with no registered household.
    case newTemporaryCase
    /// Intake for a registered household.
    case householdTemporaryCases(String)
    case temporaryCase(String)
    /// A step of `TemporaryWorkflow.nextSteps` (`assistFirst`, `townshipDecision`, …).
    case temporaryCaseStep(String, step: String)
    case reserveFundAllotments

    /// 救助站: the month's stays and figures (GET), admission (POST).
    case station
    case stationStay(String)
    /// A step on a stay (`familySearchNotice`, `service`, `extend`, `exit`).
    case stationStayStep(String, step: String)

    case payroll
    case payrollGenerate
    /// 补发: a back-pay batch of a programme for a month, settling earlier frozen months (POST).
    case payrollBackPay
    case payrollBatch(String)
    case payrollApprove(String)
    case payrollDiscard(String)
    case payrollExport(String)
    case payrollBankFile(String)
    /// 退票: the returned lines still to act on (the correction queue).
    case payrollReturns
    /// A bank's result file (回盘) for a batch.
    case payrollReturnFile(String)
    /// A result file imported over a changed earlier result, with its reason (the override permission's).
    case payrollReturnOverride(String)
    /// What is done with one returned line of a batch.
    case payrollReturnDecision(String, line: String)
    /// The follow-up batch (退票重发) of a batch's corrected returned lines.
    case payrollReissue(String)
    /// Reconcile and close a batch.
    case payrollReconcile(String)
    /// The day the bank credited a batch's money (by township).
    case payrollCredit(String)

    case funds
    case fundAllocations
    /// 多发追回台账: the recovery ledger (field case C16).
    case fundsRecovery
    /// 资金分配方案: propose a plan; a plan's next step.
    case fundPlans
    case fundPlanStep(String)
    /// 绩效自评: the year's table, targets, report sections; finalising; the files.
    case report
    case reportTargets
    case reportNarrative
    case reportFinalise
    case reportFile

    case policies
    /// 调标: re-decide a programme's enrollments under a version (POST).
    case policyAdjust

    /// 用户管理: the accounts (GET), a new account (POST).
    case users
    case userDisable(String)
    case userEnable(String)
    /// A new one-time password for an account (POST).
    case userResetPassword(String)

    /// 审计日志: the trail searched by person, user, days and action.
    case audit
    /// 动态监测: the low-income register, early warnings and referrals (rules.md §6).
    case monitoring
    case monitoringWarnings
    case monitoringRegister
    /// `verify` or `close` a warning.
    case monitoringWarningStep(String, step: String)
    /// 一门受理: refer a request to a department; and the department's feedback.
    case referrals
    case referralFeedback(String)
    /// 投诉举报: intake, the list, and each one's steps (`investigate`, `answer`, `close`).
    case complaints
    case complaintStep(String, step: String)
    /// 公示 for a village notice board: the chooser and the printable sheet (`?village=&programme=&kind=`).
    case notices
    /// 信息比对: import another department's data, the open hits (docs/matching.md).
    case matching
    /// A case worker's decision on one hit.
    case matchingHit(String)
    /// An import started from the page: its progress, then its result.
    case matchingImport(String)
    /// The chain recomputed: intact, or the first broken entry.
    case auditVerify

    /// The first segment of every JSON API path.
    static let apiRoot = "api"

    /// Route placeholders, for registration only.
    enum P {
        static let id = ":id"
        static let document = ":doc"
        static let step = ":step"
        static let line = ":line"
    }

    /// Every route the site registers, with placeholders: a route registered without a case here fails
    /// `RouteTests`.
    static let registered: [SiteURL] = [
        .home, .health, .stylesheet, .login, .logout, .password, .assessAPI,
        .households, .newHousehold, .household(P.id), .householdMemberStatus(P.id), .householdPayee(P.id), .householdBankAccount(P.id), .householdPayeeRelease(P.id), .householdTekunFacts(P.id), .householdChildFacts(P.id), .householdDibaoTier(P.id), .householdTerminations(P.id), .householdReveal(P.id),
        .termination(P.id), .terminationNotice(P.id), .terminationLetter(P.id), .terminationStep(P.id, step: P.step),
        .householdReview(P.id), .householdApplications(P.id), .householdDocuments(P.id),
        .householdDocument(P.id, document: P.document),
        .applications, .application(P.id), .applicationNotice(P.id), .applicationRefusal(P.id),
        .applicationStep(P.id, step: P.step),
        .temporaryCases, .newTemporaryCase, .householdTemporaryCases(P.id), .temporaryCase(P.id),
        .temporaryCaseStep(P.id, step: P.step), .reserveFundAllotments,
        .station, .stationStay(P.id), .stationStayStep(P.id, step: P.step),
        .payroll, .payrollGenerate, .payrollBackPay, .payrollBatch(P.id), .payrollApprove(P.id), .payrollDiscard(P.id),
        .payrollExport(P.id), .payrollBankFile(P.id), .payrollReturns, .payrollReturnFile(P.id), .payrollReturnOverride(P.id),
        .payrollReturnDecision(P.id, line: P.line), .payrollReissue(P.id), .payrollReconcile(P.id), .payrollCredit(P.id),
        .funds, .fundAllocations, .fundsRecovery, .fundPlans, .fundPlanStep(P.id), .report, .reportTargets, .reportNarrative, .reportFinalise, .reportFile,
        .policies, .policyAdjust,
        .users, .userDisable(P.id), .userEnable(P.id), .userResetPassword(P.id),
        .audit, .auditVerify,
        .matching, .matchingHit(P.id), .matchingImport(P.id), .notices,
        .monitoring, .monitoringWarnings, .monitoringRegister, .monitoringWarningStep(P.id, step: P.step), .referrals, .referralFeedback(P.id),
        .complaints, .complaintStep(P.id, step: P.step),
    ]

    /// The path segments, unescaped.
    var segments: [String] {
        switch self {
        case .home: return []
        case .health: return ["health"]
        case .stylesheet: return ["static", "app.css"]
        case .login: return ["login"]
        case .logout: return ["logout"]
        case .password: return ["password"]
        case .assessAPI: return [Self.apiRoot, "v1", "assess"]
        case .households: return ["households"]
        case .newHousehold: return ["households", "new"]
        case .household(let id): return ["households", id]
        case .householdMemberStatus(let id): return ["households", id, "members", "status"]
        case .householdPayee(let id): return ["households", id, "payee"]
        case .householdBankAccount(let id): return ["households", id, "bank-account"]
        case .householdPayeeRelease(let id): return ["households", id, "payee-release"]
        case .householdTekunFacts(let id): return ["households", id, "tekun-facts"]
        case .householdChildFacts(let id): return ["households", id, "child-facts"]
        case .householdDibaoTier(let id): return ["households", id, "dibao-tier"]
        case .householdTerminations(let id): return ["households", id, "terminations"]
        case .householdReveal(let id): return ["households", id, "reveal"]
        case .termination(let id): return ["terminations", id]
        case .terminationNotice(let id): return ["terminations", id, "notice"]
        case .terminationLetter(let id): return ["terminations", id, "letter"]
        case let .terminationStep(id, step): return ["terminations", id, step]
        case .householdReview(let id): return ["households", id, "review"]
        case .householdApplications(let id): return ["households", id, "applications"]
        case .householdDocuments(let id): return ["households", id, "documents"]
        case let .householdDocument(id, document): return ["households", id, "documents", document]
        case .applications: return ["applications"]
        case .application(let id): return ["applications", id]
        case .applicationNotice(let id): return ["applications", id, "notice"]
        case .applicationRefusal(let id): return ["applications", id, "refusal"]
        case let .applicationStep(id, step): return ["applications", id, step]
        case .temporaryCases: return ["temporary"]
        case .newTemporaryCase: return ["temporary", "new"]
        case .householdTemporaryCases(let id): return ["households", id, "temporary"]
        case .temporaryCase(let id): return ["temporary", id]
        case let .temporaryCaseStep(id, step): return ["temporary", id, step]
        case .reserveFundAllotments: return ["temporary", "reserve-fund"]
        case .station: return ["station"]
        case .stationStay(let id): return ["station", id]
        case let .stationStayStep(id, step): return ["station", id, step]
        case .payroll: return ["payroll"]
        case .payrollGenerate: return ["payroll", "generate"]
        case .payrollBackPay: return ["payroll", "back-pay"]
        case .payrollBatch(let id): return ["payroll", id]
        case .payrollApprove(let id): return ["payroll", id, "approve"]
        case .payrollDiscard(let id): return ["payroll", id, "discard"]
        case .payrollExport(let id): return ["payroll", id, "export"]
        case .payrollBankFile(let id): return ["payroll", id, "bank-file"]
        case .payrollReturns: return ["payroll", "returns"]
        case .payrollReturnFile(let id): return ["payroll", id, "returns"]
        case .payrollReturnOverride(let id): return ["payroll", id, "returns-override"]
        case let .payrollReturnDecision(id, line): return ["payroll", id, "returns", line]
        case .payrollReissue(let id): return ["payroll", id, "reissue"]
        case .payrollReconcile(let id): return ["payroll", id, "reconcile"]
        case .payrollCredit(let id): return ["payroll", id, "credit"]
        case .funds: return ["funds"]
        case .fundAllocations: return ["funds", "allocations"]
        case .fundsRecovery: return ["funds", "recovery"]
        case .matching: return ["matching"]
        case .notices: return ["notices"]
        case .monitoring: return ["monitoring"]
        case .monitoringWarnings: return ["monitoring", "warnings"]
        case .monitoringRegister: return ["monitoring", "register"]
        case .monitoringWarningStep(let id, let step): return ["monitoring", "warnings", id, step]
        case .referrals: return ["referrals"]
        case .complaints: return ["complaints"]
        case .complaintStep(let id, let step): return ["complaints", id, step]
        case .referralFeedback(let id): return ["referrals", id, "feedback"]
        case .matchingHit(let id): return ["matching", "hits", id]
        case .matchingImport(let id): return ["matching", "imports", id]
        case .fundPlans: return ["funds", "plans"]
        case .fundPlanStep(let id): return ["funds", "plans", id]
        case .report: return ["report"]
        case .reportTargets: return ["report", "targets"]
        case .reportNarrative: return ["report", "narrative"]
        case .reportFinalise: return ["report", "finalise"]
        case .reportFile: return ["report", "file"]
        case .policies: return ["policies"]
        case .policyAdjust: return ["policies", "adjust"]
        case .users: return ["admin", "users"]
        case .userDisable(let id): return ["admin", "users", id, "disable"]
        case .userEnable(let id): return ["admin", "users", id, "enable"]
        case .userResetPassword(let id): return ["admin", "users", id, "reset-password"]
        case .audit: return ["audit"]
        case .auditVerify: return ["audit", "verify"]
        }
    }

    /// Routes that take a file (multipart/form-data); every other form is URL-encoded.
    var takesUpload: Bool {
        switch self {
        case .householdDocuments, .policies, .payrollReturnFile, .payrollReturnOverride, .matching: return true
        default: return false
        }
    }

    /// The path for links, form actions and redirects: `/payroll/3f2a…/approve`, each segment
    /// percent-encoded.
    var path: String {
        "/" + segments.map { $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? $0 }
            .joined(separator: "/")
    }

    /// The path with a query string; pairs with an empty value are left out. `(.households).with(["town": "…"])`.
    func with(_ query: KeyValuePairs<String, String>) -> String {
        let items = query.filter { !$0.value.isEmpty }.map { key, value in
            "\(key)=\(value.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? value)"
        }
        return items.isEmpty ? path : path + "?" + items.joined(separator: "&")
    }

    /// Components for route registration: a `:name` segment is a parameter.
    var pathComponents: [PathComponent] { segments.map { PathComponent(stringLiteral: $0) } }
}

extension CharacterSet {
    /// Query values: unreserved characters only, so `&`, `=`, `+` and `#` in a value are escaped.
    static let urlQueryValueAllowed = CharacterSet(charactersIn:
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}

extension SiteURL {
    /// The key under which a route keeps its `SiteURL` (`Route.userInfo`), for `AccessMiddleware`.
    static let routeKey: AnySendableHashable = "jiuzhu.siteURL"
}

extension RoutesBuilder {
    /// Registers a route of the site; the route carries its `SiteURL`, whose `rule` the access layer checks.
    @discardableResult
    func get<R: AsyncResponseEncodable>(_ url: SiteURL, use closure: @Sendable @escaping (Request) async throws -> R) -> Route {
        on(.GET, url, use: closure)
    }

    @discardableResult
    func post<R: AsyncResponseEncodable>(_ url: SiteURL, use closure: @Sendable @escaping (Request) async throws -> R) -> Route {
        on(.POST, url, use: closure)
    }

    @discardableResult
    func on<R: AsyncResponseEncodable>(_ method: HTTPMethod, _ url: SiteURL, body: HTTPBodyStreamStrategy = .collect,
                                       use closure: @Sendable @escaping (Request) async throws -> R) -> Route {
        let route = on(method, url.pathComponents, body: body, use: closure)
        route.userInfo[SiteURL.routeKey] = url
        return route
    }
}

extension Request {
    /// A call of the JSON API (answered with JSON errors, never a login redirect).
    var isAPI: Bool { url.path.hasPrefix("/\(SiteURL.apiRoot)/") }

    /// 303 to a page of the site.
    func seeOther(_ url: SiteURL) -> Response { seeOther(url.path) }
}
