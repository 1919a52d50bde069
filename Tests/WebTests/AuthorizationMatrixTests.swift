import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing
import VaporTesting
@testable import Web

/// Every registered route × every role × a foreign area (ADR 0018): a user never learns that a record
/// outside their area exists, and a role never does what it is not granted. The routes are read from
/// the running app, so a new route is in the matrix the moment it is registered; one without a rule
/// fails `everyRouteHasARule`.
@Suite(.serialized) struct AuthorizationMatrixTests {
    /// The foreign township 鸣凤镇 (510921112): 王奶奶's household in 桂花村 with every kind of record.
    static let foreignVillage = "510921112243"
    /// The own township and village of the township and village users.
    static let ownTownship = "510921001"
    static let ownVillage = "510921001901"
    /// Text that must never reach a user outside 鸣凤镇: names, ID numbers, record ids.
    static let secrets = ["王奶奶", "小明", "110101194408169738", "110101201005010039", "赵某外", "110101198001010010", "matrix-foreign"]

    /// Pengxi's bundled policy with the children's allowances and a 临时救助 section (test values).
    static let policy = try! PolicyFile.parse(Data(PolicyBook.bundledFile(region: "510921")!.text
        .replacingOccurrences(of: #""orphan": {"#, with: #"""
            "unsupportedChild": { "amount": "900.00" },
            "temporary": {"base": "urban-dibao", "types": {"emergency": {"minMonths": "2", "maxMonths": "4"}},
                          "townshipLimit": {"months": "2"}, "yearlyCap": {"amount": "3000.00"}, "procedureWorkingDays": 15},
            "orphan": {
            """#).utf8))

    struct Foreign {
        var household = "matrix-foreign"
        var application = ""
        var termination = ""
        var temporaryCase = ""
        var personCase = ""
        var stay = ""
        var batch = ""
        var document = ""
        var warning = ""
        var referral = ""
        var complaint = ""
    }

    /// Builds the foreign records through the stores, as the county would have.
    static func foreignRecords(_ app: Application) async throws -> Foreign {
        var f = Foreign()
        let d = Fixtures.date
        let today: @Sendable () -> CivilDate = { Fixtures.date("2021-12-31") }
        let child = try ResidentID("110101201005010039")
        try await RegistryStore(app.db).register([Fixtures.household(f.household, area: .rural, village: foreignVillage, members: [
            Fixtures.member("110101194408169738", "王奶奶", .head),
            Fixtures.member(child.value, "小明", .grandchild),
        ])])
        try await RegistryStore(app.db).setChildFacts(householdID: f.household, residentID: child, placement: .scattered,
                                                      father: .deceased, mother: .deceased, hivAffected: false,
                                                      disabilityAllowance: .zero, today: d("2021-12-31"))
        let applications = ApplicationStore(app.db, today: today)
        f.application = try await applications.open(householdID: f.household, programme: .orphan, subject: child,
                                                    acceptedOn: d("2021-03-01"), closeRelative: false, actor: "t")
        _ = try await applications.record(.recordInformationCheck(on: d("2021-03-02"), summary: "父母均已死亡"), on: f.application, actor: "t")
        _ = try await applications.record(.recordHomeVisit(HomeVisit(date: d("2021-03-03"), investigators: ["王", "李"], findings: "随祖母生活")),
                                          on: f.application, actor: "t")
        _ = try await applications.record(.completeInvestigation(on: d("2021-03-04")), on: f.application, actor: "t")
        _ = try await applications.record(.townshipReview(on: d("2021-03-05"), recommend: true, opinion: "拟认定"), on: f.application, actor: "t")
        _ = try await applications.approve(f.application, on: d("2021-03-10"), actor: "county")
        let payroll = PayrollStore(app.db, today: today)
        f.batch = try await payroll.generate(programme: .orphan, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "t").batch.id
        let memberID = try await RegistryStore(app.db).memberID(of: child)
        f.termination = try await TerminationStore(app.db, today: today).propose(
            householdID: f.household, memberID: memberID, programme: .orphan, ground: .withdrawal, on: d("2021-06-25"),
            opinion: "监护人申请退出", actor: "t")
        let temporary = TemporaryCaseStore(app.db, today: today)
        f.temporaryCase = try await temporary.open(.household(id: f.household), type: .emergency, cause: "房屋失火",
                                                   size: .months(Ratio(2, 1)), acceptedOn: d("2021-03-01"), actor: "t")
        f.personCase = try await temporary.open(.person(name: "赵某外", residentID: try ResidentID("110101198001010010"), hukouPlace: "外省",
                                                        township: DivisionCode(foreignVillage)!.townshipCode, area: .rural),
                                                type: .emergency, cause: "途中被盗", size: .months(Ratio(2, 1)),
                                                acceptedOn: d("2021-03-01"), actor: "t")
        f.stay = try await ReliefStationStore(app.db, today: today).admit(
            .unidentified(code: "T-0701"), name: "", countyCode: "510921", admittedAt: ChinaClock.instant(d("2021-07-01"), time: "09:00")!,
            belongings: "", health: "", minor: false, actor: "station")
        f.document = try await DocumentStore(app.db, directory: app.settings.dataDirectory.appendingPathComponent("documents"))
            .add(householdID: f.household, kind: .application, originalName: "王奶奶申请书.pdf", contentType: "application/pdf",
                 bytes: Data("%PDF-1.4 王奶奶".utf8), actor: "t").id
        let monitoring = MonitoringStore(app.db, today: today)
        f.warning = try await monitoring.raise(householdID: f.household, source: .medicalBill, detail: "住院自付 3 万元", on: d("2021-12-20"), actor: "t")
        f.referral = try await monitoring.refer(householdID: f.household, personName: nil, townshipCode: DivisionCode(foreignVillage)!.townshipCode.value,
                                                department: .medical, request: "医疗救助", on: d("2021-12-20"), actor: "t")
        f.complaint = try await ComplaintStore(app.db, today: today).receive(channel: .phone, on: d("2021-12-20"), reporter: nil,
                                                                           content: "反映某户有车", townshipCode: DivisionCode(foreignVillage)!.townshipCode.value,
                                                                           householdID: f.household, applicationID: nil, actor: "t")
        return f
    }

    /// A concrete path for a registered route: `:id` becomes the foreign record of the rule's subject,
    /// `:doc` its document, `:step` a step the workflow knows.
    static func path(_ url: SiteURL, _ method: HTTPMethod, _ f: Foreign) -> String {
        var id = f.household
        var step = "recordInformationCheck"
        func subjectID(_ s: AccessStore.Subject) -> String {
            switch s {
            case .household: return f.household
            case .application: return f.application
            case .termination: return f.termination
            case .temporaryCase: return f.temporaryCase
            case .stay: return f.stay
            case .batch: return f.batch
            case .warning: return f.warning
            case .referral: return f.referral
            case .complaint: return f.complaint
            }
        }
        switch url.rule(method) {
        case .permission(_, let s?): id = subjectID(s)
        case let .step(workflow, s):
            id = subjectID(s)
            step = ["application": "recordInformationCheck", "termination": "closePublicNotice", "temporary": "assistFirst",
                    "station": "service"]["\(workflow)"]!
        case .permission(.manageUsers, nil): id = "clerk"
        default: break
        }
        return url.path.replacingOccurrences(of: SiteURL.P.id, with: id)
            .replacingOccurrences(of: SiteURL.P.document, with: f.document)
            .replacingOccurrences(of: SiteURL.P.step, with: step)
    }

    /// Row counts of every table a POST could change.
    static func fingerprint(_ app: Application) async throws -> [String: Int] {
        var out: [String: Int] = [:]
        struct N: Decodable { var n: Int }
        for table in ["households", "members", "documents", "applications", "application_events", "decisions", "enrollments",
                      "terminations", "termination_events", "temporary_cases", "temporary_case_events", "reserve_fund_entries",
                      "station_stays", "station_events", "payroll_batches", "payroll_lines", "fund_allocations", "policy_versions",
                      "users", "payroll_holds", "early_warnings", "referrals", "low_income_households", "match_hits", "dataset_imports", "complaints"] {
            out[table] = try await (app.db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM \(ident: table)").first(decoding: N.self)?.n
        }
        let batch = try await (app.db as! any SQLDatabase).raw("SELECT state FROM payroll_batches").all()
        out["batch-states"] = batch.count
        return out
    }

    /// Every registered route with its method and `SiteURL`.
    static func routes(_ app: Application) -> [(HTTPMethod, SiteURL)] {
        app.routes.all.compactMap { r in (r.userInfo[SiteURL.routeKey] as? SiteURL).map { (r.method, $0) } }
    }

    @Test func everyRouteHasARule() async throws {
        try await withTestApp { session async throws in
            let missing = session.app.routes.all.filter { $0.userInfo[SiteURL.routeKey] == nil }.map(\.description)
            #expect(missing == [])
            #expect(Set(Self.routes(session.app).map(\.1)) == Set(SiteURL.registered))
        }
    }

    /// Township and village users of another township, on every route with every foreign record: 403
    /// (the role may not) or 404 (not in the area: the same answer as no such record) or a page without
    /// a trace of the foreign household; nothing changes.
    @Test func foreignAreaLearnsNothing() async throws {
        try await withTestApp(policies: [Self.policy]) { county async throws in
            let app = county.app
            let f = try await Self.foreignRecords(app)
            // Control: the county sees the foreign household, so its absence below means something.
            let lists = [SiteURL.applications.with(["all": "1"]), SiteURL.temporaryCases.with(["all": "1"]), SiteURL.households.path]
            for path in [SiteURL.household(f.household).path] + lists {
                #expect(String(buffer: try await county.get(path).body).contains("王奶奶"), "county \(path)")
            }
            #expect(String(buffer: try await county.get(SiteURL.temporaryCases.with(["all": "1"])).body).contains("赵某外"))
            let users: [(String, StaffRole, String)] = [
                ("va", .villageAssistant, Self.ownVillage), ("tc", .townshipClerk, Self.ownTownship),
                ("tl", .townshipLeader, Self.ownTownship),
            ]
            var checked = 0
            for (name, role, area) in users {
                try await TestSession.addUser(app, name, role: role, area: area)
                let session = try await TestSession.signIn(app, name)
                for (method, url) in Self.routes(app) where url.rule(method) != .open {
                    let path = Self.path(url, method, f)
                    let before = try await Self.fingerprint(app)
                    let r = method == .GET ? try await session.get(path) : try await session.post(path, form: [
                        "date": "2021-07-01", "month": "2021-04", "programme": "orphan", "village": Self.foreignVillage,
                        "township": DivisionCode(Self.foreignVillage)!.townshipCode.value, "q": "王奶奶",
                    ])
                    let body = String(buffer: r.body)
                    let label = "\(role.rawValue) \(method) \(path) → \(r.status.code)"
                    for secret in Self.secrets { #expect(!body.contains(secret), "\(label) shows \(secret)") }
                    if case .permission(_, _?) = url.rule(method) { #expect([403, 404].contains(r.status.code), "\(label)") }
                    if case .step = url.rule(method) { #expect([403, 404].contains(r.status.code), "\(label)") }
                    if method == .POST { #expect(try await Self.fingerprint(app) == before, "\(label) changed the database") }
                    checked += 1
                }
                for path in lists {
                    let body = String(buffer: try await session.get(path).body)
                    for secret in Self.secrets { #expect(!body.contains(secret), "\(role) \(path) shows \(secret)") }
                }
                // Searches and filters for the foreign household find nothing (the search box keeps the
                // user's own text, which is not a finding).
                for (key, value) in [("q", "王奶奶"), ("q", "110101194408169738"), ("town", "510921112000"), ("programme", "orphan")] {
                    let body = String(buffer: try await session.get(SiteURL.households.with([key: value])).body)
                    #expect(body.contains("没有符合条件的家庭"), "\(role) /households?\(key)=\(value)")
                    for secret in Self.secrets where secret != value { #expect(!body.contains(secret), "\(role) /households?\(key)=\(value)") }
                }
            }
            #expect(checked > 150)
        }
    }

    /// Every role on every route whose rule needs a permission it lacks: 403 (the record is visible to
    /// the county users, so 404 cannot hide a missing check), and nothing changes.
    @Test func rolesDoOnlyWhatTheyAreGranted() async throws {
        try await withTestApp(policies: [Self.policy]) { county async throws in
            let app = county.app
            let f = try await Self.foreignRecords(app)
            for role in StaffRole.allCases {
                let area = role.areaLevel == .county ? "510921" : role.areaLevel == .township ? "510921112" : Self.foreignVillage
                try await TestSession.addUser(app, "u-\(role.rawValue)", role: role, area: area)
                let session = try await TestSession.signIn(app, "u-\(role.rawValue)")
                for (method, url) in Self.routes(app) {
                    let needed: Permission
                    switch url.rule(method) {
                    case .open, .signedIn: continue
                    case .permission(let p, _): needed = p
                    case let .step(workflow, _):
                        let step = Self.path(url, method, f).split(separator: "/").last.map(String.init) ?? ""
                        needed = StepPermissions.permission(workflow, step: step)!
                    }
                    guard !role.may(needed) else { continue }
                    let before = try await Self.fingerprint(app)
                    let path = Self.path(url, method, f)
                    let r = method == .GET ? try await session.get(path) : try await session.post(path, form: ["month": "2021-04"])
                    #expect(r.status == .forbidden, "\(role.rawValue) \(method) \(path) → \(r.status.code)")
                    if method == .POST { #expect(try await Self.fingerprint(app) == before, "\(role.rawValue) \(method) \(path)") }
                }
            }
        }
    }

    /// The grants in one table: who may do what (ADR 0018).
    @Test func grants() {
        #expect(StaffRole.admin.permissions == [.manageUsers])
        #expect(StaffRole.auditor.permissions.allSatisfy { $0.rawValue.hasPrefix("view-") || $0 == .revealIdentifiers })
        #expect(StaffRole.allCases.filter { $0.may(.revealIdentifiers) } == [.townshipClerk, .countyStaff, .auditor])
        // Who may reveal may read the files the numbers are in.
        #expect(StaffRole.allCases.allSatisfy { !$0.may(.revealIdentifiers) || $0.may(.viewRegistry) })
        #expect(!StaffRole.finance.may(.viewRegistry))
        #expect(StaffRole.townshipLeader.may(.townshipDecision) && !StaffRole.townshipLeader.may(.townshipSteps))
        #expect(StaffRole.villageAssistant.permissions == [.viewRegistry, .openApplication])
        #expect(StaffRole.allCases.filter { $0.may(.approvePayroll) } == [.countyStaff, .countyLeader])
    }
}
