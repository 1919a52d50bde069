import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit
import TestSupport
import Testing

/// Issue 8: datasets from other departments, matched against the registry; hits hold payroll and approval.
@Suite struct MatchingTests {
    let d = Fixtures.date

    func count(_ table: String, _ db: any Database) async throws -> Int {
        struct N: Decodable { var n: Int }
        return try await (db as! any SQLDatabase).raw("SELECT COUNT(*) AS n FROM \(unsafeRaw: table)").first(decoding: N.self)!.n
    }

    func load(_ kind: DatasetKind, _ rows: [[String]], on db: any Database, today: String, source: String? = nil) async throws -> DatasetImportResult {
        let file = ArrayRows(rows)
        return try await MatchStore(db, today: { Fixtures.date(today) })
            .importDataset(file, mapping: .standard(kind, source: source), fileName: "\(kind.rawValue).csv", sha256: file.checksum,
                           countyCode: "510921", actor: "t")
    }

    static let deathsHeading = ["姓名", "身份证号", "死亡日期", "类别"]

    /// Field case C01, its matching part: the death feed delivers 李某 on 2021-05-20; the June payroll of
    /// 2021-06-05 holds H01 (not 900.00) because of the hit, and says from which month to recover.
    @Test func fieldCaseC01DeathFeedHoldsTheNextPayrollLine() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let result = try await load(.deaths, [Self.deathsHeading, ["李某", "110101197708029247", "2021-05-12", "死亡"]],
                                        on: handle.db, today: "2021-05-20", source: "县公安局")
            #expect(result.added == 1)
            #expect(result.hits.map(\.finding.code) == ["DECEASED"])
            #expect(result.hits[0].residentID.value == "110101197708029247")
            #expect(result.hits[0].finding.recoverFrom?.description == "2021-06")
            #expect(result.hits[0].finding.holdsPayment)
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-06-05") })
            let june = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-06"), countyCode: "510921", actor: "t")
            #expect(june.batch.lineCount == 0)
            #expect(june.batch.total == .zero)
            #expect(june.holds.map(\.householdID) == ["h01"])
            #expect(june.holds[0].reason == "MATCH_HIT：DECEASED（李某）死亡信息：2021-05-12 死亡；自 2021-06 起不应再计入或发放，已发的追回（信息比对发现，经办人核实处理前暂停发放）")
            // The case worker confirms the hit: the death is recorded from 2021-05-12 and the programme's own rule
            // holds the household until it is reviewed (300.00 from June, C01).
            let decided = try await MatchStore(handle.db, today: { Fixtures.date("2021-06-07") })
                .decide(result.hits[0].id, .confirmed, note: "已核实死亡", actor: "clerk")
            #expect(try await RegistryStore(handle.db).household("h01")?.composition.members.map { "\($0.name) \($0.status.rawValue)" }
                == ["张某甲 active", "李某 deceased", "张某乙 active"])
            #expect(decided.status == .decided)
            #expect(decided.decision == .confirmed)
            await #expect(throws: MatchError.alreadyDecided(result.hits[0].id, by: "clerk")) {
                try await MatchStore(handle.db).decide(result.hits[0].id, .cleared, note: "再次", actor: "other")
            }
            let july = try await PayrollStore(handle.db, today: { Fixtures.date("2021-07-05") })
                .generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            #expect(july.holds.map { String($0.reason.prefix(15)) } == ["MEMBERS_CHANGED"])
            // Reviewed (300.00 from June): August pays it; the confirmed hit holds no more.
            _ = try await EnrollmentStore(handle.db).review(householdID: "h01", programme: .dibao, on: Fixtures.date("2021-07-06"),
                                                            actor: "t", today: Fixtures.date("2021-07-06"))
            let august = try await PayrollStore(handle.db, today: { Fixtures.date("2021-08-05") })
                .generate(programme: .dibao, month: Fixtures.month("2021-08"), countyCode: "510921", actor: "t")
            #expect(august.batch.total.yuanString == "300.00")
        }
    }

    /// A confirmed hit that is not a death (a public employee) holds until a decision on the household is
    /// recorded on or after the confirmation; a batch generated before the hit cannot be approved after it.
    @Test func aConfirmedHitHoldsUntilTheHouseholdIsDecidedAgain() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-06-05") })
            let june = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-06"), countyCode: "510921", actor: "t")
            #expect(june.batch.lineCount == 1)
            let r = try await load(.publicEmployees, [["姓名", "身份证号", "工作单位"], ["张某甲", "110101197503149130", "蓬溪县某局"]],
                                   on: handle.db, today: "2021-06-06")
            await #expect(throws: StoreError.conflict("批次生成后，信息比对发现 1 户须暂停发放（张某甲），本批次未审核：请作废草稿后重新生成 (matching hits found since generation)")) {
                try await payroll.approve(june.batch.id, actor: "approver")
            }
            try await payroll.discardDraft(june.batch.id, actor: "t")
            try await MatchStore(handle.db, today: { Fixtures.date("2021-06-07") }).decide(r.hits[0].id, .confirmed, note: "在编人员", actor: "c")
            let again = try await PayrollStore(handle.db, today: { Fixtures.date("2021-06-08") })
                .generate(programme: .dibao, month: Fixtures.month("2021-06"), countyCode: "510921", actor: "t")
            #expect(again.batch.lineCount == 0)
            #expect(again.holds.map(\.reason) == ["MATCH_CONFIRMED：PUBLIC_EMPLOYEE（张某甲）财政供养人员：蓬溪县某局（已核实属实，复核或终止后再发放）"])
            // The review after it re-decides the household: the hold by the hit ends.
            _ = try await EnrollmentStore(handle.db).review(householdID: "h01", programme: .dibao, on: Fixtures.date("2021-06-09"),
                                                            actor: "t", today: Fixtures.date("2021-06-09"))
            let july = try await PayrollStore(handle.db, today: { Fixtures.date("2021-07-05") })
                .generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t")
            #expect(july.holds.isEmpty)
        }
    }

    /// Another county's roster imported before this county's batch of the month: the batch holds the person
    /// (PAID_ELSEWHERE), and the re-import of the same fact is still known, not lost.
    @Test func aRosterForAMonthNotYetPaidHoldsItsBatch() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let heading = ["姓名", "身份证号", "发放地区", "救助类别", "发放月份"]
            let r = try await load(.otherCountyRoster, [heading, ["张某甲", "110101197503149130", "船山区", "低保", "2021-06"]],
                                   on: handle.db, today: "2021-06-01")
            #expect(r.hits.isEmpty)
            let june = try await PayrollStore(handle.db, today: { Fixtures.date("2021-06-05") })
                .generate(programme: .dibao, month: Fixtures.month("2021-06"), countyCode: "510921", actor: "t")
            #expect(june.batch.lineCount == 0)
            #expect(june.holds.map(\.reason) == ["MATCH_HIT：PAID_ELSEWHERE（张某甲）2021-06 同时在船山区领取低保，本县同月也在发放（信息比对发现，经办人核实处理前暂停发放）"])
            // Another month's batch is not held by it (found when tried as an attacker would).
            let may = try await PayrollStore(handle.db, today: { Fixtures.date("2021-06-05") })
                .generate(programme: .dibao, month: Fixtures.month("2021-05"), countyCode: "510921", actor: "t")
            #expect((may.batch.lineCount, may.holds.count) == (1, 0))
            _ = try await PayrollStore(handle.db, today: { Fixtures.date("2021-06-05") }).approve(may.batch.id, actor: "approver")
        }
    }

    /// Rosters say 妻子, 哥哥, 奶奶: close relatives; a relationship the list lacks is reported, not dropped.
    /// Departments write 身份证号码; a cremation after the police's death record is the same fact.
    @Test func wordsDepartmentsUse() async throws {
        try await withTestDatabase { handle async throws in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let heading = ["姓名", "身份证号码", "职务", "亲属姓名", "亲属身份证号码", "关系"]
            let r = try await load(.cadreRoster, [heading, ["冯某", "110101199003079163", "民政协理员", "李某", "110101197708029247", "妻 子"],
                                                 ["冯某", "110101199003079163", "民政协理员", "张某乙", "110101200511209150", "堂兄"]],
                                   on: handle.db, today: "2021-05-20")
            #expect(r.hits.map(\.subjectName) == ["李某"])
            #expect(r.report.unlisted == [.init(row: 3, relationship: "堂兄")])
            // A title row above the headings is passed over; the rows keep their numbers.
            let titled = try await load(.deaths, [["2021年5月死亡人员名单", ""], ["姓名", "身份证号", "死亡日期"], ["钱某", "110101200511209150", "2021-05-09"],
                                                  ["孙某", "1.1E+17", "2021-05-09"]].dropLast(), on: handle.db, today: "2021-05-20")
            #expect((titled.rows, titled.added) == (1, 1))
            await #expect(throws: DatasetError.rowsRefused(problems: [DatasetRowProblem(row: 4, column: "身份证号", value: "1.1E+17",
                                                                                         reason: ResidentIDError.scientificNotation("1.1E+17").message)], rows: 1)) {
                try await load(.deaths, [["2021年5月死亡人员名单"], ["姓名", "身份证号", "死亡日期"], ["钱某", "110101200511209150", "2021-05-09"],
                                         ["孙某", "1.1E+17", "2021-05-09"]], on: handle.db, today: "2021-05-20")
            }
            let police = [["姓名", "身份证号", "死亡日期", "类别"], ["赵某", "11010119720528959X", "2021-05-01", "死亡"]]
            let funeral = [["姓名", "身份证号", "死亡日期", "类别"], ["赵某", "11010119720528959X", "2021-05-01", "火化"]]
            _ = try await load(.deaths, police, on: handle.db, today: "2021-05-20")
            let second = try await load(.deaths, funeral, on: handle.db, today: "2021-05-21")
            #expect((second.known, second.report.conflicts.count) == (1, 0))
        }
    }

    /// A hit cleared by the case worker (not the same death, say) releases the line at the next batch.
    @Test func aClearedHitReleasesTheLine() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let result = try await load(.publicEmployees, [["姓名", "身份证号", "工作单位", "入职日期"],
                                                           ["张某甲", "110101197503149130", "蓬溪县某局", "2020-09-01"]],
                                        on: handle.db, today: "2021-05-20")
            #expect(result.hits.map(\.finding.code) == ["PUBLIC_EMPLOYEE"])
            await #expect(throws: MatchError.noteRequired) { try await MatchStore(handle.db).decide(result.hits[0].id, .cleared, note: " ", actor: "c") }
            await #expect(throws: MatchError.decisionNotAllowed(.samePerson, .exact)) {
                try await MatchStore(handle.db).decide(result.hits[0].id, .samePerson, note: "x", actor: "c")
            }
            try await MatchStore(handle.db).decide(result.hits[0].id, .cleared, note: "临时聘用，工资已计入收入", actor: "c")
            let june = try await PayrollStore(handle.db, today: { Fixtures.date("2021-06-05") })
                .generate(programme: .dibao, month: Fixtures.month("2021-06"), countyCode: "510921", actor: "t")
            #expect(june.batch.total.yuanString == "900.00")
        }
    }

    /// Field case C05, its matching part: 郑某 (2 persons, declared 500) applies on 2021-05-06; a car since
    /// 2019-04-16 (found at intake: imported before) and a licence transferred on 2021-02-10 (imported
    /// after intake) keep the application from approval until decided; the control household with no hits
    /// is approved at 700.00.
    @Test func fieldCaseC05AssetHitsBlockApproval() async throws {
        try await withTestDatabase { handle async throws in
            let zheng = Fixtures.household("c05", members: [
                Fixtures.member("110101198006119170", "郑某", .head, monthly: [(.wage, "500")]),
                Fixtures.member("110101199003079163", "郑某某", .child),
            ])
            let control = Fixtures.household("c05-control", members: [
                Fixtures.member("11010119720528959X", "对照甲", .head, monthly: [(.wage, "500")]),
                Fixtures.member("110101200511209150", "对照乙", .child),
            ])
            try await RegistryStore(handle.db).register([zheng, control])
            _ = try await load(.vehicles, [["车主姓名", "车主身份证号", "登记日期", "号牌号码", "车辆类型"],
                                           ["郑某", "110101198006119170", "2019-04-16", "川J·12345", "小型普通客车"]],
                               on: handle.db, today: "2021-05-01")
            let store = ApplicationStore(handle.db, today: { Fixtures.date("2021-05-25") })
            func toCountyReview(_ household: String) async throws -> String {
                let id = try await store.open(householdID: household, programme: .dibao, acceptedOn: d("2021-05-06"), closeRelative: false, actor: "t")
                try await store.record(.recordInformationCheck(on: d("2021-05-07"), summary: "见信息比对"), on: id, actor: "t")
                try await store.record(.recordHomeVisit(HomeVisit(date: d("2021-05-10"), investigators: ["王", "李"], findings: "核实")), on: id, actor: "t")
                try await store.record(.completeInvestigation(on: d("2021-05-11")), on: id, actor: "t")
                try await store.record(.townshipReview(on: d("2021-05-12"), recommend: true, opinion: "拟纳入"), on: id, actor: "t")
                try await store.record(.closePublicNotice(on: d("2021-05-20")), on: id, actor: "t")
                return id
            }
            let app = try await toCountyReview("c05")
            #expect(try await MatchStore(handle.db).hits(household: "c05").map(\.finding.code) == ["VEHICLE_OWNED"])
            let transfer = try await load(.businesses, [["经营者姓名", "经营者身份证号", "登记日期", "登记类型", "名称", "受让人"],
                                                        ["郑某", "110101198006119170", "2021-02-10", "转让", "郑记小卖部", "钱某"]],
                                          on: handle.db, today: "2021-05-08")
            #expect(transfer.hits.map(\.finding.code) == ["ASSET_TRANSFER_WITHIN_LOOKBACK"])
            let hits = try await MatchStore(handle.db).hits(household: "c05")
            let expected = MatchError.openHits(household: "c05", hits.map { "\($0.finding.code)：\($0.finding.summary)" })
            #expect(hits.map(\.finding.code) == ["VEHICLE_OWNED", "ASSET_TRANSFER_WITHIN_LOOKBACK"])
            await #expect(throws: expected) { try await store.approve(app, on: d("2021-05-21"), actor: "county") }
            // Nothing was decided, enrolled or paid.
            #expect(try await store.application(app).application.state == .countyReview)
            #expect(try await EnrollmentStore(handle.db).enrollments(ofHousehold: "c05").isEmpty)
            // The control household goes forward: 700.00.
            let other = try await toCountyReview("c05-control")
            #expect(try await store.approve(other, on: d("2021-05-21"), actor: "county").monthlyBenefit.yuanString == "700.00")
            // Decided (confirmed: the reviewer will refuse or recompute), the approval is no longer blocked by matching.
            for h in hits { try await MatchStore(handle.db).decide(h.id, .confirmed, note: "属实", actor: "county") }
            #expect(try await store.approve(app, on: d("2021-05-21"), actor: "county").monthlyBenefit.yuanString == "700.00")
        }
    }

    /// Field case C11 for datasets: the same file again changes nothing; an overlapping file adds only what
    /// is new; a row contradicting an earlier import is reported, not applied; a file contradicting itself
    /// is refused whole.
    @Test func fieldCaseC11ReimportsAddNothing() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let fileA = [Self.deathsHeading, ["李某", "110101197708029247", "2021-05-12", "死亡"], ["王某", "110101199003079163", "2021-04-01", "火化"]]
            let first = try await load(.deaths, fileA, on: handle.db, today: "2021-05-20")
            #expect((first.alreadyImported, first.rows, first.added, first.known, first.hits.count) == (false, 2, 2, 0, 1))
            let again = try await load(.deaths, fileA, on: handle.db, today: "2021-06-01")
            #expect((again.alreadyImported, again.importID, again.added, again.hits.count) == (true, first.importID, 2, 1))
            #expect(try await count("dataset_records", handle.db) == 2)
            #expect(try await count("match_hits", handle.db) == 1)
            #expect(try await count("dataset_imports", handle.db) == 1)
            // The next month's feed repeats both, corrects nothing, adds one; 李某's date differs in a third file.
            let fileB = fileA + [["赵某", "11010119720528959X", "2021-05-30", "死亡"], ["赵某", "11010119720528959X", "2021-05-30", "死亡"]]
            let second = try await load(.deaths, fileB, on: handle.db, today: "2021-06-02")
            #expect((second.added, second.known, second.hits.count) == (1, 2, 0))
            #expect(second.report.duplicates == [.init(row: 5, sameAs: 4)])
            let fileC = [Self.deathsHeading, ["李某", "110101197708029247", "2021-05-13", "死亡"]]
            let third = try await load(.deaths, fileC, on: handle.db, today: "2021-06-03")
            #expect((third.added, third.known) == (0, 0))
            #expect(third.report.conflicts.map(\.row) == [2])
            #expect(try await count("dataset_records", handle.db) == 3)
            #expect(try await count("match_hits", handle.db) == 1)
            // One file saying two dates for one death: refused, nothing written.
            let bad = [Self.deathsHeading, ["钱某", "110101200511209150", "2021-05-01", ""], ["钱某", "110101200511209150", "2021-05-02", ""]]
            await #expect(throws: DatasetError.contradictoryRows(first: 2, second: 3, what: "死亡和火化记录")) {
                try await load(.deaths, bad, on: handle.db, today: "2021-06-04")
            }
            #expect(try await count("dataset_records", handle.db) == 3)
            #expect(try await count("dataset_imports", handle.db) == 3)
        }
    }

    /// The issue's bad input: mangled IDs are refused by row and column, and the import is all or nothing.
    @Test func aFileWithBadRowsWritesNothing() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let rows = [Self.deathsHeading, ["李某", "110101197708029247", "2021-05-12", "死亡"],
                        ["甲", "1.10101E+17", "2021-05-12", ""], ["乙", "110101199003079000", "2021-05-12", ""]]
            do {
                _ = try await load(.deaths, rows, on: handle.db, today: "2021-05-20")
                Issue.record("the file must be refused")
            } catch let DatasetError.rowsRefused(problems, count) {
                #expect(count == 2)
                #expect(problems.map { "\($0.row) \($0.column) \($0.value)" } == ["3 身份证号 1.10101E+17", "4 身份证号 110101199003079000"])
            }
            for table in ["dataset_imports", "dataset_records", "match_hits"] { #expect(try await count(table, handle.db) == 0) }
        }
    }

    /// Near matches (same name and birth date, another number) are listed apart and hold nothing until a
    /// person says it is the same person.
    @Test func nearMatchesWaitForAPerson() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            // 李某 born 1977-08-02 with another sequence number: 110101197708029255.
            let other = "11010119770802925" + String(ResidentID.checkCharacter(for: Array("11010119770802925")))
            let r = try await load(.deaths, [Self.deathsHeading, ["李某", other, "2021-05-12", "死亡"]], on: handle.db, today: "2021-05-20")
            #expect(r.hits.isEmpty)
            #expect(r.nearMatches.map(\.subjectName) == ["李某"])
            #expect(r.nearMatches[0].matchType == .near)
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-06-05") })
            #expect(try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-06"), countyCode: "510921", actor: "t").batch.lineCount == 1)
            await #expect(throws: MatchError.decisionNotAllowed(.confirmed, .near)) {
                try await MatchStore(handle.db).decide(r.nearMatches[0].id, .confirmed, note: "x", actor: "c")
            }
            let same = try await MatchStore(handle.db).decide(r.nearMatches[0].id, .samePerson, note: "户籍登记号码有误，系同一人", actor: "c")
            #expect((same.matchType, same.status) == (.exact, .open))
            #expect(try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-07"), countyCode: "510921", actor: "t").batch.lineCount == 0)
        }
    }

    /// Another county's roster: a person paid there and here in the same month is flagged (hukou moves).
    @Test func paidByTwoCountiesInOneMonth() async throws {
        try await withTestDatabase { handle async throws in
            try await Fixtures.registerAndEnroll(Fixtures.h01(), from: "2021-01", on: handle.db)
            let payroll = PayrollStore(handle.db, today: { Fixtures.date("2021-05-05") })
            let may = try await payroll.generate(programme: .dibao, month: Fixtures.month("2021-05"), countyCode: "510921", actor: "t")
            _ = try await payroll.approve(may.batch.id, actor: "t")
            let heading = ["姓名", "身份证号", "发放地区", "救助类别", "发放月份", "发放金额"]
            let r = try await load(.otherCountyRoster, [heading, ["张某甲", "110101197503149130", "射洪市", "低保", "2021-05", "600.00"],
                                                       ["张某甲", "110101197503149130", "射洪市", "低保", "2021-04", "600.00"]],
                                   on: handle.db, today: "2021-05-20", source: "射洪市民政局")
            #expect(r.added == 2)
            #expect(r.hits.map(\.finding.summary) == ["2021-05 同时在射洪市领取低保 600.00 元，本县同月也在发放"])
        }
    }

    /// The cadre roster (DB-2021 Art. 11, 20 ¶2): the relative in the policy's list is a 近亲属 hit that blocks
    /// approval; confirmed, it is filed in the month's 备案 register and the application then needs the
    /// county's own home visit; a cousin (not in the list) is no hit.
    @Test func aCadresCloseRelativeIsFiledAndNeedsACountyVisit() async throws {
        try await withTestDatabase { handle async throws in
            try await RegistryStore(handle.db).register([Fixtures.h01()])
            let store = ApplicationStore(handle.db, today: { Fixtures.date("2021-05-25") })
            let app = try await store.open(householdID: "h01", programme: .dibao, acceptedOn: d("2021-05-06"), closeRelative: false, actor: "t")
            try await store.record(.recordInformationCheck(on: d("2021-05-07"), summary: "见信息比对"), on: app, actor: "t")
            try await store.record(.recordHomeVisit(HomeVisit(date: d("2021-05-10"), investigators: ["王", "李"], findings: "核实")), on: app, actor: "t")
            try await store.record(.completeInvestigation(on: d("2021-05-11")), on: app, actor: "t")
            try await store.record(.townshipReview(on: d("2021-05-12"), recommend: true, opinion: "拟纳入"), on: app, actor: "t")
            try await store.record(.closePublicNotice(on: d("2021-05-20")), on: app, actor: "t")
            let heading = ["姓名", "身份证号", "职务", "亲属姓名", "亲属身份证号", "关系"]
            let r = try await load(.cadreRoster, [heading, ["冯某", "110101199003079163", "村党支部书记", "李某", "110101197708029247", "配偶"],
                                                 ["冯某", "110101199003079163", "村党支部书记", "张某乙", "110101200511209150", "堂兄"]],
                                   on: handle.db, today: "2021-05-20", source: "县委组织部")
            #expect(r.hits.map { "\($0.finding.code) \($0.subjectName) \($0.viaRelative)" } == ["CADRE_RELATIVE 李某 true"])
            #expect(r.hits[0].residentID.value == "110101197708029247")
            await #expect(throws: MatchError.openHits(household: "h01", ["CADRE_RELATIVE：\(r.hits[0].finding.summary)"])) {
                try await store.approve(app, on: d("2021-05-25"), actor: "county")
            }
            try await MatchStore(handle.db, today: { Fixtures.date("2021-05-22") })
                .decide(r.hits[0].id, .confirmed, note: "属实，单独登记备案", actor: "township")
            let register = try await MatchStore(handle.db).filings(countyCode: "510921", month: Fixtures.month("2021-05"))
            #expect(register.map { "\($0.filedOn) \($0.householdID) \($0.memberName) \($0.code) \($0.filedBy)" }
                == ["2021-05-22 h01 李某 CADRE_RELATIVE township"])
            #expect(try await MatchStore(handle.db).filings(countyCode: "510921", month: Fixtures.month("2021-06")).isEmpty)
            #expect(try await store.application(app).application.closeRelative)
            await #expect(throws: WorkflowError.countyVisitRequired) { try await store.approve(app, on: d("2021-05-25"), actor: "county") }
            try await store.record(.recordCountyHomeVisit(HomeVisit(date: d("2021-05-24"), investigators: ["县甲", "县乙"], findings: "属实")),
                                   on: app, actor: "county")
            #expect(try await store.approve(app, on: d("2021-05-25"), actor: "county").monthlyBenefit.yuanString == "900.00")
        }
    }
}
