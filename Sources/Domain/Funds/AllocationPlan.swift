/// The county's allocation plan (资金分配方案) of the year's pooled 困难群众救助补助资金: how much of each source
/// goes to each programme, decided by the steps the county's procedure requires, each with its actor and
/// time (issue 7 §1; docs/adr/0022-fund-ledger.md).
public enum AllocationPlanStep: String, Codable, Sendable, CaseIterable {
    /// 业务科室提出分配方案.
    case proposed
    /// 分管副局长审核.
    case reviewed
    /// 局党组会议研究决定 (the meeting record number is its reference).
    case decided
    /// 财政局会签.
    case cosigned
    /// 联合发文下达 (the joint document number is its reference).
    case issued

    public var chinese: String {
        switch self {
        case .proposed: return "科室提出"
        case .reviewed: return "分管副局长审核"
        case .decided: return "党组会议研究决定"
        case .cosigned: return "财政局会签"
        case .issued: return "联合发文下达"
        }
    }

    /// The step that must come before this one.
    public var previous: AllocationPlanStep? {
        guard let i = Self.allCases.firstIndex(of: self), i > 0 else { return nil }
        return Self.allCases[i - 1]
    }

    /// Steps whose reference (meeting record, document number) is required.
    public var needsReference: Bool { self == .decided || self == .issued }
}

/// One share of the plan: money of `source` for `programme`.
public struct AllocationPlanLine: Hashable, Sendable, Codable {
    public var programme: Programme
    public var source: FundingSource
    /// Fen, positive.
    public var amount: Money

    public init(programme: Programme, source: FundingSource, amount: Money) {
        self.programme = programme
        self.source = source
        self.amount = amount
    }
}

/// A step as recorded.
public struct AllocationPlanRecord: Hashable, Sendable {
    public var step: AllocationPlanStep
    public var actor: String
    /// Beijing time, as shown.
    public var at: String
    public var reference: String?
    public var note: String

    public init(step: AllocationPlanStep, actor: String, at: String, reference: String?, note: String) {
        self.step = step
        self.actor = actor
        self.at = at
        self.reference = reference
        self.note = note
    }
}

public enum AllocationPlanError: Error, Equatable, Sendable {
    case outOfOrder(step: AllocationPlanStep, last: AllocationPlanStep)
    case referenceRequired(AllocationPlanStep)
    case noLines
    case moreThanReceived(source: FundingSource, planned: Money, received: Money)
    case sameActor(step: AllocationPlanStep, actor: String)

    public var message: String {
        switch self {
        case let .outOfOrder(step, last):
            return "分配方案当前为“\(last.chinese)”，下一步应为“\(AllocationPlanStep.allCases.first { $0.previous == last }?.chinese ?? "（已下达）")”，不能直接“\(step.chinese)” (step out of order)"
        case .referenceRequired(let step):
            return "“\(step.chinese)”须填写\(step == .decided ? "会议纪要编号" : "联合发文文号") (a reference is required)"
        case .noLines: return "分配方案没有分配到项目的金额 (no lines)"
        case let .moreThanReceived(source, planned, received):
            return "\(source.chinese)分配 \(planned.yuanString) 元，超过本年已到位的统筹资金 \(received.yuanString) 元 (more than received)"
        case let .sameActor(step, actor):
            return "“\(step.chinese)”须由另一人办理（\(actor) 已办理上一步） (segregation of duties)"
        }
    }
}

public enum AllocationPlanRules {
    /// Checks a proposal against the pooled money of each source received in the year.
    /// - Throws: `AllocationPlanError.noLines`, `.moreThanReceived`.
    public static func check(_ lines: [AllocationPlanLine], received: [FundingSource: Money]) throws(AllocationPlanError) {
        guard !lines.isEmpty else { throw .noLines }
        var planned: [FundingSource: Money] = [:]
        for l in lines { planned[l.source, default: .zero] += l.amount }
        for source in FundingSource.allCases {
            guard let p = planned[source] else { continue }
            let r = received[source] ?? .zero
            if p > r { throw .moreThanReceived(source: source, planned: p, received: r) }
        }
    }

    /// Checks the next step: in order, with its reference, by another person than the last step's.
    public static func advance(from last: AllocationPlanStep, to next: AllocationPlanStep, lastActor: String, actor: String,
                               reference: String?) throws(AllocationPlanError) {
        guard next.previous == last else { throw .outOfOrder(step: next, last: last) }
        if next.needsReference, (reference ?? "").trimmingWhitespace().isEmpty { throw .referenceRequired(next) }
        if next == .reviewed || next == .decided, actor == lastActor { throw .sameActor(step: next, actor: actor) }
    }
}
