import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing

/// 临时救助 end to end in the stores (rules.md §3): 先行救助 from the township's reserve fund with the
/// paperwork deadline, the full chain with township or county approval, the yearly cap across cases
/// (field case C07), payment once by payroll or at once, an applicant with no registered household, and
/// the fund table's row.
@Suite struct TemporaryCaseTests {
    let d = Fixtures.date
    static let township = DivisionCode("510921112")!
    /// Every step is dated in 2021; "today" is the last day of that year.
    static func store(_ db: any Database) -> TemporaryCaseStore {
        TemporaryCaseStore(db, today: { Fixtures.date("2021-12-31") })
    }

    static func visit(_ date: String) -> HomeVisit {
        HomeVisit(date: Fixtures.date(date), investigators: ["王", "李"], findings: "房屋失火，生活用品损毁")
    }

    func allot(_ db: any Database, _ yuan: String) async throws {
        try await ReserveFundStore(db).allot(countyCode: "510921", township: Self.township, on: d("2021-01-05"),
                                             amount: try Money(yuan: yuan), document: "蓬民发〔2021〕1号", actor: "county")
    }

    /// 急难型 2 months → 1,200.00 paid first on 03-01 from the reserve (5,000.00 → 3,800.00); paperwork due
    /// 5 WD later (03-08), overdue on 03-09, completed late on 03-10; the fund table's 临时救助 row is 1,200.00.
    @Test func assistFirstThenPaperwork() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary()]) { handle in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            try await allot(handle.db, "5000")
            let store = Self.store(handle.db)
            let id = try await store.open(.household(id: "h01"), type: .emergency, cause: "房屋失火",
                                          size: .months(Ratio(2, 1)), acceptedOn: d("2021-03-01"), actor: "town")
            #expect(try await store.temporaryCase(id).deadline == d("2021-03-22"))
            let paid = try await store.assistFirst(id, on: d("2021-03-01"), actor: "town")
            #expect(paid.temporaryCase.state == .assistedFirst)
            #expect(paid.temporaryCase.amount == Money(fen: 120_000))
            #expect(paid.temporaryCase.paperworkDue == d("2021-03-08"))
            #expect(paid.paidFromReserveOn == d("2021-03-01"))
            #expect(paid.policyVersion == "510921/2021-01")
            #expect(paid.trace.map(\.step).contains("审批"))
            #expect(!paid.temporaryCase.paperworkOverdue(today: d("2021-03-08")))
            #expect(paid.temporaryCase.paperworkOverdue(today: d("2021-03-09")))
            #expect(try await ReserveFundStore(handle.db).balances(in: .county("510921"))
                == [ReserveFundBalance(townshipCode: "510921112000", allotted: Money(fen: 500_000), paid: Money(fen: 120_000))])
            // Paid first: it cannot be refused any more, only completed.
            await #expect(throws: TemporaryCaseError.alreadyPaidFirst) {
                try await store.refuse(id, on: d("2021-03-05"), reason: "不符合", actor: "town")
            }
            await #expect(throws: TemporaryCaseError.missing("调查核实记录")) {
                try await store.townshipDecision(id, on: d("2021-03-05"), opinion: "同意", payment: .reserveFund, actor: "town")
            }
            try await store.recordInvestigation(id, Self.visit("2021-03-09"), actor: "town")
            let done = try await store.townshipDecision(id, on: d("2021-03-10"), opinion: "补齐手续，同意救助", payment: .payroll, actor: "town")
            #expect(done.temporaryCase.state == .approved)
            #expect(done.temporaryCase.payment == .reserveFund)
            #expect(done.temporaryCase.paperworkLate)
            // Paid once: the reserve holds one payment, and no payroll batch lists it.
            #expect(try await ReserveFundStore(handle.db).balances(in: .county("510921")).map(\.balance) == [Money(fen: 380_000)])
            let gen = try await PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
                .generate(programme: .temporary, month: Fixtures.month("2021-03"), countyCode: "510921", actor: "county")
            #expect(gen.batch.lineCount == 0)
            #expect(gen.waitingGrants == 0)
            let uses = try await FundStore(handle.db).uses(countyCode: "510921", year: 2021, programmes: [.temporary])
            #expect(uses == [FundUse(programme: .temporary, area: nil, amount: Money(fen: 120_000))])
            let events = try await store.events(of: id).map(\.event.chinese)
            #expect(events == ["先行救助", "登记调查核实", "乡镇审核"])
        }
    }

    /// Bad input on the 先行救助 path, each refused with its own error and nothing written.
    @Test func assistFirstRefusals() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary()]) { handle in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let store = Self.store(handle.db)
            let expenditure = try await store.open(.household(id: "h01"), type: .expenditure, cause: "住院",
                                                   size: .months(Ratio(5, 1)), acceptedOn: d("2021-03-01"), actor: "town")
            await #expect(throws: TemporaryCaseError.assistFirstOnlyEmergency(.expenditure)) {
                try await store.assistFirst(expenditure, on: d("2021-03-01"), actor: "town")
            }
            try await store.refuse(expenditure, on: d("2021-03-02"), reason: "已由医疗救助解决", actor: "town")
            // 3 months = 1,800.00 is above the township's 1,200.00: not a small-amount assist-first.
            let big = try await store.open(.household(id: "h01"), type: .emergency, cause: "车祸",
                                           size: .months(Ratio(3, 1)), acceptedOn: d("2021-03-03"), actor: "town")
            await #expect(throws: TemporaryCaseError.assistFirstAboveLimit(Money(fen: 180_000))) {
                try await store.assistFirst(big, on: d("2021-03-03"), actor: "town")
            }
            try await store.refuse(big, on: d("2021-03-03"), reason: "改按支出型办理", actor: "town")
            // Within the limit but the township's reserve is empty.
            let small = try await store.open(.household(id: "h01"), type: .emergency, cause: "车祸",
                                             size: .months(Ratio(2, 1)), acceptedOn: d("2021-03-04"), actor: "town")
            await #expect(throws: ReserveFundError.insufficient(township: "三凤镇", balance: .zero, needed: Money(fen: 120_000), payrollPossible: false)) {
                try await store.assistFirst(small, on: d("2021-03-04"), actor: "town")
            }
            #expect(try await store.temporaryCase(small).temporaryCase.state == .accepted)
            #expect(try await ReserveFundStore(handle.db).balances(in: .county("510921")) == [])
            await #expect(throws: TemporaryCaseStoreError.openCaseExists(small)) {
                try await store.open(.household(id: "h01"), type: .emergency, cause: "再次", size: .months(Ratio(2, 1)),
                                     acceptedOn: d("2021-03-04"), actor: "town")
            }
        }
    }

    /// A region whose policy sets no paperwork limit: 先行救助 is refused by name, never given a guessed limit.
    @Test func assistFirstNeedsThePolicysPaperworkLimit() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary(paperwork: false)]) { handle in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            try await allot(handle.db, "5000")
            let store = Self.store(handle.db)
            let id = try await store.open(.household(id: "h01"), type: .emergency, cause: "房屋失火",
                                          size: .months(Ratio(2, 1)), acceptedOn: d("2021-03-01"), actor: "town")
            await #expect(throws: TemporaryCaseStoreError.noPaperworkLimit(version: "510921/2021-01")) {
                try await store.assistFirst(id, on: d("2021-03-01"), actor: "town")
            }
            #expect(try await ReserveFundStore(handle.db).balances(in: .county("510921")).map(\.paid) == [.zero])
        }
    }

    /// The bundled Pengxi policy configures no 临时救助 (rules.md §3.3 UNCONFIRMED): a case is refused at intake.
    @Test func bundledPolicyConfiguresNoTemporary() async throws {
        try await withTestDatabase { handle in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            await #expect(throws: PolicyError.programmeNotConfigured(programme: "temporary", version: "510921/2021-01")) {
                try await Self.store(handle.db).open(.household(id: "h01"), type: .emergency, cause: "火灾",
                                                     size: .months(Ratio(2, 1)), acceptedOn: Fixtures.date("2021-03-01"), actor: "t")
            }
        }
    }

    /// 支出型 6 months = 3,600.00, cut to the yearly cap 3,000.00 (CAPPED, C07), above the township's limit →
    /// the county approves → paid once in the March 临时救助 batch, never again in April; a second case the
    /// same year finds the cap used (YEARLY_CAP_REACHED).
    @Test func countyApprovalPaidOnceByPayroll() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary()]) { handle in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let store = Self.store(handle.db)
            let id = try await store.open(.household(id: "h01"), type: .expenditure, cause: "子女重病住院，自付医疗费 4 万元",
                                          size: .months(Ratio(6, 1)), acceptedOn: d("2021-03-01"), actor: "town")
            try await store.recordInvestigation(id, Self.visit("2021-03-03"), actor: "town")
            let reviewed = try await store.townshipDecision(id, on: d("2021-03-08"), opinion: "拟救助", payment: .payroll, actor: "town")
            #expect(reviewed.temporaryCase.state == .countyReview)
            #expect(reviewed.temporaryCase.amount == Money(fen: 300_000))
            #expect(reviewed.temporaryCase.approver == .county)
            #expect(reviewed.trace.map(\.step).contains("封顶"))
            let approved = try await store.countyApprove(id, on: d("2021-03-15"), opinion: "同意", actor: "county")
            #expect(approved.temporaryCase.state == .approved)
            #expect(approved.paidFromReserveOn == nil)
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            // A February batch does not pick up a grant approved in March.
            let feb = try await payroll.generate(programme: .temporary, month: Fixtures.month("2021-02"), countyCode: "510921", actor: "c")
            #expect(feb.batch.lineCount == 0)
            let march = try await payroll.generate(programme: .temporary, month: Fixtures.month("2021-03"), countyCode: "510921", actor: "c")
            #expect(march.batch.lineCount == 1)
            #expect(march.batch.total == Money(fen: 300_000))
            let lines = try await payroll.lines(of: march.batch.id)
            #expect(lines.map(\.grantID) == [id])
            #expect(lines.map(\.payeeName) == ["张某甲"])
            #expect(try await store.temporaryCase(id).payrollBatch?.month == Fixtures.month("2021-03"))
            let april = try await payroll.generate(programme: .temporary, month: Fixtures.month("2021-04"), countyCode: "510921", actor: "c")
            #expect(april.batch.lineCount == 0)
            #expect(try await payroll.generate(programme: .temporary, month: Fixtures.month("2021-03"), countyCode: "510921", actor: "c")
                .waitingGrants == 0)
            // Discarding the March draft frees the grant for the next batch generated, still once.
            try await payroll.discardDraft(march.batch.id, actor: "c")
            let again = try await payroll.generate(programme: .temporary, month: Fixtures.month("2021-03"), countyCode: "510921", actor: "c")
            #expect(again.batch.lineCount == 1)
            // The cap is used: a new case this year gets nothing.
            let second = try await store.open(.household(id: "h01"), type: .emergency, cause: "再次失火",
                                              size: .months(Ratio(2, 1)), acceptedOn: d("2021-05-06"), actor: "town")
            try await store.recordInvestigation(second, Self.visit("2021-05-07"), actor: "town")
            await #expect(throws: TemporaryCaseStoreError.notEligible(["本年度已达到临时救助累计上限"])) {
                try await store.townshipDecision(second, on: d("2021-05-08"), opinion: "拟救助", payment: .payroll, actor: "town")
            }
        }
    }

    /// A grant reviewed by the township in December under that year's cap, approved by the county in
    /// January under the next year's: the county's approval is refused naming both amounts, the county
    /// sends the case back, and the township decides it anew.
    @Test func countyApprovalRecomputesTheCap() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary()]) { handle in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            try await allot(handle.db, "5000")
            let store = TemporaryCaseStore(handle.db, today: { Fixtures.date("2022-03-31") })
            let first = try await store.open(.household(id: "h01"), type: .emergency, cause: "火灾", size: .months(Ratio(2, 1)),
                                             acceptedOn: d("2021-06-01"), actor: "town")
            try await store.recordInvestigation(first, Self.visit("2021-06-02"), actor: "town")
            try await store.townshipDecision(first, on: d("2021-06-03"), opinion: "同意", payment: .reserveFund, actor: "town")
            let id = try await store.open(.household(id: "h01"), type: .expenditure, cause: "住院",
                                          size: .months(Ratio(5, 1)), acceptedOn: d("2021-12-20"), actor: "town")
            try await store.recordInvestigation(id, Self.visit("2021-12-21"), actor: "town")
            // 2021: 3,000.00 asked, 1,200.00 already granted → 1,800.00 (CAPPED), above the township's limit.
            #expect(try await store.townshipDecision(id, on: d("2021-12-28"), opinion: "拟救助", payment: .payroll, actor: "t")
                .temporaryCase.amount == Money(fen: 180_000))
            await #expect(throws: TemporaryCaseStoreError.amountChanged(reviewed: Money(fen: 180_000), now: Money(fen: 300_000))) {
                try await store.countyApprove(id, on: d("2022-01-04"), opinion: "同意", actor: "county")
            }
            #expect(try await store.temporaryCase(id).temporaryCase.state == .countyReview)
            let back = try await store.returnToTownship(id, on: d("2022-01-04"), reason: "跨年度，重新测算", actor: "county")
            #expect(back.temporaryCase.state == .accepted)
            #expect(back.temporaryCase.amount == nil)
            #expect(TemporaryWorkflow.nextSteps(for: back.temporaryCase) == ["recordInvestigation", "townshipDecision", "refuse"])
            #expect(try await store.townshipDecision(id, on: d("2022-01-05"), opinion: "重新审核", payment: .payroll, actor: "t")
                .temporaryCase.amount == Money(fen: 300_000))
            #expect(try await store.countyApprove(id, on: d("2022-01-06"), opinion: "同意", actor: "county").temporaryCase.state == .approved)
        }
    }

    /// A registered member cannot be taken in as a person with no household (the cap is the household's),
    /// and one open case at a time holds for the household and each of its members.
    @Test func registeredMembersApplyThroughTheirHousehold() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary()]) { handle in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let store = Self.store(handle.db)
            await #expect(throws: TemporaryCaseStoreError.registeredMember(householdID: "h01", name: "李某")) {
                try await store.open(.person(name: "李某", residentID: try ResidentID("110101197708029247"), hukouPlace: "蓬溪县",
                                             township: Self.township, area: .urban),
                                     type: .emergency, cause: "交通事故", size: .months(Ratio(2, 1)), acceptedOn: Fixtures.date("2021-03-04"), actor: "t")
            }
        }
    }

    /// A type the policy does not configure is refused at intake, by name.
    @Test func unconfiguredTypeRefusedAtIntake() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary(special: false)]) { handle in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            await #expect(throws: TemporaryCaseStoreError.typeNotConfigured(.special, version: "510921/2021-01")) {
                try await Self.store(handle.db).open(.household(id: "h01"), type: .special, cause: "重大疾病", size: .months(Ratio(12, 1)),
                                                     acceptedOn: Fixtures.date("2021-03-04"), actor: "t")
            }
            await #expect(throws: TemporaryCaseError.textInvalid(field: "困难情形", reason: FreeText.Problem.controlCharacter.message)) {
                try await Self.store(handle.db).open(.household(id: "h01"), type: .emergency, cause: "火灾\u{07}", size: .months(Ratio(2, 1)),
                                                     acceptedOn: Fixtures.date("2021-03-04"), actor: "t")
            }
            await #expect(throws: TemporaryCaseError.missing("困难情形")) {
                try await Self.store(handle.db).open(.household(id: "h01"), type: .emergency, cause: "\u{200B} ", size: .months(Ratio(2, 1)),
                                                     acceptedOn: Fixtures.date("2021-03-04"), actor: "t")
            }
            #expect(try await Self.store(handle.db).list(in: .county("510921"), openOnly: false).isEmpty)
        }
    }

    /// An applicant with no registered household (no local hukou): helped where the emergency happened,
    /// paid at once from the reserve, never through the bank-card payroll.
    @Test func applicantWithoutRegisteredHousehold() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary()]) { handle in
            try await allot(handle.db, "2000")
            let store = Self.store(handle.db)
            let id = try await store.open(.person(name: "外地务工人员甲", residentID: try ResidentID("110101197503149130"),
                                                  hukouPlace: "重庆市合川区", township: Self.township, area: .urban),
                                          type: .emergency, cause: "工伤住院，无收入", size: .amount(Money(fen: 150_000)),
                                          acceptedOn: d("2021-06-01"), actor: "town")
            try await store.recordInvestigation(id, Self.visit("2021-06-02"), actor: "town")
            await #expect(throws: TemporaryCaseStoreError.payrollNeedsHousehold) {
                try await store.townshipDecision(id, on: d("2021-06-03"), opinion: "同意", payment: .payroll, actor: "town")
            }
            // 1,500.00 is above the township's 1,200.00: the county approves, then the reserve pays.
            let reviewed = try await store.townshipDecision(id, on: d("2021-06-03"), opinion: "拟救助", payment: .reserveFund, actor: "town")
            #expect(reviewed.temporaryCase.state == .countyReview)
            let approved = try await store.countyApprove(id, on: d("2021-06-04"), opinion: "同意", actor: "county")
            #expect(approved.paidFromReserveOn == d("2021-06-04"))
            #expect(approved.householdID == nil)
            #expect(approved.hukouPlace == "重庆市合川区")
            #expect(try await ReserveFundStore(handle.db).balances(in: .county("510921")).map(\.balance) == [Money(fen: 50_000)])
            await #expect(throws: StoreError.notFound(what: "本县乡镇（急难发生地）", id: "510921999000")) {
                try await store.open(.person(name: "乙", residentID: try ResidentID("110101197708029247"), hukouPlace: "成都",
                                             township: DivisionCode("510921999")!, area: .urban),
                                     type: .emergency, cause: "x", size: .months(Ratio(2, 1)), acceptedOn: Fixtures.date("2021-06-01"), actor: "t")
            }
        }
    }

    /// Field case C07 through the stores, cap 5,300.00 per household per year: 蒋某 1,800.00 (not the cap);
    /// 沈某 4,000.00 in March, then 2,000.00 asked in October → 1,300.00 CAPPED; 杨某 6,000.00 → 5,300.00
    /// CAPPED; total 8,400.00.
    @Test func fieldCaseC07() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary(cap: "5300.00")]) { handle in
            let people = [("jiang", "110101197503149130", "蒋某"), ("shen", "110101197708029247", "沈某"), ("yang", "110101194408169738", "杨某")]
            try await RegistryStore(handle.db).register(people.map { Fixtures.household($0.0, members: [Fixtures.member($0.1, $0.2, .head)]) })
            let store = Self.store(handle.db)
            func grant(_ household: String, _ type: TemporaryType, _ yuan: String, accepted: String, decided: String) async throws -> StoredTemporaryCase {
                let id = try await store.open(.household(id: household), type: type, cause: "困难", size: .amount(try Money(yuan: yuan)),
                                              acceptedOn: d(accepted), actor: "town")
                try await store.recordInvestigation(id, Self.visit(accepted), actor: "town")
                let reviewed = try await store.townshipDecision(id, on: d(accepted), opinion: "拟救助", payment: .payroll, actor: "town")
                return reviewed.temporaryCase.state == .countyReview
                    ? try await store.countyApprove(id, on: d(decided), opinion: "同意", actor: "county") : reviewed
            }
            let jiang = try await grant("jiang", .emergency, "1800", accepted: "2021-10-08", decided: "2021-10-12")
            _ = try await grant("shen", .expenditure, "4000", accepted: "2021-03-01", decided: "2021-03-10")
            let shen = try await grant("shen", .emergency, "2000", accepted: "2021-10-08", decided: "2021-10-12")
            let yang = try await grant("yang", .expenditure, "6000", accepted: "2021-10-08", decided: "2021-10-12")
            #expect([jiang, shen, yang].map(\.temporaryCase.amount) == [Money(fen: 180_000), Money(fen: 130_000), Money(fen: 530_000)])
            #expect([jiang, shen, yang].map { $0.trace.map(\.step).contains("封顶") } == [false, true, true])
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            // 沈某's March grant is paid by the March batch; October's pays the three October grants.
            let march = try await payroll.generate(programme: .temporary, month: Fixtures.month("2021-03"), countyCode: "510921", actor: "c")
            #expect(march.batch.total == Money(fen: 400_000))
            let october = try await payroll.generate(programme: .temporary, month: Fixtures.month("2021-10"), countyCode: "510921", actor: "c")
            #expect(october.batch.total == Money(fen: 840_000))
            #expect(october.batch.lineCount == 3)
        }
    }

    /// A 先行救助 on 12-30 whose paperwork is completed in January stays a grant of December: January's
    /// new case finds the whole next year's cap.
    @Test func grantCountsInTheYearItWasPaid() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary()]) { handle in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            try await allot(handle.db, "5000")
            let store = TemporaryCaseStore(handle.db, today: { Fixtures.date("2022-03-31") })
            let id = try await store.open(.household(id: "h01"), type: .emergency, cause: "火灾", size: .months(Ratio(2, 1)),
                                          acceptedOn: d("2021-12-30"), actor: "town")
            try await store.assistFirst(id, on: d("2021-12-30"), actor: "town")
            try await store.recordInvestigation(id, Self.visit("2022-01-04"), actor: "town")
            try await store.townshipDecision(id, on: d("2022-01-05"), opinion: "补齐", payment: .reserveFund, actor: "town")
            #expect(try await store.granted(in: .county("510921"), year: 2021) == (1, Money(fen: 120_000)))
            #expect(try await store.granted(in: .county("510921"), year: 2022) == (0, .zero))
            let next = try await store.open(.household(id: "h01"), type: .expenditure, cause: "住院", size: .months(Ratio(5, 1)),
                                            acceptedOn: d("2022-01-10"), actor: "town")
            #expect(try await store.assess(next, on: d("2022-01-10")).oneOff?.amount == Money(fen: 300_000))
        }
    }

    /// The reserve ledger refuses an allotment dated after today, to a township that does not exist, or
    /// recorded twice; a payment is covered only by money allotted on or before its date.
    @Test func reserveFundLedgerRefusals() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary()]) { handle in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let reserve = ReserveFundStore(handle.db, today: { Fixtures.date("2021-12-31") })
            func allot(_ township: String, _ date: String, _ document: String) async throws {
                try await reserve.allot(countyCode: "510921", township: DivisionCode(township)!, on: d(date), amount: Money(fen: 200_000),
                                        document: document, actor: "county")
            }
            await #expect(throws: ReserveFundError.dateInFuture(d("2022-01-01"), today: d("2021-12-31"))) {
                try await allot("510921112000", "2022-01-01", "甲")
            }
            await #expect(throws: StoreError.notFound(what: "本县乡镇", id: "510921999000")) { try await allot("510921999000", "2021-03-01", "乙") }
            await #expect(throws: StoreError.notFound(what: "本县乡镇", id: "510921112243")) { try await allot("510921112243", "2021-03-01", "乙") }
            try await allot("510921112000", "2021-03-10", "丙")
            await #expect(throws: ReserveFundError.documentRecorded("丙")) { try await allot("510921112000", "2021-03-11", "丙") }
            // A 先行救助 on 03-01 is not covered by the allotment of 03-10.
            let store = Self.store(handle.db)
            let id = try await store.open(.household(id: "h01"), type: .emergency, cause: "火灾", size: .months(Ratio(2, 1)),
                                          acceptedOn: d("2021-03-01"), actor: "town")
            await #expect(throws: ReserveFundError.insufficient(township: "三凤镇", balance: .zero, needed: Money(fen: 120_000), payrollPossible: false)) {
                try await store.assistFirst(id, on: d("2021-03-01"), actor: "town")
            }
            #expect(try await store.assistFirst(id, on: d("2021-03-10"), actor: "town").paidFromReserveOn == d("2021-03-10"))
            #expect(try await reserve.entries(countyCode: "510921", township: "510921112000").map(\.kind) == [.allotment, .payment])
        }
    }

    /// A policy version a grant was computed under cannot be changed in place; the policy page counts it.
    @Test func grantsCiteTheirPolicyVersion() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary()]) { handle in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let store = Self.store(handle.db)
            let id = try await store.open(.household(id: "h01"), type: .emergency, cause: "火灾", size: .months(Ratio(2, 1)),
                                          acceptedOn: d("2021-03-01"), actor: "town")
            try await store.recordInvestigation(id, Self.visit("2021-03-02"), actor: "town")
            try await store.townshipDecision(id, on: d("2021-03-03"), opinion: "同意", payment: .payroll, actor: "town")
            #expect(try await PolicyStore(handle.db).versions().map(\.decisions) == [1])
            do {
                _ = try await PolicyStore(handle.db).importFile(Fixtures.pengxiWithTemporary(cap: "9000.00"), fileSHA256: "x", actor: "t")
                Issue.record("a version a grant cites was changed")
            } catch let StoreError.conflict(message) {
                #expect(message.contains("temporary.yearlyCap"))
                #expect(message.contains("已有 1 条决定按该版本计算，不能修改"))
            }
        }
    }

    /// A grant approved after its month's batch was generated is said to wait, and a regenerated draft
    /// lists it.
    @Test func grantApprovedAfterTheDraftWaits() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary()]) { handle in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-12-31") })
            let draft = try await payroll.generate(programme: .temporary, month: Fixtures.month("2021-03"), countyCode: "510921", actor: "c")
            #expect(draft.batch.lineCount == 0)
            let store = Self.store(handle.db)
            let id = try await store.open(.household(id: "h01"), type: .emergency, cause: "火灾", size: .months(Ratio(2, 1)),
                                          acceptedOn: d("2021-03-01"), actor: "town")
            try await store.recordInvestigation(id, Self.visit("2021-03-02"), actor: "town")
            try await store.townshipDecision(id, on: d("2021-03-03"), opinion: "同意", payment: .payroll, actor: "town")
            #expect(try await payroll.generate(programme: .temporary, month: Fixtures.month("2021-03"), countyCode: "510921", actor: "c")
                .waitingGrants == 1)
            try await payroll.discardDraft(draft.batch.id, actor: "c")
            let again = try await payroll.generate(programme: .temporary, month: Fixtures.month("2021-03"), countyCode: "510921", actor: "c")
            #expect(again.batch.total == Money(fen: 120_000))
            #expect(again.waitingGrants == 0)
        }
    }

    /// A grant outside the type's range is refused by the assessment (OUTSIDE_RANGE), not clamped.
    @Test func outsideTheRangeIsRefused() async throws {
        try await withTestDatabase(policies: [Fixtures.pengxiWithTemporary()]) { handle in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let store = Self.store(handle.db)
            let id = try await store.open(.household(id: "h01"), type: .emergency, cause: "火灾", size: .months(Ratio(5, 1)),
                                          acceptedOn: d("2021-03-01"), actor: "town")
            try await store.recordInvestigation(id, Self.visit("2021-03-02"), actor: "town")
            await #expect(throws: TemporaryCaseStoreError.notEligible(["申请金额不在本类型临时救助的标准范围内（1200.00–2400.00 元）"])) {
                try await store.townshipDecision(id, on: d("2021-03-03"), opinion: "拟救助", payment: .payroll, actor: "town")
            }
            #expect(try await store.temporaryCase(id).temporaryCase.state == .accepted)
        }
    }
}
