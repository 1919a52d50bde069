import Domain
import FluentKit
import Foundation
import SQLKit

/// A termination on file: where it is, whom it concerns, and its workflow.
public struct StoredTermination: Hashable, Sendable {
    public var id: String
    public var countyCode: String
    public var householdID: String
    public var memberID: String
    public var programme: Programme
    public var enrollmentID: String
    public var termination: Termination
    /// The person's name and township code as registered now, for lists.
    public var personName: String
    public var townshipCode: String
}

/// Ending a person's support (TK-2021 Arts. 24–26) for programmes that support a member: propose with a
/// ground, publish for 7 days (not for a death), handle objections, and the county's decision ends the
/// enrollment from the following month with a recorded decision. Every step is one transaction.
public struct TerminationStore: Sendable {
    let database: any Database
    public let calendar: WorkCalendar
    public let today: @Sendable () -> CivilDate

    public init(_ database: any Database, calendar: WorkCalendar = .china,
                today: @escaping @Sendable () -> CivilDate = ChinaClock.today) {
        self.database = database
        self.calendar = calendar
        self.today = today
    }

    /// Proposes ending `memberID`'s current support by `programme`.
    /// - Throws: `StoreError.notFound` when the member has no current support; `StoreError.conflict` when
    ///   a termination is already open; `WorkflowError` for a date in the future or a missing opinion.
    public func propose(householdID: String, memberID: String, programme: Programme, ground: TerminationGround,
                        on date: CivilDate, opinion: String, factOn: CivilDate? = nil, actor: String) async throws -> String {
        let rules = try programme.rules()
        guard rules.recipient == .member else { throw ApplicationStoreError.subjectNotAllowed(programme) }
        guard TerminationGround.grounds(for: programme).contains(ground) else {
            throw WorkflowError.missing("适用于\(programme.shortChinese)的终止理由（\(TerminationGround.grounds(for: programme).map(\.chinese).joined(separator: "、"))）")
        }
        if date > today() { throw WorkflowError.dateInFuture(date, today: today()) }
        var factOn = factOn
        if ground.datesAFact {
            let member = try await Self.member(memberID, householdID: householdID, on: database)
            // A death recorded in the registry with its date dates the termination by itself.
            if factOn == nil, ground == .death, let m = member, m.status == .deceased { factOn = m.statusSince }
            guard let fact = factOn else {
                throw WorkflowError.missing(ground == .death ? "死亡日期（或先在家庭成员中登记死亡及日期）" : "事实发生日期（如查找到父母的日期）")
            }
            if fact > date { throw WorkflowError.dateBefore(date, what: "事实发生日期", earlier: fact) }
            if let m = member, fact < m.residentID.birthDate {
                throw WorkflowError.dateBefore(fact, what: "出生日期", earlier: m.residentID.birthDate)
            }
        }
        let fact = ground.datesAFact ? factOn : nil
        if ground == .adulthood, let m = try await Self.member(memberID, householdID: householdID, on: database),
           m.residentID.age(on: date) < 18 {
            throw WorkflowError.missing("年满18周岁的事实（\(m.name)在 \(date) 为 \(m.residentID.age(on: date)) 周岁）")
        }
        guard !opinion.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw WorkflowError.missing("乡镇核实意见") }
        return try await database.transaction { db in
            let sql = db.sql
            guard let current = try await EnrollmentStore(db).enrollments(ofHousehold: householdID)
                .last(where: { $0.programme == programme && $0.memberID == memberID
                               && ($0.endMonth == nil || $0.endMonth! >= date.yearMonth.next) })
            else { throw StoreError.notFound(what: "在保\(programme.shortChinese)对象", id: memberID) }
            if date.yearMonth < current.startMonth.previous {
                throw WorkflowError.dateBefore(date, what: "在保起始月", earlier: current.startMonth.previous.firstDay)
            }
            struct Open: Decodable { var id: String }
            if let open = try await sql.select().column("id").from("terminations")
                .where(SQLIdentifier("enrollment_id"), .equal, current.id)
                .where(SQLIdentifier("state"), .notIn, [TerminationState.terminated.rawValue, TerminationState.cancelled.rawValue])
                .first(decoding: Open.self) {
                throw StoreError.conflict("该对象已有办理中的终止程序（\(open.id.prefix(8))），请在原程序上继续办理 (a termination is open)")
            }
            guard let household = try await RegistryStore(db).household(householdID) else {
                throw StoreError.notFound(what: "家庭", id: householdID)
            }
            let t = Termination(ground: ground, proposedOn: date, opinion: opinion, publicNotice: rules.hasPublicNotice,
                                factOn: fact)
            let id = SQLSupport.newID()
            try await sql.insert(into: "terminations").columns(
                "id", "county_code", "household_id", "member_id", "programme", "enrollment_id", "state", "snapshot",
                "created_by", "updated_at"
            ).values(id, household.countyCode, householdID, memberID, programme.rawValue, current.id, t.state.rawValue,
                     try SQLSupport.encode(t), actor, Date()).run()
            try await audit(db, county: household.countyCode, actor: actor, action: "termination.propose", subject: id,
                            detail: "\(programme.rawValue) member \(memberID) \(ground.rawValue)", householdID: householdID)
            return id
        }
    }

    /// The member as registered, or nil when the row is not in the household.
    static func member(_ memberID: String, householdID: String, on db: any Database) async throws -> Member? {
        let rid = try await RegistryStore(db).residentID(ofMember: memberID)
        return try await RegistryStore(db).household(householdID)?.composition.members.first { $0.residentID == rid }
    }

    /// Records a step. `decide` ends the enrollment from the month after the decision and writes the
    /// decision (outcome `terminated`) with its trace: the ground, the 公示, the rule.
    /// - Throws: `WorkflowError`; `StoreError.conflict` when a batch already lists the person after the
    ///   last paid month (it is dealt with first).
    @discardableResult
    public func record(_ event: TerminationEvent, on id: String, actor: String) async throws -> Termination {
        try await database.transaction { db in
            let stored = try await load(id, on: db)
            let rules = try stored.programme.rules()
            let policy = try await PolicyStore(db).policy(region: stored.countyCode,
                                                                month: stored.termination.proposedOn.yearMonth)
            var next = try TerminationWorkflow.apply(event, to: stored.termination, policy: policy, calendar: calendar,
                                                     today: today())
            let sql = db.sql
            if case let .decide(on) = event {
                // Support ends with the decision's month — or, for a ground dated by its fact (a death, a
                // parent found), with the fact's month — or with a later month already approved or paid (a
                // bank file cannot be taken back; those months are flagged below); a draft listing the person
                // later is discarded first.
                let base = min(next.factOn?.yearMonth ?? on.yearMonth, on.yearMonth)
                struct Listed: Decodable { var month: Int; var state: String }
                let listed = try await sql.raw("""
                    SELECT b.month, b.state FROM payroll_lines l JOIN payroll_batches b ON b.id = l.batch_id
                    WHERE b.programme = \(bind: stored.programme.rawValue) AND l.recipient_key = \(bind: stored.memberID)
                      AND b.month > \(bind: base.number) ORDER BY b.month
                    """).all(decoding: Listed.self, with: SQLSupport.decoder)
                var last = base
                let batches = Stored("payroll_batches")
                for row in listed {
                    let month: YearMonth = try batches.month("month", row.month)
                    let state: PayrollState = try batches.parse("state", row.state)
                    if state == .draft {
                        throw StoreError.conflict("\(month) 的\(stored.programme.shortChinese)发放批次草稿已列入该对象：请先作废该草稿，再决定终止 (a draft lists this person)")
                    }
                    last = month
                }
                next.lastMonth = last
                // Months paid after the fact that ended the entitlement (a parent found) are owed back:
                // flagged, one row per month, for the recovery ledger.
                if let fact = next.factOn {
                    struct Paid: Decodable { var month: Int; var amountFen: Int64 }
                    let paid = try await sql.raw("""
                        SELECT b.month, l.amount_fen FROM payroll_lines l JOIN payroll_batches b ON b.id = l.batch_id
                        WHERE b.programme = \(bind: stored.programme.rawValue) AND l.recipient_key = \(bind: stored.memberID)
                          AND b.state <> 'draft' AND b.month > \(bind: fact.yearMonth.number) ORDER BY b.month
                        """).all(decoding: Paid.self, with: SQLSupport.decoder)
                    for p in paid {
                        try await OverpaymentRows.insert(on: sql, countyCode: stored.countyCode, householdID: stored.householdID,
                                                         memberID: stored.memberID, programme: stored.programme, month: p.month,
                                                         amount: Money(fen: p.amountFen), reason: "\(next.ground.chinese)（\(fact)）后仍发放",
                                                         terminationID: id)
                    }
                    next.overpaidMonths = try paid.map { try batches.month("month", $0.month) }
                }
                try await EnrollmentStore.cancelPending(on: sql, programme: stored.programme, householdID: stored.householdID,
                                                        memberID: stored.memberID, after: last)
                try await sql.update("enrollments").set("end_month", to: last.number)
                    .where(SQLIdentifier("id"), .equal, stored.enrollmentID).run()
                guard let household = try await RegistryStore(db).household(stored.householdID) else {
                    throw StoreError.notFound(what: "家庭", id: stored.householdID)
                }
                let subject = try await RegistryStore(db).residentID(ofMember: stored.memberID)
                let t = next
                let notice = t.noticeStart.map { "公示 \($0) 至 \(t.noticeEnd(policy: policy)!)" }
                    ?? (rules.hasPublicNotice ? "因死亡终止，不公示" : "\(stored.programme.shortChinese)不公示（保护儿童隐私）")
                let decision = BenefitDecision(
                    programme: stored.programme, month: last.next, area: household.area, eligible: false, householdSize: 1,
                    subject: subject, standard: nil, perCapitaIncome: nil, monthlyBenefit: .zero, components: [], reasons: [],
                    trace: [], policyVersion: policy.version)
                _ = try await DecisionRows.insert(
                    on: sql, countyCode: stored.countyCode, householdID: stored.householdID, applicationID: nil,
                    memberID: stored.memberID, outcome: "terminated", decidedOn: on, firstMonth: last.next, decision: decision,
                    trace: [TraceLine("终止理由", t.ground.chinese, source: rules.reviewSource),
                            TraceLine("乡镇核实意见", t.opinion),
                            TraceLine("公示", notice + (t.objections.isEmpty ? "，无异议" : "，异议 \(t.objections.count) 件已核查")),
                            TraceLine("终止", "县级 \(on) 决定终止，自 \(last.next) 起停止供养"
                                      + (last > on.yearMonth.next ? "（\(on.yearMonth.next) 至 \(last) 已发放）"
                                         : last == on.yearMonth.next ? "（\(last) 已发放）" : "")
                                      + "；书面告知本人和村（居）民委员会", source: rules.reviewSource)])
            }
            try await sql.update("terminations").set("state", to: next.state.rawValue)
                .set("snapshot", to: try SQLSupport.encode(next)).set("updated_at", to: Date())
                .where(SQLIdentifier("id"), .equal, id).run()
            struct Seq: Decodable { var n: Int? }
            let seq = (try await sql.raw("SELECT MAX(seq) AS n FROM termination_events WHERE termination_id = \(bind: id)")
                .first(decoding: Seq.self)?.n ?? 0) + 1
            try await sql.insert(into: "termination_events")
                .columns("id", "termination_id", "seq", "kind", "payload", "actor", "recorded_at")
                .values(SQLSupport.newID(), id, seq, event.chinese, try SQLSupport.encode(event), actor, Date()).run()
            try await audit(db, county: stored.countyCode, actor: actor, action: "termination.\(next.state.rawValue)",
                            subject: id, detail: event.chinese, householdID: stored.householdID)
            return next
        }
    }

    public func termination(_ id: String) async throws -> StoredTermination { try await load(id, on: database) }

    /// Terminations still in progress (公示, objection, county review), oldest first: the clerk's to-do list.
    public func open(in scope: AccessScope) async throws -> [StoredTermination] {
        try await list(" WHERE " + SQLFragments.inScope("h", scope) + SQLQueryString(" AND t.state NOT IN (\(bind: TerminationState.terminated.rawValue), \(bind: TerminationState.cancelled.rawValue)) ORDER BY t.updated_at LIMIT 500"))
    }

    /// The terminations of a household, newest first.
    public func terminations(ofHousehold householdID: String) async throws -> [StoredTermination] {
        try await list(SQLQueryString(" WHERE t.household_id = \(bind: householdID) ORDER BY t.updated_at DESC"))
    }

    struct Row: Decodable {
        var id: String; var countyCode: String; var householdId: String; var memberId: String; var programme: String
        var enrollmentId: String; var snapshot: String; var personName: String?; var townshipCode: String?
    }

    /// One query for the rows, with the person's name and township.
    func list(_ filter: SQLQueryString, on db: (any Database)? = nil) async throws -> [StoredTermination] {
        let q = SQLQueryString("""
            SELECT t.id, t.county_code, t.household_id, t.member_id, t.programme, t.enrollment_id, t.snapshot,
              m.name AS person_name, h.township_code
            FROM terminations t LEFT JOIN members m ON m.id = t.member_id LEFT JOIN households h ON h.id = t.household_id
            """) + filter
        return try await (db ?? database).sql.raw(q).all(decoding: Row.self, with: SQLSupport.decoder).map(Self.stored)
    }

    static func stored(_ r: Row) throws -> StoredTermination {
        let t = Stored("terminations")
        return StoredTermination(id: r.id, countyCode: r.countyCode, householdID: r.householdId, memberID: r.memberId,
                                 programme: try t.parse("programme", r.programme), enrollmentID: r.enrollmentId,
                                 termination: try t.json(Termination.self, "snapshot", r.snapshot),
                                 personName: r.personName ?? "", townshipCode: r.townshipCode ?? "")
    }

    func load(_ id: String, on db: any Database) async throws -> StoredTermination {
        try await SQLSupport.lockRow("terminations", id: id, on: db)
        guard let t = try await list(SQLQueryString(" WHERE t.id = \(bind: id)"), on: db).first else {
            throw StoreError.notFound(what: "终止程序", id: id)
        }
        return t
    }
}
