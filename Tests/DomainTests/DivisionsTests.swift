import Testing
@testable import Domain

@Suite struct DivisionsTests {
    @Test func pengxiHasTwentyTowns() {
        let d = Divisions.pengxi
        #expect(d.county.code.value == "510921000000")
        #expect(d.townships.count == 20)
        #expect(d.townships.contains { $0.name == "普安街道" && $0.code.value == "510921001000" })
        #expect(d.townships.allSatisfy { !$0.isSynthetic })
    }

    @Test func confirmedVillageIsReal() throws {
        let v = try Divisions.pengxi.village("510921112243")
        #expect(v.name == "桂花村")
        #expect(!v.isSynthetic)
        #expect(Divisions.pengxi.township(of: v.code)?.name == "三凤镇")
    }

    @Test(arguments: ["510921112999", "51092111224", "110101001001", "abc", "510921112000"])
    func unknownVillageIsRefused(code: String) {
        #expect(throws: RegistryError.unknownVillage(code)) { try Divisions.pengxi.village(code) }
    }

    @Test func everyTownHasSyntheticVillages() {
        for t in Divisions.pengxi.townships {
            let vs = Divisions.pengxi.villages(in: t.code)
            #expect(vs.filter(\.isSynthetic).count == 8, "\(t.name)")
        }
    }
}
