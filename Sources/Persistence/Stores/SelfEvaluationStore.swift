import Domain
import FluentKit
import Foundation
import SQLKit

/// The year's 绩效自评 (docs/self-evaluation.md): targets kept per year, actuals computed from the data,
/// the table scored, the report's narrative kept per year, and finalising (refused while a shortfall has
/// no reason; afterwards nothing changes).
public struct SelfEvaluationStore: Sendable {
    let database: any Database

    public init(_ database: any Database) { self.database = database }

    /// Keeps the year's targets (replacing earlier ones).
    /// - Throws: `EvaluationError.finalised`.
    public func saveTargets(_ targets: EvaluationTargets, year: Int, countyCode: String, actor: String) async throws {
        if try await finalised(year: year, countyCode: countyCode) != nil { throw EvaluationError.finalised(year: year) }
        let text = try SQLSupport.encode(targets)
        try await database.transaction { db in
            try await db.sql.raw("DELETE FROM evaluation_targets WHERE county_code = \(bind: countyCode) AND year = \(bind: year)").run()
            try await db.sql.insert(into: "evaluation_targets").columns("id", "county_code", "year", "targets", "entered_by", "entered_at")
                .values(SQLSupport.newID(), countyCode, year, text, actor, Date()).run()
            try await audit(db, county: countyCode, actor: actor, action: "evaluation.targets", subject: "\(year)",
                            detail: "\(targets.indicators.count) 项指标")
        }
    }

    /// The year's targets, or nil.
    /// - Throws: `StoreError.unreadable` when the stored document does not parse.
    public func targets(year: Int, countyCode: String) async throws -> EvaluationTargets? {
        struct Row: Decodable { var targets: String }
        guard let r = try await database.sql.raw("""
            SELECT targets FROM evaluation_targets WHERE county_code = \(bind: countyCode) AND year = \(bind: year)
            """).first(decoding: Row.self) else { return nil }
        guard let t = try? JSONDecoder().decode(EvaluationTargets.self, from: Data(r.targets.utf8)) else {
            throw StoreError.unreadable(table: "evaluation_targets", column: "targets", value: "\(year)")
        }
        return t
    }

    /// When and by whom the year was finalised, or nil.
    public func finalised(year: Int, countyCode: String) async throws -> (at: Date, by: String)? {
        struct Row: Decodable { var finalisedAt: Date?; var finalisedBy: String? }
        guard let r = try await database.sql.raw("""
            SELECT finalised_at, finalised_by FROM evaluation_targets WHERE county_code = \(bind: countyCode) AND year = \(bind: year)
            """).first(decoding: Row.self, with: SQLSupport.decoder), let at = r.finalisedAt else { return nil }
        return (at, r.finalisedBy ?? "")
    }

    /// What the data gives for each measure in `year`, with how it was counted; a measure the data has
    /// nothing for (no credit day recorded: no timeliness) is absent.
    public func measures(year: Int, countyCode: String) async throws -> [EvaluationMeasure: (value: String, how: String)] {
        var out: [EvaluationMeasure: (String, String)] = [:]
        struct Row: Decodable { var programme: String; var month: Int; var area: String; var persons: Int64; var lines: Int }
        let rows = try await database.sql.raw(SQLQueryString("""
            SELECT b.programme, b.month, l.area, CAST(SUM(l.household_size) AS BIGINT) AS persons, COUNT(*) AS lines
            FROM payroll_lines l JOIN payroll_batches b ON b.id = l.batch_id
            WHERE b.county_code = \(bind: countyCode) AND b.state = 'exported' AND b.kind = 'regular'
              AND b.month >= \(bind: year * 100 + 1) AND b.month <= \(bind: year * 100 + 12) AND
            """) + SQLFragments.notReturned("l") + " GROUP BY b.programme, b.month, l.area")
            .all(decoding: Row.self, with: SQLSupport.decoder)
        func people(_ p: Programme, area: String? = nil, month: Int? = nil) -> Int64 {
            rows.filter { $0.programme == p.rawValue && (area == nil || $0.area == area) && (month == nil || $0.month == month) }
                .reduce(0) { $0 + ((try? p.rules().recipient) == .household ? $1.persons : Int64($1.lines)) }
        }
        func average(_ total: Int64) -> String { String((total * 2 + 12) / 24) }  // ÷ 12, half-up
        let how = "\(year) 年 1–12 月已交付银行的正常发放批次人数之和 ÷ 12（退票未重发的不计）"
        out[.dibaoPersonsAverage] = (average(people(.dibao)), how)
        out[.dibaoUrbanPersonsAverage] = (average(people(.dibao, area: "urban")), how)
        out[.dibaoRuralPersonsAverage] = (average(people(.dibao, area: "rural")), how)
        out[.dibaoPersonsYearEnd] = (String(people(.dibao, month: year * 100 + 12)), "\(year) 年 12 月发放批次人数")
        out[.tekunPersonsAverage] = (average(people(.tekun)), how)
        out[.tekunPersonsYearEnd] = (String(people(.tekun, month: year * 100 + 12)), "\(year) 年 12 月发放批次人数")
        out[.orphansAverage] = (average(people(.orphan)), how)
        out[.unsupportedChildrenAverage] = (average(people(.unsupportedChild)), how)
        struct N: Decodable { var n: Int }
        let grants = try await database.sql.raw(SQLQueryString("""
            SELECT COUNT(*) AS n FROM payroll_lines l JOIN payroll_batches b ON b.id = l.batch_id
            WHERE b.county_code = \(bind: countyCode) AND b.state = 'exported' AND b.programme = 'temporary' AND b.kind = 'regular'
              AND b.month >= \(bind: year * 100 + 1) AND b.month <= \(bind: year * 100 + 12) AND
            """) + SQLFragments.notReturned("l")).first(decoding: N.self)?.n ?? 0
        let atOnce = try await database.sql.raw("""
            SELECT COUNT(*) AS n FROM reserve_fund_entries WHERE county_code = \(bind: countyCode) AND kind = 'payment'
              AND entry_date >= \(bind: "\(year)-01-01") AND entry_date <= \(bind: "\(year)-12-31")
            """).first(decoding: N.self)?.n ?? 0
        out[.temporaryPersonTimes] = (String(grants + atOnce), "随批次发放 \(grants) 人次 + 乡镇备用金即时发放 \(atOnce) 人次")
        let stays = try await database.sql.raw("""
            SELECT COUNT(*) AS n FROM station_stays WHERE county_code = \(bind: countyCode)
              AND admitted_on >= \(bind: "\(year)-01-01") AND admitted_on <= \(bind: "\(year)-12-31")
            """).first(decoding: N.self)?.n ?? 0
        out[.reliefPersonTimes] = (String(stays), "\(year) 年救助站入站人次")
        if let policy = try? await PolicyStore(database).policy(region: countyCode, month: YearMonth(year: year, month: 12)!) {
            if let dibao = policy.dibao {
                out[.dibaoUrbanStandard] = (dibao.standard(for: .urban).yuanString, "\(policy.version) 城市低保标准")
                out[.dibaoRuralStandard] = (dibao.standard(for: .rural).yuanString, "\(policy.version) 农村低保标准")
                if let tekun = policy.tekun {
                    let ratio = Decimal(tekun.basic(for: .rural).fen) / Decimal(dibao.standard(for: .rural).fen)
                    out[.tekunRuralToDibaoRatio] = (EvaluationScoring.text(ratio), "\(policy.version) 农村特困基本生活标准 \(tekun.basic(for: .rural).yuanString) ÷ 农村低保标准 \(dibao.standard(for: .rural).yuanString)")
                }
            }
        }
        let paid = try await FundStore(database).uses(countyCode: countyCode, year: year).reduce(Money.zero) { $0 + $1.amount }
        struct S: Decodable { var total: Int64? }
        let overpaid = try await database.sql.raw("""
            SELECT CAST(SUM(amount_fen) AS BIGINT) AS total FROM overpayments WHERE county_code = \(bind: countyCode)
              AND month >= \(bind: year * 100 + 1) AND month <= \(bind: year * 100 + 12)
            """).first(decoding: S.self)?.total ?? 0
        if paid.fen > 0 {
            let accuracy = (1 - Decimal(overpaid) / Decimal(paid.fen)) * 100
            out[.paymentAccuracy] = (EvaluationScoring.text(accuracy), "（支出 \(paid.yuanString) − 查出多发 \(Money(fen: overpaid).yuanString)）÷ 支出 × 100%")
        }
        let findings = try await FundLedgerStore(database).timeliness(countyCode: countyCode, year: year)
        if !findings.isEmpty {
            let onTime = findings.filter { !$0.isLate && !$0.isLumped }.count
            out[.paymentTimeliness] = (EvaluationScoring.text(Decimal(onTime) / Decimal(findings.count) * 100),
                                       "按期入账 \(onTime) 项 ÷ 已登记入账 \(findings.count) 项（乡镇×月份）× 100%")
        }
        return out.mapValues { (value: $0.0, how: $0.1) }
    }

    /// The year's table: the budget block from 附表1's totals, each indicator's actual from the data or the
    /// county's entry, scored.
    /// - Throws: `EvaluationError.noTargets`; `.invalid` for an indicator whose measure the data has no
    ///   value for (it needs an `actual`).
    /// - Parameter measures: what `measures(year:countyCode:)` gave, when the caller has it already.
    public func table(year: Int, countyCode: String,
                      measures known: [EvaluationMeasure: (value: String, how: String)]? = nil) async throws -> SelfEvaluationTable {
        guard let targets = try await targets(year: year, countyCode: countyCode) else { throw EvaluationError.noTargets(year: year) }
        let fund = try await FundStore(database).fundTable(countyCode: countyCode, year: year)
        let data = if let known { known } else { try await measures(year: year, countyCode: countyCode) }
        let scored: [ScoredIndicator] = try targets.indicators.map { t in
            let actual: String, source: String
            if let a = t.actual {
                (actual, source) = (a, "县民政局填报")
            } else if let m = t.measure, let v = data[m] {
                (actual, source) = (v.value, v.how)
            } else {
                throw EvaluationError.invalid(at: t.name, reason: "数据中没有可计算的值（如尚未登记银行入账日期），须填写实际完成值（actual）")
            }
            let (score, met) = EvaluationScoring.score(direction: t.direction, target: t.target, actual: actual, weight: t.weight)
            return ScoredIndicator(target: t, actual: actual, score: score, met: met, reason: t.reason, source: source)
        }
        return SelfEvaluationTable(year: year, initialBudget: targets.initialBudget, budget: fund.totalRaised, executed: fund.totalUsed,
                                   executionRate: fund.executionRatePercent,
                                   budgetScore: EvaluationScoring.budgetScore(executed: fund.totalUsed, budget: fund.totalRaised),
                                   goal: targets.goal, indicators: scored, budgetReason: targets.budgetReason)
    }

    /// Finalises the year: refused while a shortfall has no reason; afterwards targets and narrative are fixed.
    /// - Throws: `EvaluationError.missingReasons` naming them; `.noTargets`; `.finalised`.
    public func finalise(year: Int, countyCode: String, actor: String) async throws {
        if try await finalised(year: year, countyCode: countyCode) != nil { throw EvaluationError.finalised(year: year) }
        let t = try await table(year: year, countyCode: countyCode)
        guard t.missingReasons.isEmpty else { throw EvaluationError.missingReasons(t.missingReasons) }
        try await database.transaction { db in
            try await db.sql.raw("""
                UPDATE evaluation_targets SET finalised_at = \(bind: Date()), finalised_by = \(bind: actor)
                WHERE county_code = \(bind: countyCode) AND year = \(bind: year) AND finalised_at IS NULL
                """).run()
            try await audit(db, county: countyCode, actor: actor, action: "evaluation.finalise", subject: "\(year)",
                            detail: "总分 \(EvaluationScoring.text(t.total))")
        }
    }

    /// The report's four sections as edited (section 1–4), by number.
    public func narrative(year: Int, countyCode: String) async throws -> [Int: String] {
        struct Row: Decodable { var section: Int; var text: String }
        return Dictionary(try await database.sql.raw("""
            SELECT section, text FROM evaluation_narratives WHERE county_code = \(bind: countyCode) AND year = \(bind: year)
            """).all(decoding: Row.self).map { ($0.section, $0.text) }, uniquingKeysWith: { a, _ in a })
    }

    /// Keeps an edited section.
    /// - Throws: `EvaluationError.finalised`; `StoreError.outOfRange` for a section outside 1–4.
    public func saveNarrative(year: Int, section: Int, text: String, countyCode: String, actor: String) async throws {
        guard (1...4).contains(section) else { throw StoreError.outOfRange("报告只有第 1–4 部分 (section 1–4)") }
        if try await finalised(year: year, countyCode: countyCode) != nil { throw EvaluationError.finalised(year: year) }
        try await database.transaction { db in
            try await db.sql.raw("""
                DELETE FROM evaluation_narratives WHERE county_code = \(bind: countyCode) AND year = \(bind: year) AND section = \(bind: section)
                """).run()
            try await db.sql.insert(into: "evaluation_narratives").columns("id", "county_code", "year", "section", "text", "edited_by", "edited_at")
                .values(SQLSupport.newID(), countyCode, year, section, text, actor, Date()).run()
            try await audit(db, county: countyCode, actor: actor, action: "evaluation.narrative", subject: "\(year)#\(section)", detail: "")
        }
    }
}
