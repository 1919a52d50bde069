import Domain
import FluentKit
import Foundation
import SQLKit

/// An application as stored: the domain value plus its ids and programme.
public struct StoredApplication: Hashable, Sendable {
    public var id: String
    public var programme: Programme
    public var householdID: String
    public var countyCode: String
    /// The member applying, for member-level programmes (特困); nil for a household's application.
    public var memberID: String?
    public var application: AssistanceApplication
    /// nil when the bundled holiday calendar does not reach the deadline yet (never guessed).
    public var deadline: CivilDate?
}

/// One row of the application list.
public struct ApplicationSummary: Hashable, Sendable {
    public var id: String
    public var programme: Programme
    public var householdID: String
    public var headName: String
    /// The member applying, for member-level programmes.
    public var memberName: String?
    public var townshipCode: String
    public var state: ApplicationState
    public var acceptedOn: CivilDate
    /// nil when the holiday calendar does not reach it yet.
    public var deadline: CivilDate?
    public var closeRelative: Bool
    /// When `deadline` is unknown (the calendar ends): a date the deadline is certainly not later than
    /// (`WorkCalendar.bounding`), so an application past it is overdue whatever next year's holidays are.
    public var deadlineBound: CivilDate? = nil
    /// The deadline of the step the application waits on now (`ProgrammeRules.stepDeadline`), if any.
    public var step: StepDeadline? = nil
}

/// A recorded workflow step, for the application's history.
public struct ApplicationEventRecord: Hashable, Sendable {
    public var seq: Int
    public var event: ApplicationEvent
    public var actor: String
    public var recordedAt: Date
}

public enum ApplicationStoreError: Error, Equatable, Sendable {
    case openApplicationExists(String, Programme)
    case notEligible([String], Programme)
    /// A member-level programme (特困) needs the member applying; a household programme takes none.
    case subjectRequired(Programme)
    case subjectNotAllowed(Programme)
    /// The programme's procedure has no recorded extension (特困: only an objection lengthens it).
    case noExtension(Programme)
    /// A one-off grant (临时救助) has its own procedure (`TemporaryCaseStore`), not this one.
    case ownProcedure(Programme)

    public var message: String {
        switch self {
        case let .openApplicationExists(id, programme):
            return "该户已有未办结的\(programme.shortChinese)申请（\(id.prefix(8))），请在原申请上继续办理 (an open application exists)"
        case let .notEligible(reasons, programme):
            return "按当前家庭成员和收入测算不符合\(programme.shortChinese)条件（\(reasons.joined(separator: "；"))），不能确认纳入；请核实后选择“不予纳入” (not eligible)"
        case .subjectRequired(let p):
            return "\(p.shortChinese)按人认定：请选择申请的本户成员 (choose the member applying)"
        case .subjectNotAllowed(let p):
            return "\(p.shortChinese)按户申请，不能指定单个成员 (a household programme takes no member)"
        case .ownProcedure(let p):
            return "\(p.shortChinese)按其自身程序办理（先行救助、乡镇或县级审批），请在“临时救助”中受理 (this programme has its own procedure)"
        case .noExtension(let p):
            return "\(p.shortChinese)的办理期限没有延长规定；公示有异议时按重新调查和再次公示计算 (no recorded extension for this programme)"
        }
    }
}

/// Applications of a programme: each workflow step is checked by the domain state machine and written with its
/// event in one transaction; approval writes the decision (with its trace) and the enrollment.
public struct ApplicationStore: Sendable {
    let database: any Database
    public let calendar: WorkCalendar
    /// Today in China; no step may be dated after it.
    public let today: @Sendable () -> CivilDate

    public init(_ database: any Database, calendar: WorkCalendar = .china,
                today: @escaping @Sendable () -> CivilDate = ChinaClock.today) {
        self.database = database
        self.calendar = calendar
        self.today = today
    }

    /// 受理: opens an application to `programme` for a registered household, or for one of its members
    /// (`subject`) when the programme assesses a person (特困).
    /// - Throws: `ProgrammeError.notImplemented`, `StoreError.notFound`,
    ///   `ApplicationStoreError.openApplicationExists` / `.subjectRequired` / `.subjectNotAllowed`,
    ///   `PolicyError`.
    public func open(householdID: String, programme: Programme, subject: ResidentID? = nil, acceptedOn: CivilDate,
                     closeRelative: Bool, actor: String) async throws -> String {
        let rules = try programme.rules()
        guard rules.cadence == .monthly else { throw ApplicationStoreError.ownProcedure(programme) }
        switch (rules.recipient, subject) {
        case (.household, nil), (.member, _?): break
        // 单人保 (DB-2021 Art. 8): a household programme that may enrol one member alone.
        case (.household, _?) where rules.allowsSingleMember: break
        case (.household, _?): throw ApplicationStoreError.subjectNotAllowed(programme)
        case (.member, nil): throw ApplicationStoreError.subjectRequired(programme)
        case (.person, _): throw ProgrammeError.notImplemented(programme)
        }
        return try await database.transaction { db in
            let sql = db.sql
            struct H: Decodable { var countyCode: String }
            guard let h = try await sql.select().column("county_code").from("households")
                .where(SQLIdentifier("id"), .equal, householdID).first(decoding: H.self, with: SQLSupport.decoder)
            else { throw StoreError.notFound(what: "家庭", id: householdID) }
            var memberID: String?
            if let subject {
                struct M: Decodable { var id: String; var status: String }
                guard let m = try await sql.select().columns("id", "status").from("members")
                    .where(SQLIdentifier("household_id"), .equal, householdID)
                    .where(SQLIdentifier("resident_id_index"), .equal, try Sealed(db).index(subject)).first(decoding: M.self),
                      try Stored("members").parse("status", m.status) as MemberStatus == .active
                else { throw StoreError.notFound(what: "本户在户成员", id: subject.masked) }
                memberID = m.id
                // 单人保 is for a household not covered whole: one already enrolled covers the member.
                if rules.recipient == .household {
                    var whole = SQLQueryString("SELECT start_month FROM enrollments WHERE programme = \(bind: programme.rawValue) AND (end_month IS NULL OR end_month >= \(bind: acceptedOn.yearMonth.number))")
                    EnrollmentStore.recipient(&whole, householdID: householdID, memberID: nil)
                    struct E: Decodable { var startMonth: Int }
                    if let e = try await sql.raw(whole).first(decoding: E.self, with: SQLSupport.decoder) {
                        let since = try Stored("enrollments").month("start_month", e.startMonth)
                        throw StoreError.conflict("本户自 \(since) 起已整户纳入\(programme.shortChinese)，成员已在保障范围内，不能再单独申请（单人保只适用于未整户纳入的低保边缘家庭，民发〔2021〕57号 第8条） (household already enrolled)")
                    }
                }
            }
            struct A: Decodable { var id: String }
            var existing = sql.select().column("id").from("applications")
                .where(SQLIdentifier("household_id"), .equal, householdID)
                .where(SQLIdentifier("programme"), .equal, programme.rawValue)
                .where(SQLIdentifier("state"), .notIn, [ApplicationState.approved.rawValue, ApplicationState.refused.rawValue])
            if let memberID { existing = existing.where(SQLIdentifier("member_id"), .equal, memberID) }
            if let open = try await existing.first(decoding: A.self) {
                throw ApplicationStoreError.openApplicationExists(open.id, programme)
            }
            if acceptedOn > today() { throw WorkflowError.dateInFuture(acceptedOn, today: today()) }
            let policy = try await PolicyStore(db).policy(region: h.countyCode, month: acceptedOn.yearMonth)
            var app = AssistanceApplication(acceptedOn: acceptedOn, closeRelative: closeRelative)
            if !rules.hasPublicNotice { app.withoutPublicNotice = true }
            // Intake never waits for next year's holiday notice: the deadline stays open until it is known.
            let deadline = (try? app.deadline(rules: rules, policy: policy, calendar: calendar)) ?? nil
            let id = SQLSupport.newID()
            try await sql.insert(into: "applications").columns(
                "id", "county_code", "household_id", "member_id", "programme", "state", "accepted_on", "deadline",
                "close_relative", "snapshot", "created_by", "updated_at"
            ).values(id, h.countyCode, householdID, memberID, programme.rawValue, app.state.rawValue,
                     acceptedOn.description, deadline?.description, closeRelative, try SQLSupport.encode(app), actor, Date())
                .run()
            try await audit(db, county: h.countyCode, actor: actor, action: "application.accept", subject: id,
                            detail: "household \(householdID)" + (memberID.map { " member \($0)" } ?? ""), householdID: householdID)
            // 信息核对 starts with intake: the members matched against every dataset already imported.
            try await MatchStore.matchHousehold(householdID, countyCode: h.countyCode, foundBy: "application:\(id)", today: today(), on: db)
            return id
        }
    }

    /// Records a workflow step. `approve` must go through `approve(_:on:actor:)`, which computes the amount.
    /// - Throws: `WorkflowError` (out of order, missing facts), `StoreError.notFound`, `PolicyError`.
    @discardableResult
    public func record(_ event: ApplicationEvent, on id: String, actor: String) async throws -> AssistanceApplication {
        if case .approve = event {
            throw WorkflowError.missing("确认纳入请使用“县级确认纳入”操作，金额由系统按政策测算")
        }
        return try await database.transaction { db in try await record(event, on: id, actor: actor, in: db) }
    }

    /// `record` inside the caller's transaction `db` (matching files a 近亲属备案 in the same transaction as
    /// the decision that finds it).
    func record(_ event: ApplicationEvent, on id: String, actor: String, in db: any Database) async throws -> AssistanceApplication {
        let stored = try await load(id, on: db)
        // A programme without rules is refused at every step, not only at the decision.
        let rules = try stored.programme.rules()
        if case .extendDeadline = event, !rules.allowsRecordedExtension {
            throw ApplicationStoreError.noExtension(stored.programme)
        }
        let policy = try await PolicyStore(db).policy(region: stored.countyCode, month: stored.application.acceptedOn.yearMonth)
        let next = try ApplicationWorkflow.apply(event, to: stored.application, policy: policy, calendar: calendar,
                                                 today: today())
        try await save(stored, next, event: event, policy: policy, actor: actor, on: db)
        if case let .refuse(on, reason) = event {
            guard let household = try await RegistryStore(db).household(stored.householdID) else {
                throw StoreError.notFound(what: "家庭", id: stored.householdID)
            }
            let rules = try stored.programme.rules()
            let subject = try await stored.memberID.asyncMap { try await RegistryStore(db).residentID(ofMember: $0) }
            // A refusal never depends on the arithmetic: facts missing for an assessment (a 特困
            // applicant never assessed for self-care) are said in the trace, and the refusal stands.
            var assessment: BenefitDecision
            do {
                assessment = try rules.assess(AssessmentInput(household: household.composition, month: on.yearMonth,
                                                              subject: subject), policy: policy)
            } catch {
                assessment = BenefitDecision(
                    programme: stored.programme, month: on.yearMonth, area: household.area, eligible: false,
                    householdSize: subject == nil ? household.composition.countedMembers.count : 1, subject: subject,
                    standard: nil, perCapitaIncome: nil, monthlyBenefit: .zero, components: [], reasons: [],
                    trace: [TraceLine("测算", "未测算：\((error as? AssessmentError)?.message ?? String(describing: error))")], policyVersion: policy.version)
            }
            // Below 1.5 × the standard: on the low-income register as 低保边缘家庭 (LI-2023 §2 item 4).
            if NearPoverty.applies(assessment, policy: policy), let perCapita = assessment.perCapitaIncome {
                try await MonitoringStore.register(householdID: stored.householdID, category: .nearPoverty, since: on,
                                                   source: "application:\(stored.id)",
                                                   note: "低保申请不予纳入，月人均收入 \(perCapita.roundedHalfUp().yuanString) 元低于低保边缘线",
                                                   actor: actor, on: db)
            }
            // A refusal pays nothing, whatever the arithmetic says.
            assessment.eligible = false
            assessment.monthlyBenefit = .zero
            assessment.components = []
            _ = try await DecisionRows.insert(on: db.sql, countyCode: stored.countyCode, householdID: stored.householdID,
                                          applicationID: stored.id, memberID: stored.memberID, outcome: "refused", decidedOn: on,
                                          firstMonth: nil, decision: assessment,
                                          trace: assessment.trace + [TraceLine("不予纳入理由", reason,
                                                                               source: rules.refusalSource)])
        }
        return next
    }

    /// 县级审核确认: assesses the household as registered now, under the policy in force for the
    /// first paid month (the month after `date`, DB-2021 Art. 21), and writes the decision with its
    /// trace and the enrollment, in one transaction.
    /// - Throws: `ApplicationStoreError.notEligible`, `MatchError.openHits` (a matching hit not yet decided),
    ///   `WorkflowError`, `PolicyError`, `AssessmentError`.
    @discardableResult
    public func approve(_ id: String, on date: CivilDate, actor: String) async throws -> BenefitDecision {
        // Matched again first (members added since intake), in its own transaction: what it finds stays
        // recorded when the approval below is refused for it.
        try await database.transaction { db in
            let stored = try await load(id, on: db)
            try await MatchStore.matchHousehold(stored.householdID, countyCode: stored.countyCode, foundBy: "application:\(id)",
                                                today: today(), on: db)
        }
        return try await database.transaction { db in
            let stored = try await load(id, on: db)
            // No automatic approval while a matching hit waits for a person (field case C05).
            try await MatchStore.checkApproval(householdID: stored.householdID, on: db)
            guard let household = try await RegistryStore(db).household(stored.householdID) else {
                throw StoreError.notFound(what: "家庭", id: stored.householdID)
            }
            let firstMonth = date.yearMonth.next
            let policy = try await PolicyStore(db).policy(region: stored.countyCode, month: firstMonth)
            let subject = try await stored.memberID.asyncMap { try await RegistryStore(db).residentID(ofMember: $0) }
            let elsewhere = try await EnrollmentStore.supportedElsewhere(householdID: stored.householdID, besides: stored.programme,
                                                                         month: firstMonth, on: db)
            let rules = try stored.programme.rules()
            let other = try await stored.memberID.asyncMap {
                try await EnrollmentStore.otherSupport(householdID: stored.householdID, memberID: $0, besides: stored.programme,
                                                       month: firstMonth, on: db.sql)
            } ?? []
            let input = AssessmentInput(household: household.composition, month: firstMonth, subject: subject,
                                        supportedElsewhere: elsewhere, otherSupport: other)
            let decision = try rules.assess(input, policy: policy)
            guard decision.eligible, decision.monthlyBenefit > .zero else {
                throw ApplicationStoreError.notEligible(decision.reasons.map(\.chinese), stored.programme)
            }
            // One person, one programme (C02): a batch of another programme that already lists this household
            // for a month the new support covers would pay the person twice; it is dealt with first.
            if stored.memberID != nil && rules.supportsPersonApart {
                struct Listed: Decodable { var month: Int; var programme: String; var state: String }
                if let listed = try await db.sql.raw("""
                    SELECT b.month, b.programme, b.state FROM payroll_lines l JOIN payroll_batches b ON b.id = l.batch_id
                    WHERE l.household_id = \(bind: stored.householdID) AND l.member_id IS NULL
                      AND b.programme <> \(bind: stored.programme.rawValue) AND b.month >= \(bind: firstMonth.number)
                    ORDER BY b.month LIMIT 1
                    """).first(decoding: Listed.self, with: SQLSupport.decoder) {
                    let t = Stored("payroll_batches")
                    let month = try t.month("month", listed.month) as YearMonth
                    let programme: Programme = try t.parse("programme", listed.programme)
                    let state: PayrollState = try t.parse("state", listed.state)
                    throw StoreError.conflict("\(month) 的\(programme.shortChinese)发放批次（\(state.chinese)）已列入本户，自 \(firstMonth) 起确认\(stored.programme.shortChinese)将对同一人重复发放：草稿请先作废；已审核或已导出的月份，请以该月之后的日期确认，或先复核本户\(programme.shortChinese) (another programme's batch lists this household)")
                }
            }
            // One person, one of two programmes that exclude each other (特困/孤儿, TK-2021 Art. 9; 孤儿/事实无人
            // 抚养): a member already supported by the other from the first month is refused, both named.
            if let memberID = stored.memberID {
                struct Other: Decodable { var programme: String; var startMonth: Int; var decisionId: String }
                let t = Stored("enrollments")
                for other in try await db.sql.raw("""
                    SELECT x.programme, x.start_month, x.decision_id FROM enrollments x
                    WHERE x.member_id = \(bind: memberID) AND x.programme <> \(bind: stored.programme.rawValue)
                      AND (x.end_month IS NULL OR x.end_month >= \(bind: firstMonth.number)) ORDER BY x.start_month
                    """).all(decoding: Other.self, with: SQLSupport.decoder) {
                    let programme: Programme = try t.parse("programme", other.programme)
                    guard programme.excludes(stored.programme) else { continue }
                    let since = try t.month("start_month", other.startMonth)
                    throw StoreError.conflict("该成员自 \(since) 起已由\(programme.shortChinese)保障（决定 \(other.decisionId.prefix(8))），同一人不能同时享受\(programme.shortChinese)和\(stored.programme.shortChinese)：请先终止\(programme.shortChinese)，或不予纳入本申请 (supported by a programme that excludes this one)")
                }
            }
            let event = ApplicationEvent.approve(on: date, monthlyBenefit: decision.monthlyBenefit)
            let workflowPolicy = try await PolicyStore(db).policy(region: stored.countyCode,
                                                       month: stored.application.acceptedOn.yearMonth)
            let next = try ApplicationWorkflow.apply(event, to: stored.application, policy: workflowPolicy,
                                                     calendar: calendar, today: today())
            try await save(stored, next, event: event, policy: workflowPolicy, actor: actor, on: db)
            let decisionID = try await DecisionRows.insert(
                on: db.sql, countyCode: stored.countyCode, householdID: stored.householdID, applicationID: stored.id,
                memberID: stored.memberID, outcome: "approved", decidedOn: date, firstMonth: firstMonth, decision: decision,
                trace: decision.trace, input: try SealedInput(input, Sealed(db)))
            try await EnrollmentStore.enroll(on: db.sql, countyCode: stored.countyCode, householdID: stored.householdID,
                                             memberID: stored.memberID, decision: decision, from: firstMonth, decisionID: decisionID)
            if stored.memberID != nil && rules.supportsPersonApart {
                _ = try await EnrollmentStore.stopEmptiedHouseholdCases(householdID: stored.householdID, from: firstMonth,
                                                                        decidedOn: date, actor: actor, on: db)
            }
            return decision
        }
    }

    /// 县级抽查: of `programme`'s applications approved in `year`, how many had the county's own home
    /// visit recorded (TK-2021 Art. 16 asks for at least 30 % of 特困 cases).
    /// - Throws: `StoreError.unreadable` naming a stored snapshot that does not parse.
    public func countyVisits(programme: Programme, in scope: AccessScope, year: Int) async throws -> (approved: Int, visited: Int) {
        struct Row: Decodable { var snapshot: String }
        let rows = try await database.sql.raw(SQLQueryString("""
            SELECT a.snapshot FROM applications a JOIN households h ON h.id = a.household_id
            WHERE a.programme = \(bind: programme.rawValue) AND a.state = \(bind: ApplicationState.approved.rawValue) AND
            """) + SQLFragments.inScope("h", scope)).all(decoding: Row.self, with: SQLSupport.decoder)
        let t = Stored("applications")
        var approved = 0, visited = 0
        for r in rows {
            let a = try t.json(AssistanceApplication.self, "snapshot", r.snapshot)
            guard a.decidedOn?.year == year else { continue }
            approved += 1
            if a.countyHomeVisit != nil { visited += 1 }
        }
        return (approved, visited)
    }

    public func application(_ id: String) async throws -> StoredApplication {
        try await load(id, on: database)
    }

    public func events(of id: String) async throws -> [ApplicationEventRecord] {
        struct Row: Decodable { var seq: Int; var payload: String; var actor: String; var recordedAt: Date }
        let rows = try await database.sql.select().columns("seq", "payload", "actor", "recorded_at")
            .from("application_events").where(SQLIdentifier("application_id"), .equal, id).orderBy("seq")
            .all(decoding: Row.self, with: SQLSupport.decoder)
        let t = Stored("application_events")
        return try rows.map {
            ApplicationEventRecord(seq: $0.seq, event: try t.json(ApplicationEvent.self, "payload", $0.payload),
                                   actor: $0.actor, recordedAt: $0.recordedAt)
        }
    }

    /// Applications of every programme, open ones first by deadline; `openOnly` leaves out approved ones and
    /// refused ones whose written notice was delivered.
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func list(in scope: AccessScope, openOnly: Bool, householdID: String? = nil, limit: Int = 200) async throws -> [ApplicationSummary] {
        var q = SQLQueryString("""
            SELECT a.id, a.programme, a.household_id, a.state, a.accepted_on, a.deadline, a.close_relative, h.township_code,
              a.county_code, a.snapshot,
              (SELECT name FROM members m WHERE m.household_id = a.household_id AND m.relationship = 'head') AS head_name,
              (SELECT name FROM members s WHERE s.id = a.member_id) AS member_name
            FROM applications a JOIN households h ON h.id = a.household_id WHERE
            """) + SQLFragments.inScope("h", scope)
        // Open, or refused with the written notice not yet delivered (DB-2021 Art. 21).
        if openOnly { q = q + SQLQueryString(" AND (a.state NOT IN ('approved', 'refused') OR a.refusal_notice_pending = \(bind: true))") }
        if let householdID { q = q + SQLQueryString(" AND a.household_id = \(bind: householdID)") }
        q = q + SQLQueryString(" ORDER BY CASE WHEN a.deadline IS NULL THEN 1 ELSE 0 END, a.deadline, a.id LIMIT \(bind: limit)")
        struct Row: Decodable {
            var id: String; var programme: String; var householdId: String; var state: String; var acceptedOn: String
            var deadline: String?; var closeRelative: Bool; var townshipCode: String; var headName: String?
            var memberName: String?; var countyCode: String; var snapshot: String
        }
        let t = Stored("applications")
        var policies: [String: Policy] = [:]
        var out: [ApplicationSummary] = []
        for r in try await database.sql.raw(q).all(decoding: Row.self, with: SQLSupport.decoder) {
            var s = ApplicationSummary(id: r.id, programme: try t.parse("programme", r.programme), householdID: r.householdId,
                                       headName: r.headName ?? "", memberName: r.memberName, townshipCode: r.townshipCode,
                                       state: try t.parse("state", r.state), acceptedOn: try t.date("accepted_on", r.acceptedOn),
                                       deadline: try t.date("deadline", r.deadline), closeRelative: r.closeRelative)
            // An open application: the current step's deadline, and, when the calendar cannot reach the
            // whole procedure's deadline, the latest it can be.
            if s.state.isOpen || s.state == .refused, let rules = try? s.programme.rules() {
                let application = try t.json(AssistanceApplication.self, "snapshot", r.snapshot)
                let key = "\(r.countyCode) \(s.acceptedOn.yearMonth)"
                if policies[key] == nil {
                    policies[key] = try await PolicyStore(database).policy(region: r.countyCode, month: s.acceptedOn.yearMonth)
                }
                let policy = policies[key]!
                s.step = rules.stepDeadline(application, policy: policy, calendar: calendar)
                if s.deadline == nil && s.state.isOpen {
                    s.deadlineBound = (try? application.deadline(rules: rules, policy: policy, calendar: calendar.bounding)) ?? nil
                }
            }
            out.append(s)
        }
        return out
    }

    func load(_ id: String, on db: any Database) async throws -> StoredApplication {
        try await SQLSupport.lockRow("applications", id: id, on: db)
        struct Row: Decodable {
            var id: String; var programme: String; var householdId: String; var countyCode: String; var snapshot: String
            var deadline: String?; var memberId: String?
        }
        guard let row = try await db.sql.select().columns("id", "programme", "household_id", "county_code", "snapshot", "deadline", "member_id")
            .from("applications").where(SQLIdentifier("id"), .equal, id)
            .first(decoding: Row.self, with: SQLSupport.decoder)
        else { throw StoreError.notFound(what: "申请", id: id) }
        let t = Stored("applications")
        return StoredApplication(id: row.id, programme: try t.parse("programme", row.programme), householdID: row.householdId,
                                 countyCode: row.countyCode, memberID: row.memberId,
                                 application: try t.json(AssistanceApplication.self, "snapshot", row.snapshot),
                                 deadline: try t.date("deadline", row.deadline))
    }

    func save(_ stored: StoredApplication, _ next: AssistanceApplication, event: ApplicationEvent, policy: Policy,
              actor: String, on db: any Database) async throws {
        let sql = db.sql
        let deadline = (try? next.deadline(rules: try stored.programme.rules(), policy: policy, calendar: calendar)) ?? nil
        try await sql.update("applications").set("state", to: next.state.rawValue)
            .set("snapshot", to: try SQLSupport.encode(next)).set("deadline", to: deadline?.description)
            .set("close_relative", to: next.closeRelative)
            .set("refusal_notice_pending", to: next.state == .refused && next.refusalNoticeDeliveredOn == nil)
            .set("updated_at", to: Date()).where(SQLIdentifier("id"), .equal, stored.id).run()
        struct Seq: Decodable { var n: Int? }
        let seq = (try await sql.raw("SELECT MAX(seq) AS n FROM application_events WHERE application_id = \(bind: stored.id)")
            .first(decoding: Seq.self)?.n ?? 0) + 1
        try await sql.insert(into: "application_events")
            .columns("id", "application_id", "seq", "kind", "payload", "actor", "recorded_at")
            .values(SQLSupport.newID(), stored.id, seq, event.chinese, try SQLSupport.encode(event), actor, Date()).run()
        try await audit(db, county: stored.countyCode, actor: actor, action: "application.\(next.state.rawValue)",
                        subject: stored.id, detail: event.chinese, householdID: stored.householdID)
    }
}

/// Appends to the audit trail (`AuditChain`), in the caller's transaction when there is one.
func audit(_ db: any Database, county: String, actor: String, action: String, subject: String, detail: String,
           householdID: String? = nil) async throws {
    try await AuditChain.append(AuditDraft(countyCode: county, actor: actor, action: action, subject: subject,
                                           householdID: householdID, detail: detail), on: db)
}
