import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit

/// A person the demo county supports apart from 低保 (特困, 孤儿, 事实无人抚养儿童): their household, which
/// member is supported, and the decision of December 2020.
public struct DemoPersonCase: Sendable {
    public var file: HouseholdFile
    public var subject: ResidentID
    public var decision: BenefitDecision
    public var input: AssessmentInput
}

/// How many of each the demo county has for 14,000 低保 households (演示假设, docs/adr/0016), scaled with
/// the number of households (at least one of each). Not from the seed, which gives no counts: a county
/// of Pengxi's size has about this order of persons, and these counts bring the year's spending close to
/// the seed's 6,674.15 万 raised.
public enum DemoCounts {
    /// 特困: single-person households, 60 or older; about one in eight in a care home (集中供养).
    public static let tekun = 1_650
    /// 孤儿 in a family (散居) and in an institution (机构养育).
    public static let scatteredOrphans = 40
    public static let institutionalOrphans = 10
    /// 事实无人抚养儿童, not in a 低保 household (paid the whole standard).
    public static let unsupportedChildren = 90
    /// 临时救助 grants in 2021 to 低保 households, paid by the 临时救助 payroll.
    public static let temporaryGrants = 300
    /// 救助站 stays in 2021 (流浪乞讨人员), one in ten of a person not yet identified.
    public static let stationStays = 150
}

extension DemoCounty {
    func scaled(_ n: Int) -> Int { max(1, Int((Double(n) * Double(households) / Double(Self.referenceHouseholds)).rounded())) }

    /// The demo's 特困 persons and children, with their decisions under the January policy; their IDs avoid
    /// `used` (the 低保 households' and applicants'). Deterministic.
    public func generatePersons(avoiding used: Set<String>) -> [DemoPersonCase] {
        var rng = SeededGenerator(seed: seed &+ 7)
        var usedIDs = used
        let towns = divisions.townships
        let villagesByTown = Dictionary(grouping: divisions.villages, by: { $0.code.townshipCode })
        let month = YearMonth(year: 2021, month: 1)!
        var out: [DemoPersonCase] = []
        var n = 0
        func name(_ surname: Character? = nil) -> String {
            String(surname ?? Self.surnames[Int(rng.next() % UInt64(Self.surnames.count))])
                + String(Self.given[Int(rng.next() % UInt64(Self.given.count))])
                + (rng.unit() < 0.6 ? String(Self.given[Int(rng.next() % UInt64(Self.given.count))]) : "")
        }
        func file(_ members: [Member], area: Area) -> HouseholdFile {
            n += 1
            let town = towns[1 + Int(rng.next() % UInt64(towns.count - 1))]
            let villages = villagesByTown[town.code]!
            let village = villages[Int(rng.next() % UInt64(villages.count))]
            return HouseholdFile(
                id: String(format: "demo-p%05d", n), countyCode: divisions.county.code.countyCode,
                townshipCode: town.code, villageCode: village.code,
                address: "\(town.name)\(village.name)\(1 + rng.next() % 12)组\(1 + rng.next() % 60)号",
                phone: Self.demoPhone(n, draw: rng.next()), bankName: "四川农信",
                bankAccount: "6217" + String(format: "%015llu", rng.next() % 1_000_000_000_000_000), isDemo: true,
                composition: try! HouseholdComposition(area: area, members: members))
        }
        func decide(_ f: HouseholdFile, subject: ResidentID, rules: any ProgrammeRules) -> DemoPersonCase {
            let input = AssessmentInput(household: f.composition, month: month, subject: subject)
            let d = try! rules.assess(input, policy: policy)
            precondition(d.eligible && d.monthlyBenefit > .zero, "demo \(rules.programme) case not eligible: \(d.reasons)")
            return DemoPersonCase(file: f, subject: subject, decision: d, input: input)
        }
        for _ in 0..<scaled(DemoCounts.tekun) {
            let age = 60 + Int(rng.next() % 32)
            let id = makeID(age: age, sex: rng.unit() < 0.6 ? .male : .female, rng: &rng, used: &usedIDs)
            var m = Member(residentID: id, name: name(), relationship: .head, workCapacity: .none)
            m.income = [IncomeItem(kind: .basicPension, period: .monthly, amount: .yuan(120))]
            m.tekunPlacement = rng.unit() < 0.12 ? .centralized : .dispersed
            let r = rng.unit()
            m.selfCareFailed = r < 0.7 ? 0 : (r < 0.9 ? 1 + Int(rng.next() % 3) : 4 + Int(rng.next() % 3))
            out.append(decide(file([m], area: rng.unit() < 0.1 ? .urban : .rural), subject: id, rules: TekunRules()))
        }
        func child(facts: ChildFacts, withCarer: Bool) -> (HouseholdFile, ResidentID) {
            let surname = Self.surnames[Int(rng.next() % UInt64(Self.surnames.count))]
            let age = 3 + Int(rng.next() % 14)
            let id = makeID(age: age, sex: rng.unit() < 0.5 ? .male : .female, rng: &rng, used: &usedIDs)
            var c = Member(residentID: id, name: name(surname), relationship: withCarer ? .grandchild : .head)
            if age >= 6 && age <= 15 { c.schooling = .compulsory }
            c.childFacts = facts
            guard withCarer else { return (file([c], area: .rural), id) }
            let carerID = makeID(age: 60 + Int(rng.next() % 15), sex: .female, rng: &rng, used: &usedIDs)
            var carer = Member(residentID: carerID, name: name(surname), relationship: .head, workCapacity: .partial)
            carer.income = [IncomeItem(kind: .basicPension, period: .monthly, amount: .yuan(120))]
            return (file([carer, c], area: .rural), id)
        }
        for _ in 0..<scaled(DemoCounts.scatteredOrphans) {
            let (f, id) = child(facts: ChildFacts(placement: .scattered, father: .deceased, mother: rng.unit() < 0.7 ? .deceased : .unknown),
                                withCarer: true)
            out.append(decide(f, subject: id, rules: OrphanRules()))
        }
        for _ in 0..<scaled(DemoCounts.institutionalOrphans) {
            let (f, id) = child(facts: ChildFacts(placement: .institutional, father: .unknown, mother: .unknown), withCarer: false)
            out.append(decide(f, subject: id, rules: OrphanRules()))
        }
        let situations: [(ParentSituation, ParentSituation)] = [(.imprisoned, .outOfContact), (.deceased, .imprisoned),
                                                                 (.severeDisability, .outOfContact), (.outOfContact, .deceased)]
        for _ in 0..<scaled(DemoCounts.unsupportedChildren) {
            let (father, mother) = situations[Int(rng.next() % UInt64(situations.count))]
            let (f, id) = child(facts: ChildFacts(placement: .scattered, father: father, mother: mother), withCarer: true)
            out.append(decide(f, subject: id, rules: UnsupportedChildRules()))
        }
        return out
    }
}

/// Puts the demo's 临时救助 grants through the procedure (受理, 调查核实, 乡镇审核, and 县级审批 above the
/// township's limit), dated through 2021, each paid by the 临时救助 payroll. Once: a re-run finds them.
public struct DemoTemporaryGrants: Sendable {
    public let database: any Database
    public let county: DemoCounty

    public init(database: any Database, county: DemoCounty) {
        self.database = database
        self.county = county
    }

    /// Each grant, from intake to approval, is one transaction; a run cut short (the process killed) is
    /// resumed by the next, which makes the grants still missing and the same ones (the random sequence is
    /// drawn in full either way).
    /// - Returns: the grants made now (0 when the demo already has them all).
    public func load(progress: Progress = .silent) async throws -> Int {
        struct Row: Decodable { var id: String }
        let sql = database as! any SQLDatabase
        let done = Set(try await sql.raw("""
            SELECT DISTINCT c.household_id AS id FROM temporary_cases c JOIN households h ON h.id = c.household_id WHERE h.is_demo = \(bind: true)
            """).all(decoding: Row.self).map(\.id))
        // The demo's 低保 households, in a fixed order.
        let households = try await sql.raw("""
            SELECT DISTINCT h.id FROM households h JOIN enrollments e ON e.household_id = h.id
            WHERE h.is_demo = \(bind: true) AND e.programme = \(bind: DemoCounty.programme.rawValue) AND e.member_id IS NULL ORDER BY h.id
            """).all(decoding: Row.self).map(\.id)
        guard !households.isEmpty else { return 0 }
        let count = min(county.scaled(DemoCounts.temporaryGrants), households.count)
        var made = 0
        let step = max(1, households.count / count)
        var rng = SeededGenerator(seed: county.seed &+ 11)
        for i in 0..<count {
            let h = households[i * step]
            // Spread over 2021: accepted from early January to mid-November, decided within 15 working days.
            let dayOfYear = 3 + Int(rng.next() % 315)
            let accepted = CivilDate(year: 2021, month: 1, day: 1)!.adding(days: dayOfYear)
            let emergency = rng.unit() < 0.7
            let months = emergency ? 2 + Int(rng.next() % 2) : 5 + Int(rng.next() % 3)
            let cause = emergency ? ["突发重病住院", "房屋失火", "意外伤害", "家庭成员突发疾病"][Int(rng.next() % 4)]
                                  : ["子女就学支出较大", "长期医疗自付费用较高", "重病治疗自付费用"][Int(rng.next() % 3)]
            if done.contains(h) { continue }
            let divisions = county.divisions
            try await database.transaction { tx in
                let store = TemporaryCaseStore(tx, divisions: divisions)
                let id = try await store.open(.household(id: h), type: emergency ? .emergency : .expenditure, cause: cause,
                                              size: .months(Ratio(Int64(months), 1)), acceptedOn: accepted, actor: "demo")
                try await store.recordInvestigation(id, HomeVisit(date: accepted.adding(days: 2), investigators: ["演示调查员甲", "演示调查员乙"],
                                                                  findings: "入户核实困难情况属实"), actor: "demo")
                let decided = try await store.townshipDecision(id, on: accepted.adding(days: 5), opinion: "情况属实，拟予救助",
                                                               payment: .payroll, actor: "demo")
                if decided.temporaryCase.state != .approved {
                    try await store.countyApprove(id, on: accepted.adding(days: 12), opinion: "同意救助", actor: "demo")
                }
            }
            made += 1
            if (i + 1) % 50 == 0 { progress.report(i + 1, count, "临时救助演示案件 \(i + 1)/\(count)") }
        }
        return made
    }
}

/// The demo's 2021 relief-station stays (救助管理站): admitted, fed and housed, most sent home with a
/// travel voucher within the 10-day stay, some handed to family; once (a re-run finds them).
public struct DemoStationStays: Sendable {
    public let database: any Database
    public let county: DemoCounty

    public init(database: any Database, county: DemoCounty) {
        self.database = database
        self.county = county
    }

    /// Home places of the people the station helps (region codes outside the county).
    static let homes = ["500101", "510104", "511302", "513401", "520102", "530102", "420102", "610102"]

    /// Each stay, from admission to exit, is one transaction; a run cut short is resumed by the next (the
    /// random sequence is drawn in full either way, so the same stays result).
    /// - Returns: the stays recorded now (0 when the demo already has them all).
    public func load(progress: Progress = .silent) async throws -> Int {
        let code = county.divisions.county.code.countyCode
        let existing = try await ReliefStationStore(database).stays(countyCode: code, from: CivilDate(year: 2021, month: 1, day: 1)!,
                                                                     through: CivilDate(year: 2021, month: 12, day: 31)!)
        let done = Set(existing.map(\.stay.person))
        var made = 0
        var rng = SeededGenerator(seed: county.seed &+ 13)
        let count = county.scaled(DemoCounts.stationStays)
        for i in 0..<count {
            let admitted = CivilDate(year: 2021, month: 1, day: 1)!.adding(days: Int(rng.next() % 350))
            let key: StationPersonKey
            if rng.unit() < 0.1 {
                key = .unidentified(code: String(format: "LS2021-%03d", i + 1))
            } else {
                let body = Self.homes[Int(rng.next() % UInt64(Self.homes.count))]
                    + String(format: "%04d%02d%02d%03d", 1950 + Int(rng.next() % 50), 1 + Int(rng.next() % 12), 1 + Int(rng.next() % 28),
                             Int(rng.next() % 999))
                key = .resident(try ResidentID(body + String(ResidentID.checkCharacter(for: Array(body)))))
            }
            let name = key.identityKnown
                ? String(DemoCounty.surnames[Int(rng.next() % UInt64(DemoCounty.surnames.count))])
                    + String(DemoCounty.given[Int(rng.next() % UInt64(DemoCounty.given.count))])
                : ""
            let at = ChinaClock.instant(admitted, time: "\(10 + Int(rng.next() % 10)):00")!
            let days = 1 + Int(rng.next() % 8)
            let exit = admitted.adding(days: days)
            // Three in four go home with a travel voucher (the first always, so a small demo has a cost too).
            let home = i == 0 || rng.unit() < 0.75
            let fare = home ? Money.yuan(Int64(60 + rng.next() % 140)) : .zero
            if done.contains(key) { continue }
            try await database.transaction { tx in
                let store = ReliefStationStore(tx)
                let id = try await store.admit(key, name: name, countyCode: code, admittedAt: at,
                                               belongings: "随身衣物", health: "", minor: false, actor: "demo")
                try await store.record(.service(ServiceRecord(date: admitted, kind: .meal, quantity: 3 * days)), on: id, actor: "demo")
                try await store.record(.service(ServiceRecord(date: admitted, kind: .bedNight, quantity: days)), on: id, actor: "demo")
                if home {
                    try await store.record(.service(ServiceRecord(date: exit, kind: .travelVoucher, quantity: 1, cost: fare)), on: id, actor: "demo")
                    try await store.record(.exit(on: exit, kind: .returnedHome, note: "购票返乡"), on: id, actor: "demo")
                } else {
                    try await store.record(.service(ServiceRecord(date: admitted, kind: .contactFamily, quantity: 1)), on: id, actor: "demo")
                    try await store.record(.exit(on: exit, kind: .handedToFamily, note: "亲属到站接回"), on: id, actor: "demo")
                }
            }
            made += 1
            if (i + 1) % 50 == 0 { progress.report(i + 1, count, "救助站演示记录 \(i + 1)/\(count)") }
        }
        return made
    }
}
