/// 渐退期 (gradual exit): a 低保 household that a review finds above the standard because a member found
/// work — its counted wage income rose since the decision, and without that rise it would still be below
/// the standard — keeps its amount for the policy's `dibao.gradualExitMonths` months after the review month, then
/// stops (民发〔2021〕57号 第33条; 民发〔2022〕83号 §1(3): in principle ≤ 6 months). Employment here is
/// wage income (工资性收入): a pension or another transfer is no employment, so no 渐退 (field case C19).
public enum GradualExit {
    /// Months of 渐退 (0: none), with the trace line that says why.
    /// - Parameters:
    ///   - decided: the input the household's current amount was decided from; nil when the decision kept
    ///     none (recorded before migration 0015): then whether the income is new work cannot be shown, and
    ///     there is no 渐退.
    ///   - now: the household as the review assesses it.
    public static func months(decided: AssessmentInput?, now: AssessmentInput, policy: Policy) -> (months: Int, trace: TraceLine) {
        let source = "民发〔2021〕57号 第33条；民发〔2022〕83号 第一部分第（三）项；县政策 \(policy.version) dibao.gradualExitMonths"
        guard let n = policy.dibao?.gradualExitMonths, n > 0 else {
            return (0, TraceLine("渐退期", "本地政策未设渐退期，自次月起停发", source: source))
        }
        guard let decided else {
            return (0, TraceLine("渐退期", "原决定未保存测算依据，无法认定收入增加是否因就业，不适用渐退", source: source))
        }
        let before = wages(decided), after = wages(now)
        guard (after - before).isPositive else {
            return (0, TraceLine("渐退期", "收入增加不是就业（工资性）收入，不适用渐退", source: source))
        }
        // The work must be what lifts the household over the standard: without the wage rise it would
        // still be below it. A pension or transfer that lifts it alone is no 渐退 (C19), whatever the wages did.
        if let dibao = policy.dibao {
            let counted = now.household.countedMembers(in: now.month).filter { now.supportedElsewhere[$0.residentID] == nil }
            let income = counted.flatMap(\.income).filter { dibao.exemption(of: $0.kind, in: now.month) == nil }
                .reduce(FenRatio(.zero)) { $0 + $1.monthly }
            let line = FenRatio(dibao.standard(for: now.household.area) * counted.count)
            let withoutRise = income - (after - before)
            guard (line - withoutRise).isPositive else {
                return (0, TraceLine("渐退期", "不计工资增加部分，家庭月收入 \(withoutRise.roundedHalfUp().yuanString) 元仍不低于标准 \(line.roundedHalfUp().yuanString) 元：超过标准不是因就业，不适用渐退",
                                     source: source))
            }
        }
        return (n, TraceLine("渐退期", "家庭成员就业，工资性收入由每月 \(before.roundedHalfUp().yuanString) 元增至 \(after.roundedHalfUp().yuanString) 元：按原金额继续发放 \(n) 个月后停发",
                             source: source))
    }

    /// Σ counted members' wage income per month, exact.
    static func wages(_ input: AssessmentInput) -> FenRatio {
        input.household.countedMembers(in: input.month).filter { input.supportedElsewhere[$0.residentID] == nil }
            .flatMap(\.income).filter { $0.kind == .wage }
            .reduce(FenRatio(.zero)) { $0 + $1.monthly }
    }
}
