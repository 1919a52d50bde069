import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing

/// A member-level programme defined only here, to prove that stores pay what any `ProgrammeRules`
/// decides without a change outside Domain: one line per enrolled member, components carried through,
/// held when the member is no longer active.
struct MemberAllowanceRules: ProgrammeRules {
    var programme: Programme { .orphan }
    var recipient: RecipientKind { .member }
    var cadence: PaymentCadence { .monthly }
    var fundUseByArea: Bool { false }
    var refusalSource: String { "test" }
    var reviewSource: String { "test" }
    var noticeCitations: NoticeCitations { NoticeCitations(publicNotice: "", refusalNotice: "", appeal: "") }

    func assess(_ input: AssessmentInput, policy: Policy) throws(AssessmentError) -> BenefitDecision {
        let amount = Money.yuan(900)
        return BenefitDecision(programme: programme, month: input.month, area: input.household.area, eligible: true,
                               householdSize: 1, subject: input.subject, standard: amount, perCapitaIncome: nil,
                               monthlyBenefit: amount + .yuan(100),
                               components: [AmountComponent(.basic, amount), AmountComponent(.topUp, .yuan(100))],
                               reasons: [], trace: [], policyVersion: policy.version)
    }

    func hold(_ e: PayableEnrollment, policy: Policy) -> PayrollHold? {
        guard let status = e.memberStatus, status != .active else { return nil }
        return PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: e.memberName ?? "—",
                           reason: "RECIPIENT_NOT_ACTIVE：\(status.chinese)")
    }

    func deadlines(policy: Policy) -> [ProcedureDeadline] { [] }
    func procedureDeadline(acceptedOn: CivilDate, extended: Bool, policy: Policy,
                           calendar: WorkCalendar) throws(WorkCalendarError) -> CivilDate? {
        try calendar.adding(workingDays: 15, to: acceptedOn)
    }
    func procedureLimitText(extended: Bool, policy: Policy) -> String { "15 个工作日" }
    var allowsRecordedExtension: Bool { false }
    var countySpotCheckShare: Ratio? { nil }
    func paymentLabel(area: Area?) -> String { "测试津贴" }
}

@Suite struct ProgrammeSeamTests {
    /// Two children of one household enrolled one by one: one line each (the recipient is the member),
    /// the components stored and read back, the same month not paid twice, and a child who moved out held.
    @Test func memberLevelProgrammePaysEachMemberWithComponents() async throws {
        try await withTestDatabase { handle async throws in
            let household = Fixtures.household("kids", members: [
                Fixtures.member("110101197503149130", "祖母", .head),
                Fixtures.member("110101201005010012", "甲", .grandchild),
                Fixtures.member("110101201207070021", "乙", .grandchild),
            ])
            try await RegistryStore(handle.db).register([household])
            let rules = MemberAllowanceRules()
            var items: [EnrollmentStore.BulkDecision] = []
            for id in ["110101201005010012", "110101201207070021"] {
                let rid = try ResidentID(id)
                let memberID = try await RegistryStore(handle.db).memberID(of: rid)
                let d = try rules.assess(AssessmentInput(household: household.composition, month: Fixtures.month("2021-07"),
                                                         subject: rid), policy: .pengxi2021)
                items.append(.init(householdID: "kids", memberID: memberID, countyCode: "510921",
                                   decidedOn: Fixtures.date("2021-06-20"), decision: d))
            }
            let decided = items
            try await handle.db.transaction { tx in try await EnrollmentStore.bulkApprove(decided, on: tx) }
            let store = PayrollStore(handle.db)
            let g = try await store.generate(rules: rules, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            #expect(g.batch.programme == .orphan)
            #expect(g.batch.lineCount == 2)
            #expect(g.batch.total.yuanString == "2000.00")
            let lines = try await store.lines(of: g.batch.id)
            #expect(Set(lines.compactMap(\.memberID)) == Set(items.compactMap(\.memberID)))
            #expect(lines.map(\.components) == Array(repeating: [AmountComponent(.basic, .yuan(900)), AmountComponent(.topUp, .yuan(100))], count: 2))
            #expect(try await store.generate(rules: rules, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t").created == false)
            // 乙 moves out: August holds her line, pays 甲.
            try await RegistryStore(handle.db).setStatus(of: try ResidentID("110101201207070021"), to: .movedOut,
                                                         since: Fixtures.date("2021-07-20"))
            let august = try await PayrollStore(handle.db, today: { Fixtures.date("2021-08-01") })
                .generate(rules: rules, month: Fixtures.month("2021-08"), countyCode: "510921", actor: "t")
            #expect(august.batch.lineCount == 1)
            #expect(august.holds.map(\.memberID) == [items[1].memberID])
            #expect(august.holds.map { $0.reason.prefix(while: { $0 != "：" }) } == ["RECIPIENT_NOT_ACTIVE"])
            // The 低保 batch of the same month is a batch of its own and pays none of these.
            #expect(try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t").batch.lineCount == 0)
        }
    }

    /// A programme without rules is refused by name before anything is written; one that pays in kind
    /// (the relief station) has no payroll batch.
    @Test func programmesWithoutRulesOrMonthlyPayAreRefused() async throws {
        try await withTestDatabase { handle async throws in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            await #expect(throws: ProgrammeError.notImplemented(.vagrantRelief)) {
                try await ApplicationStore(handle.db).open(householdID: "h01", programme: .vagrantRelief,
                                                           acceptedOn: Fixtures.date("2021-07-01"), closeRelative: false, actor: "t")
            }
            #expect(try await ApplicationStore(handle.db).list(in: .county("510921"), openOnly: false).isEmpty)
            await #expect(throws: ProgrammeError.notImplemented(.vagrantRelief)) {
                try await PayrollStore(handle.db).generate(programme: .vagrantRelief, month: Fixtures.month("2021-07"),
                                                           countyCode: "510921", actor: "t")
            }
            struct InKind: ProgrammeRules {
                var base = MemberAllowanceRules()
                var programme: Programme { .vagrantRelief }
                var recipient: RecipientKind { .person }
                var cadence: PaymentCadence { .inKind }
                var fundUseByArea: Bool { false }
                var refusalSource: String { "" }
                var reviewSource: String { "" }
                var noticeCitations: NoticeCitations { base.noticeCitations }
                func assess(_ input: AssessmentInput, policy: Policy) throws(AssessmentError) -> BenefitDecision {
                    try base.assess(input, policy: policy)
                }
                func hold(_ e: PayableEnrollment, policy: Policy) -> PayrollHold? { nil }
                func deadlines(policy: Policy) -> [ProcedureDeadline] { [] }
                func procedureDeadline(acceptedOn: CivilDate, extended: Bool, policy: Policy,
                                       calendar: WorkCalendar) throws(WorkCalendarError) -> CivilDate? { acceptedOn }
                func procedureLimitText(extended: Bool, policy: Policy) -> String { "" }
                var allowsRecordedExtension: Bool { false }
                var countySpotCheckShare: Ratio? { nil }
                func paymentLabel(area: Area?) -> String { "" }
            }
            await #expect(throws: PayrollError.notPaidByPayroll("流浪乞讨")) {
                try await PayrollStore(handle.db).generate(rules: InKind(), month: Fixtures.month("2021-07"),
                                                           countyCode: "510921", actor: "t")
            }
            #expect(try await PayrollStore(handle.db).batches(countyCode: "510921").isEmpty)
        }
    }

    /// Rows of a programme without rules that reached the database another way are refused at every
    /// step, not only at the decision.
    @Test func rowsOfProgrammesWithoutRulesAreRefusedAtEveryStep() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: handle.db)
            let payroll = PayrollStore(handle.db)
            let g = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            let applications = ApplicationStore(handle.db)
            let app = try await applications.open(householdID: "h01", programme: .dibao, acceptedOn: Fixtures.date("2021-07-01"),
                                                  closeRelative: false, actor: "t")
            let sql = handle.db as! any SQLDatabase
            try await sql.raw("UPDATE payroll_batches SET programme = 'vagrant-relief'").run()
            try await sql.raw("UPDATE applications SET programme = 'vagrant-relief'").run()
            await #expect(throws: ProgrammeError.notImplemented(.vagrantRelief)) { try await payroll.approve(g.batch.id, actor: "t") }
            await #expect(throws: ProgrammeError.notImplemented(.vagrantRelief)) {
                try await applications.record(.recordInformationCheck(on: Fixtures.date("2021-07-02"), summary: "无异常"), on: app, actor: "t")
            }
            #expect(try await payroll.batch(id: g.batch.id).state == .draft)
            #expect(try await applications.events(of: app).isEmpty)
        }
    }

    /// A batch pays a recipient once: a second line for the same household is refused by the database.
    @Test func aRecipientIsPaidOncePerBatch() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: handle.db)
            let g = try await PayrollStore(handle.db).generate(programme: .dibao, month: Fixtures.month("2021-07"),
                                                               countyCode: "510921", actor: "t")
            let sql = handle.db as! any SQLDatabase
            // The database's own words for the unique key on (batch, recipient).
            let expected = handle.settings.isPostgres ? "uq_payroll_lines_recipient" : "payroll_lines.batch_id, payroll_lines.recipient_key"
            let refused = await #expect(throws: (any Error).self) {
                try await sql.raw("""
                    INSERT INTO payroll_lines (id, batch_id, seq, household_id, member_id, recipient_key, township_code,
                      village_code, area, payee_name, payee_resident_id, bank_account, household_size, amount_fen, components)
                    SELECT 'dup', batch_id, 2, household_id, NULL, recipient_key, township_code, village_code, area, payee_name,
                      payee_resident_id, bank_account, household_size, amount_fen, components
                    FROM payroll_lines WHERE batch_id = \(bind: g.batch.id)
                    """).run()
            }
            #expect(String(reflecting: try #require(refused)).contains(expected))
            #expect(try await PayrollStore(handle.db).lines(of: g.batch.id).count == 1)
        }
    }

    /// A stored value that does not parse is an error naming the table, column and value: never a default.
    @Test(arguments: [
        ("UPDATE enrollments SET programme = 'dibaoo'", StoreError.unreadable(table: "enrollments", column: "programme", value: "dibaoo")),
        ("UPDATE enrollments SET area = 'suburban'", StoreError.unreadable(table: "enrollments", column: "area", value: "suburban")),
        ("UPDATE enrollments SET components = '[{\"fen\":90000,\"kind\":\"bonus\"}]'", StoreError.unreadable(table: "enrollments", column: "components", value: "bonus")),
        ("UPDATE enrollments SET components = '[{\"fen\":-100000,\"kind\":\"basic\"},{\"fen\":190000,\"kind\":\"basic\"}]'",
         StoreError.unreadable(table: "enrollments", column: "components", value: "basic -1000.00")),
        ("UPDATE enrollments SET components = NULL", StoreError.unreadable(table: "enrollments", column: "components", value: "NULL")),
        ("UPDATE enrollments SET components = '[{\"fen\":80000,\"kind\":\"basic\"}]'",
         StoreError.unreadable(table: "enrollments", column: "components", value: "[{\"fen\":80000,\"kind\":\"basic\"}]（合计 800.00 ≠ 金额 900.00）")),
        ("UPDATE members SET status = 'gone' WHERE relationship = 'spouse'", StoreError.unreadable(table: "members", column: "status", value: "gone")),
        ("UPDATE households SET area = 'city'", StoreError.unreadable(table: "households", column: "area", value: "city")),
    ] as [(String, StoreError)])
    func unreadableStoredValuesAreNamed(update: String, expected: StoreError) async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: handle.db)
            try await (handle.db as! any SQLDatabase).raw(SQLQueryString(update)).run()
            await #expect(throws: expected) {
                if update.contains("enrollments") {
                    _ = try await EnrollmentStore(handle.db).enrollments(ofHousehold: "h01")
                } else {
                    _ = try await RegistryStore(handle.db).household("h01")
                }
            }
        }
    }

    /// A coded value that a query filters on (programme, state, status, a month) is parsed before figures
    /// are computed: a row whose code does not parse must not silently drop out of a batch or the fund table.
    @Test(arguments: [
        ("UPDATE enrollments SET programme = 'DIBAO'", StoreError.unreadable(table: "enrollments", column: "programme", value: "DIBAO")),
        ("UPDATE enrollments SET start_month = 202013", StoreError.unreadable(table: "enrollments", column: "start_month", value: "202013")),
        ("UPDATE members SET status = 'Active' WHERE relationship = 'head'", StoreError.unreadable(table: "members", column: "status", value: "Active")),
        ("UPDATE payroll_batches SET state = 'Exported'", StoreError.unreadable(table: "payroll_batches", column: "state", value: "Exported")),
        ("UPDATE payroll_batches SET month = 202113", StoreError.unreadable(table: "payroll_batches", column: "month", value: "202113")),
        ("UPDATE members SET relationship = 'Head' WHERE relationship = 'head'", StoreError.unreadable(table: "members", column: "relationship", value: "Head")),
    ] as [(String, StoreError)])
    func codesFilteredInSQLAreParsedFirst(update: String, expected: StoreError) async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let store = PayrollStore(handle.db)
            let g = try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            _ = try await store.approve(g.batch.id, actor: "t")
            _ = try await store.markExported(g.batch.id, actor: "t")
            try await (handle.db as! any SQLDatabase).raw(SQLQueryString(update)).run()
            await #expect(throws: expected) {
                try await store.generate(programme: .dibao, month: Fixtures.month("2021-08"), countyCode: "510921", actor: "t")
            }
            await #expect(throws: expected) { try await FundStore(handle.db).fundTable(countyCode: "510921", year: 2021) }
        }
    }

    /// SQLite's columns take any value: a month stored as a fraction or as text is refused too (PostgreSQL's
    /// BIGINT columns cannot hold one, so this runs on SQLite only).
    @Test(.enabled(if: TestDatabases.postgresURL == nil, "PostgreSQL's typed columns refuse these values themselves"),
          arguments: [("202101.5", "202101.5"), ("'2021-01'", "2021-01")])
    func monthsThatAreNotWholeNumbersAreRefused(value: String, shown: String) async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            try await (handle.db as! any SQLDatabase).raw(SQLQueryString("UPDATE enrollments SET start_month = \(unsafeRaw: value)")).run()
            await #expect(throws: StoreError.unreadable(table: "enrollments", column: "start_month", value: shown)) {
                try await PayrollStore(handle.db).generate(programme: .dibao, month: Fixtures.month("2021-08"), countyCode: "510921", actor: "t")
            }
        }
    }

    @Test func unreadableBatchStateStopsPayroll() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: handle.db)
            let g = try await PayrollStore(handle.db).generate(programme: .dibao, month: Fixtures.month("2021-07"),
                                                               countyCode: "510921", actor: "t")
            try await (handle.db as! any SQLDatabase).raw("UPDATE payroll_batches SET state = 'paid'").run()
            await #expect(throws: StoreError.unreadable(table: "payroll_batches", column: "state", value: "paid")) {
                try await PayrollStore(handle.db).approve(g.batch.id, actor: "t")
            }
        }
    }

    /// "Active in month M" is one rule: the SQL fragment (coverage, payroll, search) and
    /// `Enrollment.isActive` agree on the first month, the last month and the months around them.
    @Test func activeInMonthIsOneRule() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-03", on: handle.db)
            try await (handle.db as! any SQLDatabase).raw("UPDATE enrollments SET end_month = 202105").run()
            let enrollment = try #require(try await EnrollmentStore(handle.db).enrollments(ofHousehold: "h01").first)
            let registry = RegistryStore(handle.db)
            let stats = StatisticsStore(handle.db)
            for (text, active) in [("2021-02", false), ("2021-03", true), ("2021-05", true), ("2021-06", false)] {
                let month = Fixtures.month(text)
                #expect(enrollment.isActive(in: month) == active, "\(text)")
                #expect(try await stats.coverage(of: .dibao, in: .county("510921"), month: month).count == (active ? 1 : 0), "\(text)")
                #expect(try await registry.search(in: .county("510921"), text: nil, townshipCode: nil, programme: .dibao, month: month).total == (active ? 1 : 0), "\(text)")
                #expect(try await PayrollStore(handle.db).payableEnrollments(programme: .dibao, countyCode: "510921", month: month).count == (active ? 1 : 0), "\(text)")
            }
        }
    }
}

/// Migration 0008 on a database written by the 0007 schema: every row keeps its amount as one `basic`
/// component, lines point at no member, the month is still not paid twice.
@Suite struct ProgrammeSeamMigrationTests {
    /// A process killed after 0008 committed but before Fluent recorded it: the next run records it and
    /// changes nothing (found by killing `jiuzhu migrate` at random points).
    @Test func appliedButUnrecordedIsRecordedOnTheNextRun() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-07", on: handle.db)
            let sql = handle.db as! any SQLDatabase
            try await sql.raw("DELETE FROM _fluent_migrations WHERE name = '0008_ProgrammeSeam'").run()
            #expect(try await handle.pendingMigrations() == ["0008_ProgrammeSeam"])
            try await handle.migrate()
            #expect(try await handle.pendingMigrations().isEmpty)
            #expect(try await EnrollmentStore(handle.db).enrollments(ofHousehold: "h01").map(\.components)
                    == [[AmountComponent(.basic, .yuan(900))]])
        }
    }

    @Test func existingRowsGetTheirComponents() async throws {
        try await withTestDatabase(migrated: false) { handle async throws in
            try await handle.migrate(through: "0007_CreatePayrollHolds")
            try await Fixtures.registerAtFirstSchema(Fixtures.h01(), on: handle.db)
            let sql = handle.db as! any SQLDatabase
            try await sql.raw("""
                INSERT INTO decisions (id, county_code, household_id, application_id, programme, outcome, decided_on, first_month,
                  area, household_size, monthly_benefit_fen, policy_version, trace)
                VALUES ('d1', '510921', 'h01', NULL, 'dibao', 'approved', '2021-06-20', 202107, 'urban', 3, 90000, '510921/2021-01', '[]'),
                       ('d0', '510921', 'h01', NULL, 'dibao', 'refused', '2021-05-20', NULL, 'urban', 3, 0, '510921/2021-01', '[]')
                """).run()
            try await sql.raw("""
                INSERT INTO enrollments (id, county_code, household_id, programme, area, household_size, monthly_benefit_fen,
                  start_month, end_month, decision_id)
                VALUES ('e1', '510921', 'h01', 'dibao', 'urban', 3, 90000, 202107, NULL, 'd1')
                """).run()
            try await sql.raw("""
                INSERT INTO payroll_batches (id, county_code, programme, month, state, line_count, total_fen, created_at, created_by)
                VALUES ('b1', '510921', 'dibao', 202107, 'draft', 1, 90000, \(bind: Date()), 't')
                """).run()
            try await sql.raw("""
                INSERT INTO payroll_lines (id, batch_id, seq, household_id, township_code, village_code, area, payee_name,
                  payee_resident_id, bank_account, household_size, amount_fen)
                VALUES ('l1', 'b1', 1, 'h01', '510921112000', '510921112243', 'urban', '张某甲', '110101197503149130',
                  '6217000000000001', 3, 90000)
                """).run()
            try await handle.migrate()
            #expect(try await handle.pendingMigrations().isEmpty)
            let enrollment = try #require(try await EnrollmentStore(handle.db).enrollments(ofHousehold: "h01").first)
            #expect(enrollment.components == [AmountComponent(.basic, .yuan(900))])
            #expect(enrollment.memberID == nil)
            let store = PayrollStore(handle.db)
            let lines = try await store.lines(of: "b1")
            #expect(lines.map(\.components) == [[AmountComponent(.basic, .yuan(900))]])
            #expect(lines.map(\.recipientKey) == ["h01"])
            let again = try await store.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            #expect(!again.created)
            #expect(again.batch.id == "b1")
            struct Row: Decodable { var id: String; var components: String }
            let decisions = try await sql.raw("SELECT id, components FROM decisions ORDER BY id").all(decoding: Row.self)
            #expect(decisions.map(\.components) == ["[]", #"[{"fen":90000,"kind":"basic"}]"#])
        }
    }
}
