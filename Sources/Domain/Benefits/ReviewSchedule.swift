/// When a 低保 household is next reviewed (定期核查, DB-2021 Art. 31; Opinion-2020 item 7): once a year for
/// households whose finances change little, every six months for those with a member able to work; and
/// within 3 months of a member's death (Notice-2022 §1(3)), whichever comes first.
public enum ReviewSchedule {
    public struct Due: Hashable, Sendable {
        /// The last day the review is due.
        public var date: CivilDate
        /// `每年复核` / `每半年复核（有劳动能力成员）` / `成员死亡后 3 个月内复核`.
        public var reason: String
        public var source: String
    }

    /// - Parameters:
    ///   - lastDecided: the date of the latest decision on the case (approval or review).
    ///   - ableToWork: a counted member aged 18–59 whose work capacity is full or partial.
    ///   - deathAfterDecision: the earliest death of a member recorded after that decision, if any.
    public static func due(lastDecided: CivilDate, ableToWork: Bool, deathAfterDecision: CivilDate?) -> Due {
        let months = ableToWork ? 6 : 12
        var d = Due(date: lastDecided.addingMonths(months).adding(days: -1),
                    reason: ableToWork ? "每半年复核（有劳动能力成员）" : "每年复核",
                    source: "民发〔2021〕57号 第31条")
        if let death = deathAfterDecision {
            let byDeath = death.addingMonths(3).adding(days: -1)
            if byDeath < d.date {
                d = Due(date: byDeath, reason: "成员 \(death) 死亡，3 个月内复核", source: "《关于进一步做好最低生活保障等社会救助兜底保障工作的通知》（2022）一(三)")
            }
        }
        return d
    }
}

extension CivilDate {
    /// The same day `months` later, or the month's last day when it has fewer days (01-31 + 1 → 02-28).
    public func addingMonths(_ months: Int) -> CivilDate {
        let total = year * 12 + (month - 1) + months
        let y = total / 12, m = total % 12 + 1
        return CivilDate(year: y, month: m, day: min(day, CivilDate.daysIn(year: y, month: m)))!
    }
}
