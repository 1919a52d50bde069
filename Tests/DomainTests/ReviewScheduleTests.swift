import Testing
@testable import Domain

/// 定期核查 (DB-2021 Art. 31) and the review after a death (Notice-2022 §1(3)).
@Suite struct ReviewScheduleTests {
    let d = { (s: String) in try! CivilDate(parsing: s) }

    @Test(arguments: [
        ("2021-01-31", false, nil as String?, "2022-01-30", "每年复核"),
        ("2021-01-31", true, nil, "2021-07-30", "每半年复核（有劳动能力成员）"),
        ("2021-08-31", true, nil, "2022-02-27", "每半年复核（有劳动能力成员）"),
        ("2021-01-31", false, "2021-05-10", "2021-08-09", "成员 2021-05-10 死亡，3 个月内复核"),
        ("2021-01-31", true, "2021-06-10", "2021-07-30", "每半年复核（有劳动能力成员）"),
    ])
    func due(last: String, able: Bool, death: String?, expected: String, reason: String) {
        let due = ReviewSchedule.due(lastDecided: d(last), ableToWork: able, deathAfterDecision: death.map(d))
        #expect(due.date == d(expected))
        #expect(due.reason == reason)
    }

    @Test func addingMonthsKeepsTheDayOrTheMonthsEnd() {
        #expect(d("2021-01-31").addingMonths(1) == d("2021-02-28"))
        #expect(d("2024-01-31").addingMonths(1) == d("2024-02-29"))
        #expect(d("2021-11-15").addingMonths(3) == d("2022-02-15"))
    }
}
