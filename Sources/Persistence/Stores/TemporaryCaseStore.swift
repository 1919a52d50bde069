import Domain
import FluentKit
import Foundation
import SQLKit

/// Who asks for a 临时救助 grant.
public enum TemporaryApplicant: Hashable, Sendable {
    /// A registered household (the head applies for it).
    case household(id: String)
    /// A person with no registered household here (no local hukou): helped where the emergency happened
    /// (Opinion-2020 item 14; LI-2023 §4(3)). An ID number is required: someone whose identity is unknown
    /// is the relief station's case (§4). Counted as one person.
    case person(name: String, residentID: ResidentID, hukouPlace: String, township: DivisionCode, area: Area)
}

/// A 临时救助 case as stored.
public struct StoredTemporaryCase: Hashable, Sendable {
    public var id: String
    public var countyCode: String
    public var townshipCode: String
    /// nil for an applicant with no registered household.
    public var householdID: String?
    public var applicantName: String
    public var applicantResidentID: ResidentID
    public var hukouPlace: String?
    public var area: Area
    public var temporaryCase: TemporaryCase
    /// The whole procedure's deadline; nil when the policy sets none or the calendar does not reach it.
    public var deadline: CivilDate?
    /// The policy version and trace of the grant, once computed.
    public var policyVersion: String?
    public var trace: [TraceLine]
    /// Where the grant was paid: the reserve fund's date, or the payroll batch that lists it.
    public var paidFromReserveOn: CivilDate?
    public var payrollBatch: (month: YearMonth, state: PayrollState)?

    public static func == (a: Self, b: Self) -> Bool { a.id == b.id && a.temporaryCase == b.temporaryCase }
    public func hash(into h: inout Hasher) { h.combine(id) }
}

public enum TemporaryCaseStoreError: Error, Equatable, Sendable {
    /// The assessment says no: the reasons in the rule's words.
    case notEligible([String])
    /// 先行救助 needs the region's paperwork limit (`temporary.paperworkWorkingDays`).
    case noPaperworkLimit(version: String)
    /// An applicant with no registered household has no bank card on the registry.
    case payrollNeedsHousehold
    /// The grant changed between the township's review and the county's approval (another grant was
    /// made meanwhile, counted in the yearly cap).
    case amountChanged(reviewed: Money, now: Money)
    case openCaseExists(String)
    /// The person-applicant's ID belongs to a member of a registered household: the household's file is
    /// where the case is taken in.
    case registeredMember(householdID: String, name: String)
    /// The policy in force configures no such 临时救助 type.
    case typeNotConfigured(TemporaryType, version: String)

    public var message: String {
        switch self {
        case .notEligible(let reasons):
            return "按政策测算不能救助（\(reasons.joined(separator: "；"))），请核实后选择“不予救助”或调整申请金额 (not eligible)"
        case .noPaperworkLimit(let version):
            return "本县政策 \(version) 未规定先行救助后补齐手续的期限（temporary.paperworkWorkingDays），不能登记先行救助：请先导入含该期限的政策 (no paperwork limit in the policy)"
        case .payrollNeedsHousehold:
            return "申请人未在本县登记家庭和银行账户，不能随发放批次打卡发放：请选择乡镇备用金即时发放 (no registered bank account)"
        case let .amountChanged(reviewed, now):
            return "乡镇审核时测算 \(reviewed.yuanString) 元，现按本年已救助金额重新测算为 \(now.yuanString) 元（年度累计上限），请“退回乡镇重新审核”后由乡镇重新审核 (amount changed since the township's review)"
        case let .registeredMember(householdID, name):
            return "该身份证号已登记为本县家庭成员（\(name)，家庭 \(householdID.prefix(8))），请在家庭档案中为该户受理，年度累计按户计算 (registered member: apply for the household)"
        case let .typeNotConfigured(type, version):
            return "本县政策 \(version) 未规定\(type.chinese)临时救助的标准（temporary.types.\(type.rawValue)），不能受理该类型 (type not configured)"
        case .openCaseExists(let id):
            return "申请人已有未办结的临时救助案件（\(id.prefix(8))），请在原案件上继续办理 (an open case exists)"
        }
    }
}

/// 临时救助 cases: accept, 先行救助 from the reserve fund with the paperwork deadline, investigate, the
/// township's decision within its limit or the county's above it, refusal; each step one transaction.
/// Grants are computed by `TemporaryRules` with the year's earlier grants to the same household or
/// person (yearly cap, field case C07). Approved grants paid by payroll are picked up by the next
/// 临时救助 batch (`PayrollStore.generate`), each at most once.
public struct TemporaryCaseStore: Sendable {
    let database: any Database
    public let calendar: WorkCalendar
    public let today: @Sendable () -> CivilDate
    let divisions: Divisions

    public init(_ database: any Database, calendar: WorkCalendar = .china, divisions: Divisions = .pengxi,
                today: @escaping @Sendable () -> CivilDate = ChinaClock.today) {
        self.database = database
        self.calendar = calendar
        self.divisions = divisions
        self.today = today
    }

    /// 受理. - Throws: `StoreError.notFound` (household, township), `TemporaryCaseError`,
    ///   `TemporaryCaseStoreError.openCaseExists`, `PolicyError` (no policy, 临时救助 not configured).
    public func open(_ applicant: TemporaryApplicant, type: TemporaryType, cause: String, size: TemporaryRequest.Size,
                     acceptedOn: CivilDate, actor: String) async throws -> String {
        if acceptedOn > today() { throw TemporaryCaseError.dateInFuture(acceptedOn, today: today()) }
        let cause = try TemporaryWorkflow.text(cause, "困难情形")
        return try await database.transaction { db in
            let sql = db.sql
            var countyCode: String, township: String, householdID: String?, name: String, rid: ResidentID
            var hukou: String?, area: Area
            switch applicant {
            case .household(let id):
                guard let h = try await RegistryStore(db).household(id) else { throw StoreError.notFound(what: "家庭", id: id) }
                (countyCode, township, householdID, name, rid, hukou, area) =
                    (h.countyCode, h.townshipCode.value, id, h.head.name, h.head.residentID, nil, h.area)
            case let .person(n, r, place, t, a):
                guard divisions.division(t)?.level == .township else { throw StoreError.notFound(what: "本县乡镇（急难发生地）", id: t.value) }
                let n = try TemporaryWorkflow.text(n, "申请人姓名", maxLength: 50)
                let place = try TemporaryWorkflow.text(place, "户籍地", maxLength: 100)
                struct M: Decodable { var householdId: String; var name: String }
                if let m = try await sql.select().columns("household_id", "name").from("members")
                    .where(SQLIdentifier("resident_id_index"), .equal, try Sealed(db).index(r)).first(decoding: M.self, with: SQLSupport.decoder) {
                    throw TemporaryCaseStoreError.registeredMember(householdID: m.householdId, name: m.name)
                }
                (countyCode, township, householdID, name, rid, hukou, area) = (t.countyCode, t.value, nil, n, r, place, a)
            }
            // One open case at a time for the same people, whichever way they applied.
            let sealed = try Sealed(db)
            let (households, ids) = try await Self.subjects(householdID: householdID, applicant: rid, on: sql, sealed)
            struct Open: Decodable { var id: String }
            if let open = try await sql.raw(SQLQueryString("""
                SELECT id FROM temporary_cases WHERE state NOT IN ('approved', 'refused') AND
                """) + Self.sameSubjects(households: households, ids: ids)).first(decoding: Open.self) {
                throw TemporaryCaseStoreError.openCaseExists(open.id)
            }
            let policy = try await PolicyStore(db).policy(region: countyCode, month: acceptedOn.yearMonth)
            guard let temporary = policy.temporary else {
                throw PolicyError.programmeNotConfigured(programme: Programme.temporary.rawValue, version: policy.version)
            }
            guard temporary.types[type] != nil else { throw TemporaryCaseStoreError.typeNotConfigured(type, version: policy.version) }
            let c = TemporaryCase(type: type, acceptedOn: acceptedOn, cause: cause, size: size)
            let deadline = (try? TemporaryRules().procedureDeadline(acceptedOn: acceptedOn, extended: false, policy: policy,
                                                                   calendar: calendar)) ?? nil
            let id = SQLSupport.newID()
            try await sql.insert(into: "temporary_cases").columns(
                "id", "county_code", "township_code", "household_id", "applicant_name", "applicant_resident_id",
                "applicant_resident_index", "hukou_place", "area", "type", "state", "accepted_on", "deadline", "snapshot", "created_by",
                "updated_at"
            ).values(id, countyCode, township, householdID, name, try sealed.seal(rid), sealed.index(rid), hukou, area.rawValue, type.rawValue,
                     c.state.rawValue, acceptedOn.description, deadline?.description, try SQLSupport.encode(c), actor, Date()).run()
            try await audit(db, county: countyCode, actor: actor, action: "temporary.accept", subject: id,
                            detail: householdID.map { "household \($0)" } ?? "person \(rid.masked)", householdID: householdID)
            return id
        }
    }

    /// What the grant would be if decided on `date`: the assessment with the year's earlier grants.
    /// - Throws: `AssessmentError`, `PolicyError`, `StoreError`.
    public func assess(_ id: String, on date: CivilDate) async throws -> BenefitDecision {
        try await assess(try await load(id, on: database), on: date, db: database)
    }

    /// 先行救助: an emergency within the township's limit, paid at once from its reserve fund; the paperwork
    /// is due `temporary.paperworkWorkingDays` later.
    /// - Throws: `TemporaryCaseError` (not an emergency, above the limit, out of order),
    ///   `TemporaryCaseStoreError.notEligible` / `.noPaperworkLimit`, `ReserveFundError.insufficient`.
    @discardableResult
    public func assistFirst(_ id: String, on date: CivilDate, actor: String) async throws -> StoredTemporaryCase {
        try await database.transaction { db in
            let stored = try await load(id, on: db)
            if stored.temporaryCase.type != .emergency { throw TemporaryCaseError.assistFirstOnlyEmergency(stored.temporaryCase.type) }
            let (decision, grant) = try await eligibleGrant(stored, on: date, db: db)
            let policy = try await PolicyStore(db).policy(region: stored.countyCode, month: date.yearMonth)
            guard let days = policy.temporary?.paperworkWorkingDays else { throw TemporaryCaseStoreError.noPaperworkLimit(version: policy.version) }
            let due = try? calendar.adding(workingDays: days, to: date)
            let event = TemporaryCaseEvent.assistFirst(on: date, amount: grant.amount, approver: grant.approver, paperworkDue: due)
            let next = try TemporaryWorkflow.apply(event, to: stored.temporaryCase, today: today())
            try await ReserveFundStore.pay(on: db, countyCode: stored.countyCode, township: stored.townshipCode,
                                           townshipName: townshipName(stored.townshipCode), date: date, amount: grant.amount,
                                           caseID: id, payrollPossible: false, actor: actor)
            try await save(stored, next, event: event, decision: decision, actor: actor, on: db)
            return try await load(id, on: db)
        }
    }

    /// 调查核实. - Throws: `TemporaryCaseError`.
    @discardableResult
    public func recordInvestigation(_ id: String, _ visit: HomeVisit, actor: String) async throws -> StoredTemporaryCase {
        try await step(id, .recordInvestigation(visit), actor: actor)
    }

    /// 乡镇审核: computes the grant as of `date`; within the township's limit it is approved (and, paid from
    /// the reserve fund, paid now), above it goes to the county. After 先行救助 it completes the paperwork
    /// for the amount already paid.
    /// - Throws: `TemporaryCaseError`, `TemporaryCaseStoreError.notEligible` / `.payrollNeedsHousehold`,
    ///   `ReserveFundError.insufficient`.
    @discardableResult
    public func townshipDecision(_ id: String, on date: CivilDate, opinion: String, payment: TemporaryPayment,
                                 actor: String) async throws -> StoredTemporaryCase {
        try await database.transaction { db in
            let stored = try await load(id, on: db)
            let c = stored.temporaryCase
            if c.state == .assistedFirst, let amount = c.amount, let approver = c.approver {
                let event = TemporaryCaseEvent.townshipDecision(on: date, opinion: opinion, amount: amount, approver: approver,
                                                                payment: .reserveFund)
                let next = try TemporaryWorkflow.apply(event, to: c, today: today())
                try await save(stored, next, event: event, decision: nil, actor: actor, on: db)
                return try await load(id, on: db)
            }
            if payment == .payroll && stored.householdID == nil { throw TemporaryCaseStoreError.payrollNeedsHousehold }
            let (decision, grant) = try await eligibleGrant(stored, on: date, db: db)
            let event = TemporaryCaseEvent.townshipDecision(on: date, opinion: opinion, amount: grant.amount, approver: grant.approver,
                                                            payment: payment)
            let next = try TemporaryWorkflow.apply(event, to: c, today: today())
            if next.state == .approved && payment == .reserveFund {
                try await ReserveFundStore.pay(on: db, countyCode: stored.countyCode, township: stored.townshipCode,
                                               townshipName: townshipName(stored.townshipCode), date: date, amount: grant.amount,
                                               caseID: id, payrollPossible: stored.householdID != nil, actor: actor)
            }
            try await save(stored, next, event: event, decision: decision, actor: actor, on: db)
            return try await load(id, on: db)
        }
    }

    /// 县级审批 of a grant above the township's limit. The grant is computed again: a grant made meanwhile
    /// may have used the yearly cap.
    /// - Throws: `TemporaryCaseError`, `TemporaryCaseStoreError.amountChanged` / `.notEligible`,
    ///   `ReserveFundError.insufficient`.
    @discardableResult
    public func countyApprove(_ id: String, on date: CivilDate, opinion: String, actor: String) async throws -> StoredTemporaryCase {
        try await database.transaction { db in
            let stored = try await load(id, on: db)
            let c = stored.temporaryCase
            let next = try TemporaryWorkflow.apply(.countyApprove(on: date, opinion: opinion), to: c, today: today())
            let (decision, grant) = try await eligibleGrant(stored, on: date, db: db)
            if let reviewed = c.amount, reviewed != grant.amount {
                throw TemporaryCaseStoreError.amountChanged(reviewed: reviewed, now: grant.amount)
            }
            if c.payment == .reserveFund {
                try await ReserveFundStore.pay(on: db, countyCode: stored.countyCode, township: stored.townshipCode,
                                               townshipName: townshipName(stored.townshipCode), date: date, amount: grant.amount,
                                               caseID: id, payrollPossible: stored.householdID != nil, actor: actor)
            }
            try await save(stored, next, event: .countyApprove(on: date, opinion: opinion), decision: decision, actor: actor, on: db)
            return try await load(id, on: db)
        }
    }

    /// 退回乡镇重新审核: the county sends the case back; the township decides anew on the recorded
    /// investigation (the grant is computed again then). - Throws: `TemporaryCaseError`.
    @discardableResult
    public func returnToTownship(_ id: String, on date: CivilDate, reason: String, actor: String) async throws -> StoredTemporaryCase {
        try await step(id, .returnToTownship(on: date, reason: reason), actor: actor)
    }

    /// 不予救助 with the written reason. - Throws: `TemporaryCaseError` (after 先行救助: `.alreadyPaidFirst`).
    @discardableResult
    public func refuse(_ id: String, on date: CivilDate, reason: String, actor: String) async throws -> StoredTemporaryCase {
        try await step(id, .refuse(on: date, reason: reason), actor: actor)
    }

    func step(_ id: String, _ event: TemporaryCaseEvent, actor: String) async throws -> StoredTemporaryCase {
        try await database.transaction { db in
            let stored = try await load(id, on: db)
            let next = try TemporaryWorkflow.apply(event, to: stored.temporaryCase, today: today())
            try await save(stored, next, event: event, decision: nil, actor: actor, on: db)
            return try await load(id, on: db)
        }
    }

    /// The grant for a decision on `date`, refused when the assessment says no.
    func eligibleGrant(_ stored: StoredTemporaryCase, on date: CivilDate,
                       db: any Database) async throws -> (BenefitDecision, OneOffGrant) {
        if date > today() { throw TemporaryCaseError.dateInFuture(date, today: today()) }
        let decision = try await assess(stored, on: date, db: db)
        guard decision.eligible, let grant = decision.oneOff, grant.amount > .zero else {
            // The range is said with the refusal: the clerk sees what would fit.
            throw TemporaryCaseStoreError.notEligible(decision.reasons.map { r in
                guard r == .outsideRange, let g = decision.oneOff else { return r.chinese }
                return r.chinese + "（\(g.minimum.yuanString)–\(g.maximum.yuanString) 元）"
            })
        }
        return (decision, grant)
    }

    func assess(_ stored: StoredTemporaryCase, on date: CivilDate, db: any Database) async throws -> BenefitDecision {
        let policy = try await PolicyStore(db).policy(region: stored.countyCode, month: date.yearMonth)
        let composition: HouseholdComposition
        if let hid = stored.householdID {
            guard let h = try await RegistryStore(db).household(hid) else { throw StoreError.notFound(what: "家庭", id: hid) }
            composition = h.composition
        } else {
            composition = try HouseholdComposition(area: stored.area, members: [
                Member(residentID: stored.applicantResidentID, name: stored.applicantName, relationship: .head),
            ])
        }
        let earlier = try await grantedInYear(stored, year: date.year, on: db)
        let c = stored.temporaryCase
        return try TemporaryRules().assess(
            AssessmentInput(household: composition, month: date.yearMonth,
                            temporary: TemporaryRequest(type: c.type, size: c.size, grantedThisYear: earlier)),
            policy: policy)
    }

    /// Fen granted in `year` to the same household or person by other cases (paid first or approved):
    /// the yearly cap counts a household's grants and a person's grants alike, registered or not.
    func grantedInYear(_ stored: StoredTemporaryCase, year: Int, on db: any Database) async throws -> Money {
        struct Row: Decodable { var total: Int64? }
        let (households, ids) = try await Self.subjects(householdID: stored.householdID, applicant: stored.applicantResidentID,
                                                        on: db.sql, try Sealed(db))
        let total = try await db.sql.raw(SQLQueryString("""
            SELECT CAST(SUM(amount_fen) AS BIGINT) AS total FROM temporary_cases
            WHERE id <> \(bind: stored.id) AND
            """) + Self.grantMade(in: year) + SQLQueryString(" AND ") + Self.sameSubjects(households: households, ids: ids))
            .first(decoding: Row.self)?.total ?? 0
        return Money(fen: total)
    }

    /// The people a case is about, for the yearly cap and the one-open-case rule: the case's household
    /// (if any) and every registered household the applicant belongs to, and every member's ID number of
    /// those households plus the applicant's, as blind indexes (ADR 0021).
    static func subjects(householdID: String?, applicant: ResidentID,
                         on sql: any SQLDatabase, _ sealed: Sealed) async throws -> (households: [String], ids: [String]) {
        struct H: Decodable { var householdId: String }
        let applicantIndex = sealed.index(applicant)
        var households = Set(try await sql.select().column("household_id").from("members")
            .where(SQLIdentifier("resident_id_index"), .equal, applicantIndex).all(decoding: H.self, with: SQLSupport.decoder).map(\.householdId))
        if let householdID { households.insert(householdID) }
        struct M: Decodable { var residentIdIndex: String }
        var ids: Set<String> = [applicantIndex]
        if !households.isEmpty {
            ids.formUnion(try await sql.select().column("resident_id_index").from("members")
                .where(SQLIdentifier("household_id"), .in, Array(households)).all(decoding: M.self, with: SQLSupport.decoder).map(\.residentIdIndex))
        }
        return (households.sorted(), ids.sorted())
    }

    /// "A case of the same people": its household is one of `households`, or its applicant's blind index one of `ids`.
    static func sameSubjects(households: [String], ids: [String]) -> SQLQueryString {
        // `IN ()` is not SQL: an applicant in no household matches on the ID alone.
        households.isEmpty
            ? SQLQueryString(" applicant_resident_index IN (\(binds: ids))")
            : SQLQueryString(" (household_id IN (\(binds: households)) OR applicant_resident_index IN (\(binds: ids)))")
    }

    /// "A grant made in `year`": paid first or approved, by the date it was made (`decided_on`). The one
    /// definition the yearly cap and the year's counts use.
    static func grantMade(in year: Int) -> SQLQueryString {
        SQLQueryString("""
             state IN ('assistedFirst', 'approved') AND decided_on >= \(bind: "\(year)-01-01") AND decided_on <= \(bind: "\(year)-12-31")
            """)
    }

    func townshipName(_ code: String) -> String {
        DivisionCode(code).flatMap { divisions.division($0)?.name } ?? code
    }

    public func temporaryCase(_ id: String) async throws -> StoredTemporaryCase { try await load(id, on: database) }

    /// Grants made in `year` (paid first or approved, by the date made): how many, and fen.
    public func granted(in scope: AccessScope, year: Int) async throws -> (cases: Int, amount: Money) {
        struct Row: Decodable { var n: Int; var total: Int64? }
        let r = try await database.sql.raw(SQLQueryString("""
            SELECT COUNT(*) AS n, CAST(SUM(amount_fen) AS BIGINT) AS total FROM temporary_cases c
            WHERE
            """) + SQLFragments.temporaryCaseInScope("c", scope) + " AND " + Self.grantMade(in: year)).first(decoding: Row.self)
        return (r?.n ?? 0, Money(fen: r?.total ?? 0))
    }

    public func events(of id: String) async throws -> [(seq: Int, event: TemporaryCaseEvent, actor: String, recordedAt: Date)] {
        struct Row: Decodable { var seq: Int; var payload: String; var actor: String; var recordedAt: Date }
        let t = Stored("temporary_case_events")
        return try await database.sql.select().columns("seq", "payload", "actor", "recorded_at").from("temporary_case_events")
            .where(SQLIdentifier("case_id"), .equal, id).orderBy("seq").all(decoding: Row.self, with: SQLSupport.decoder)
            .map { (seq: $0.seq, event: try t.json(TemporaryCaseEvent.self, "payload", $0.payload), actor: $0.actor, recordedAt: $0.recordedAt) }
    }

    /// Cases, open ones first by the nearest due date (paperwork after 先行救助, then the procedure).
    /// - Throws: `StoreError.unreadable` naming a stored value that does not parse.
    public func list(in scope: AccessScope, openOnly: Bool, householdID: String? = nil, limit: Int = 200) async throws -> [StoredTemporaryCase] {
        var q = Self.selectCases + " WHERE " + SQLFragments.temporaryCaseInScope("c", scope)
        if openOnly { q = q + SQLQueryString(" AND c.state NOT IN ('approved', 'refused')") }
        if let householdID { q = q + SQLQueryString(" AND c.household_id = \(bind: householdID)") }
        q = q + SQLQueryString(" ORDER BY c.accepted_on DESC, c.id LIMIT \(bind: limit)")
        let result = try await database.sql.raw(q).all(decoding: CaseRow.self, with: SQLSupport.decoder).map { try Self.map($0, Sealed(database)) }
        let never = CivilDate(year: 9999, month: 12, day: 31)!
        return result.sorted {
            ($0.temporaryCase.state.isOpen ? 0 : 1, $0.temporaryCase.paperworkDue ?? $0.deadline ?? never)
                < ($1.temporaryCase.state.isOpen ? 0 : 1, $1.temporaryCase.paperworkDue ?? $1.deadline ?? never)
        }
    }

    /// A case with where it was paid (the reserve's entry, the batch listing it), in one query.
    static let selectCases = SQLQueryString("""
        SELECT c.id, c.county_code, c.township_code, c.household_id, c.applicant_name, c.applicant_resident_id, c.hukou_place,
          c.area, c.snapshot, c.deadline, c.policy_version, c.trace, r.entry_date AS reserve_date, b.month AS batch_month,
          b.state AS batch_state
        FROM temporary_cases c
        LEFT JOIN reserve_fund_entries r ON r.temporary_case_id = c.id
        LEFT JOIN payroll_lines l ON l.temporary_case_id = c.id
        LEFT JOIN payroll_batches b ON b.id = l.batch_id
        """)

    struct CaseRow: Decodable {
        var id: String; var countyCode: String; var townshipCode: String; var householdId: String?; var applicantName: String
        var applicantResidentId: String; var hukouPlace: String?; var area: String; var snapshot: String; var deadline: String?
        var policyVersion: String?; var trace: String?; var reserveDate: String?; var batchMonth: Int?; var batchState: String?
    }

    static func map(_ r: CaseRow, _ sealed: Sealed) throws -> StoredTemporaryCase {
        let t = Stored("temporary_cases"), bt = Stored("payroll_batches")
        var batch: (month: YearMonth, state: PayrollState)?
        if let m = r.batchMonth, let st = r.batchState { batch = (try bt.month("month", m), try bt.parse("state", st)) }
        return StoredTemporaryCase(
            id: r.id, countyCode: r.countyCode, townshipCode: r.townshipCode, householdID: r.householdId,
            applicantName: r.applicantName, applicantResidentID: try sealed.residentID("temporary_cases", "applicant_resident_id", r.applicantResidentId, row: r.id),
            hukouPlace: r.hukouPlace, area: try t.parse("area", r.area),
            temporaryCase: try t.json(TemporaryCase.self, "snapshot", r.snapshot), deadline: try t.date("deadline", r.deadline),
            policyVersion: r.policyVersion, trace: try r.trace.map { try t.json([TraceLine].self, "trace", $0) } ?? [],
            paidFromReserveOn: try Stored("reserve_fund_entries").date("entry_date", r.reserveDate), payrollBatch: batch)
    }

    func load(_ id: String, on db: any Database) async throws -> StoredTemporaryCase {
        try await SQLSupport.lockRow("temporary_cases", id: id, on: db)
        guard let r = try await db.sql.raw(Self.selectCases + SQLQueryString(" WHERE c.id = \(bind: id)"))
            .first(decoding: CaseRow.self, with: SQLSupport.decoder)
        else { throw StoreError.notFound(what: "临时救助案件", id: id) }
        return try Self.map(r, Sealed(db))
    }

    func save(_ stored: StoredTemporaryCase, _ next: TemporaryCase, event: TemporaryCaseEvent, decision: BenefitDecision?,
              actor: String, on db: any Database) async throws {
        let sql = db.sql
        // The date the grant was made — paid first, else approved — or refused; the yearly cap counts a
        // grant by it, so paperwork completed in January leaves a December 先行救助 in December.
        let madeOn: CivilDate?
        switch next.state {
        case .assistedFirst, .approved: madeOn = next.assistedFirstOn ?? next.decidedOn
        case .refused: madeOn = next.decidedOn
        case .accepted, .countyReview: madeOn = nil
        }
        var update = sql.update("temporary_cases").set("state", to: next.state.rawValue)
            .set("snapshot", to: try SQLSupport.encode(next)).set("decided_on", to: madeOn?.description)
            .set("amount_fen", to: next.amount?.fen).set("payment", to: next.payment?.rawValue)
            .set("paperwork_due", to: next.paperworkDue?.description).set("updated_at", to: Date())
        if let decision {
            update = update.set("policy_version", to: decision.policyVersion).set("trace", to: try SQLSupport.encode(decision.trace))
                .set("household_size", to: decision.householdSize)
        }
        try await update.where(SQLIdentifier("id"), .equal, stored.id).run()
        struct Seq: Decodable { var n: Int? }
        let seq = (try await sql.raw("SELECT MAX(seq) AS n FROM temporary_case_events WHERE case_id = \(bind: stored.id)")
            .first(decoding: Seq.self)?.n ?? 0) + 1
        try await sql.insert(into: "temporary_case_events")
            .columns("id", "case_id", "seq", "kind", "payload", "actor", "recorded_at")
            .values(SQLSupport.newID(), stored.id, seq, event.chinese, try SQLSupport.encode(event), actor, Date()).run()
        try await audit(db, county: stored.countyCode, actor: actor, action: "temporary.\(next.state.rawValue)",
                        subject: stored.id, detail: event.chinese + " " + event.detail, householdID: stored.householdID)
    }
}
