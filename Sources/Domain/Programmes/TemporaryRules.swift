/// 临时救助: a one-off grant to a household, sized in months of the base standard within the policy's
/// range for the type, cut to what the yearly cap leaves (field case C07: min(computed, remaining), never
/// the cap itself), and approved by the township up to its limit, above it by the county.
///
/// Rules: 社会救助暂行办法 Arts. 47–49; 国发〔2014〕47号 and 民发〔2018〕23号 (TA-2018) §2; Opinion-2020
/// item 15. rules.md §3. Ranges, limits and caps are local policy data (UNCONFIRMED for Sichuan).
public struct TemporaryRules: ProgrammeRules {
    public init() {}

    public var programme: Programme { .temporary }
    public var recipient: RecipientKind { .household }
    public var cadence: PaymentCadence { .once }
    public var fundUseByArea: Bool { false }
    public var refusalSource: String { "社会救助暂行办法 第48条" }
    public var reviewSource: String { "社会救助暂行办法 第47条、第48条" }
    public var noticeCitations: NoticeCitations {
        NoticeCitations(publicNotice: "《社会救助暂行办法》第四十八条", refusalNotice: "《社会救助暂行办法》第四十八条",
                        appeal: "《社会救助暂行办法》第六十五条")
    }

    /// - Throws: `AssessmentError.missing` without a request or when the type is not configured;
    ///   `.policy` when the version configures no 临时救助 (or no 低保 standard for the base).
    public func assess(_ input: AssessmentInput, policy: Policy) throws(AssessmentError) -> BenefitDecision {
        guard let request = input.temporary else { throw .missing("临时救助申请 temporary（type，months 或 amount）") }
        guard let temporary = policy.temporary else {
            throw .policy(.programmeNotConfigured(programme: "temporary", version: policy.version))
        }
        guard let dibao = policy.dibao else {
            throw .policy(.programmeNotConfigured(programme: "dibao", version: policy.version))
        }
        guard let range = temporary.types[request.type] else {
            throw .missing("本县政策 \(policy.version) 未配置\(request.type.chinese)临时救助（temporary.types.\(request.type.rawValue)）")
        }
        let household = input.household
        let base: Money
        switch temporary.base {
        case .urbanDibao: base = dibao.standard(for: .urban)
        case .ruralDibao: base = dibao.standard(for: .rural)
        case .areaDibao: base = dibao.standard(for: household.area)
        }
        let size = household.countedMembers(in: input.month).count
        let persons = range.perCapita ? max(size, 1) : 1
        var trace: [TraceLine] = [
            TraceLine("政策版本", "\(policy.version)，\(input.month)"),
            TraceLine("救助类型", request.type.chinese),
            TraceLine("计算基数", "\(base.yuanString) 元/月（\(temporary.base.rawValue)）", source: "县政策 \(policy.version) temporary.base"),
        ]
        func months(_ r: Ratio, persons n: Int) -> FenRatio {
            FenRatio(numerator: base.fen * r.numerator * Int64(n), denominator: r.denominator)
        }
        let minimum = months(range.minMonths, persons: persons).roundedHalfUp()
        let maximum = months(range.maxMonths, persons: persons).roundedHalfUp()
        trace.append(TraceLine("标准范围", "\(range.minMonths)–\(range.maxMonths) 个月基数" + (range.perCapita ? " × \(persons) 人" : "")
                               + "：\(minimum.yuanString)–\(maximum.yuanString) 元", source: "县政策 \(policy.version) temporary.types.\(request.type.rawValue)"))
        let asked: Money
        switch request.size {
        case .months(let r):
            asked = months(r, persons: persons).roundedHalfUp()
            trace.append(TraceLine("申请金额", "\(base.yuanString) × \(r) 个月" + (range.perCapita ? " × \(persons) 人" : "")
                                   + " = \(asked.yuanString) 元，四舍五入到分一次"))
        case .amount(let a):
            asked = a
            trace.append(TraceLine("申请金额", "\(a.yuanString) 元"))
        }
        var reasons: [IneligibilityReason] = []
        if asked < minimum || asked > maximum {
            reasons.append(.outsideRange)
            trace.append(TraceLine("结论", "不符合：申请金额 \(asked.yuanString) 元不在 \(minimum.yuanString)–\(maximum.yuanString) 元之间，不予自动调整"))
        }
        var granted = asked
        var flags: [String] = []
        if reasons.isEmpty, let cap = temporary.yearlyCap {
            let capAmount: Money
            switch cap {
            case .amount(let a): capAmount = a
            case .months(let r): capAmount = months(r, persons: 1).roundedHalfUp()
            }
            let remaining = capAmount - request.grantedThisYear
            trace.append(TraceLine("年度累计上限", "\(capAmount.yuanString) 元，本年已救助 \(request.grantedThisYear.yuanString) 元，尚余 \(max(remaining, .zero).yuanString) 元",
                                   source: "县政策 \(policy.version) temporary.yearlyCap"))
            if remaining <= .zero {
                reasons.append(.yearlyCapReached)
                granted = .zero
            } else if asked > remaining {
                granted = remaining
                flags.append("CAPPED")
                trace.append(TraceLine("封顶", "申请 \(asked.yuanString) 元超过本年尚余额度，按 \(remaining.yuanString) 元救助；超出部分须另行报批（一事一议）"))
            }
        }
        let eligible = reasons.isEmpty
        let limit: Money
        switch temporary.townshipLimit {
        case .amount(let a): limit = a
        case .months(let r): limit = months(r, persons: 1).roundedHalfUp()
        }
        let approver: OneOffGrant.Approver = granted <= limit ? .township : .county
        if eligible {
            trace.append(TraceLine("审批", "\(granted.yuanString) 元" + (approver == .township ? "不超过乡镇审批额度 \(limit.yuanString) 元，由乡镇（街道）审批"
                                                                          : "超过乡镇审批额度 \(limit.yuanString) 元，由县民政局审批"),
                                   source: "社会救助暂行办法 第48条；县政策 \(policy.version) temporary.townshipLimit"))
            trace.append(TraceLine("结论", "符合，一次性救助 \(granted.yuanString) 元"))
        }
        var d = BenefitDecision(programme: .temporary, month: input.month, area: household.area, eligible: eligible,
                                householdSize: size, subject: nil, standard: base, perCapitaIncome: nil, monthlyBenefit: .zero,
                                components: [], reasons: reasons, trace: trace, policyVersion: policy.version)
        d.oneOff = OneOffGrant(amount: eligible ? granted : .zero, minimum: minimum, maximum: maximum, approver: approver,
                               flags: flags)
        return d
    }

    public func hold(_ e: PayableEnrollment, policy: Policy) -> PayrollHold? { nil }

    public func deadlines(policy: Policy) -> [ProcedureDeadline] {
        var d: [ProcedureDeadline] = []
        if let days = policy.temporary?.procedureWorkingDays {
            d.append(ProcedureDeadline("受理至审批办结", .workingDays(days), source: "县政策 \(policy.version) temporary.procedureWorkingDays"))
        }
        if let days = policy.temporary?.paperworkWorkingDays {
            d.append(ProcedureDeadline("急难型先行救助后补齐审批手续", .workingDays(days),
                                       source: "民发〔2018〕23号 二(二)；县政策 \(policy.version) temporary.paperworkWorkingDays"))
        }
        return d
    }

    /// `temporary.procedureWorkingDays` from acceptance; nil when the region sets none (no national
    /// total limit was found, rules.md §3.2 UNCONFIRMED).
    public func procedureDeadline(acceptedOn: CivilDate, extended: Bool, policy: Policy,
                                  calendar: WorkCalendar) throws(WorkCalendarError) -> CivilDate? {
        guard let days = policy.temporary?.procedureWorkingDays else { return nil }
        return try calendar.adding(workingDays: days, to: acceptedOn)
    }

    public func procedureLimitText(extended: Bool, policy: Policy) -> String {
        policy.temporary?.procedureWorkingDays.map { "\($0) 个工作日（县政策 temporary.procedureWorkingDays）" } ?? "本县政策未规定"
    }

    public var allowsRecordedExtension: Bool { false }

    public var countySpotCheckShare: Ratio? { nil }

    public func paymentLabel(area: Area?) -> String { "临时救助金" }
}
