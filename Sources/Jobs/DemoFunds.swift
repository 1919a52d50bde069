import Domain
import FluentKit
import Foundation
import Persistence

/// The demo county's 2021 money after payment: the bank's credit days (every township on the 8th, except
/// field case C14's: the first township's April–June credited together on 06-28 and July everywhere on
/// 07-23), and the year's 绩效自评 targets, so the fund page, the timeliness report and the self-evaluation
/// report have their year. Idempotent: a credit day or targets already there are left as they are.
public struct DemoFunds: Sendable {
    public let database: any Database
    public let countyCode: String

    public init(database: any Database, countyCode: String) {
        self.database = database
        self.countyCode = countyCode
    }

    /// Records what is missing; returns how many credit days it recorded.
    @discardableResult
    public func load() async throws -> Int {
        let payroll = PayrollStore(database)
        let ledger = FundLedgerStore(database)
        let recorded = Set(try await ledger.credits(countyCode: countyCode, year: 2021).map { "\($0.programme.rawValue) \($0.month) \($0.townshipCode)" })
        var count = 0
        let batches = try await payroll.batches(countyCode: countyCode)
            .filter { $0.month.year == 2021 && $0.kind == .regular && $0.state == .exported }
        let lateTownship = try await batches.lateTownship(payroll)
        for b in batches.sorted(by: { $0.month < $1.month }) {
            for t in try await payroll.townshipTotals(of: b.id).map(\.townshipCode)
            where !recorded.contains("\(b.programme.rawValue) \(b.month) \(t)") {
                var day = CivilDate(year: 2021, month: b.month.month, day: 8)!
                if b.month.month == 7 { day = CivilDate(year: 2021, month: 7, day: 23)! }
                if t == lateTownship, b.programme == DemoCounty.programme, (4...6).contains(b.month.month) { day = CivilDate(year: 2021, month: 6, day: 28)! }
                try await ledger.recordCredit(batchID: b.id, townshipCode: t, creditedOn: day, source: "demo", actor: "demo")
                count += 1
            }
        }
        let store = SelfEvaluationStore(database)
        if try await store.targets(year: 2021, countyCode: countyCode) == nil {
            let m = try await store.measures(year: 2021, countyCode: countyCode)
            // Counts aimed at what the county planned (about 2 % above what it paid: most are met, rural 低保
            // is not, to show a reason), standards against the Sichuan floor, 特困 against 1.3 × 低保.
            func planned(_ k: EvaluationMeasure, _ percent: Int64) -> String {
                String(max(1, (Int64(m[k]?.value ?? "0") ?? 0) * percent / 100))
            }
            let text = """
                {"initialBudget": "6500.00",
                 "goal": "保障城乡低保、特困人员等困难群众基本生活，做到应保尽保、按时足额发放。",
                 "budgetReason": "演示县户数少于全县，支出相应较少",
                 "indicators": [
                  {"name": "城市低保对象人数（按月平均）", "direction": "≥", "target": "\(planned(.dibaoUrbanPersonsAverage, 98))", "weight": "8"},
                  {"name": "农村低保对象人数（按月平均）", "direction": "≥", "target": "\(planned(.dibaoRuralPersonsAverage, 102))", "weight": "8",
                   "reason": "动态管理，年内退出多于新增"},
                  {"name": "特困人员救助供养人数（按月平均）", "direction": "≥", "target": "\(planned(.tekunPersonsAverage, 98))", "weight": "6"},
                  {"name": "临时救助人次", "direction": "≥", "target": "\(planned(.temporaryPersonTimes, 90))", "weight": "5"},
                  {"name": "城市低保标准", "direction": "≥", "target": "600", "unit": "元/人·月", "weight": "5"},
                  {"name": "农村低保标准", "direction": "≥", "target": "415", "unit": "元/人·月", "weight": "5"},
                  {"name": "农村特困人员基本生活标准与低保标准之比", "direction": "≥", "target": "1.3", "weight": "5",
                   "reason": "特困基本生活标准未同步调整，2022 年按不低于 1.3 倍调整"},
                  {"name": "救助资金发放准确率", "direction": "≥", "target": "99", "weight": "4"},
                  {"name": "资金发放及时率", "direction": "≥", "target": "100", "weight": "4",
                   "reason": "个别乡镇 4—6 月合并发放、7 月全县延迟入账，已约谈并建立按月到账核查"},
                  {"name": "困难群众基本生活得到保障", "level1": "效益指标", "level2": "社会效益指标", "direction": "qualitative",
                   "target": "有效保障", "actual": "有效保障", "weight": "30"},
                  {"name": "受助对象满意度", "level1": "满意度指标", "level2": "服务对象满意度指标", "direction": "≥", "target": "90",
                   "unit": "%", "actual": "98", "weight": "10"}
                 ]}
                """
            try await store.saveTargets(try EvaluationTargets.parse(Data(text.utf8)), year: 2021, countyCode: countyCode, actor: "demo")
        }
        return count
    }
}

extension Array where Element == PayrollBatch {
    /// The first township (by code) on the demo programme's earliest batch: its late township (field case C14).
    func lateTownship(_ payroll: PayrollStore) async throws -> String? {
        guard let first = filter({ $0.programme == DemoCounty.programme }).min(by: { $0.month < $1.month }) else { return nil }
        return try await payroll.townshipTotals(of: first.id).map(\.townshipCode).min()
    }
}
