import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing

/// 分档 (ADR 0015) with the registry: the township records each member's tier, checked against the version
/// in force, and the household is assessed from the registry by its tiers.
@Suite struct DibaoTierTests {
    static let tiered = Fixtures.pengxiTiered

    @Test func tiersAreRecordedCheckedAndUsed() async throws {
        try await withTestDatabase(policies: [Self.tiered]) { handle async throws in
            let registry = RegistryStore(handle.db)
            try await registry.register([Fixtures.h01()])
            let today = Fixtures.date("2021-07-01")
            let ids = ["110101197503149130", "110101197708029247", "110101200511209150"]
            for (id, tier) in zip(ids, ["A", "B", "B"]) {
                try await registry.setDibaoTier(householdID: "h01", residentID: try ResidentID(id), tier: tier, today: today)
            }
            await #expect(throws: StoreError.outOfRange("档次“Z”不是政策 510921/2021-01 所列的档次；可用档次 A、B (unknown tier)")) {
                try await registry.setDibaoTier(householdID: "h01", residentID: try ResidentID(ids[0]), tier: "Z", today: today)
            }
            let h = try #require(try await registry.household("h01"))
            #expect(h.composition.members.map(\.dibaoTier) == ["A", "B", "B"])
            // 600 × 3 − 900 > 0: eligible; the amount is 820 + 570 + 570.
            let d = try DibaoRules().assess(AssessmentInput(household: h.composition, month: Fixtures.month("2021-07")),
                                            policy: Self.tiered.versions[0])
            #expect((d.eligible, d.monthlyBenefit.yuanString) == (true, "1960.00"))
            // Cleared, the member's tier is gone and the assessment refuses by name.
            try await registry.setDibaoTier(householdID: "h01", residentID: try ResidentID(ids[2]), tier: nil, today: today)
            #expect(try await registry.household("h01")?.composition.members.map(\.dibaoTier) == ["A", "B", nil])
        }
        // Under the gap method a tier is refused.
        try await withTestDatabase { handle async throws in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            await #expect(throws: StoreError.outOfRange("政策 510921/2021-01 的低保按补差方法计算，不分档，不能登记档次“A” (the policy uses the gap method)")) {
                try await RegistryStore(handle.db).setDibaoTier(householdID: "h01", residentID: try ResidentID("110101197503149130"),
                                                                tier: "A", today: Fixtures.date("2021-07-01"))
            }
        }
    }
}
