import Testing
@testable import Domain

@Suite struct WorkCalendarTests {
    let calendar = WorkCalendar.china

    /// Expected dates computed independently from the holiday CSV.
    @Test(arguments: [
        ("2021-09-30", 1, "2021-10-08"),   // National Day week off
        ("2021-09-30", 2, "2021-10-09"),   // Saturday 10-09 is a make-up working day
        ("2021-10-02", 1, "2021-10-08"),   // start on a rest day: the next working day is day 1
        ("2021-07-01", 30, "2021-08-12"),  // DB-2021 Art. 22: 30 WD
        ("2021-07-01", 45, "2021-09-02"),  // special cases: 45 WD
        ("2021-07-01", 20, "2021-07-29"),  // delegated to the township: 20 WD
        ("2021-02-05", 3, "2021-02-09"),   // Sunday 02-07 is a make-up working day
        ("2021-02-10", 1, "2021-02-18"),   // Spring Festival
        ("2021-12-24", 10, "2022-01-10"),  // across New Year
        ("2021-04-30", 3, "2021-05-08"),   // Labour Day, Saturday 05-08 make-up
        ("2021-07-01", 0, "2021-07-01"),
    ] as [(String, Int, String)])
    func addsWorkingDays(start: String, days: Int, expected: String) throws {
        #expect(try calendar.adding(workingDays: days, to: CivilDate(parsing: start)).description == expected)
    }

    @Test func refusesDatesOutsideTheCalendar() throws {
        let late = try CivilDate(parsing: "2026-12-29")
        #expect(throws: WorkCalendarError.self) { try calendar.adding(workingDays: 5, to: late) }
        #expect(throws: WorkCalendarError.self) { try calendar.isWorkingDay(CivilDate(parsing: "2020-12-31")) }
        #expect(throws: WorkCalendarError.self) { try calendar.isWorkingDay(CivilDate(parsing: "2027-01-04")) }
    }

    @Test func daysLeftAndOverdue() throws {
        let deadline = try CivilDate(parsing: "2021-10-08")
        #expect(try calendar.workingDaysLeft(from: CivilDate(parsing: "2021-09-30"), until: deadline) == 1)
        #expect(try calendar.workingDaysLeft(from: deadline, until: deadline) == 0)
        #expect(try calendar.workingDaysLeft(from: CivilDate(parsing: "2021-10-11"), until: deadline) == -2)
    }

    @Test func everyBundledDayIsInRange() {
        #expect(WorkCalendar.chinaSpecialDays.count > 150)
        for row in WorkCalendar.chinaSpecialDays {
            let d = try? CivilDate(parsing: row.date)
            #expect(d != nil && WorkCalendar.chinaYears.contains(d!.year), "\(row.date)")
        }
    }

    /// Beyond the calendar's years the bounding calendar gives the latest date a count could reach (Mon–Fri
    /// plus a 14-day holiday margin), never the deadline; the plain calendar refuses.
    @Test func boundingBeyondTheCalendar() throws {
        let start = try CivilDate(parsing: "2026-12-28")
        #expect(throws: WorkCalendarError.outsideCalendar(try CivilDate(parsing: "2027-01-01"), 2021...2026)) {
            try WorkCalendar.china.adding(workingDays: 30, to: start)
        }
        #expect(try WorkCalendar.china.bounding.adding(workingDays: 30, to: start) == CivilDate(parsing: "2027-02-22"))
        // Within the known years both agree.
        let known = try CivilDate(parsing: "2021-07-01")
        #expect(try WorkCalendar.china.bounding.adding(workingDays: 30, to: known) == WorkCalendar.china.adding(workingDays: 30, to: known))
    }
}
