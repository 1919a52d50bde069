import Domain
import FluentKit
import Foundation
import Persistence

/// Builders for test households. IDs are made up (prefix 110101, checksum-valid).
public enum Fixtures {
    public static func member(_ id: String, _ name: String, _ rel: Relationship, status: MemberStatus = .active,
                              monthly: [(IncomeKind, String)] = []) -> Member {
        Member(residentID: try! ResidentID(id), name: name, relationship: rel, status: status,
               income: monthly.map { IncomeItem(kind: $0.0, period: .monthly, amount: try! Money(yuan: $0.1)) })
    }

    /// A household in 桂花村 (the confirmed village) unless another village is given.
    public static func household(_ id: String = UUID().uuidString.lowercased(), area: Area = .urban,
                                 village: String = "510921112243", account: String? = "6217000000000001",
                                 members: [Member]) -> HouseholdFile {
        let v = DivisionCode(village)!
        return HouseholdFile(id: id, countyCode: "510921", townshipCode: v.townshipCode, villageCode: v,
                             address: "测试地址", bankName: "四川农信", bankAccount: account,
                             composition: try! HouseholdComposition(area: area, members: members))
    }

    /// Field case C01's urban household H01: 张某甲 (wage 900), 李某, 张某乙 → 900.00 a month.
    public static func h01(id: String = "h01") -> HouseholdFile {
        household(id, members: [
            member("110101197503149130", "张某甲", .head, monthly: [(.wage, "900")]),
            member("110101197708029247", "李某", .spouse),
            member("110101200511209150", "张某乙", .child),
        ])
    }

    /// Registers `household` and enrolls it in 低保 from `from` at its assessed benefit (a decision of
    /// 2020-12-20 under the bundled policy), as the demo county does.
    public static func registerAndEnroll(_ household: HouseholdFile, from: String, on db: any Database) async throws {
        try await RegistryStore(db).register([household])
        let decision = try DibaoAssessment.assess(household.composition, month: month(from), policy: .pengxi2021)
        try await db.transaction { tx in
            try await EnrollmentStore.bulkApprove([.init(householdID: household.id, countyCode: household.countyCode,
                                                         decidedOn: date("2020-12-20"), decision: decision.benefitDecision)], on: tx)
        }
    }

    public static func date(_ s: String) -> CivilDate { try! CivilDate(parsing: s) }
    public static func month(_ s: String) -> YearMonth { try! YearMonth(parsing: s) }
}
