import Foundation
import Testing
@testable import Domain

/// Issue 8: reading other departments' rows, mappings, and the rule of each kind.
@Suite struct DatasetTests {
    func cells(_ texts: [String]) -> [DatasetCell] { texts.map { DatasetCell($0) } }

    func record(_ kind: DatasetKind, _ values: [String], header: [String]? = nil) throws -> Result<DatasetRecord, DatasetRowProblems> {
        let resolved = try DatasetMapping.standard(kind).resolve(header: cells(header ?? kind.columns.map(\.heading)))
        return resolved.record(row: 2, cells(values), today: CivilDate(year: 2021, month: 12, day: 31)!)
    }

    func problems(_ r: Result<DatasetRecord, DatasetRowProblems>) -> [DatasetRowProblem] {
        if case .failure(let p) = r { return p.problems }
        return []
    }

    /// The issue's bad input: an ID column mangled by a spreadsheet is refused by row and column, with the reason.
    @Test func spreadsheetMangledIDsAreRefusedByRowAndColumn() throws {
        let e17 = problems(try record(.deaths, ["李某", "1.10101E+17", "2021-05-12", "死亡"]))
        #expect(e17 == [DatasetRowProblem(row: 2, column: "身份证号", value: "1.10101E+17",
                                          reason: ResidentIDError.scientificNotation("1.10101E+17").message)])
        let zeros = problems(try record(.deaths, ["李某", "110101199003079000", "2021-05-12", ""]))
        #expect(zeros == [DatasetRowProblem(row: 2, column: "身份证号", value: "110101199003079000",
                                            reason: ResidentIDError.checkDigitMismatch("110101199003079000", expected: "8", likelySpreadsheetDamage: true).message)])
        // A numeric XLSX cell: the digits are gone even when what is left happens to pass.
        let resolved = try DatasetMapping.standard(.deaths).resolve(header: cells(["姓名", "身份证号", "死亡日期"]))
        guard case .failure(let numeric) = resolved.record(row: 7, [DatasetCell("李某"), DatasetCell("510921198512310000", numeric: true), DatasetCell("2021-05-12")], today: CivilDate(year: 2021, month: 12, day: 31)!) else {
            Issue.record("a numeric 18-digit cell must be refused"); return
        }
        #expect(numeric.problems.map(\.row) == [7])
        #expect(numeric.problems.map(\.column) == ["身份证号"])
        #expect(numeric.problems[0].reason.hasPrefix("单元格是数值格式"))
        // An old 15-digit number stored as a number keeps all its digits.
        guard case .success(let old) = resolved.record(row: 8, [DatasetCell("李某"), DatasetCell("340524800101001", numeric: true), DatasetCell("2021-05-12")], today: CivilDate(year: 2021, month: 12, day: 31)!) else {
            Issue.record("a 15-digit numeric cell is whole"); return
        }
        #expect(old.residentID.value == "34052419800101001X")
    }

    @Test func aPassingNumberEndingInZerosIsAcceptedWithAWarning() throws {
        guard case .success(let r) = try record(.deaths, ["某", "510921198512310000", "2021-05-12", ""]) else { Issue.record("accepted"); return }
        #expect(r.idWarnings == ["510921************"])
    }

    @Test func everyProblemOfARowIsNamed() throws {
        let p = problems(try record(.businesses, ["", "110101198006119170", "2021-13-01", "卖掉", "小卖部", ""]))
        #expect(p.map(\.column) == ["经营者姓名", "登记日期", "登记类型"])
        #expect(p.map(\.value) == ["", "2021-13-01", "卖掉"])
        #expect(p[2].reason == "应为 设立、变更、转让、注销 之一 (not one of the allowed values)")
    }

    @Test(arguments: [
        ("2021-05-12", false, "2021-05-12"), ("2021/5/12", false, "2021-05-12"), ("2021.5.12", false, "2021-05-12"),
        ("20210512", false, "2021-05-12"), ("2021年5月12日", false, "2021-05-12"), ("2021-05-12 00:00:00", false, "2021-05-12"),
        ("44328", true, "2021-05-12"), ("61", true, "1900-03-01"), ("59", true, "1900-02-28"),
    ])
    func datesAsDepartmentsWriteThem(text: String, numeric: Bool, expected: String) {
        #expect(DatasetValues.date(DatasetCell(text, numeric: numeric))?.description == expected)
    }

    @Test(arguments: ["2021-02-30", "12/05/2021", "44328", "昨天", "60"])
    func notDates(text: String) {
        // "44328" as text is not a day number; 60 is the 1900 system's phantom 1900-02-29.
        #expect(DatasetValues.date(DatasetCell(text, numeric: text == "60")) == nil)
    }

    @Test func aMissingColumnIsNamedAndAFileOfAnotherKindIsRecognised() throws {
        let vehicles = cells(DatasetKind.vehicles.columns.map(\.heading))
        #expect(throws: DatasetError.missingColumns(kind: .deaths, missing: ["姓名", "身份证号", "死亡日期"],
                                                    headings: vehicles.map(\.text), looksLike: .vehicles)) {
            try DatasetMapping.standard(.deaths).resolve(header: vehicles)
        }
        let mapping = DatasetMapping(kind: .deaths, source: "县公安局", columns: [.name: "姓名", .residentID: "公民身份号码", .eventDate: "死亡日期"])
        #expect(throws: DatasetError.missingColumns(kind: .deaths, missing: ["公民身份号码"], headings: ["姓名", "身份证号", "死亡日期"],
                                                    looksLike: nil)) {
            try mapping.resolve(header: cells(["姓名", "身份证号", "死亡日期"]))
        }
        #expect(throws: DatasetError.duplicateHeading("姓名")) { try mapping.resolve(header: cells(["姓名", " 姓名", "死亡日期"])) }
    }

    @Test func mappingFilesAreStrict() throws {
        let good = #"{"kind": "deaths", "source": "县公安局", "columns": {"name": "姓名", "residentID": "公民身份号码", "eventDate": "死亡时间"}}"#
        let m = try DatasetMapping.parse(good, expected: .deaths)
        #expect(m.columns[.residentID] == "公民身份号码")
        #expect(try DatasetMapping.parse(m.json, expected: .deaths) == m)
        let cases: [(String, String)] = [
            (#"{"kind": "deaths", "source": "s", "columns": {"name": "姓名", "residentID": "号", "eventDate": "日"}, "extra": 1}"#,
             "未知的键“extra”：只允许 kind、source、columns (unknown key)"),
            (#"{"kind": "vehicles", "source": "s", "columns": {}}"#,
             "对照表是“机动车登记”（vehicles）的，本次导入的是“死亡和火化”（deaths） (mapping of another kind)"),
            (#"{"kind": "deaths", "source": "s", "columns": {"name": "姓名", "residentID": "号"}}"#,
             "columns 缺少必填字段 eventDate（死亡日期） (required field missing)"),
            (#"{"kind": "deaths", "source": "s", "columns": {"name": "姓名", "residentID": "姓名", "eventDate": "日"}}"#,
             "列标题“姓名”同时用于 name 和 residentID (heading used twice)"),
            (#"{"kind": "deaths", "source": "s", "columns": {"name": "姓名", "residentID": "号", "eventDate": "日", "plate": "号牌"}}"#,
             "columns 中的“plate”不是死亡和火化的字段：应为 name、residentID、eventDate、eventType (unknown field)"),
        ]
        for (text, reason) in cases {
            #expect(throws: DatasetError.badMapping(reason)) { try DatasetMapping.parse(text, expected: .deaths) }
        }
    }

    @Test func theSameFactHasTheSameKey() throws {
        guard case .success(let a) = try record(.deaths, ["李某", "110101197708029247", "2021-05-12", "死亡"]),
              case .success(let b) = try record(.deaths, ["李某", "110101197708029247", "2021/5/12", "死亡"]),
              case .success(let c) = try record(.deaths, ["李某", "110101197708029247", "2021-05-13", "死亡"]) else {
            Issue.record("rows accepted"); return
        }
        #expect(a.key == b.key && a.content == b.content)
        #expect(a.key == c.key)
        #expect(a.content != c.content)
    }
}

/// The rule of each kind (docs/matching.md), field case C05's look-back included.
@Suite struct MatchRulesTests {
    let policy = MatchingPolicy()
    let d = { (s: String) in try! CivilDate(parsing: s) }

    func subject(status: MemberStatus = .active, paid: Bool = true, applied: String? = nil) -> MatchSubject {
        MatchSubject(householdID: "h", memberID: "m", name: "郑某", status: status, paid: paid, applicationAcceptedOn: applied.map(d))
    }

    func rec(_ kind: DatasetKind, date: String? = nil, month: String? = nil, amount: Int64? = nil,
             _ values: [DatasetField: String] = [:]) -> DatasetRecord {
        DatasetRecord(kind: kind, row: 2, residentID: try! ResidentID("110101198006119170"), name: "郑某",
                      eventDate: date.map(d), month: month.map { try! YearMonth(parsing: $0) }, amount: amount.map(Money.yuan), values: values)
    }

    /// C05: a car since 2019-04-16 and a sole-trader licence transferred on 2021-02-10, applied 2021-05-06.
    @Test func fieldCaseC05VehicleAndTransferWithinTheLookBack() {
        let s = subject(paid: false, applied: "2021-05-06")
        let car = MatchRules.finding(rec(.vehicles, date: "2019-04-16", [.plate: "川J·12345", .vehicleType: "小型普通客车"]),
                                     about: s, policy: policy, today: d("2021-05-20"))
        #expect(car?.code == "VEHICLE_OWNED")
        #expect(car?.blocksApproval == true)
        let transfer = rec(.businesses, date: "2021-02-10", [.eventType: "转让", .businessName: "郑记小卖部", .transferee: "钱某"])
        let f = MatchRules.finding(transfer, about: s, policy: policy, today: d("2021-05-20"))
        #expect(f?.code == "ASSET_TRANSFER_WITHIN_LOOKBACK")
        #expect(f?.summary == "2021-02-10 转让“郑记小卖部”给钱某，在申请前 12 个月内")
        // Thirteen months before the application: outside the look-back; a look-back of 15 reaches it.
        let old = rec(.businesses, date: "2020-04-10", [.eventType: "转让", .businessName: "郑记小卖部"])
        #expect(MatchRules.finding(old, about: s, policy: policy, today: d("2021-05-20")) == nil)
        var longer = policy
        longer.lookbackMonths = 15
        #expect(MatchRules.finding(old, about: s, policy: longer, today: d("2021-05-20"))?.code == "ASSET_TRANSFER_WITHIN_LOOKBACK")
    }

    @Test func aDeathHoldsPaymentAndSaysFromWhenToRecover() {
        let f = MatchRules.finding(rec(.deaths, date: "2021-05-12"), about: subject(), policy: policy, today: d("2021-05-20"))
        #expect(f?.code == "DECEASED")
        #expect(f?.holdsPayment == true)
        #expect(f?.recoverFrom?.description == "2021-06")
        #expect(MatchRules.finding(rec(.deaths, date: "2021-05-12"), about: subject(status: .deceased), policy: policy, today: d("2021-05-20")) == nil)
    }

    @Test(arguments: [
        (DatasetKind.hukouMoves, [DatasetField.eventType: "迁出"], Int64?.none, "HUKOU_MOVED_OUT"),
        (.hukouMoves, [.eventType: "迁入"], nil, nil),
        (.vehicles, [.plate: "川J·D0001", .vehicleType: "残疾人机动轮椅车"], nil, nil),
        (.realEstate, [.address: "蓬溪县赤城镇某小区"], nil, "PROPERTY_OWNED"),
        (.businesses, [.eventType: "设立", .businessName: "某店"], nil, "BUSINESS_REGISTERED"),
        (.publicEmployees, [.employer: "某局"], nil, "PUBLIC_EMPLOYEE"),
        (.medicalBills, [:], 9_999, nil),
        (.medicalBills, [:], 10_000, "LARGE_MEDICAL_BILL"),
        (.cadreRoster, [.role: "村委会主任"], nil, "CADRE_IN_HOUSEHOLD"),
    ] as [(DatasetKind, [DatasetField: String], Int64?, String?)])
    func eachKindsRule(kind: DatasetKind, values: [DatasetField: String], amount: Int64?, code: String?) {
        let f = MatchRules.finding(rec(kind, date: "2021-03-01", amount: amount, values), about: subject(), policy: policy, today: d("2021-05-20"))
        #expect(f?.code == code)
    }

    @Test func monthlyContributionsAndRosters() {
        #expect(MatchRules.finding(rec(.socialInsurance, month: "2021-04", [.employer: "某公司"]), about: subject(), policy: policy,
                                   today: d("2021-05-20"))?.code == "EMPLOYMENT_CONTRIBUTIONS")
        #expect(MatchRules.finding(rec(.housingFund, month: "2021-04"), about: subject(), policy: policy, today: d("2021-05-20"))?.code == "HOUSING_FUND")
        let roster = rec(.otherCountyRoster, month: "2021-04", amount: 300, [.county: "射洪市", .programme: "dibao"])
        #expect(MatchRules.finding(roster, about: subject(), policy: policy, today: d("2021-05-20"), paidMonths: []) == nil)
        let both = MatchRules.finding(roster, about: subject(), policy: policy, today: d("2021-05-20"), paidMonths: [try! YearMonth(parsing: "2021-04")])
        #expect(both?.code == "PAID_ELSEWHERE")
        #expect(both?.summary == "2021-04 同时在射洪市领取低保 300.00 元，本县同月也在发放")
    }

    /// The relationship list is the policy's: a cousin is not a 近亲属 unless the province says so.
    @Test func closeRelativesFollowThePolicyList() {
        var r = rec(.cadreRoster, [.role: "村党支部书记", .relationship: "配偶", .relativeName: "某"])
        #expect(MatchRules.relativeFinding(r, policy: policy)?.code == "CADRE_RELATIVE")
        r.values[.relationship] = "堂兄"
        #expect(MatchRules.relativeFinding(r, policy: policy) == nil)
        var wider = policy
        wider.closeRelatives.append("堂兄")
        #expect(MatchRules.relativeFinding(r, policy: wider)?.code == "CADRE_RELATIVE")
    }
}

/// Found when tried as an attacker would (issue 8): each becomes a test.
@Suite struct DatasetAttackerFindingsTests {
    let today = CivilDate(year: 2021, month: 12, day: 31)!

    func problems(_ kind: DatasetKind, _ cells: [DatasetCell]) throws -> [DatasetRowProblem] {
        let resolved = try DatasetMapping.standard(kind).resolve(header: kind.columns.map { DatasetCell($0.heading) })
        if case .failure(let p) = resolved.record(row: 2, cells, today: today) { return p.problems }
        return []
    }

    /// A BOM before a JSON file crashed the process (the duplicate-key scan popped an empty stack).
    @Test func aByteOrderMarkDoesNotCrashTheJSONReader() throws {
        let parsed = try StrictJSON.parse(Data([0xEF, 0xBB, 0xBF] + Array(#"{"a": 1}"#.utf8))) as? [String: Any]
        #expect(parsed?["a"] as? Int == 1)
        #expect(StrictJSON.firstDuplicateKey(in: Data("}}".utf8)) == nil)
        let mapping = "\u{FEFF}" + #"{"kind": "deaths", "source": "s", "columns": {"name": "姓名", "residentID": "身份证号", "eventDate": "死亡日期"}}"#
        #expect(try DatasetMapping.parse(mapping, expected: .deaths).source == "s")
    }

    @Test(arguments: ["0001-01-01", "9999-12-31", "2022-01-01"])
    func datesOutsideTheRecordsReachAreRefused(text: String) throws {
        let p = try problems(.deaths, [DatasetCell("某"), DatasetCell("110101199003079163"), DatasetCell(text)])
        #expect(p.map(\.column) == ["死亡日期"])
        #expect(p[0].reason.hasSuffix("(date out of range)"))
    }

    @Test func aDeathBeforeBirthAndABirthInTheFutureAreRefused() throws {
        let before = try problems(.deaths, [DatasetCell("某"), DatasetCell("110101199003079163"), DatasetCell("1980-01-01")])
        #expect(before.map(\.reason) == ["日期 1980-01-01 早于号码中的出生日期 1990-03-07 (before the person was born)"])
        let body = "11010120990101001"
        let future = body + String(ResidentID.checkCharacter(for: Array(body)))
        let p = try problems(.deaths, [DatasetCell("某"), DatasetCell(future), DatasetCell("2021-01-01")])
        #expect(p.map(\.reason) == ["号码中的出生日期 2099-01-01 晚于今天 (birth date in the future)"])
        let month = try problems(.socialInsurance, [DatasetCell("某"), DatasetCell("110101199003079163"), DatasetCell("1899-05")])
        #expect(month.map(\.column) == ["缴费年月"])
    }

    /// An unclosed quote swallows the next rows into one cell: the message never echoes their numbers.
    @Test func aSwallowedCellIsNotEchoed() throws {
        let swallowed = "510921196111221104,2021-12-01\n高某,510921197407269822,2021-12-02\n王某,510921195001010010,2021-12-03"
        let p = try problems(.deaths, [DatasetCell("高华"), DatasetCell(swallowed), DatasetCell("2021-12-01")])
        #expect(p.count == 1)
        #expect(!p[0].value.contains("510921197407269822"))
        #expect(!p[0].reason.contains("510921197407269822"))
        #expect(p[0].value.count <= 41)
    }

    /// What Excel keeps in number cells: a date-time, and an amount with a binary fraction.
    @Test func excelNumberCellsAreRead() throws {
        #expect(DatasetValues.date(DatasetCell("44531.5", numeric: true))?.description == "2021-12-01")
        #expect(try DatasetValues.amount(DatasetCell("31050.400000000001", numeric: true)) == Money(fen: 3_105_040))
        #expect(throws: DomainInputError.invalidAmount("31050.405")) { try DatasetValues.amount(DatasetCell("31050.405", numeric: true)) }
    }

    /// The holiday calendar ends with 2026: a warning raised at the year's end still gets a deadline (the
    /// latest it could be), not an error.
    @Test func aDeadlineBeyondTheCalendarIsBounded() throws {
        let w = try EarlyWarning(householdID: "h", townshipCode: "510921112000", source: .disaster, detail: "x",
                                 raisedOn: CivilDate(year: 2026, month: 12, day: 28)!, policy: MonitoringPolicy(), calendar: .china)
        #expect(w.dueOn > CivilDate(year: 2027, month: 1, day: 8)!)
        var v = w
        #expect(throws: MonitoringError.tooFewInvestigators(1)) {
            try v.verify(HomeVisit(date: CivilDate(year: 2026, month: 12, day: 29)!, investigators: ["张三", "张三\u{200B}", " 张 三"], findings: "x"),
                         today: CivilDate(year: 2026, month: 12, day: 30)!)
        }
        #expect(throws: MonitoringError.missing("核实情况")) {
            try v.verify(HomeVisit(date: CivilDate(year: 2026, month: 12, day: 29)!, investigators: ["甲", "乙"], findings: "\u{200B}"),
                         today: CivilDate(year: 2026, month: 12, day: 30)!)
        }
    }
}
