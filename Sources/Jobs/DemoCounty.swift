import Domain
import FluentKit
import Foundation
import Persistence

/// Deterministic pseudo-random numbers (SplitMix64) so the demo county is the same on every machine.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// A synthetic Pengxi County 2021 (演示数据): made-up names, checksum-valid IDs with the county's code,
/// every 低保 enrollment decided in December 2020 under the January 2021 policy (`DemoPolicy`: rural 400,
/// raised to 420 from July), incomes calibrated so that the year's payroll — January–June at the
/// January amounts, July–December at the raised ones — comes to about 940 万 urban and 4,053.84 万 rural
/// for 14,000 households (one reading of the seed's 附表1), scaled with the number of households.
public struct DemoCounty: Sendable {
    /// A made-up phone (the field cases' fake 1390000xxxx) by running number, so no more than three
    /// households share one (the payee check flags five, field case C20); `draw` keeps the generator's
    /// sequence as before.
    static func demoPhone(_ n: Int, draw: UInt64) -> String {
        _ = draw
        return "1390000" + String(format: "%04d", n % 10_000)
    }

    public let households: Int
    public let seed: UInt64
    public let divisions: Divisions
    /// The policy the households are decided under: the demo's January version, which the demo imports.
    public let policy: Policy
    /// The version that raises the standard mid-year (signed later: back pay), or nil for none.
    public let raise: Policy?
    /// The programme the demo households are decided and paid under: the one `DibaoAssessment` decides.
    public static var programme: Programme { DibaoRules().programme }

    /// Its 低保 part (the bundled file configures 低保).
    var dibao: DibaoPolicy { policy.dibao! }

    /// Yearly 低保 targets for 14,000 households, in fen.
    static let urbanYearTarget: Int64 = 940_000_000
    static let ruralYearTarget: Int64 = 4_053_840_000
    static let referenceHouseholds = 14_000

    public init(households: Int = 14_000, seed: UInt64 = 20_210_101, divisions: Divisions = .pengxi,
                policy: Policy = DemoPolicy.januaryPolicy, raise: Policy? = DemoPolicy.afterRaise.file.versions.last) {
        self.households = households
        self.seed = seed
        self.divisions = divisions
        self.policy = policy
        self.raise = raise
    }

    /// Fen per person per month the raise adds in `area`, and for how many months of the year.
    func raise(in area: Area) -> (perPerson: Int64, months: Int) {
        guard let raise, let d = raise.dibao else { return (0, 0) }
        return (d.standard(for: area).fen - dibao.standard(for: area).fen, 13 - raise.effective.month)
    }

    static let surnames = Array("王李张刘陈杨黄赵周吴徐孙胡朱高林何郭马罗唐蒋谢邓冯曾彭蒲廖袁任谭")
    static let given = Array("德明华国建平志强秀英玉兰芳桂珍淑琼清云海军红春丽燕霞金福贵成文俊杰思雨欣怡浩宇子涵")

    /// Households that applied recently and are still in the workflow (see `DemoApplications`).
    public static let applicantCount = 12

    /// The generated households, their December 2020 decisions, and the applicant households (not
    /// enrolled; their IDs are unique across both lists).
    public func generate() -> (files: [HouseholdFile], decisions: [EnrollmentStore.BulkDecision], applicants: [HouseholdFile]) {
        var rng = SeededGenerator(seed: seed)
        var usedIDs = Set<String>()
        let towns = divisions.townships
        var files: [HouseholdFile] = []
        var gaps: [Double] = []
        files.reserveCapacity(households)
        // Looked up once: filtering the divisions table per household dominated the generation time.
        let villagesByTown = Dictionary(grouping: divisions.villages, by: { $0.code.townshipCode })
        for i in 0..<(households + Self.applicantCount) {
            // About one household in ten is urban: all of 普安街道 and the communities of a few towns.
            let town: Division
            let area: Area
            if rng.unit() < 0.10 {
                area = .urban
                town = rng.unit() < 0.6 ? towns[0] : towns[1 + Int(rng.next() % UInt64(towns.count - 1))]
            } else {
                area = .rural
                town = towns[1 + Int(rng.next() % UInt64(towns.count - 1))]
            }
            let villages = villagesByTown[town.code]!
            let village = villages[Int(rng.next() % UInt64(villages.count))]
            let size = [1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 5][Int(rng.next() % 20)]
            let surname = Self.surnames[Int(rng.next() % UInt64(Self.surnames.count))]
            var members: [Member] = []
            let headAge = 35 + Int(rng.next() % 50)
            for position in 0..<size {
                let rel: Relationship
                let age: Int
                switch position {
                case 0: rel = .head; age = headAge
                case 1: rel = .spouse; age = max(20, headAge - 3 + Int(rng.next() % 6))
                default: rel = .child; age = max(1, headAge - 22 - Int(rng.next() % 15))
                }
                let sex: Sex = position == 1 ? .female : (rng.unit() < 0.5 ? .male : .female)
                let name = String(position == 1 ? Self.surnames[Int(rng.next() % UInt64(Self.surnames.count))] : surname)
                    + String(Self.given[Int(rng.next() % UInt64(Self.given.count))])
                    + (rng.unit() < 0.6 ? String(Self.given[Int(rng.next() % UInt64(Self.given.count))]) : "")
                let id = makeID(age: age, sex: sex, rng: &rng, used: &usedIDs)
                var m = Member(residentID: id, name: name, relationship: rel)
                if age >= 60 { m.workCapacity = rng.unit() < 0.5 ? .partial : .none }
                if age >= 6 && age <= 15 { m.schooling = .compulsory }
                if rng.unit() < 0.06 { m.disability = Disability(grade: 1 + Int(rng.next() % 4), type: .physical) }
                if rng.unit() < 0.04 { m.seriousIllness = true }
                members.append(m)
            }
            // Relative gap: the benefit as a share of standard × size. Rural households get smaller
            // top-ups on average; some get the full standard (no counted income).
            let gap = rng.unit() < 0.08 ? 1.0 : 0.03 + rng.unit() * (area == .urban ? 0.84 : 0.56)
            gaps.append(gap)
            let composition = try! HouseholdComposition(area: area, members: members)
            let account = "6217" + String(format: "%015llu", rng.next() % 1_000_000_000_000_000)
            files.append(HouseholdFile(
                id: String(format: "demo-%06d", i + 1), countyCode: divisions.county.code.countyCode,
                townshipCode: town.code, villageCode: village.code,
                address: "\(town.name)\(village.name)\(1 + rng.next() % 12)组\(1 + rng.next() % 60)号",
                phone: Self.demoPhone(i + 1, draw: rng.next()), bankName: "四川农信",
                bankAccount: account, isDemo: true, composition: composition))
        }
        var applicants = Array(files[households...])
        files.removeLast(Self.applicantCount)
        gaps.removeLast(Self.applicantCount)
        for i in applicants.indices {
            applicants[i].id = String(format: "demo-app-%02d", i + 1)
            // Half the standard as income; the last applicant earns well above it (a refusal case).
            let standard = dibao.standard(for: applicants[i].area).fen * Int64(applicants[i].composition.members.count)
            let income = i == applicants.count - 1 ? standard * 2 : standard / 2
            var members = applicants[i].composition.members
            members[0].income = [IncomeItem(kind: .wage, period: .monthly, amount: Money(fen: income / 100 * 100))]
            applicants[i].composition = try! HouseholdComposition(area: applicants[i].area, members: members)
        }
        calibrate(&gaps, files: files)
        let month = YearMonth(year: 2021, month: 1)!
        var decisions: [EnrollmentStore.BulkDecision] = []
        for i in files.indices {
            let standard = dibao.standard(for: files[i].area)
            let size = files[i].composition.members.count
            let full = standard.fen * Int64(size)
            // Income in whole yuan so traces read naturally; the benefit is the exact gap.
            let incomeYuan = Int64((Double(full) * (1 - gaps[i]) / 100).rounded(.toNearestOrAwayFromZero))
            var members = files[i].composition.members
            if incomeYuan > 0 {
                let kind: IncomeKind = files[i].area == .urban ? .wage : .business
                members[0].income = [IncomeItem(kind: kind, period: .monthly, amount: .yuan(incomeYuan))]
            }
            // Residents' basic pension is exempt (DB-2021 Art. 13): recorded, not counted.
            for j in members.indices where members[j].residentID.age(on: month.firstDay) >= 60 {
                members[j].income.append(IncomeItem(kind: .basicPension, period: .monthly, amount: .yuan(120)))
            }
            files[i].composition = try! HouseholdComposition(area: files[i].area, members: members)
            let decision = try! DibaoAssessment.assess(files[i].composition, month: month, policy: policy)
            let day = 14 + i % 14
            decisions.append(.init(householdID: files[i].id, countyCode: files[i].countyCode,
                                   decidedOn: CivilDate(year: 2020, month: 12, day: day)!, decision: decision.benefitDecision,
                                   input: AssessmentInput(household: files[i].composition, month: month)))
        }
        return (files, decisions, applicants)
    }

    /// Scales the relative gaps so the yearly totals meet the targets for this many households.
    func calibrate(_ gaps: inout [Double], files: [HouseholdFile]) {
        let scale = Double(households) / Double(Self.referenceHouseholds)
        for area in Area.allCases {
            let idx = files.indices.filter { files[$0].area == area }
            // What the raise adds over the year (every household stays eligible when the standard rises).
            let (perPerson, months) = raise(in: area)
            let raised = Double(perPerson * Int64(months)) * Double(idx.reduce(0) { $0 + files[$1].composition.members.count })
            let target = (Double(area == .urban ? Self.urbanYearTarget : Self.ruralYearTarget) * scale - raised) / 12
            let standard = Double(dibao.standard(for: area).fen)
            for _ in 0..<6 {
                let total = idx.reduce(0.0) { $0 + standard * Double(files[$1].composition.members.count) * gaps[$1] }
                guard total > 0 else { break }
                let k = target / total
                for i in idx { gaps[i] = min(1.0, gaps[i] * k) }
            }
        }
    }

    func makeID(age: Int, sex: Sex, rng: inout SeededGenerator, used: inout Set<String>) -> ResidentID {
        while true {
            let year = 2020 - age
            let month = 1 + Int(rng.next() % 12)
            let day = 1 + Int(rng.next() % 28)
            var seq = Int(rng.next() % 999)
            if (seq % 2 == 1) != (sex == .male) { seq = (seq + 1) % 1000 }
            let body = "510921" + String(format: "%04d%02d%02d%03d", year, month, day, seq)
            let check = ResidentID.checkCharacter(for: Array(body))
            let text = body + String(check)
            if used.insert(text).inserted, let id = try? ResidentID(text) { return id }
        }
    }

    /// The real 2021 allocations of the seed's 附表1 (amounts; the document numbers are placeholders,
    /// as the report does not give them).
    public static let allocations2021: [Allocation] = [
        Allocation(year: 2021, source: .central, documentNumber: "演示-中央-2021", date: CivilDate(year: 2021, month: 1, day: 20)!,
                   amount: Money(fen: 5_904_290_000), programme: nil),
        Allocation(year: 2021, source: .provincial, documentNumber: "演示-省级-2021", date: CivilDate(year: 2021, month: 2, day: 25)!,
                   amount: Money(fen: 749_860_000), programme: nil),
        Allocation(year: 2021, source: .city, documentNumber: "演示-市级-2021", date: CivilDate(year: 2021, month: 3, day: 18)!,
                   amount: Money(fen: 20_000_000), programme: nil),
    ]
}
