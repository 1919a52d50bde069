import Domain
import FluentKit
import Persistence
import SQLKit
import TestSupport
import Testing

@Suite struct RegistryStoreTests {
    func count(_ table: String, _ db: any Database) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await (db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first(decoding: N.self)!.n
    }

    @Test func registersAndReadsBack() async throws {
        try await withTestDatabase { handle async throws in
            let store = RegistryStore(handle.db)
            try await store.register([Fixtures.h01()])
            let h = try #require(try await store.household("h01"))
            #expect(h.head.name == "张某甲")
            #expect(h.composition.members.map(\.name) == ["张某甲", "李某", "张某乙"])
            #expect(h.composition.members[0].income == [IncomeItem(kind: .wage, period: .monthly, amount: .yuan(900))])
            #expect(h.townshipCode.value == "510921112000")
            #expect(h.payee.name == "张某甲")
        }
    }

    /// Field case C11: the same file imported again creates nobody; a person is in at most one household.
    /// A household registered with a child's facts keeps them (the bulk insert once dropped them, and the
    /// child was then refused at approval for "missing" facts).
    @Test func childFactsAreKeptAtRegistration() async throws {
        try await withTestDatabase { handle async throws in
            var child = Fixtures.member("110101201001011237", "王小", .grandchild)
            child.childFacts = ChildFacts(placement: .scattered, father: .imprisoned, mother: .outOfContact, hivAffected: true,
                                          disabilityAllowance: .yuan(100))
            let file = Fixtures.household("c1", members: [Fixtures.member("110101195001011239", "王某", .head), child])
            try await RegistryStore(handle.db).register([file])
            let back = try #require(try await RegistryStore(handle.db).household("c1"))
            #expect(back.composition.members[1].childFacts == child.childFacts)
        }
    }

    @Test func personInAnotherHouseholdIsRefusedAndNothingIsWritten() async throws {
        try await withTestDatabase { handle async throws in
            let store = RegistryStore(handle.db)
            try await store.register([Fixtures.h01()])
            let again = Fixtures.h01(id: "h01-again")
            let head = try ResidentID("110101197503149130")
            await #expect(throws: RegistryError.memberInAnotherHousehold(head, otherHousehold: "h01")) {
                try await store.register([again])
            }
            // A batch of two where only the second is bad: neither is written.
            let fresh = Fixtures.household("fresh", members: [Fixtures.member("110101199003079163", "新户主", .head)])
            await #expect(throws: RegistryError.self) { try await store.register([fresh, again]) }
            #expect(try await count("households", handle.db) == 1)
            #expect(try await count("members", handle.db) == 3)
        }
    }

    @Test func unknownVillageIsRefused() async throws {
        try await withTestDatabase { handle async throws in
            let bad = Fixtures.household("x", village: "510921112999", members: [Fixtures.member("110101199003079163", "甲", .head)])
            await #expect(throws: RegistryError.unknownVillage("510921112999")) {
                try await RegistryStore(handle.db).register([bad])
            }
            #expect(try await count("households", handle.db) == 0)
        }
    }

    /// The database also refuses a second head (C11), whatever the caller checked.
    @Test func databaseRefusesASecondHead() async throws {
        try await withTestDatabase { handle async throws in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let sql = handle.db as! any SQLDatabase
            await #expect(throws: (any Error).self) {
                try await sql.raw("""
                    INSERT INTO members (id, household_id, county_code, resident_id, name, relationship, sex, birth_date,
                      status, serious_illness, work_capacity, position)
                    VALUES ('m-x', 'h01', '510921', '110101198107139621', '严某', 'head', 'female', '1981-07-13', 'active',
                      \(bind: false), 'full', 9)
                    """).run()
            }
        }
    }

    @Test func searchByNameIDAndTownship() async throws {
        try await withTestDatabase { handle async throws in
            let store = RegistryStore(handle.db)
            try await store.register([
                Fixtures.h01(),
                Fixtures.household("h2", village: "510921100901", members: [Fixtures.member("110101199003079163", "王某", .head)]),
            ])
            let month = Fixtures.month("2021-07")
            #expect(try await store.search(in: .county("510921"), text: "张某", townshipCode: nil, programme: nil, month: month).rows.map(\.id) == ["h01"])
            #expect(try await store.search(in: .county("510921"), text: "110101200511209150", townshipCode: nil, programme: nil, month: month).rows.map(\.id) == ["h01"])
            #expect(try await store.search(in: .county("510921"), text: nil, townshipCode: "510921100000", programme: nil, month: month).rows.map(\.id) == ["h2"])
            #expect(try await store.search(in: .county("510921"), text: nil, townshipCode: nil, programme: .dibao, month: month).total == 0)
            // LIKE wildcards typed by a clerk are just text.
            #expect(try await store.search(in: .county("510921"), text: "%", townshipCode: nil, programme: nil, month: month).total == 0)
        }
    }
}
