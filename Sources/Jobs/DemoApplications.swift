import Domain
import FluentKit
import Foundation
import Persistence

/// Puts the demo county's applicant households at every stage of a programme's workflow (the demo runs
/// it for 低保), dated back from
/// `today`, so the application pages show real work: new, under investigation, in 公示, with an
/// objection, at the county, a close-relative case, an overdue one, a refusal and an approval.
public struct DemoApplications: Sendable {
    public let database: any Database
    public let today: CivilDate
    public let calendar: WorkCalendar
    /// The programme applied to: a household programme with the 审核确认 workflow.
    public let programme: Programme
    /// The demo county (its households' county code).
    public let countyCode: String

    public init(database: any Database, programme: Programme, countyCode: String, today: CivilDate, calendar: WorkCalendar = .china) {
        self.database = database
        self.countyCode = countyCode
        self.programme = programme
        self.today = today
        self.calendar = calendar
    }

    /// Creates the applications once; returns how many were created (0 when they already exist).
    public func load() async throws -> Int {
        let store = ApplicationStore(database, calendar: calendar, today: { [today] in today })
        guard try await store.list(in: .county(countyCode), openOnly: false, householdID: "demo-app-01").isEmpty else { return 0 }
        // Outside the bundled holiday calendar no deadline can be computed: leave the workflow empty.
        guard calendar.years.contains(today.year), calendar.years.contains(today.adding(days: -90).year) else { return 0 }
        @Sendable func day(_ offset: Int) -> CivilDate { today.adding(days: -offset) }
        func visit(_ offset: Int, county: Bool = false) -> HomeVisit {
            HomeVisit(date: day(offset), investigators: county ? ["县民政局 刘明", "县民政局 周华"] : ["乡镇 王强", "村委 李芳"],
                      findings: "实地查看住房、家电及生产资料，与申报一致")
        }
        let check = { (offset: Int) in
            ApplicationEvent.recordInformationCheck(on: day(offset), summary: "车辆、工商、不动产、公积金、存款核对无异常")
        }
        // (household, days since acceptance, close relative, steps as (event, days ago)); the approval
        // and the refusal are recorded last.
        let plans: [(String, Int, Bool, [ApplicationEvent])] = [
            ("demo-app-01", 1, false, []),
            ("demo-app-02", 6, false, [check(4)]),
            ("demo-app-03", 9, false, [check(7), .recordHomeVisit(visit(5))]),
            ("demo-app-04", 13, false, [check(11), .recordHomeVisit(visit(9)), .completeInvestigation(on: day(8))]),
            ("demo-app-05", 15, false, [check(13), .recordHomeVisit(visit(11)), .completeInvestigation(on: day(10)),
                                        .townshipReview(on: day(3), recommend: true, opinion: "家庭人均收入低于标准，拟纳入")]),
            ("demo-app-06", 20, false, [check(18), .recordHomeVisit(visit(16)), .completeInvestigation(on: day(15)),
                                        .townshipReview(on: day(6), recommend: true, opinion: "拟纳入"),
                                        .raiseObjection(on: day(4), note: "村民反映该户有营运车辆")]),
            ("demo-app-07", 26, false, [check(24), .recordHomeVisit(visit(22)), .completeInvestigation(on: day(21)),
                                        .townshipReview(on: day(18), recommend: true, opinion: "拟纳入"),
                                        .closePublicNotice(on: day(10))]),
            ("demo-app-08", 28, true, [check(26), .recordHomeVisit(visit(24)), .completeInvestigation(on: day(23)),
                                       .townshipReview(on: day(20), recommend: true, opinion: "拟纳入（近亲属备案户）"),
                                       .closePublicNotice(on: day(12))]),
            ("demo-app-09", 70, false, [check(65)]),
            ("demo-app-10", 40, false, [check(38), .recordHomeVisit(visit(36)), .completeInvestigation(on: day(35)),
                                        .townshipReview(on: day(33), recommend: true, opinion: "拟纳入"),
                                        .closePublicNotice(on: day(25))]),
            ("demo-app-11", 45, false, [check(43), .recordHomeVisit(visit(41)), .completeInvestigation(on: day(40)),
                                        .townshipReview(on: day(38), recommend: true, opinion: "拟纳入"),
                                        .closePublicNotice(on: day(30)), .recordCountyHomeVisit(visit(29, county: true))]),
            ("demo-app-12", 35, false, [check(33), .recordHomeVisit(visit(31)), .completeInvestigation(on: day(30)),
                                        .refuse(on: day(28), reason: "家庭月人均收入高于当地低保标准")]),
        ]
        // All of them in one transaction: a run cut short leaves none, and the next makes them all.
        let (programme, calendar, now) = (programme, calendar, today)
        return try await database.transaction { tx in
            let store = ApplicationStore(tx, calendar: calendar, today: { now })
            var created = 0
            for (household, accepted, closeRelative, steps) in plans {
                let id = try await store.open(householdID: household, programme: programme, acceptedOn: day(accepted),
                                              closeRelative: closeRelative, actor: "demo")
                for step in steps { try await store.record(step, on: id, actor: "demo") }
                if household == "demo-app-10" || household == "demo-app-11" {
                    try await store.approve(id, on: day(household == "demo-app-10" ? 20 : 27), actor: "demo")
                }
                created += 1
            }
            return created
        }
    }
}
