import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing

/// 投诉举报 (DB-2021 Arts. 20, 36–37): a complaint during the 公示 makes the county visit required; a real-name
/// reporter is answered before the complaint closes; the reporter is sealed at rest.
@Suite struct ComplaintTests {
    let d = Fixtures.date

    @Test func aComplaintDuringTheNoticeNeedsTheCountyVisit() async throws {
        try await withTestDatabase { handle async throws in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let apps = ApplicationStore(handle.db, today: { Fixtures.date("2021-07-20") })
            let app = try await apps.open(householdID: "h01", programme: .dibao, acceptedOn: d("2021-07-01"), closeRelative: false, actor: "t")
            try await apps.record(.recordInformationCheck(on: d("2021-07-02"), summary: "无异常"), on: app, actor: "t")
            try await apps.record(.recordHomeVisit(HomeVisit(date: d("2021-07-05"), investigators: ["王", "李"], findings: "属实")), on: app, actor: "t")
            try await apps.record(.completeInvestigation(on: d("2021-07-06")), on: app, actor: "t")
            try await apps.record(.townshipReview(on: d("2021-07-07"), recommend: true, opinion: "拟纳入"), on: app, actor: "t")
            let store = ComplaintStore(handle.db, today: { Fixtures.date("2021-07-20") })
            let id = try await store.receive(channel: .phone, on: d("2021-07-09"), reporter: Reporter(name: "邻居甲", contact: "13800000000"),
                                             content: "该户儿子在外务工收入较高", townshipCode: "510921100000", householdID: nil, applicationID: app,
                                             actor: "clerk")
            // Assigned to the application's township, due 15 working days later.
            let c = try #require(try await store.complaints(in: .county("510921")).first)
            #expect((c.complaint.townshipCode, c.complaint.householdID, c.complaint.dueOn) == ("510921112000", "h01", d("2021-07-30")))
            #expect(try await apps.application(app).application.complaintReceived == true)
            try await apps.record(.closePublicNotice(on: d("2021-07-14")), on: app, actor: "t")
            await #expect(throws: WorkflowError.countyVisitRequired) { try await apps.approve(app, on: d("2021-07-20"), actor: "county") }
            // Closing needs the investigation and, for a real-name reporter, the answer first.
            await #expect(throws: MonitoringError.missing("调查情况")) { try await store.close(id, outcome: "x", on: d("2021-07-15"), actor: "t") }
            try await store.investigate(id, text: "儿子已分户，不共同生活", finding: .unsubstantiated, on: d("2021-07-15"), actor: "t")
            await #expect(throws: MonitoringError.missing("向实名举报人反馈结果（民发〔2021〕57号 第37条）")) {
                try await store.close(id, outcome: "维持", on: d("2021-07-16"), actor: "t")
            }
            try await store.answer(id, text: "经核查，所反映情况不属实", on: d("2021-07-16"), actor: "t")
            await #expect(throws: MonitoringError.alreadyRecorded("向举报人反馈")) {
                try await store.answer(id, text: "再次", on: d("2021-07-16"), actor: "t")
            }
            try await store.close(id, outcome: "维持初审意见", on: d("2021-07-16"), actor: "t")
            await #expect(throws: MonitoringError.alreadyClosed) { try await store.close(id, outcome: "再次", on: d("2021-07-16"), actor: "t") }
            try await apps.record(.recordCountyHomeVisit(HomeVisit(date: d("2021-07-19"), investigators: ["县甲", "县乙"], findings: "属实")),
                                  on: app, actor: "county")
            #expect(try await apps.approve(app, on: d("2021-07-20"), actor: "county").monthlyBenefit.yuanString == "900.00")
            // The reporter is sealed at rest.
            struct R: Decodable { var reporter: String }
            let stored = try await (handle.db as! any SQLDatabase).raw("SELECT reporter FROM complaints").first(decoding: R.self)
            #expect(stored?.reporter.hasPrefix("e1:") == true)
            #expect(stored?.reporter.contains("邻居甲") == false)
        }
    }

    @Test func anAnonymousReportIsNotAnswered() async throws {
        try await withTestDatabase { handle async throws in
            let store = ComplaintStore(handle.db, today: { Fixtures.date("2021-07-20") })
            await #expect(throws: MonitoringError.missing("实名举报人的姓名和联系方式（用于反馈结果）")) {
                try await store.receive(channel: .letter, on: d("2021-07-09"), reporter: Reporter(name: "某", contact: " "), content: "x",
                                        townshipCode: "510921112000", householdID: nil, applicationID: nil, actor: "t")
            }
            let id = try await store.receive(channel: .letter, on: d("2021-07-09"), reporter: nil, content: "村干部优亲厚友",
                                             townshipCode: "510921112000", householdID: nil, applicationID: nil, actor: "t")
            try await store.investigate(id, text: "已核查", finding: .partly, on: d("2021-07-12"), actor: "t")
            await #expect(throws: MonitoringError.missing("实名举报人（匿名举报无需反馈）")) {
                try await store.answer(id, text: "x", on: d("2021-07-12"), actor: "t")
            }
            try await store.close(id, outcome: "责令整改", on: d("2021-07-13"), actor: "t")
            let c = try #require(try await store.complaints(in: .county("510921")).first)
            #expect((c.complaint.stage, c.complaint.finding, c.complaint.outcome) == (.closed, .partly, "责令整改"))
        }
    }
}
