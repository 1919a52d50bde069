import Domain
import FluentKit
import Foundation
import SQLKit

/// A stored complaint with its id.
public struct StoredComplaint: Hashable, Sendable {
    public var id: String
    public var complaint: Complaint
}

/// 投诉举报 (DB-2021 Arts. 36–37): received, assigned to a township with a deadline, investigated, answered to
/// a real-name reporter, closed. A complaint about an application under review is recorded on it and the
/// county's own home visit becomes required (Art. 20 ¶2). The reporter is sealed at rest.
public struct ComplaintStore: Sendable {
    let database: any Database
    let calendar: WorkCalendar
    let today: @Sendable () -> CivilDate

    public init(_ database: any Database, calendar: WorkCalendar = .china, today: @escaping @Sendable () -> CivilDate = { ChinaClock.today() }) {
        self.database = database
        self.calendar = calendar
        self.today = today
    }

    /// Receives a complaint. With an application, its household and township are the application's, and the
    /// application, if still under review, records it (the county visit becomes required).
    /// - Throws: `MonitoringError`, `StoreError.notFound`, `WorkCalendarError`, `WorkflowError`.
    @discardableResult
    public func receive(channel: ComplaintChannel, on date: CivilDate, reporter: Reporter?, content: String, townshipCode: String,
                        householdID: String?, applicationID: String?, actor: String) async throws -> String {
        guard date <= today() else { throw MonitoringError.badDate(date) }
        return try await database.transaction { db in
            var township = townshipCode
            var household = householdID
            if let applicationID {
                struct A: Decodable { var householdId: String; var townshipCode: String }
                guard let a = try await db.sql.raw("""
                    SELECT a.household_id, h.township_code FROM applications a JOIN households h ON h.id = a.household_id WHERE a.id = \(bind: applicationID)
                    """).first(decoding: A.self, with: SQLSupport.decoder) else { throw StoreError.notFound(what: "申请", id: applicationID) }
                household = a.householdId
                township = a.townshipCode
            } else if let householdID {
                struct H: Decodable { var townshipCode: String }
                guard let h = try await db.sql.raw("SELECT township_code FROM households WHERE id = \(bind: householdID)")
                    .first(decoding: H.self, with: SQLSupport.decoder) else { throw StoreError.notFound(what: "家庭", id: householdID) }
                township = h.townshipCode
            }
            guard let code = DivisionCode(township) else { throw StoreError.notFound(what: "乡镇", id: township) }
            let policy = try await PolicyStore(db).policy(region: code.countyCode, month: date.yearMonth).monitoring
            let c = try Complaint(channel: channel, receivedOn: date, reporter: reporter, content: content, townshipCode: code.value,
                                  householdID: household, applicationID: applicationID, policy: policy, calendar: calendar)
            let id = SQLSupport.newID()
            let sealed = try Sealed(db)
            try await db.sql.raw("""
                INSERT INTO complaints (id, county_code, township_code, household_id, application_id, channel, received_on, reporter, content,
                  due_on, stage, received_by, updated_at)
                VALUES (\(bind: id), \(bind: code.countyCode), \(bind: code.value), \(bind: household), \(bind: applicationID),
                        \(bind: channel.rawValue), \(bind: date.description), \(bind: try sealed.seal(record: try reporter.map(SQLSupport.encode))),
                        \(bind: c.content), \(bind: c.dueOn.description), \(bind: c.stage.rawValue), \(bind: actor), \(bind: Date()))
                """).run()
            try await audit(db, county: code.countyCode, actor: actor, action: "complaint.receive", subject: id,
                            detail: "\(channel.rawValue) \(reporter == nil ? "anonymous" : "real-name") \(c.dueOn)", householdID: household)
            if let applicationID {
                struct S: Decodable { var state: String }
                let state = try await db.sql.raw("SELECT state FROM applications WHERE id = \(bind: applicationID)").first(decoding: S.self)!.state
                if ApplicationState(rawValue: state)?.isOpen == true {
                    _ = try await ApplicationStore(db, today: today).record(.registerComplaint(on: date, note: "\(channel.chinese)投诉举报（\(id.prefix(8))）"),
                                                                              on: applicationID, actor: actor, in: db)
                }
            }
            return id
        }
    }

    public func investigate(_ id: String, text: String, finding: ComplaintFinding, on date: CivilDate, actor: String) async throws {
        try await step(id, actor: actor, action: "complaint.investigate") { try $0.investigate(text, finding: finding, on: date, today: today()) }
    }

    public func answer(_ id: String, text: String, on date: CivilDate, actor: String) async throws {
        try await step(id, actor: actor, action: "complaint.answer") { try $0.answer(text, on: date, today: today()) }
    }

    public func close(_ id: String, outcome: String, on date: CivilDate, actor: String) async throws {
        try await step(id, actor: actor, action: "complaint.close") { try $0.close(outcome, on: date, today: today()) }
    }

    func step(_ id: String, actor: String, action: String, _ change: @escaping @Sendable (inout Complaint) throws -> Void) async throws {
        try await database.transaction { db in
            try await SQLSupport.lockRow("complaints", id: id, on: db)
            guard var c = try await Self.complaints(where: "c.id = \(bind: id)", on: db).first?.complaint else { throw MonitoringError.notFound(id) }
            try change(&c)
            try await db.sql.raw("""
                UPDATE complaints SET stage = \(bind: c.stage.rawValue), investigation = \(bind: c.investigation), finding = \(bind: c.finding?.rawValue),
                  investigated_on = \(bind: c.investigatedOn?.description), reply = \(bind: c.reply), replied_on = \(bind: c.repliedOn?.description),
                  outcome = \(bind: c.outcome), closed_on = \(bind: c.closedOn?.description), updated_at = \(bind: Date())
                WHERE id = \(bind: id)
                """).run()
            try await audit(db, county: String(c.townshipCode.prefix(6)), actor: actor, action: action, subject: id, detail: c.stage.rawValue,
                            householdID: c.householdID)
        }
    }

    /// The complaints of `scope` (its townships' and its households'), open first by deadline.
    public func complaints(in scope: AccessScope, limit: Int = 300) async throws -> [StoredComplaint] {
        try await Self.complaints(where: "(" + SQLFragments.temporaryCaseInScope("c", scope) + ")", limit: limit, on: database)
    }

    static func complaints(where condition: SQLQueryString, limit: Int = 300, on db: any Database) async throws -> [StoredComplaint] {
        struct Row: Decodable {
            var id: String; var townshipCode: String; var householdId: String?; var applicationId: String?; var channel: String
            var receivedOn: String; var reporter: String?; var content: String; var dueOn: String; var stage: String; var investigation: String?
            var finding: String?; var investigatedOn: String?; var reply: String?; var repliedOn: String?; var outcome: String?; var closedOn: String?
        }
        let t = Stored("complaints")
        let sealed = try Sealed(db)
        return try await db.sql.raw("""
            SELECT c.id, c.township_code, c.household_id, c.application_id, c.channel, c.received_on, c.reporter, c.content, c.due_on, c.stage,
              c.investigation, c.finding, c.investigated_on, c.reply, c.replied_on, c.outcome, c.closed_on
            FROM complaints c LEFT JOIN households h ON h.id = c.household_id WHERE
            """ + " " + condition + " ORDER BY CASE WHEN c.stage = 'closed' THEN 1 ELSE 0 END, c.due_on, c.id LIMIT \(bind: limit)")
            .all(decoding: Row.self, with: SQLSupport.decoder).map { r in
                let reporter = try r.reporter.map { try sealed.json(Reporter.self, "complaints", "reporter", $0, row: r.id) }
                var c = Complaint(stored: try t.parse("channel", r.channel), receivedOn: try t.date("received_on", r.receivedOn), reporter: reporter,
                                  content: r.content, townshipCode: r.townshipCode, householdID: r.householdId, applicationID: r.applicationId,
                                  dueOn: try t.date("due_on", r.dueOn), stage: try t.parse("stage", r.stage))
                c.investigation = r.investigation
                c.finding = try t.parse("finding", r.finding)
                c.investigatedOn = try t.date("investigated_on", r.investigatedOn)
                c.reply = r.reply
                c.repliedOn = try t.date("replied_on", r.repliedOn)
                c.outcome = r.outcome
                c.closedOn = try t.date("closed_on", r.closedOn)
                return StoredComplaint(id: r.id, complaint: c)
            }
    }
}
