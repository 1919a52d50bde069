import Foundation

/// The 项目支出绩效自评表 of 困难群众救助补助资金 (reference-data.md §1.3–1.5; 财预〔2020〕10号 family): the budget
/// block and the performance indicators, scored by direction. docs/self-evaluation.md.
public enum IndicatorDirection: String, Codable, Sendable, CaseIterable {
    case atLeast = "≥"
    case atMost = "≤"
    case equal = "="
    case qualitative

    public var chinese: String {
        switch self {
        case .atLeast: return "≥"
        case .atMost: return "≤"
        case .equal: return "="
        case .qualitative: return "定性"
        }
    }
}

/// What the data can compute for an indicator (the year's registry, payroll and ledger).
public enum EvaluationMeasure: String, Codable, Sendable, CaseIterable {
    case dibaoPersonsAverage = "dibao-persons-average"
    case dibaoUrbanPersonsAverage = "dibao-urban-persons-average"
    case dibaoRuralPersonsAverage = "dibao-rural-persons-average"
    case dibaoPersonsYearEnd = "dibao-persons-year-end"
    case tekunPersonsAverage = "tekun-persons-average"
    case tekunPersonsYearEnd = "tekun-persons-year-end"
    case temporaryPersonTimes = "temporary-person-times"
    case orphansAverage = "orphans-average"
    case unsupportedChildrenAverage = "unsupported-children-average"
    case reliefPersonTimes = "relief-person-times"
    case dibaoUrbanStandard = "dibao-urban-standard"
    case dibaoRuralStandard = "dibao-rural-standard"
    case tekunRuralToDibaoRatio = "tekun-rural-to-dibao-ratio"
    case paymentAccuracy = "payment-accuracy"
    case paymentTimeliness = "payment-timeliness"

    /// The indicator's usual wording (reference-data.md §1.5); a targets file may use it instead of `measure`.
    public var standardName: String {
        switch self {
        case .dibaoPersonsAverage: return "低保对象人数（按月平均）"
        case .dibaoUrbanPersonsAverage: return "城市低保对象人数（按月平均）"
        case .dibaoRuralPersonsAverage: return "农村低保对象人数（按月平均）"
        case .dibaoPersonsYearEnd: return "低保对象人数（年末）"
        case .tekunPersonsAverage: return "特困人员救助供养人数（按月平均）"
        case .tekunPersonsYearEnd: return "特困人员救助供养人数（年末）"
        case .temporaryPersonTimes: return "临时救助人次"
        case .orphansAverage: return "孤儿人数（按月平均）"
        case .unsupportedChildrenAverage: return "事实无人抚养儿童人数（按月平均）"
        case .reliefPersonTimes: return "流浪乞讨人员救助人次"
        case .dibaoUrbanStandard: return "城市低保标准"
        case .dibaoRuralStandard: return "农村低保标准"
        case .tekunRuralToDibaoRatio: return "农村特困人员基本生活标准与低保标准之比"
        case .paymentAccuracy: return "救助资金发放准确率"
        case .paymentTimeliness: return "资金发放及时率"
        }
    }

    /// 一级 / 二级 indicator and unit.
    public var levels: (String, String) {
        switch self {
        case .dibaoUrbanStandard, .dibaoRuralStandard, .tekunRuralToDibaoRatio, .paymentAccuracy: return ("产出指标", "质量指标")
        case .paymentTimeliness: return ("产出指标", "时效指标")
        default: return ("产出指标", "数量指标")
        }
    }

    public var unit: String {
        switch self {
        case .temporaryPersonTimes, .reliefPersonTimes: return "人次"
        case .dibaoUrbanStandard, .dibaoRuralStandard: return "元/人·月"
        case .tekunRuralToDibaoRatio: return "倍"
        case .paymentAccuracy, .paymentTimeliness: return "%"
        default: return "人"
        }
    }

    public static func named(_ name: String) -> EvaluationMeasure? { allCases.first { $0.standardName == name } }
}

/// One indicator as the county set it for the year (its targets file or page).
public struct IndicatorTarget: Hashable, Sendable, Codable {
    public var name: String
    public var level1: String
    public var level2: String
    public var direction: IndicatorDirection
    /// A decimal ("21933", "98", "1.3") or, for a qualitative indicator, the words of the target.
    public var target: String
    public var unit: String
    /// Points (the weights of the indicators and the budget's 10 add up to 100).
    public var weight: Decimal
    /// Given by hand (satisfaction from the bureau's survey); nil: from the data (`measure`).
    public var actual: String?
    public var measure: EvaluationMeasure?
    /// 偏差原因分析及改进措施, for a target missed.
    public var reason: String?
}

/// The year's targets: the indicators, and the budget figures the ledger does not hold.
public struct EvaluationTargets: Hashable, Sendable, Codable {
    public var indicators: [IndicatorTarget]
    /// 年初预算数 (万元 text, e.g. "6500.00"); nil when not given.
    public var initialBudget: String?
    /// 年度总体目标 (预期目标).
    public var goal: String?
    /// Why the execution rate is under 90 % (Sichuan's form asks it).
    public var budgetReason: String?

    /// Parses `{"indicators": [{"name", "direction", "target", "weight", "actual"?, "measure"?, "level1"?, "level2"?,
    /// "unit"?, "reason"?}], "initialBudget"?, "goal"?}` strictly: unknown keys, directions, measures and
    /// numbers are refused naming the indicator; an indicator the data cannot compute must have `actual`.
    public static func parse(_ data: Data) throws(EvaluationError) -> EvaluationTargets {
        guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { throw .notJSON }
        try keys(root, ["indicators", "initialBudget", "goal", "budgetReason"], at: "")
        guard let list = root["indicators"] as? [Any], !list.isEmpty else { throw .invalid(at: "indicators", reason: "应为非空数组") }
        var out: [IndicatorTarget] = []
        for (i, raw) in list.enumerated() {
            guard let o = raw as? [String: Any] else { throw .invalid(at: "indicators[\(i)]", reason: "应为对象") }
            let name = (o["name"] as? String)?.trimmingWhitespace() ?? ""
            let at = "indicators[\(i)]" + (name.isEmpty ? "" : "（\(name)）")
            try keys(o, ["name", "direction", "target", "weight", "actual", "measure", "level1", "level2", "unit", "reason"], at: at)
            guard !name.isEmpty, name.count <= 60 else { throw .invalid(at: "\(at).name", reason: "须为 1–60 个字符") }
            guard !out.contains(where: { $0.name == name }) else { throw .invalid(at: "\(at).name", reason: "指标名称重复") }
            guard let d = o["direction"] as? String, let direction = IndicatorDirection(rawValue: d) else {
                throw .invalid(at: "\(at).direction", reason: "应为 ≥、≤、= 或 qualitative")
            }
            guard let target = (o["target"] as? String)?.trimmingWhitespace(), !target.isEmpty else {
                throw .invalid(at: "\(at).target", reason: "应为字符串，如 \"21933\" 或 \"98\"")
            }
            if direction != .qualitative, EvaluationScoring.decimal(target) == nil {
                throw .invalid(at: "\(at).target", reason: "应为数字字符串（定量指标）")
            }
            guard let w = o["weight"] as? String, let weight = EvaluationScoring.decimal(w), weight > 0, weight <= 90,
                  (w.split(separator: ".").dropFirst().first?.count ?? 0) <= 2 else {
                throw .invalid(at: "\(at).weight", reason: "应为 0–90 之间、至多两位小数的数字字符串，如 \"10\"")
            }
            var measure: EvaluationMeasure?
            if let m = o["measure"] {
                guard let t = m as? String, let v = EvaluationMeasure(rawValue: t) else {
                    throw .invalid(at: "\(at).measure", reason: "应为 \(EvaluationMeasure.allCases.map(\.rawValue).joined(separator: " / "))")
                }
                measure = v
            } else {
                measure = EvaluationMeasure.named(name)
            }
            var actual: String?
            if let a = o["actual"] {
                guard let t = (a as? String)?.trimmingWhitespace(), !t.isEmpty else { throw .invalid(at: "\(at).actual", reason: "应为字符串") }
                if direction != .qualitative, EvaluationScoring.decimal(t) == nil { throw .invalid(at: "\(at).actual", reason: "应为数字字符串") }
                actual = t
                measure = nil
            }
            if actual == nil && measure == nil {
                throw .invalid(at: "\(at).actual", reason: "系统无法从数据计算该指标，须填写实际完成值（actual）")
            }
            func text(_ key: String) throws(EvaluationError) -> String? {
                guard let v = o[key] else { return nil }
                guard let s = v as? String, s.count <= 300 else { throw .invalid(at: "\(at).\(key)", reason: "应为不超过 300 字的字符串") }
                return s
            }
            let named = measure ?? EvaluationMeasure.named(name)
            out.append(IndicatorTarget(name: name, level1: try text("level1") ?? named?.levels.0 ?? "产出指标",
                                       level2: try text("level2") ?? named?.levels.1 ?? "数量指标", direction: direction,
                                       target: target, unit: try text("unit") ?? named?.unit ?? "", weight: weight, actual: actual,
                                       measure: measure, reason: try text("reason")))
        }
        // 预算执行 10 分另计：the indicators carry the other 90 (财预〔2020〕10号 family; Sichuan's 2023 form alike).
        let sum = out.reduce(Decimal(0)) { $0 + $1.weight }
        guard sum == 90 else {
            throw .invalid(at: "indicators", reason: "各指标分值合计应为 90（预算执行 10 分另计），现为 \(EvaluationScoring.text(sum))")
        }
        var initial: String?
        if let b = root["initialBudget"] {
            guard let t = b as? String, EvaluationScoring.decimal(t) != nil else { throw .invalid(at: "initialBudget", reason: "应为万元数字字符串，如 \"6500.00\"") }
            initial = t
        }
        var goal: String?
        if let g = root["goal"] {
            guard let t = g as? String, t.count <= 500 else { throw .invalid(at: "goal", reason: "应为不超过 500 字的字符串") }
            goal = t
        }
        var budgetReason: String?
        if let g = root["budgetReason"] {
            guard let t = g as? String, t.count <= 100 else { throw .invalid(at: "budgetReason", reason: "应为不超过 100 字的字符串") }
            budgetReason = t
        }
        return EvaluationTargets(indicators: out, initialBudget: initial, goal: goal, budgetReason: budgetReason)
    }

    /// The targets as a targets file (strings for numbers), what `parse` reads back.
    public func fileJSON() -> String {
        var list: [[String: Any]] = []
        for i in indicators {
            var o: [String: Any] = ["name": i.name, "level1": i.level1, "level2": i.level2, "direction": i.direction.rawValue,
                                    "target": i.target, "unit": i.unit, "weight": EvaluationScoring.text(i.weight)]
            if let a = i.actual { o["actual"] = a }
            if let m = i.measure, m.standardName != i.name { o["measure"] = m.rawValue }
            if let r = i.reason { o["reason"] = r }
            list.append(o)
        }
        var root: [String: Any] = ["indicators": list]
        if let b = initialBudget { root["initialBudget"] = b }
        if let g = goal { root["goal"] = g }
        if let r = budgetReason { root["budgetReason"] = r }
        let data = try! JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    static func keys(_ o: [String: Any], _ known: Set<String>, at: String) throws(EvaluationError) {
        if let unknown = o.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalid(at: at.isEmpty ? unknown : "\(at).\(unknown)", reason: "未知的键 (unknown key)")
        }
    }
}

/// A scored indicator of the table.
public struct ScoredIndicator: Hashable, Sendable {
    public var target: IndicatorTarget
    /// The actual value as shown ("21980", "98.50", "1.24"), or the words of a qualitative one.
    public var actual: String
    /// Points, two decimals.
    public var score: Decimal
    public var met: Bool
    /// The county's reason for a shortfall (required to finalise).
    public var reason: String?
    /// Where the actual came from: the data (with how) or the county's entry.
    public var source: String

    public init(target: IndicatorTarget, actual: String, score: Decimal, met: Bool, reason: String?, source: String) {
        self.target = target
        self.actual = actual
        self.score = score
        self.met = met
        self.reason = reason
        self.source = source
    }
}

/// The whole table.
public struct SelfEvaluationTable: Hashable, Sendable {
    public var year: Int
    public var initialBudget: String?
    /// 全年预算数 and 全年执行数, fen.
    public var budget: Money
    public var executed: Money
    /// 执行率, percent with two decimals.
    public var executionRate: String?
    /// Points of 10.
    public var budgetScore: Decimal
    public var goal: String?
    public var indicators: [ScoredIndicator]

    public var total: Decimal { indicators.reduce(budgetScore) { $0 + $1.score } }

    /// 优 (90–100), 良 (80–<90), 中 (60–<80), 差 (<60) [unconfirmed, reference-data.md §1.4].
    public var grade: String {
        switch total {
        case 90...: return "优"
        case 80..<90: return "良"
        case 60..<80: return "中"
        default: return "差"
        }
    }

    /// Shortfalls with no reason: the report cannot be finalised while any remains.
    public var missingReasons: [String] {
        indicators.filter { !$0.met && ($0.reason ?? "").trimmingWhitespace().isEmpty }.map(\.target.name)
            + (budgetNeedsReason && (budgetReason ?? "").trimmingWhitespace().isEmpty ? ["预算执行率"] : [])
    }

    /// Sichuan's form asks a reason for an execution rate under 90 %.
    public var budgetNeedsReason: Bool { executed.fen * 10 < budget.fen * 9 }
    public var budgetReason: String?

    public init(year: Int, initialBudget: String?, budget: Money, executed: Money, executionRate: String?, budgetScore: Decimal,
                goal: String?, indicators: [ScoredIndicator], budgetReason: String?) {
        self.year = year
        self.initialBudget = initialBudget
        self.budget = budget
        self.executed = executed
        self.executionRate = executionRate
        self.budgetScore = budgetScore
        self.goal = goal
        self.indicators = indicators
        self.budgetReason = budgetReason
    }
}

public enum EvaluationScoring {
    /// A decimal string ("21933", "98.5", "1.3") as an exact Decimal; nil for anything else.
    public static func decimal(_ text: String) -> Decimal? {
        let t = text.trimmingWhitespace()
        guard !t.isEmpty, t.count <= 20, t.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
              t.filter({ $0 == "." }).count <= 1, t.first != ".", t.last != "." else { return nil }
        return Decimal(string: t, locale: Locale(identifier: "en_US_POSIX"))
    }

    /// Two decimals, half-up (the score's rounding, once).
    public static func round2(_ d: Decimal) -> Decimal {
        var x = d, r = Decimal()
        NSDecimalRound(&r, &x, 2, .plain)
        return r
    }

    /// The points of one indicator (docs/self-evaluation.md): ≥ scores weight × min(1, actual ÷ target);
    /// ≤ scores weight × min(1, target ÷ actual) (full when actual is 0); = scores weight when equal, else
    /// weight × smaller ÷ larger; qualitative scores weight when the actual is the target's words, else 0.
    /// Rounded to two decimals; a missed target never scores full marks (the weight less 0.01 at most).
    public static func score(direction: IndicatorDirection, target: String, actual: String, weight: Decimal) -> (score: Decimal, met: Bool) {
        if direction == .qualitative {
            let met = actual.trimmingWhitespace() == target.trimmingWhitespace()
            return (met ? weight : 0, met)
        }
        guard let t = decimal(target), let a = decimal(actual) else { return (0, false) }
        let ratio: Decimal
        let met: Bool
        switch direction {
        case .atLeast:
            met = a >= t
            ratio = t == 0 ? 1 : min(1, a / t)
        case .atMost:
            met = a <= t
            ratio = a == 0 ? 1 : min(1, t / a)
        case .equal:
            met = a == t
            ratio = met ? 1 : (max(a, t) == 0 ? 0 : min(a, t) / max(a, t))
        case .qualitative: return (0, false)
        }
        var s = round2(weight * ratio)
        if !met && s >= weight { s = weight - Decimal(string: "0.01")! }
        return (max(0, s), met)
    }

    /// 得分 of the budget block: 执行率 × 10, capped at 10, two decimals.
    public static func budgetScore(executed: Money, budget: Money) -> Decimal {
        guard budget.fen > 0 else { return 0 }
        let rate = min(Decimal(1), Decimal(executed.fen) / Decimal(budget.fen))
        return round2(rate * 10)
    }

    /// Decimal as text with exactly `places` decimals ("9.50").
    public static func text(_ d: Decimal, places: Int = 2) -> String {
        var x = d, r = Decimal()
        NSDecimalRound(&r, &x, places, .plain)
        let f = NumberFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.minimumFractionDigits = places
        f.maximumFractionDigits = places
        f.minimumIntegerDigits = 1
        f.usesGroupingSeparator = false
        return f.string(from: r as NSDecimalNumber) ?? "\(r)"
    }
}

public enum EvaluationError: Error, Equatable, Sendable {
    case notJSON
    case invalid(at: String, reason: String)
    case noTargets(year: Int)
    case missingReasons([String])
    case finalised(year: Int)

    public var message: String {
        switch self {
        case .notJSON: return "绩效目标文件不是 JSON 对象 (not a JSON object)"
        case let .invalid(at, reason): return "绩效目标 \(at)：\(reason)"
        case .noTargets(let year): return "\(year) 年尚未录入绩效目标：请用 --targets FILE 或在“绩效自评”页录入 (no targets for the year)"
        case .missingReasons(let names):
            return "以下指标未完成目标且未填写偏差原因，自评表不能定稿：\(names.joined(separator: "、")) (shortfalls need their reasons)"
        case .finalised(let year): return "\(year) 年绩效自评已定稿，不能再修改 (finalised)"
        }
    }
}
