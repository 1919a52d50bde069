/// Working days under China's official holiday calendar, with make-up working days (调休).
///
/// A day is a working day when it is Monday–Friday and not an official holiday, or when it is a
/// make-up working day. The calendar only knows the years whose notices it was built from; asking
/// about any other year is an error, never a guess (a wrong deadline is worse than none).
public struct WorkCalendar: Sendable {
    public let years: ClosedRange<Int>
    let off: Set<Int>
    let work: Set<Int>
    /// See `bounding`.
    private(set) var boundsUnknownYears: Bool

    /// The same calendar, answering beyond its years with the latest date a count could possibly reach:
    /// Monday–Friday counted as working days, plus `unknownHolidayMargin` calendar days once the count
    /// leaves the known years. Never the deadline itself — only a date it is certainly not later than, so
    /// that a deadline whose count the calendar cannot finish is still known to be overdue once today is
    /// past this bound (issue 5 item 7).
    public var bounding: WorkCalendar {
        var c = self
        c.boundsUnknownYears = true
        return c
    }

    /// More than any year's official holidays within one deadline (the longest, Spring Festival and
    /// National Day, take 7–8 days including weekends).
    public static let unknownHolidayMargin = 14

    /// Builds a calendar from its special days. `off` days are holidays, `work` days make-up days.
    public init(years: ClosedRange<Int>, holidays: [CivilDate], makeUpWorkdays: [CivilDate]) {
        self.years = years
        self.off = Set(holidays.map(\.dayNumber))
        self.work = Set(makeUpWorkdays.map(\.dayNumber))
        self.boundsUnknownYears = false
    }

    /// China 2021–2026 (bundled; source: the State Council General Office holiday notices).
    public static let china: WorkCalendar = {
        var holidays: [CivilDate] = [], workdays: [CivilDate] = []
        for row in chinaSpecialDays {
            let date = try! CivilDate(parsing: row.date)  // generated data, checked by tests
            if row.off { holidays.append(date) } else { workdays.append(date) }
        }
        return WorkCalendar(years: chinaYears, holidays: holidays, makeUpWorkdays: workdays)
    }()

    /// - Throws: `WorkCalendarError.outsideCalendar` when `date`'s year is not covered.
    public func isWorkingDay(_ date: CivilDate) throws(WorkCalendarError) -> Bool {
        guard years.contains(date.year) else { throw .outsideCalendar(date, years) }
        let n = date.dayNumber
        if work.contains(n) { return true }
        if off.contains(n) { return false }
        return date.isoWeekday <= 5
    }

    /// The deadline of `workingDays` working days from `start`: the Nth working day after `start`,
    /// the start day itself not counted. A start on a rest day counts from the next working day
    /// (which becomes day 1). `workingDays` of 0 returns `start`.
    /// - Throws: `WorkCalendarError.outsideCalendar` when the count runs past the calendar's years.
    public func adding(workingDays: Int, to start: CivilDate) throws(WorkCalendarError) -> CivilDate {
        precondition(workingDays >= 0, "working-day counts are never negative")
        guard years.contains(start.year) || boundsUnknownYears else { throw .outsideCalendar(start, years) }
        var day = start
        var counted = 0
        var margin = false
        while counted < workingDays {
            day = day.adding(days: 1)
            if years.contains(day.year) {
                if try isWorkingDay(day) { counted += 1 }
            } else if boundsUnknownYears {
                if !margin { margin = true }
                if day.isoWeekday <= 5 { counted += 1 }
            } else {
                throw .outsideCalendar(day, years)
            }
        }
        return margin ? day.adding(days: Self.unknownHolidayMargin) : day
    }

    /// Working days left from `today` until `deadline`: the working days after `today` up to and
    /// including `deadline`. Zero when the deadline is today; negative (the working days elapsed
    /// past it) when overdue.
    /// - Throws: `WorkCalendarError.outsideCalendar`.
    public func workingDaysLeft(from today: CivilDate, until deadline: CivilDate) throws(WorkCalendarError) -> Int {
        if today == deadline { return 0 }
        let (a, b, sign) = today < deadline ? (today, deadline, 1) : (deadline, today, -1)
        var count = 0
        var day = a
        while day < b {
            day = day.adding(days: 1)
            if try isWorkingDay(day) { count += 1 }
        }
        return sign * count
    }
}

public enum WorkCalendarError: Error, Equatable, Sendable {
    case outsideCalendar(CivilDate, ClosedRange<Int>)

    public var message: String {
        switch self {
        case .outsideCalendar(let d, let years):
            return "日期 \(d) 超出节假日日历范围（\(years.lowerBound)–\(years.upperBound) 年），无法计算工作日期限；请先更新节假日日历 (date outside the holiday calendar)"
        }
    }
}
