import Domain
import FluentKit
import Persistence
import SQLKit
import TestSupport
import Testing

/// Field case C20 through the database: the July 2021 payee master.
@Suite struct PayeeChecksTests {
    func household(_ id: String, _ person: String, _ name: String, account: String?, holder: String? = nil,
                   phone: String? = nil) -> HouseholdFile {
        var h = Fixtures.household(id, account: account, members: [Fixtures.member(person, name, .head, monthly: [(.wage, "100")])])
        h.accountHolder = holder
        h.phone = phone
        return h
    }

    /// 宋某 paid; 唐某 (account held by 冯某, a cadre) and 邓某 share an account: held with their reasons and
    /// left out of the batch; 许某's phone is shared with 6 other households: flagged, paid.
    func c20(_ db: any Database) async throws {
        for h in [
            household("song", "110101196001011014", "宋某", account: "6217-0000-0000-0001", holder: "宋某"),
            household("tang", "110101196102021035", "唐某", account: "6217-0000-0000-0002", holder: "冯某"),
            household("deng", "110101196203031056", "邓某", account: "6217 0000 0000 0002"),
            household("xu", "110101196304041077", "许某", account: "6217000000000004", phone: "13900000001"),
        ] { try await Fixtures.registerAndEnroll(h, from: "2021-07", on: db) }
        // Six other households (not paid by any programme) give the same phone.
        let others = ["110101196405051098", "110101196506061113", "110101196607071134", "110101196708081155",
                      "110101196809091176", "110101196910101199"]
        for (i, person) in others.enumerated() {
            try await RegistryStore(db).register([household("other\(i)", person, "其他\(i)", account: "62170000000001\(i)0",
                                                            phone: "13900000001")])
        }
    }

    @Test func c20SharedAndCadreControlledAccountsAreHeld() async throws {
        try await withTestDatabase { handle async throws in
            try await c20(handle.db)
            let store = PayrollStore(handle.db)
            let g = try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            let lines = try await store.lines(of: g.batch.id)
            #expect(lines.map(\.householdID).sorted() == ["song", "xu"])
            #expect(g.holds.map { "\($0.householdID) \($0.reason.prefix { $0 != "：" })" }.sorted()
                == ["deng SHARED_ACCOUNT", "tang HOLDER_NOT_BENEFICIARY", "tang SHARED_ACCOUNT"])
            #expect(g.flags.map { "\($0.householdID) \($0.reason.prefix { $0 != "：" })" } == ["xu SHARED_CONTACT"])
            // Kept with the batch: the page and a second request show the same.
            let again = try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            #expect(again.holds.count == 3)
            #expect(again.flags.count == 1)
            // No account number or ID in a reason.
            for h in g.holds + g.flags { #expect(!h.reason.contains("6217") && !h.reason.contains("110101"), "\(h.reason)") }
        }
    }

    /// A release is a recorded decision with its reference; it clears that check for that household and
    /// that account, from the next batch generated.
    @Test func aReleaseIsARecordedDecision() async throws {
        try await withTestDatabase { handle async throws in
            try await c20(handle.db)
            let checks = PayeeCheckStore(handle.db)
            await #expect(throws: StoreError.outOfRange("放行须填写依据（审批文号或会议记录号），未登记 (a release needs its reference)")) {
                try await checks.release(householdID: "deng", check: .sharedAccount, reference: "  ", note: "", actor: "county")
            }
            // No hold yet: nothing to release (never an exemption in advance).
            await #expect(throws: StoreError.conflict("该户没有“收款账号与其他家庭相同”的暂停发放记录，无需放行 (no such hold)")) {
                try await checks.release(householdID: "deng", check: .sharedAccount, reference: "x", note: "", actor: "county")
            }
            let store = PayrollStore(handle.db)
            let draft = try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            try await checks.release(householdID: "deng", check: .sharedAccount, reference: "蓬民〔2021〕88号", note: "核实为本人账户", actor: "county")
            try await store.discardDraft(draft.batch.id, actor: "t")
            #expect(try await checks.releases(householdID: "deng").map(\.reference) == ["蓬民〔2021〕88号"])
            let g = try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            #expect(try await store.lines(of: g.batch.id).map(\.householdID).sorted() == ["deng", "song", "xu"])
            #expect(g.holds.map(\.householdID).sorted() == ["tang", "tang"])
            let audit = try await AuditStore(handle.db).search(.init(householdIDs: ["deng"], actionPrefix: "payee."), limit: 5, offset: 0)
            #expect(audit.entries.map { "\($0.draft.actor) \($0.draft.detail)" } == ["county SHARED_ACCOUNT 依据 蓬民〔2021〕88号"])
            // A new account is checked again: the release was for the old one. (Changed 21 days before June's
            // due day: not "shortly before" at the default 15.)
            try await RegistryStore(handle.db).setBankAccount(householdID: "deng", bankName: "四川农信", account: "6217 0000 0000 0001",
                                                              holder: nil, on: Fixtures.date("2021-05-20"))
            let aug = try await store.generate(programme: .dibao, month: Fixtures.month("2021-08"), countyCode: "510921", actor: "t")
            #expect(aug.holds.map { "\($0.householdID) \($0.reason.prefix { $0 != "：" })" }.sorted()
                == ["deng SHARED_ACCOUNT", "song SHARED_ACCOUNT", "tang HOLDER_NOT_BENEFICIARY"])
        }
    }

    /// An account changed a few days before the due day is held until released (15 days by default).
    @Test func anAccountChangedJustBeforePaymentIsHeld() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(household("song", "110101196001011014", "宋某", account: "6217000000000001"),
                                                 from: "2021-07", on: handle.db)
            try await RegistryStore(handle.db).setBankAccount(householdID: "song", bankName: "邮储银行", account: "6221000000000009",
                                                              holder: nil, on: Fixtures.date("2021-07-03"))
            let h = try #require(try await RegistryStore(handle.db).household("song"))
            #expect(h.accountChangedOn == Fixtures.date("2021-07-03"))
            #expect(h.bankAccount == "6221000000000009")
            let store = PayrollStore(handle.db, today: { Fixtures.date("2021-07-05") })
            let july = try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            #expect(july.holds.map { $0.reason.prefix { $0 != "：" } } == ["ACCOUNT_CHANGED"])
            #expect(july.batch.lineCount == 0)
            // A month later, still not released: still held (the hold stands until a decision).
            let later = PayrollStore(handle.db, today: { Fixtures.date("2021-08-30") })
            let sept = try await later.generate(programme: .dibao, month: Fixtures.month("2021-09"), countyCode: "510921", actor: "t")
            #expect(sept.holds.map { $0.reason.prefix { $0 != "：" } } == ["ACCOUNT_CHANGED"])
            try await later.discardDraft(sept.batch.id, actor: "t")
            try await PayeeCheckStore(handle.db).release(householdID: "song", check: .accountChanged, reference: "电话核实 2021-07-05",
                                                         note: "本人到乡镇确认", actor: "county")
            let aug = try await later.generate(programme: .dibao, month: Fixtures.month("2021-08"), countyCode: "510921", actor: "t")
            #expect(aug.holds.isEmpty)
            #expect(try await later.lines(of: aug.batch.id).map(\.bankAccount) == ["6221000000000009"])
        }
    }
}
