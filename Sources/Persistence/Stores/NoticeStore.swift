import Domain
import FluentKit
import Foundation
import SQLKit

/// What a 公示 lists (DB-2021 Arts. 19, 24): the lines of one application in its notice period, the
/// applications of a village in theirs, and the recipients of a village in a month. Lines carry only a name,
/// a household size and an amount (`NoticeLine`).
public struct NoticeStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    /// The notice line of an application that has reached its 公示, with the period, or nil before the
    /// township's opinion (or after an objection sent it back, until the new notice).
    /// The amount is what the household as registered now would get from the month after the notice began;
    /// — (nil) when it cannot be assessed yet or the township proposes refusal.
    public func line(of stored: StoredApplication) async throws -> (line: NoticeLine, start: CivilDate, end: CivilDate, householdID: String)? {
        let a = stored.application
        guard let start = a.noticeStart, ![.townshipReview, .accepted, .investigating].contains(a.state),
              let household = try await RegistryStore(database).household(stored.householdID) else { return nil }
        let policy = try await PolicyStore(database).policy(region: stored.countyCode, month: start.yearMonth)
        guard let end = a.noticeEnd(policy: policy) else { return nil }
        let subject = try await stored.memberID.asyncMap { try await RegistryStore(database).residentID(ofMember: $0) }
        let name = subject.flatMap { id in household.composition.members.first { $0.residentID == id } }?.name ?? household.head.name
        let proposal = try? stored.programme.rules()
            .assess(AssessmentInput(household: household.composition, month: start.yearMonth.next, subject: subject), policy: policy)
        let recommends = a.townshipRecommends != false
        let line = NoticeLine(name: name, householdSize: proposal?.householdSize ?? (subject == nil ? household.composition.countedMembers.count : 1),
                              monthlyAmount: proposal.flatMap { $0.eligible && recommends ? $0.monthlyBenefit : nil },
                              opinion: recommends ? "拟纳入" : "拟不纳入")
        return (line, start, end, household.id)
    }

    /// The applications of `programme` in `village` whose 公示 runs on `day`, with the earliest start and
    /// the latest end among them (one sheet for the village board).
    public func review(programme: Programme, village: DivisionCode, on day: CivilDate) async throws -> (lines: [NoticeLine], start: CivilDate, end: CivilDate)? {
        struct Row: Decodable { var id: String }
        let ids = try await database.sql.raw("""
            SELECT a.id FROM applications a JOIN households h ON h.id = a.household_id
            WHERE h.village_code = \(bind: village.value) AND a.programme = \(bind: programme.rawValue) AND a.state = 'publicNotice'
            ORDER BY a.id
            """).all(decoding: Row.self)
        let store = ApplicationStore(database)
        var lines: [NoticeLine] = []
        var start: CivilDate?, end: CivilDate?
        for r in ids {
            guard let l = try await line(of: try await store.application(r.id)), l.start <= day, day <= l.end else { continue }
            lines.append(l.line)
            start = min(start ?? l.start, l.start)
            end = max(end ?? l.end, l.end)
        }
        guard let start, let end else { return nil }
        return (lines, start, end)
    }

    /// 长期公示: the recipients of `programme` in `village` in force in `month` — for a household programme
    /// the head's name and the decided household size, for a member-level one the member's name and 1 — with
    /// the decided monthly amount.
    public func standing(programme: Programme, village: DivisionCode, month: YearMonth) async throws -> [NoticeLine] {
        struct Row: Decodable { var name: String; var householdSize: Int; var monthlyBenefitFen: Int64; var memberId: String? }
        return try await database.sql.raw("""
            SELECT COALESCE(m.name, (SELECT hm.name FROM members hm WHERE hm.household_id = e.household_id AND hm.relationship = 'head')) AS name,
              e.household_size, e.monthly_benefit_fen, e.member_id
            FROM enrollments e JOIN households h ON h.id = e.household_id LEFT JOIN members m ON m.id = e.member_id
            WHERE h.village_code = \(bind: village.value) AND e.programme = \(bind: programme.rawValue) AND
            """ + SQLFragments.active("e", in: month) + " ORDER BY e.household_id, e.id")
            .all(decoding: Row.self, with: SQLSupport.decoder).map {
                NoticeLine(name: $0.name, householdSize: $0.memberId == nil ? $0.householdSize : 1, monthlyAmount: Money(fen: $0.monthlyBenefitFen))
            }
    }
}
