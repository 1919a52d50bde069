import Domain
import Foundation

/// Today's date in China (deadlines are counted in Beijing time).
public enum ChinaClock {
    @Sendable public static func today() -> CivilDate {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!
        let c = cal.dateComponents([.year, .month, .day], from: Date())
        return CivilDate(year: c.year!, month: c.month!, day: c.day!)!
    }

    static var beijing: Calendar {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!
        return cal
    }

    /// The Beijing date of an instant.
    public static func date(of instant: Date) -> CivilDate {
        let c = beijing.dateComponents([.year, .month, .day], from: instant)
        return CivilDate(year: c.year!, month: c.month!, day: c.day!)!
    }

    /// The instant of `date` at `time` (`HH:mm`, Beijing time); nil when `time` is not a time of day.
    public static func instant(_ date: CivilDate, time: String) -> Date? {
        let parts = time.split(separator: ":")
        guard parts.count == 2, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) }),
              let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m) else { return nil }
        return beijing.date(from: DateComponents(year: date.year, month: date.month, day: date.day, hour: h, minute: m))
    }

    /// `2021-12-31 09:30` in Beijing time, for pages and command output.
    public static func beijingTime(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "zh_CN")
        f.timeZone = TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600)!
        f.dateFormat = "yyyy-MM-dd HH:mm"
        return f.string(from: date)
    }
}
