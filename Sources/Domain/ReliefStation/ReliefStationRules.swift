/// The relief station's limits and its monthly count (rules.md §4; field case C18).
public enum ReliefStationRules {
    /// 民政部令第24号 实施细则 Art. 12: a stay generally lasts at most 10 days; a longer stay is filed with the
    /// higher civil-affairs department. The national figure unless the region's policy sets its own
    /// (`reliefStation.maxStayDays`) — a rule in force, not a guess (ADR 0014).
    public static let nationalMaxStayDays = 10

    /// The limit in days under `policy`, and where it comes from.
    public static func maxStayDays(_ policy: Policy?) -> (days: Int, source: String) {
        if let days = policy?.reliefStation?.maxStayDays { return (days, "县政策 \(policy!.version) reliefStation.maxStayDays") }
        return (nationalMaxStayDays, "民政部令第24号 第12条")
    }

    /// A month's figures: 救助人次 counts stays, 救助人数 counts people (C18: never the one for the other).
    public struct MonthFigures: Hashable, Sendable {
        public var month: YearMonth
        /// Stays that overlap the month (救助人次).
        public var visits: Int
        /// Distinct people among them (救助人数), linked by ID number or temporary code.
        public var people: Int
        public var minors: Int
        public var unidentified: Int
    }

    /// Stays overlapping `month`: admitted on or before its last day and not ended before its first.
    public static func overlapping(_ stays: [Stay], month: YearMonth) -> [Stay] {
        stays.filter { $0.admittedOn <= month.lastDay && ($0.exitedOn.map { $0 >= month.firstDay } ?? true) }
    }

    public static func figures(_ stays: [Stay], month: YearMonth) -> MonthFigures {
        let s = overlapping(stays, month: month)
        let people = Set(s.map(\.person))
        return MonthFigures(month: month, visits: s.count, people: people.count,
                            minors: Set(s.filter(\.minor).map(\.person)).count,
                            unidentified: people.filter { !$0.identityKnown }.count)
    }
}
