import Domain
import FluentKit
import Foundation
import SQLKit

/// A stored warning with its id and the household's head, for lists.
public struct StoredWarning: Hashable, Sendable {
    public var id: String
    public var warning: EarlyWarning
    public var headName: String
    public var referralID: String?
}

/// A stored referral with its id and where it came from.
public struct StoredReferral: Hashable, Sendable {
    public var id: String
    public var referral: Referral
    public var townshipCode: String
    public var householdID: String?
    public var personName: String
}

/// The loop on the dashboard (主动发现 → 动态监测 → 预警核实 → 救助帮扶 → 数据归集), as counts.
public struct MonitoringLoop: Hashable, Sendable {
    /// Households on the low-income register (enrolled 低保/特困 this month, and those registered).
    public var registered: [LowIncomeCategory: Int] = [:]
    public var raised = 0
    public var verified = 0
    public var helped = 0
    public var closed = 0
    public var overdue = 0
    public var openReferrals = 0
    public var overdueReferrals = 0

    public var registeredTotal: Int { registered.values.reduce(0, +) }
}

/// Low-income monitoring (rules.md §6; docs/adr/0025-monitoring.md): the register, early warnings through
/// verification to an outcome, referrals to other departments. Each step is a transaction with its audit entry.
public struct MonitoringStore: Sendable {
    let database: any Database
    let calendar: WorkCalendar
    let today: @Sendable () -> CivilDate

    public init(_ database: any Database, calendar: WorkCalendar = .china, today: @escaping @Sendable () -> CivilDate = { ChinaClock.today() }) {
        self.database = database
        self.calendar = calendar
        self.today = today
    }

    // MARK: Register

    /// Registers a household in a category that enrollments do not give (低保边缘, 刚性支出困难, 防返贫, 其他).
    /// A household already in the category is left as it is.
    /// - Throws: `MonitoringError.missing` for 低保/特困 (read from enrollments) or an empty note; `StoreError.notFound`.
    public func register(householdID: String, category: LowIncomeCategory, since: CivilDate, source: String, note: String,
                         actor: String) async throws {
        guard LowIncomeCategory.registered.contains(category) else { throw MonitoringError.missing("类别（低保、特困按在保记录统计）") }
        let note = try MonitoringError.text(note, "说明")
        guard since <= today(), since >= DatasetValues.earliest else { throw MonitoringError.badDate(since) }
        try await database.transaction { db in
            try await Self.register(householdID: householdID, category: category, since: since, source: source, note: note, actor: actor, on: db)
        }
    }

    static func register(householdID: String, category: LowIncomeCategory, since: CivilDate, source: String, note: String, actor: String,
                         on db: any Database) async throws {
        struct H: Decodable { var countyCode: String }
        guard let h = try await db.sql.raw("SELECT county_code FROM households WHERE id = \(bind: householdID)")
            .first(decoding: H.self, with: SQLSupport.decoder) else { throw StoreError.notFound(what: "家庭", id: householdID) }
        struct E: Decodable { var id: String }
        if try await db.sql.raw("SELECT id FROM low_income_households WHERE household_id = \(bind: householdID) AND category = \(bind: category.rawValue)")
            .first(decoding: E.self) != nil { return }
        try await db.sql.raw("""
            INSERT INTO low_income_households (id, county_code, household_id, category, source, since, note, registered_by, registered_at)
            VALUES (\(bind: SQLSupport.newID()), \(bind: h.countyCode), \(bind: householdID), \(bind: category.rawValue), \(bind: source),
                    \(bind: since.description), \(bind: note.trimmingWhitespace()), \(bind: actor), \(bind: Date()))
            """).run()
        try await audit(db, county: h.countyCode, actor: actor, action: "monitoring.register", subject: householdID,
                        detail: "\(category.rawValue) \(source)", householdID: householdID)
    }

    // MARK: Warnings

    /// Raises a warning about a household, assigned to its township, due by the policy's working days.
    /// - Throws: `StoreError.notFound`, `PolicyError`, `WorkCalendarError`, `MonitoringError.missing`.
    @discardableResult
    public func raise(householdID: String, source: WarningSource, detail: String, on date: CivilDate, actor: String) async throws -> String {
        let detail = try MonitoringError.text(detail, "预警情况")
        guard date <= today(), date >= DatasetValues.earliest else { throw MonitoringError.badDate(date) }
        return try await database.transaction { db in
            try await Self.raise(householdID: householdID, source: source, detail: detail, on: date, hitID: nil, actor: actor,
                                 calendar: calendar, on: db)!
        }
    }

    /// Raises a warning inside the caller's transaction; nil when the hit already raised one.
    static func raise(householdID: String, source: WarningSource, detail: String, on date: CivilDate, hitID: String?, actor: String,
                      calendar: WorkCalendar, on db: any Database) async throws -> String? {
        struct H: Decodable { var countyCode: String; var townshipCode: String }
        guard let h = try await db.sql.raw("SELECT county_code, township_code FROM households WHERE id = \(bind: householdID)")
            .first(decoding: H.self, with: SQLSupport.decoder) else { throw StoreError.notFound(what: "家庭", id: householdID) }
        if let hitID {
            struct W: Decodable { var id: String }
            if try await db.sql.raw("SELECT id FROM early_warnings WHERE hit_id = \(bind: hitID)").first(decoding: W.self) != nil { return nil }
        }
        let policy = try await PolicyStore(db).policy(region: h.countyCode, month: date.yearMonth).monitoring
        let w = try EarlyWarning(householdID: householdID, townshipCode: h.townshipCode, source: source, detail: detail.trimmingWhitespace(),
                                 raisedOn: date, policy: policy, calendar: calendar)
        let id = SQLSupport.newID()
        try await db.sql.raw("""
            INSERT INTO early_warnings (id, county_code, household_id, township_code, source, hit_id, detail, raised_on, due_on, stage,
              raised_by, updated_at)
            VALUES (\(bind: id), \(bind: h.countyCode), \(bind: householdID), \(bind: h.townshipCode), \(bind: source.rawValue), \(bind: hitID),
                    \(bind: w.detail), \(bind: date.description), \(bind: w.dueOn.description), \(bind: w.stage.rawValue), \(bind: actor), \(bind: Date()))
            """).run()
        try await audit(db, county: h.countyCode, actor: actor, action: "monitoring.warning", subject: id, detail: "\(source.rawValue) \(w.dueOn)",
                        householdID: householdID)
        return id
    }

    /// The township's verification visit.
    /// - Throws: `MonitoringError` (stage, investigators, dates), `MonitoringError.notFound`.
    public func verify(_ id: String, visit: HomeVisit, actor: String) async throws {
        try await step(id, actor: actor, action: "monitoring.verify") { w, _ in
            try w.verify(visit, today: today())
            return nil
        }
    }

    /// The outcome: assistance under a programme, a referral (created here, with its feedback deadline), or no need.
    /// - Throws: `MonitoringError`, `WorkCalendarError`.
    public func close(_ id: String, outcome: WarningOutcome, note: String, on date: CivilDate, actor: String) async throws {
        try await step(id, actor: actor, action: "monitoring.close") { w, db in
            try w.close(outcome, note: note, on: date, today: today())
            guard case .referral(let department) = outcome else { return nil }
            return try await Self.refer(householdID: w.householdID, personName: nil, townshipCode: w.townshipCode, department: department,
                                        request: "\(w.source.chinese)：\(w.detail)。\(note)", on: date, actor: actor, calendar: calendar, on: db)
        }
    }

    func step(_ id: String, actor: String, action: String,
              _ change: @escaping @Sendable (inout EarlyWarning, any Database) async throws -> String?) async throws {
        try await database.transaction { db in
            try await SQLSupport.lockRow("early_warnings", id: id, on: db)
            guard var (w, county) = try await Self.load(id, on: db) else { throw MonitoringError.notFound(id) }
            let referral = try await change(&w, db)
            try await db.sql.raw("""
                UPDATE early_warnings SET stage = \(bind: w.stage.rawValue), visit = \(bind: try w.visit.map(SQLSupport.encode)),
                  outcome = \(bind: try w.outcome.map(SQLSupport.encode)), outcome_note = \(bind: w.outcomeNote),
                  closed_on = \(bind: w.closedOn?.description), referral_id = COALESCE(referral_id, \(bind: referral)), updated_at = \(bind: Date())
                WHERE id = \(bind: id)
                """).run()
            try await audit(db, county: county, actor: actor, action: action, subject: id, detail: w.stage.rawValue, householdID: w.householdID)
        }
    }

    struct WarningRow: Decodable {
        var id: String; var countyCode: String; var householdId: String; var townshipCode: String; var source: String; var detail: String
        var raisedOn: String; var dueOn: String; var stage: String; var visit: String?; var outcome: String?; var outcomeNote: String?
        var closedOn: String?; var referralId: String?; var headName: String?
    }

    static let warningColumns: SQLQueryString = """
        SELECT w.id, w.county_code, w.household_id, w.township_code, w.source, w.detail, w.raised_on, w.due_on, w.stage, w.visit,
          w.outcome, w.outcome_note, w.closed_on, w.referral_id,
          (SELECT m.name FROM members m WHERE m.household_id = w.household_id AND m.relationship = 'head') AS head_name
        FROM early_warnings w JOIN households h ON h.id = w.household_id
        """

    static func map(_ r: WarningRow) throws -> StoredWarning {
        let t = Stored("early_warnings")
        var w = EarlyWarning(stored: r.householdId, townshipCode: r.townshipCode, source: try t.parse("source", r.source), detail: r.detail,
                             raisedOn: try t.date("raised_on", r.raisedOn), dueOn: try t.date("due_on", r.dueOn),
                             stage: try t.parse("stage", r.stage))
        w.visit = try r.visit.map { try t.json(HomeVisit.self, "visit", $0) }
        w.outcome = try r.outcome.map { try t.json(WarningOutcome.self, "outcome", $0) }
        w.outcomeNote = r.outcomeNote
        w.closedOn = try t.date("closed_on", r.closedOn)
        return StoredWarning(id: r.id, warning: w, headName: r.headName ?? "", referralID: r.referralId)
    }

    static func load(_ id: String, on db: any Database) async throws -> (EarlyWarning, String)? {
        guard let r = try await db.sql.raw(warningColumns + " WHERE w.id = \(bind: id)").first(decoding: WarningRow.self, with: SQLSupport.decoder)
        else { return nil }
        return (try map(r).warning, r.countyCode)
    }

    /// The warnings in `scope`: open ones first (by deadline), then the latest closed.
    public func warnings(in scope: AccessScope, limit: Int = 300) async throws -> [StoredWarning] {
        try await database.sql.raw(Self.warningColumns + " WHERE " + SQLFragments.inScope("h", scope)
                                   + " ORDER BY CASE WHEN w.stage = 'closed' THEN 1 ELSE 0 END, w.due_on, w.id LIMIT \(bind: limit)")
            .all(decoding: WarningRow.self, with: SQLSupport.decoder).map(Self.map)
    }

    // MARK: Referrals

    /// 一门受理: the township window refers a request to a department, with a feedback deadline.
    /// - Throws: `MonitoringError.missing`, `StoreError.notFound` (a household not found), `WorkCalendarError`.
    @discardableResult
    public func refer(householdID: String?, personName: String?, townshipCode: String, department: Department, request: String,
                      on date: CivilDate, actor: String) async throws -> String {
        guard date <= today() else { throw MonitoringError.badDate(date) }
        return try await database.transaction { db in
            try await Self.refer(householdID: householdID, personName: personName, townshipCode: townshipCode, department: department,
                                 request: request, on: date, actor: actor, calendar: calendar, on: db)
        }
    }

    static func refer(householdID: String?, personName: String?, townshipCode: String, department: Department, request: String,
                      on date: CivilDate, actor: String, calendar: WorkCalendar, on db: any Database) async throws -> String {
        // A township's code, not a village's (the pages check it against the county's divisions).
        guard let township = DivisionCode(townshipCode), township.townshipCode == township else {
            throw StoreError.notFound(what: "乡镇", id: townshipCode)
        }
        var name = personName?.trimmingWhitespace() ?? ""
        if let householdID {
            struct H: Decodable { var headName: String }
            guard let h = try await db.sql.raw("""
                SELECT m.name AS head_name FROM households h JOIN members m ON m.household_id = h.id AND m.relationship = 'head'
                WHERE h.id = \(bind: householdID) AND h.township_code = \(bind: township.value)
                """).first(decoding: H.self, with: SQLSupport.decoder) else { throw StoreError.notFound(what: "本乡镇家庭", id: householdID) }
            if name.isEmpty { name = h.headName }
        }
        guard !name.isEmpty else { throw MonitoringError.missing("求助人姓名") }
        let policy = try await PolicyStore(db).policy(region: township.countyCode, month: date.yearMonth).monitoring
        let r = try Referral(department: department, request: request, referredOn: date, policy: policy, calendar: calendar)
        let id = SQLSupport.newID()
        try await db.sql.raw("""
            INSERT INTO referrals (id, county_code, township_code, household_id, person_name, department, request, referred_on, feedback_due,
              referred_by, updated_at)
            VALUES (\(bind: id), \(bind: township.countyCode), \(bind: township.value), \(bind: householdID), \(bind: name),
                    \(bind: department.rawValue), \(bind: r.request), \(bind: date.description), \(bind: r.feedbackDue.description), \(bind: actor),
                    \(bind: Date()))
            """).run()
        try await audit(db, county: township.countyCode, actor: actor, action: "monitoring.refer", subject: id,
                        detail: "\(department.rawValue) \(r.feedbackDue)", householdID: householdID)
        return id
    }

    /// The department's feedback closes the referral.
    /// - Throws: `MonitoringError`.
    public func closeReferral(_ id: String, feedback: String, on date: CivilDate, actor: String) async throws {
        try await database.transaction { db in
            try await SQLSupport.lockRow("referrals", id: id, on: db)
            guard var r = try await Self.referrals(where: "r.id = \(bind: id)", on: db.sql).first else { throw MonitoringError.notFound(id) }
            try r.referral.close(feedback: feedback, on: date, today: today())
            try await db.sql.raw("""
                UPDATE referrals SET feedback = \(bind: r.referral.feedback), closed_on = \(bind: date.description), updated_at = \(bind: Date())
                WHERE id = \(bind: id)
                """).run()
            try await audit(db, county: String(r.townshipCode.prefix(6)), actor: actor, action: "monitoring.referral-feedback", subject: id,
                            detail: r.referral.department.rawValue, householdID: r.householdID)
        }
    }

    /// Referrals of `scope` (a village sees its households'), open first by feedback deadline.
    public func referrals(in scope: AccessScope, limit: Int = 300) async throws -> [StoredReferral] {
        try await Self.referrals(where: "(" + SQLFragments.temporaryCaseInScope("r", scope) + ")", limit: limit, on: database.sql)
    }

    static func referrals(where condition: SQLQueryString, limit: Int = 300, on sql: any SQLDatabase) async throws -> [StoredReferral] {
        struct Row: Decodable {
            var id: String; var townshipCode: String; var householdId: String?; var personName: String; var department: String
            var request: String; var referredOn: String; var feedbackDue: String; var feedback: String?; var closedOn: String?
        }
        let t = Stored("referrals")
        return try await sql.raw("""
            SELECT r.id, r.township_code, r.household_id, r.person_name, r.department, r.request, r.referred_on, r.feedback_due, r.feedback,
              r.closed_on
            FROM referrals r LEFT JOIN households h ON h.id = r.household_id WHERE
            """ + " " + condition + " ORDER BY CASE WHEN r.closed_on IS NULL THEN 0 ELSE 1 END, r.feedback_due, r.id LIMIT \(bind: limit)")
            .all(decoding: Row.self, with: SQLSupport.decoder).map { r in
                var referral = Referral(stored: try t.parse("department", r.department), request: r.request,
                                        referredOn: try t.date("referred_on", r.referredOn), feedbackDue: try t.date("feedback_due", r.feedbackDue))
                referral.feedback = r.feedback
                referral.closedOn = try t.date("closed_on", r.closedOn)
                return StoredReferral(id: r.id, referral: referral, townshipCode: r.townshipCode, householdID: r.householdId, personName: r.personName)
            }
    }

    // MARK: The loop

    /// The register and the loop's counts in `scope`, with what is overdue on `today`.
    public func loop(in scope: AccessScope, month: YearMonth) async throws -> MonitoringLoop {
        var loop = MonitoringLoop()
        let sql = database.sql
        struct N: Decodable { var k: String; var n: Int }
        for r in try await sql.raw("SELECT e.programme AS k, COUNT(DISTINCT e.household_id) AS n FROM enrollments e JOIN households h ON h.id = e.household_id WHERE "
                                   + SQLFragments.inScope("h", scope)
                                   + " AND e.programme IN (\(binds: LowIncomeCategory.allCases.compactMap { $0.programme?.rawValue })) AND "
                                   + SQLFragments.active("e", in: month) + " GROUP BY e.programme").all(decoding: N.self) {
            if let c = LowIncomeCategory.allCases.first(where: { $0.programme?.rawValue == r.k }) { loop.registered[c] = r.n }
        }
        for r in try await sql.raw("SELECT l.category AS k, COUNT(*) AS n FROM low_income_households l JOIN households h ON h.id = l.household_id WHERE "
                                   + SQLFragments.inScope("h", scope) + " GROUP BY l.category").all(decoding: N.self) {
            loop.registered[try Stored("low_income_households").parse("category", r.k) as LowIncomeCategory] = r.n
        }
        let day = today()
        for s in try await warnings(in: scope, limit: 100_000) {
            loop.raised += 1
            if s.warning.stage != .raised { loop.verified += 1 }
            if s.warning.stage == .closed {
                loop.closed += 1
                if s.warning.outcome != .noNeed { loop.helped += 1 }
            }
            if s.warning.isOverdue(on: day) { loop.overdue += 1 }
        }
        for r in try await referrals(in: scope, limit: 100_000) where r.referral.closedOn == nil {
            loop.openReferrals += 1
            if r.referral.isOverdue(on: day) { loop.overdueReferrals += 1 }
        }
        return loop
    }
}
