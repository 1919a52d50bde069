import Testing
import Foundation
@testable import Domain

/// Field cases C13, C14, C16 and C20 at the domain seam (the stores' tests run them through the database).
@Suite struct FundLedgerTests {
    func date(_ s: String) -> CivilDate { try! CivilDate(parsing: s) }
    func month(_ s: String) -> YearMonth { try! YearMonth(parsing: s) }

    /// C13: temporary assistance 2,720,000.00 shared city 50 % / county 50 %; the city sent 3,390,000.00.
    @Test func c13CityOverTransferIsShownToSettle() {
        let s = CostSharing.settle(programme: .temporary, year: 2021, spending: .yuan(2_720_000),
                                   shares: [.city: Ratio(1, 2), .county: Ratio(1, 2)],
                                   received: [.city: .yuan(1_000_000) + .yuan(2_390_000)])
        #expect(s.levels.map(\.source) == [.city, .county])
        #expect(s.levels.map(\.due) == [.yuan(1_360_000), .yuan(1_360_000)])
        #expect(s.levels[0].overTransferred == .yuan(2_030_000))
        #expect(s.levels[0].status == "上级多拨待清算")
        // The county's share is its due share, never spending − city money (−670,000.00).
        #expect(s.levels[1].due == .yuan(1_360_000))
        #expect(s.levels[1].overTransferred == .zero)
        #expect(s.levels[1].outstanding == .yuan(1_360_000))
    }

    /// Shares that do not divide the fen evenly: rounded once per level, the county takes the remainder.
    @Test func costSharesAddUpToTheSpending() {
        let s = CostSharing.settle(programme: .dibao, year: 2021, spending: Money(fen: 1_000_001),
                                   shares: [.central: Ratio(1, 3), .provincial: Ratio(1, 3), .county: Ratio(1, 3)], received: [:])
        #expect(s.levels.map(\.due.fen) == [333_334, 333_334, 333_333])
        #expect(s.levels.reduce(Money.zero) { $0 + $1.due } == Money(fen: 1_000_001))
    }

    /// C14: 500,000.00 received 2021-03-15; 60,000.00 spent 2021-04-20 and 40,000.00 on 2021-09-10.
    @Test func c14IdleMoneyAndExecutionRate() {
        let receipts = [FundReceipt(date: date("2021-03-15"), amount: .yuan(500_000), reference: "临时救助资金")]
        let payments = [FundPayment(date: date("2021-04-20"), amount: .yuan(60_000), reference: "a"),
                        FundPayment(date: date("2021-09-10"), amount: .yuan(40_000), reference: "b")]
        let yearEnd = FundAging.position(receipts: receipts, payments: payments, asOf: date("2021-12-31"), idleMonths: 12)
        #expect(yearEnd.balance == .yuan(400_000))
        #expect(yearEnd.executionRatePercent == "20.00")
        #expect(yearEnd.idle == .zero)
        let table: [(String, Money)] = [("2022-03-14", .zero), ("2022-03-15", .yuan(400_000)), ("2022-06-30", .yuan(400_000))]
        for (day, idle) in table {
            let p = FundAging.position(receipts: receipts, payments: payments, asOf: date(day), idleMonths: 12)
            #expect(p.idle == idle, "\(day)")
            #expect(p.balance == .yuan(400_000))
        }
        #expect(FundAging.position(receipts: receipts, payments: payments, asOf: date("2022-03-15"), idleMonths: 12)
            .unspent.map(\.months) == [12])
    }

    /// Spending takes the oldest money first; a later receipt is not idle when the older one is spent.
    @Test func oldestMoneyIsSpentFirst() {
        let receipts = [FundReceipt(date: date("2021-01-10"), amount: .yuan(100), reference: "old"),
                        FundReceipt(date: date("2021-11-10"), amount: .yuan(100), reference: "new")]
        let p = FundAging.position(receipts: receipts, payments: [FundPayment(date: date("2021-12-01"), amount: .yuan(150), reference: "x")],
                                   asOf: date("2022-01-31"), idleMonths: 12)
        #expect(p.unspent.map(\.receipt.reference) == ["new"])
        #expect(p.unspent.map(\.remaining) == [.yuan(50)])
        #expect(p.idle == .zero)
    }

    @Test func wholeMonths() {
        let table: [(String, String, Int)] = [
            ("2021-03-15", "2022-03-14", 11), ("2021-03-15", "2022-03-15", 12), ("2021-01-31", "2021-02-28", 1),
            ("2021-01-31", "2021-02-27", 0), ("2021-05-01", "2021-04-01", 0),
        ]
        for (a, b, n) in table { #expect(FundAging.wholeMonths(from: date(a), to: date(b)) == n, "\(a)→\(b)") }
    }

    /// C14: township X credits April–June together on 2021-06-28; July is credited on 2021-07-23 everywhere.
    @Test func c14LateAndLumpedPayments() {
        let x = "510921101000", y = "510921102000"
        let credits = [
            PaymentCredit(townshipCode: x, programme: .dibao, month: month("2021-04"), creditedOn: date("2021-06-28")),
            PaymentCredit(townshipCode: x, programme: .dibao, month: month("2021-05"), creditedOn: date("2021-06-28")),
            PaymentCredit(townshipCode: x, programme: .dibao, month: month("2021-06"), creditedOn: date("2021-06-28")),
            PaymentCredit(townshipCode: y, programme: .dibao, month: month("2021-06"), creditedOn: date("2021-06-08")),
            PaymentCredit(townshipCode: x, programme: .dibao, month: month("2021-07"), creditedOn: date("2021-07-23")),
            PaymentCredit(townshipCode: y, programme: .dibao, month: month("2021-07"), creditedOn: date("2021-07-23")),
        ]
        let f = Timeliness.findings(credits, payment: PaymentPolicy())
        let byKey = Dictionary(uniqueKeysWithValues: f.map { ("\($0.credit.townshipCode) \($0.credit.month)", $0) })
        let table: [(String, Int, [String])] = [
            ("\(x) 2021-04", 79, ["2021-05", "2021-06"]), ("\(x) 2021-05", 49, ["2021-04", "2021-06"]),
            ("\(x) 2021-06", 18, ["2021-04", "2021-05"]), ("\(y) 2021-06", 0, []),
            ("\(x) 2021-07", 13, []), ("\(y) 2021-07", 13, []),
        ]
        for (key, late, lumped) in table {
            #expect(byKey[key]?.daysLate == late, "\(key)")
            #expect(byKey[key]?.lumpedWith.map(\.description) == lumped, "\(key)")
        }
        // The due day is policy: on the 25th nothing in July is late.
        #expect(Timeliness.findings(credits, payment: PaymentPolicy(dueDay: 25)).filter { $0.credit.month == month("2021-07") }
            .map(\.daysLate) == [0, 0])
        // A due day past the month's end is its last day.
        #expect(PaymentPolicy(dueDay: 31).dueDate(of: month("2021-02")) == date("2021-02-28"))
    }

    /// C16: R1–R4 balance: 8,400.00 = recovered 1,800.00 + offset 1,200.00 + waived 3,000.00 + outstanding 2,400.00.
    @Test func c16RecoveryLedgerBalances() throws {
        var accounts = [
            RecoveryAccount(householdID: "R1", programme: .dibao, owed: .yuan(2_400), entries: []),
            RecoveryAccount(householdID: "R2", programme: .dibao, owed: .yuan(1_800), entries: []),
            RecoveryAccount(householdID: "R3", programme: .dibao, owed: .yuan(3_000), entries: []),
            RecoveryAccount(householdID: "R4", programme: .dibao, owed: .yuan(1_200), entries: []),
        ]
        let entries: [(Int, RecoveryEntry)] = [
            (1, RecoveryEntry(kind: .recovered, amount: .yuan(1_800), date: date("2021-10-12"), note: "现金退回")),
            (2, RecoveryEntry(kind: .waived, amount: .yuan(3_000), date: date("2021-11-03"), reference: "2021-17")),
            (3, RecoveryEntry(kind: .offset, amount: .yuan(1_200), date: date("2021-11-20"), grantID: "G1")),
        ]
        for (i, e) in entries {
            try RecoveryLedger.check(e, against: accounts[i])
            accounts[i].entries.append(e)
        }
        let sum = { (f: (RecoveryAccount) -> Money) in accounts.reduce(Money.zero) { $0 + f($1) } }
        #expect(sum(\.owed) == .yuan(8_400))
        #expect(sum(\.recovered) == .yuan(1_800))
        #expect(sum(\.offset) == .yuan(1_200))
        #expect(sum(\.waived) == .yuan(3_000))
        #expect(sum(\.outstanding) == .yuan(2_400))
        #expect(accounts[0].outstanding == .yuan(2_400))
        // A waiver without an approval reference is refused; so is more than is outstanding.
        #expect(throws: RecoveryError.waiverWithoutApproval) {
            try RecoveryLedger.check(RecoveryEntry(kind: .waived, amount: .yuan(100), date: date("2021-12-01"), reference: "  "),
                                     against: accounts[0])
        }
        #expect(throws: RecoveryError.moreThanOutstanding(amount: .yuan(2_401), outstanding: .yuan(2_400))) {
            try RecoveryLedger.check(RecoveryEntry(kind: .recovered, amount: .yuan(2_401), date: date("2021-12-01")), against: accounts[0])
        }
        #expect(throws: RecoveryError.offsetWithoutPayment) {
            try RecoveryLedger.check(RecoveryEntry(kind: .offset, amount: .yuan(1), date: date("2021-12-01")), against: accounts[0])
        }
    }

    /// C20: the July 2021 payee master.
    @Test func c20SharedAndCadreControlledAccounts() {
        let song = PayeeFacts(householdID: "宋", payeeName: "宋某", accountHolder: "宋某", accountKey: PayeeChecks.accountKey("6217-0000-0000-0001"))
        let tang = PayeeFacts(householdID: "唐", payeeName: "唐某", accountHolder: "冯某", accountKey: PayeeChecks.accountKey("6217-0000-0000-0002"))
        let deng = PayeeFacts(householdID: "邓", payeeName: "邓某", accountKey: PayeeChecks.accountKey("6217 0000 0000 0002"))
        let xu = PayeeFacts(householdID: "许", payeeName: "许某", accountKey: "X", phone: "13900000001")
        let accounts: [String: Set<String>] = [song.accountKey: ["宋"], tang.accountKey: ["唐", "邓"], "X": ["许"]]
        let phones: [String: Set<String>] = ["13900000001": ["许", "a", "b", "c", "d", "e", "f"]]
        let f = PayeeChecks.findings([song, tang, deng, xu], month: month("2021-07"), today: date("2021-07-01"), payment: PaymentPolicy(),
                                     accountHouseholds: accounts, phoneHouseholds: phones, released: [])
        #expect(f.map { "\($0.householdID) \($0.check.rawValue)" }
            == ["唐 SHARED_ACCOUNT", "唐 HOLDER_NOT_BENEFICIARY", "邓 SHARED_ACCOUNT", "许 SHARED_CONTACT"])
        #expect(f.filter(\.check.holds).map(\.householdID) == ["唐", "唐", "邓"])
        // The threshold is policy: at 8 households 许某 is not flagged.
        #expect(PayeeChecks.findings([xu], month: month("2021-07"), today: date("2021-07-01"), payment: PaymentPolicy(sharedContactHouseholds: 8),
                                     accountHouseholds: accounts, phoneHouseholds: phones, released: []).isEmpty)
        // A recorded release clears that check for that household and that account only.
        let released: Set<PayeeRelease> = [PayeeRelease(householdID: "邓", check: .sharedAccount, accountKey: deng.accountKey)]
        #expect(PayeeChecks.findings([deng], month: month("2021-07"), today: date("2021-07-01"), payment: PaymentPolicy(), accountHouseholds: accounts,
                                     phoneHouseholds: phones, released: released).isEmpty)
        var moved = deng
        moved.accountKey = "OTHER"
        #expect(PayeeChecks.findings([moved], month: month("2021-07"), today: date("2021-07-01"), payment: PaymentPolicy(),
                                     accountHouseholds: ["OTHER": ["邓", "唐"]], phoneHouseholds: phones, released: released)
            .map(\.check) == [.sharedAccount])
    }

    /// An account changed within the window before a batch is made is held; so is one held before and never
    /// released, however long ago; long before, it is not.
    @Test func accountChangedShortlyBeforePayment() {
        func held(_ changed: String, today: String, days: Int = 15, before: Bool = false) -> Bool {
            var p = PayeeFacts(householdID: "h", payeeName: "甲", accountKey: "A", accountChangedOn: date(changed))
            p.heldBefore = before
            return PayeeChecks.findings([p], month: month("2021-07"), today: date(today), payment: PaymentPolicy(accountChangeHoldDays: days),
                                        accountHouseholds: ["A": ["h"]], phoneHouseholds: [:], released: [])
                .contains { $0.check == .accountChanged }
        }
        let table: [(String, String, Int, Bool, Bool)] = [
            ("2021-07-05", "2021-07-05", 15, false, true),   // changed the day the batch is made
            ("2021-07-05", "2021-07-20", 15, false, true),   // 15 days before
            ("2021-07-05", "2021-07-21", 15, false, false),  // 16 days before
            ("2021-07-05", "2022-03-01", 15, true, true),    // held before, never released
            ("2021-07-25", "2021-07-20", 15, false, true),   // dated after the batch day: held
            ("2021-07-05", "2021-07-08", 0, false, false),   // window 0: only the same day
        ]
        for (changed, today, days, before, expected) in table {
            #expect(held(changed, today: today, days: days, before: before) == expected, "\(changed) \(today)")
        }
    }
}

/// The bank's result file, read on its own (docs/bank-returns.md).
@Suite struct BankReturnFileTests {
    @Test func gb18030AndExtraColumnsAreRead() throws {
        let text = "批次号,序号,银行账号,金额(元),处理结果,失败原因,入账日期,柜员\r\nb-1,1,6217 0000 0000 0001,900.00,失败,户名与账号不符,,张三\r\nb-1,2,\"=\"\"6217000000000002\"\"\",210,成功,,2021-07-08,李四\r\n"
        let rows = try BankReturnFile.parse(text.data(using: BankFormat.TextEncoding.gb18030.foundation)!)
        #expect(rows.count == 2)
        #expect(rows[0].paid == false && ReturnReason(bankText: rows[0].reasonText) == .other)
        #expect(rows[1].account == "6217000000000002" && rows[1].amount == .yuan(210) && rows[1].creditedOn == CivilDate(year: 2021, month: 7, day: 8))
        #expect(rows[1].extra == ["柜员": "李四"])
    }

    @Test(arguments: [
        ("批次号,序号,银行账号,金额(元)\nb,1,1,1", BankReturnError.missingColumn("处理结果")),
        ("批次号,序号,银行账号,金额(元),处理结果\nb,x,1,1,成功", BankReturnError.badValue(line: 2, column: "序号", value: "x", reason: "应为正整数")),
        ("批次号,序号,银行账号,金额(元),处理结果\nb,1,1,1.001,成功", BankReturnError.badValue(line: 2, column: "金额(元)", value: "1.001", reason: "应为金额（元，至多两位小数）")),
        ("批次号,序号,银行账号,金额(元),处理结果\nb,1,1,1,已处理", BankReturnError.badValue(line: 2, column: "处理结果", value: "已处理", reason: "应为“成功”或“失败”")),
        ("批次号,序号,银行账号,金额(元),处理结果,失败原因\nb,1,1,1,失败,", BankReturnError.badValue(line: 2, column: "失败原因", value: "", reason: "为空：失败的记录须有原因")),
        ("批次号,序号,银行账号,金额(元),处理结果\n", BankReturnError.empty),
        ("批次号,序号,银行账号,金额(元),处理结果\n\"b,1,1,1,成功", BankReturnError.notReadable("引号未闭合")),
    ])
    func refusals(text: String, expected: BankReturnError) {
        #expect(throws: expected) { try BankReturnFile.parse(Data(text.utf8)) }
    }

    @Test func reasons() {
        let table: [(String, ReturnReason)] = [("户名不符", .nameMismatch), ("账号错误", .accountInvalid), ("无此账号", .accountInvalid),
                                               ("证件号码不符", .idMismatch), ("账户冻结", .accountFrozen), ("已销户", .accountClosed), ("余额不足", .other)]
        for (text, reason) in table { #expect(ReturnReason(bankText: text) == reason, "\(text)") }
    }
}

/// Scoring of the 自评表 (reference-data.md §1.4) and the targets file.
@Suite struct SelfEvaluationScoringTests {
    @Test func scoringHonoursTheDirection() {
        let table: [(IndicatorDirection, String, String, String, String, Bool)] = [
            (.atLeast, "21933", "21980", "10", "10.00", true),
            (.atLeast, "4754", "4604", "10", "9.68", false),     // 濉溪 2019: 4604 / 4754 × 10 = 9.684…
            (.atLeast, "100", "99.99", "10", "9.99", false),     // would round to 10.00: a miss never scores full
            (.atMost, "5300", "5000", "5", "5.00", true),
            (.atMost, "5300", "5890", "5", "4.50", false),       // 5300 / 5890 × 5 = 4.499…
            (.atMost, "5", "0", "5", "5.00", true),
            (.equal, "100", "100", "4", "4.00", true),
            (.equal, "100", "80", "4", "3.20", false),
            (.qualitative, "有效保障", "有效保障", "30", "30.00", true),
            (.qualitative, "有效保障", "基本保障", "30", "0.00", false),
        ]
        for (d, target, actual, weight, score, met) in table {
            let r = EvaluationScoring.score(direction: d, target: target, actual: actual, weight: Decimal(string: weight)!)
            #expect(EvaluationScoring.text(r.score) == score, "\(d) \(target) \(actual)")
            #expect(r.met == met, "\(d) \(target) \(actual)")
        }
        #expect(EvaluationScoring.budgetScore(executed: Money(fen: 499_384_000_000), budget: Money(fen: 667_415_000_000)) == Decimal(string: "7.48")!)
        #expect(EvaluationScoring.budgetScore(executed: .yuan(2), budget: .yuan(1)) == 10)
    }

    @Test(arguments: [
        (#"{"indicators": [{"name": "受助对象满意度", "direction": "≥", "target": "90", "weight": "10"}]}"#,
         EvaluationError.invalid(at: "indicators[0]（受助对象满意度）.actual", reason: "系统无法从数据计算该指标，须填写实际完成值（actual）")),
        (#"{"indicators": [{"name": "x", "direction": ">=", "target": "90", "weight": "10", "actual": "1"}]}"#,
         EvaluationError.invalid(at: "indicators[0]（x）.direction", reason: "应为 ≥、≤、= 或 qualitative")),
        (#"{"indicators": [{"name": "x", "direction": "≥", "target": 90, "weight": "10", "actual": "1"}]}"#,
         EvaluationError.invalid(at: "indicators[0]（x）.target", reason: "应为字符串，如 \"21933\" 或 \"98\"")),
        (#"{"indicators": [{"name": "x", "direction": "≥", "target": "90", "weight": "10", "actual": "1", "score": "3"}]}"#,
         EvaluationError.invalid(at: "indicators[0]（x）.score", reason: "未知的键 (unknown key)")),
        (#"{"indicators": [{"name": "临时救助人次", "direction": "≥", "target": "9O", "weight": "10"}]}"#,
         EvaluationError.invalid(at: "indicators[0]（临时救助人次）.target", reason: "应为数字字符串（定量指标）")),
    ])
    func targetsRefusals(text: String, expected: EvaluationError) {
        #expect(throws: expected) { try EvaluationTargets.parse(Data(text.utf8)) }
    }

    /// The indicators carry 90 points (the budget's 10 apart); the stored targets read back as a file.
    @Test func weightsAndRoundTrip() throws {
        #expect(throws: EvaluationError.invalid(at: "indicators", reason: "各指标分值合计应为 90（预算执行 10 分另计），现为 10.00")) {
            try EvaluationTargets.parse(Data(#"{"indicators": [{"name": "临时救助人次", "direction": "≥", "target": "9", "weight": "10"}]}"#.utf8))
        }
        #expect(throws: EvaluationError.invalid(at: "indicators[0]（临时救助人次）.weight", reason: "应为 0–90 之间、至多两位小数的数字字符串，如 \"10\"")) {
            try EvaluationTargets.parse(Data(#"{"indicators": [{"name": "临时救助人次", "direction": "≥", "target": "9", "weight": "8.125"}]}"#.utf8))
        }
        let t = try EvaluationTargets.parse(Data(#"{"indicators": [{"name": "临时救助人次", "direction": "≥", "target": "9", "weight": "80"}, {"name": "受助对象满意度", "direction": "≥", "target": "90", "actual": "98", "weight": "10", "reason": "—"}], "goal": "应保尽保"}"#.utf8))
        #expect(try EvaluationTargets.parse(Data(t.fileJSON().utf8)) == t)
    }


    /// A measure the data computes may be named by its usual wording or by `measure`.
    @Test func measuresByNameOrKey() throws {
        let t = try EvaluationTargets.parse(Data(#"{"indicators": [{"name": "临时救助人次", "direction": "≥", "target": "900", "weight": "45"}, {"name": "救助人数", "measure": "dibao-persons-average", "direction": "≥", "target": "1", "weight": "45"}]}"#.utf8))
        #expect(t.indicators.map(\.measure) == [.temporaryPersonTimes, .dibaoPersonsAverage])
        #expect(t.indicators[0].unit == "人次")
    }

    /// 附表1: the parts add up to the totals as shown (largest remainder), the balance is raised − used as shown.
    @Test func fundTablePartsAddUpToTotals() throws {
        let d = try CivilDate(parsing: "2021-03-01")
        let allocations = [
            Allocation(year: 2021, source: .central, documentNumber: "a", date: d, amount: Money(fen: 5_904_290_000), programme: nil),
            Allocation(year: 2021, source: .provincial, documentNumber: "b", date: d, amount: Money(fen: 749_860_000), programme: nil),
            Allocation(year: 2021, source: .city, documentNumber: "c", date: d, amount: Money(fen: 20_000_000), programme: nil),
        ]
        // Three parts of 0.004 万元 each: rounded on their own they show 0.00 three times, their total 0.01.
        let uses = [FundUse(programme: .dibao, area: .urban, amount: Money(fen: 4_000)), FundUse(programme: .dibao, area: .rural, amount: Money(fen: 4_000)),
                    FundUse(programme: .tekun, area: nil, amount: Money(fen: 4_000))]
        let t = FundTable(year: 2021, allocations: allocations, uses: uses)
        let lines = t.lines.map { "\($0.key) \($0.value)" }
        #expect(lines == ["raised:central 5904.29", "raised:provincial 749.86", "raised:city 20.00", "raised:total 6674.15",
                          "used:dibao:urban 0.01", "used:dibao:rural 0.00", "used:dibao 0.01", "used:tekun 0.00", "used:total 0.01",
                          "balance 6674.14", "rate 0.00"])
        let layout = try FundTableLayout.parse(Data(#"{"rows": [{"label": "上级补助", "keys": ["raised:central", "raised:provincial", "raised:city"]}, {"label": "低保", "keys": ["used:dibao"]}, {"label": "执行率", "keys": ["rate"]}]}"#.utf8))
        #expect(try t.mapped(layout).map { "\($0.label) \($0.value)" } == ["上级补助 6674.15", "低保 0.01", "执行率 0.00"])
        #expect(throws: FundLayoutError.unknownKey(row: 0, key: "used:dibao:town")) {
            try FundTableLayout.parse(Data(#"{"rows": [{"label": "x", "keys": ["used:dibao:town"]}]}"#.utf8))
        }
    }
}
