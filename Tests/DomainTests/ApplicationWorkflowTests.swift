import Testing
@testable import Domain

@Suite struct ApplicationWorkflowTests {
    let policy = Policy.pengxi2021
    let calendar = WorkCalendar.china
    let today = CivilDate(year: 2021, month: 12, day: 31)!

    func date(_ s: String) -> CivilDate { try! CivilDate(parsing: s) }
    func visit(_ d: String, _ names: [String] = ["王调查", "李调查"]) -> HomeVisit {
        HomeVisit(date: date(d), investigators: names, findings: "住房简陋，无车辆")
    }

    func run(_ events: [ApplicationEvent], closeRelative: Bool = false) throws -> AssistanceApplication {
        var a = AssistanceApplication(acceptedOn: date("2021-07-01"), closeRelative: closeRelative)
        for e in events { a = try ApplicationWorkflow.apply(e, to: a, policy: policy, calendar: calendar, today: today) }
        return a
    }

    var happyPath: [ApplicationEvent] {
        [
            .recordInformationCheck(on: date("2021-07-02"), summary: "无车辆、无工商登记"),
            .recordHomeVisit(visit("2021-07-05")),
            .completeInvestigation(on: date("2021-07-06")),
            .townshipReview(on: date("2021-07-07"), recommend: true, opinion: "拟纳入"),
            .closePublicNotice(on: date("2021-07-14")),
            .approve(on: date("2021-07-20"), monthlyBenefit: .yuan(900)),
        ]
    }

    @Test func happyPathPaysFromTheNextMonth() throws {
        let a = try run(happyPath)
        #expect(a.state == .approved)
        #expect(a.firstPaidMonth?.description == "2021-08")
        #expect(try a.deadline(rules: DibaoRules(), policy: policy, calendar: calendar)?.description == "2021-08-12")
    }

    @Test func outOfOrderStepsAreRefused() throws {
        #expect(throws: WorkflowError.outOfOrder(event: "县级确认纳入", state: .accepted)) {
            try run([.approve(on: date("2021-07-02"), monthlyBenefit: .yuan(100))])
        }
        #expect(throws: WorkflowError.missing("入户调查记录")) {
            try run([.recordInformationCheck(on: date("2021-07-02"), summary: "ok"),
                     .completeInvestigation(on: date("2021-07-03"))])
        }
    }

    @Test func oneInvestigatorIsNotEnough() {
        #expect(throws: WorkflowError.tooFewInvestigators(1)) {
            try run([.recordHomeVisit(visit("2021-07-05", ["王调查", " 王调查 "]))])
        }
    }

    @Test func noticeRunsSevenDays() throws {
        var events = Array(happyPath.prefix(4))
        events.append(.closePublicNotice(on: date("2021-07-13")))  // 07-07 … 07-13 is the 7th day
        #expect(throws: WorkflowError.noticeNotOver(ends: date("2021-07-13"))) { try run(events) }
    }

    @Test func closeRelativeNeedsCountyVisit() throws {
        #expect(throws: WorkflowError.countyVisitRequired) { try run(happyPath, closeRelative: true) }
        var events = Array(happyPath.prefix(5))
        events.append(.recordCountyHomeVisit(visit("2021-07-16", ["县民政局甲", "县民政局乙"])))
        events.append(happyPath[5])
        #expect(try run(events, closeRelative: true).state == .approved)
    }

    @Test func objectionLeadsToDeliberationAndAnotherNotice() throws {
        var events = Array(happyPath.prefix(4))
        events += [
            .raiseObjection(on: date("2021-07-09"), note: "邻居反映家中有车"),
            .resolveObjection(on: date("2021-07-12"), by: .villageDeliberation, note: "评议认定车辆为残疾人代步车"),
            .townshipReview(on: date("2021-07-13"), recommend: true, opinion: "维持拟纳入"),
            .closePublicNotice(on: date("2021-07-20")),
        ]
        let a = try run(events)
        #expect(a.state == .countyReview)
        #expect(a.objectionResolutions == [.villageDeliberation])
        // An objection is a ground for the 45-working-day limit (DB-2021 Art. 22).
        #expect(try a.deadline(rules: DibaoRules(), policy: policy, calendar: calendar)?.description == "2021-09-02")
    }

    @Test func datesMustBeInOrderAndNotInTheFuture() throws {
        #expect(throws: WorkflowError.dateInFuture(date("2022-01-04"), today: today)) {
            try run([.recordInformationCheck(on: date("2022-01-04"), summary: "ok")])
        }
        #expect(throws: WorkflowError.dateBefore(date("2021-06-30"), what: "受理日期", earlier: date("2021-07-01"))) {
            try run([.recordHomeVisit(visit("2021-06-30"))])
        }
        // Approval before the 公示 was closed.
        var events = Array(happyPath.prefix(5))
        events.append(.approve(on: date("2021-07-13"), monthlyBenefit: .yuan(900)))
        #expect(throws: WorkflowError.self) { try run(events) }
        // Investigation completed before the information check came back.
        #expect(throws: WorkflowError.self) {
            try run([.recordInformationCheck(on: date("2021-07-08"), summary: "ok"), .recordHomeVisit(visit("2021-07-05")),
                     .completeInvestigation(on: date("2021-07-06"))])
        }
        // An objection after the notice period ended.
        var late = Array(happyPath.prefix(4))
        late.append(.raiseObjection(on: date("2021-07-20"), note: "迟到的意见"))
        #expect(throws: WorkflowError.objectionAfterNotice(ends: date("2021-07-13"))) { try run(late) }
    }

    @Test func deadlineIsExtendedOnce() throws {
        #expect(throws: WorkflowError.alreadyExtended("人户分离")) {
            try run([.extendDeadline(reason: "人户分离"), .extendDeadline(reason: "调查难度大")])
        }
    }

    @Test func refusalNoticeDueInThreeWorkingDays() throws {
        let a = try run([.refuse(on: date("2021-09-30"), reason: "家庭人均收入高于标准")])
        #expect(a.state == .refused)
        #expect(a.refusalNoticeDue?.description == "2021-10-11")  // 10-08, 10-09 (make-up), 10-11
    }

    /// The written notice's delivery is recorded once, not before the decision; until then it is the step
    /// the refused application waits on (3 WD, DB-2021 Art. 21).
    @Test func refusalNoticeDeliveryIsRecordedOnce() throws {
        let refused = try run([.refuse(on: date("2021-09-30"), reason: "家庭人均收入高于标准")])
        #expect(ApplicationWorkflow.nextSteps(for: refused) == ["deliverRefusalNotice"])
        let step = DibaoRules().stepDeadline(refused, policy: policy, calendar: calendar)
        #expect(step?.step == "书面告知不予纳入理由")
        #expect(step?.due?.description == "2021-10-11")
        #expect(throws: WorkflowError.dateBefore(date("2021-09-29"), what: "不予纳入决定日期", earlier: date("2021-09-30"))) {
            try run([.refuse(on: date("2021-09-30"), reason: "家庭人均收入高于标准"), .deliverRefusalNotice(on: date("2021-09-29"))])
        }
        let delivered = try run([.refuse(on: date("2021-09-30"), reason: "家庭人均收入高于标准"), .deliverRefusalNotice(on: date("2021-10-08"))])
        #expect(delivered.refusalNoticeDeliveredOn == date("2021-10-08"))
        #expect(ApplicationWorkflow.nextSteps(for: delivered).isEmpty)
        #expect(DibaoRules().stepDeadline(delivered, policy: policy, calendar: calendar) == nil)
        #expect(throws: WorkflowError.alreadyRecorded(what: "不予纳入通知书送达", on: date("2021-10-08"))) {
            try run([.refuse(on: date("2021-09-30"), reason: "家庭人均收入高于标准"), .deliverRefusalNotice(on: date("2021-10-08")),
                     .deliverRefusalNotice(on: date("2021-10-09"))])
        }
        #expect(throws: WorkflowError.outOfOrder(event: "登记不予纳入通知书送达", state: .accepted)) {
            try run([.deliverRefusalNotice(on: date("2021-10-08"))])
        }
    }

    /// Every §1.7 step has its own deadline: the investigation starts within 3 WD of acceptance, the county
    /// decides within 10 WD of the 公示's close; 特困's township 15 WD; past the calendar, the latest date.
    @Test func stepDeadlines() throws {
        let calendar = WorkCalendar.china
        let policy = Policy.pengxi2021
        var a = AssistanceApplication(acceptedOn: try CivilDate(parsing: "2021-07-01"), closeRelative: false)
        let start = try #require(DibaoRules().stepDeadline(a, policy: policy, calendar: calendar))
        #expect(start.step == "启动家庭经济状况调查")
        #expect(start.due == (try CivilDate(parsing: "2021-07-06")))
        #expect(start.overdue(today: try CivilDate(parsing: "2021-07-07")))
        #expect(!start.overdue(today: try CivilDate(parsing: "2021-07-06")))
        #expect(TekunRules().stepDeadline(a, policy: policy, calendar: calendar)?.due == (try CivilDate(parsing: "2021-07-22")))
        a.state = .countyReview
        a.noticeClosedOn = try CivilDate(parsing: "2021-07-14")
        #expect(DibaoRules().stepDeadline(a, policy: policy, calendar: calendar)?.due == (try CivilDate(parsing: "2021-07-28")))
        a.state = .publicNotice
        #expect(DibaoRules().stepDeadline(a, policy: policy, calendar: calendar) == nil)
        let late = AssistanceApplication(acceptedOn: try CivilDate(parsing: "2026-12-30"), closeRelative: false)
        let beyond = try #require(DibaoRules().stepDeadline(late, policy: policy, calendar: calendar))
        #expect(beyond.due == nil)
        #expect(beyond.bound == (try CivilDate(parsing: "2027-01-18")))
        #expect(beyond.overdue(today: try CivilDate(parsing: "2027-03-01")))
        #expect(!beyond.overdue(today: try CivilDate(parsing: "2027-01-05")))
    }
}
