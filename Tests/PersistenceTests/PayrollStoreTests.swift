import Domain
import FluentKit
import Persistence
import SQLKit
import TestSupport
import Testing

@Suite struct PayrollStoreTests {
    /// Registers H01 and enrolls it from `from` at its assessed benefit (900.00).
    func enrolledH01(_ handle: DatabaseHandle, from: String = "2021-07") async throws {
        try await Fixtures.registerAndEnroll(Fixtures.h01(), from: from, on: handle.db)
    }

    @Test func aMonthIsNeverPaidTwice() async throws {
        try await withTestDatabase { handle async throws in
            try await enrolledH01(handle)
            let store = PayrollStore(handle.db)
            let first = try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            #expect(first.created)
            #expect(first.batch.lineCount == 1)
            #expect(first.batch.total.yuanString == "900.00")
            let second = try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            #expect(!second.created)
            #expect(second.batch.id == first.batch.id)
            #expect(try await store.batches(countyCode: "510921").count == 1)
            // Before the enrollment's first month nothing is paid.
            #expect(try await store.generate(programme: .dibao, month: Fixtures.month("2021-06"), countyCode: "510921", actor: "t").batch.lineCount == 0)
        }
    }

    /// Months without a batch between the latest one and the month asked for (issue 7).
    @Test func skippedMonthsAreNamed() async throws {
        try await withTestDatabase { handle async throws in
            try await enrolledH01(handle)
            let store = PayrollStore(handle.db)
            func skipped(_ m: String) async throws -> [String] {
                try await store.skippedMonths(programme: .dibao, before: Fixtures.month(m), countyCode: "510921").map(\.description)
            }
            #expect(try await skipped("2021-09") == [])  // the programme's first batch
            _ = try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            #expect(try await skipped("2021-08") == [])
            #expect(try await skipped("2021-10") == ["2021-08", "2021-09"])
            #expect(try await skipped("2022-01") == ["2021-08", "2021-09", "2021-10", "2021-11", "2021-12"])
            #expect(try await skipped("2021-07") == [])  // exists already
            #expect(try await store.skippedMonths(programme: .tekun, before: Fixtures.month("2021-10"), countyCode: "510921").isEmpty)
        }
    }

    /// Field case C08: a generated batch is frozen against registry edits; approval order is enforced.
    @Test func generatedBatchIgnoresLaterEditsAndOrderIsEnforced() async throws {
        try await withTestDatabase { handle async throws in
            try await enrolledH01(handle)
            let store = PayrollStore(handle.db)
            let g = try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            // The head's account changes after generation.
            try await (handle.db as! any SQLDatabase).update("households").set("bank_account", to: try TestDatabases.keys.seal("6217999999999999", as: .bankAccount))
                .where("id", .equal, "h01").run()
            let lines = try await store.lines(of: g.batch.id)
            #expect(lines.map(\.bankAccount) == ["6217000000000001"])
            #expect(lines.map(\.payeeResidentID.value) == ["110101197503149130"])
            await #expect(throws: PayrollError.invalidTransition(from: .draft, to: .exported)) {
                try await store.markExported(g.batch.id, actor: "t")
            }
            _ = try await store.approve(g.batch.id, actor: "t")
            await #expect(throws: PayrollError.invalidTransition(from: .approved, to: .approved)) {
                try await store.approve(g.batch.id, actor: "t")
            }
            await #expect(throws: PayrollError.self) { try await store.discardDraft(g.batch.id, actor: "t") }
            #expect(try await store.markExported(g.batch.id, actor: "t").state == .exported)
        }
    }

    @Test func monthWithoutPolicyIsRefusedAndNothingIsWritten() async throws {
        try await withTestDatabase { handle async throws in
            try await enrolledH01(handle)
            let store = PayrollStore(handle.db)
            await #expect(throws: PayrollError.noPolicy(.noPolicyInForce(region: "510921", month: Fixtures.month("2020-12")))) {
                try await store.generate(programme: .dibao, month: Fixtures.month("2020-12"), countyCode: "510921", actor: "t")
            }
            #expect(try await store.batches(countyCode: "510921").isEmpty)
        }
    }

    @Test func onlyNextMonthMayBePreparedAhead() async throws {
        try await withTestDatabase { handle async throws in
            try await enrolledH01(handle)
            let store = PayrollStore(handle.db, today: { Fixtures.date("2021-07-15") })
            #expect(try await store.generate(programme: .dibao, month: Fixtures.month("2021-08"), countyCode: "510921", actor: "t").created)
            await #expect(throws: PayrollError.tooFarAhead(month: Fixtures.month("2021-09"), latest: Fixtures.month("2021-08"))) {
                try await store.generate(programme: .dibao, month: Fixtures.month("2021-09"), countyCode: "510921", actor: "t")
            }
        }
    }

    @Test func missingAccountIsHeldNotPaid() async throws {
        try await withTestDatabase { handle async throws in
            let h = Fixtures.household("noacct", account: nil, members: [Fixtures.member("110101199003079163", "甲", .head)])
            try await Fixtures.registerAndEnroll(h, from: "2021-07", on: handle.db)
            let g = try await PayrollStore(handle.db).generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            #expect(g.batch.lineCount == 0)
            #expect(g.holds.map(\.householdID) == ["noacct"])
        }
    }

    @Test func fundTableCountsOnlyExportedBatches() async throws {
        try await withTestDatabase { handle async throws in
            try await enrolledH01(handle)
            let funds = FundStore(handle.db)
            let a = Allocation(year: 2021, source: .central, documentNumber: "川财社〔2021〕1号", date: Fixtures.date("2021-03-01"),
                               amount: .yuan(100_000), programme: nil)
            try await funds.add(a, countyCode: "510921")
            await #expect(throws: StoreError.self) { try await funds.add(a, countyCode: "510921") }
            let store = PayrollStore(handle.db)
            let g = try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            #expect(try await funds.fundTable(countyCode: "510921", year: 2021).totalUsed == .zero)
            _ = try await store.approve(g.batch.id, actor: "t")
            _ = try await store.markExported(g.batch.id, actor: "t")
            let table = try await funds.fundTable(countyCode: "510921", year: 2021)
            #expect(table.totalUsed.yuanString == "900.00")
            #expect(table.used.first { $0.area == .urban }?.amount.yuanString == "900.00")
            #expect(table.balance.yuanString == "99100.00")
            #expect(table.executionRatePercent == "0.90")
            // The next year starts with what was left: 上年结转 99,100.00.
            let next = try await funds.fundTable(countyCode: "510921", year: 2022)
            #expect(next.raised.map(\.source) == [.carriedOver])
            #expect(next.totalRaised.yuanString == "99100.00")
        }
    }
}
