/// What a child already receives each month from other support, for 事实无人抚养儿童's difference (补差).
public struct OtherSupport: Hashable, Sendable {
    /// `低保（按户人均）`, `特困供养金`, `困难残疾人生活补贴`.
    public var label: String
    /// Fen per month, exact (a 低保 household's amount per person is a fraction of a fen at times).
    public var monthly: FenRatio

    public init(_ label: String, _ monthly: FenRatio) {
        self.label = label
        self.monthly = monthly
    }
}

/// The parts 孤儿 and 事实无人抚养儿童 share: a member under 18 (paid to the month of the 18th birthday),
/// the child's facts, no 公示, township 15 WD and county 15 WD (民发〔2019〕62号 §2; for orphans the
/// procedure is UNCONFIRMED and follows it, ADR 0013).
enum ChildAllowance {
    /// The month of the 18th birthday: the last month paid unless the support continues in school.
    static func lastMinorMonth(_ id: ResidentID) -> YearMonth {
        YearMonth(year: id.birthDate.year + 18, month: id.birthDate.month)!
    }

    /// The subject, a counted member with recorded facts, or the error naming what is missing.
    static func subject(_ input: AssessmentInput, programme: Programme) throws(AssessmentError) -> (Member, ChildFacts) {
        let child = try input.subjectMember(noSubject: "\(programme.shortChinese)按人认定：请指定被评估的儿童 (name the child assessed)")
        guard let facts = child.childFacts else {
            throw .missing("儿童情况 childFacts（养育方式、父亲和母亲的情况）")
        }
        if (facts.father == nil) != (facts.mother == nil) {
            throw .missing("父亲和母亲两方的情况（只登记了一方）")
        }
        return (child, facts)
    }

    /// Age: paid to the month of the 18th birthday; after it only while in `schooling` and when the support
    /// began before it (a first application at 18 does not qualify by schooling).
    static func age(_ child: Member, month: YearMonth, supportedSince: YearMonth?, schooling: Set<Schooling>,
                    source: String, trace: inout [TraceLine]) -> IneligibilityReason? {
        let last = lastMinorMonth(child.residentID)
        let age = max(child.residentID.age(on: month.firstDay), 0)
        if month <= last {
            trace.append(TraceLine("年龄", "\(age) 周岁，18 周岁生日所在月 \(last)，保障至该月", source: source))
            return nil
        }
        if let s = child.schooling, schooling.contains(s), let since = supportedSince, since <= last {
            trace.append(TraceLine("年龄", "已满18周岁（\(last)），仍在\(s.chinese)就读，成年前已纳入（\(since) 起），继续保障",
                                   source: source))
            return nil
        }
        trace.append(TraceLine("年龄", "已满18周岁（18 周岁生日所在月 \(last)），不在政策规定继续保障的学段就读，自次月起停发", source: source))
        return .age18
    }

    /// 孤儿: a parent verified alive ends the allowance from the month after (assess-format.md).
    static func parentFound(_ facts: ChildFacts, month: YearMonth, trace: inout [TraceLine]) -> IneligibilityReason? {
        guard let found = facts.parentFoundAlive else { return nil }
        guard month > found.yearMonth else {
            trace.append(TraceLine("父母查找到", "\(found) 核实父母一方生还，保障至 \(found.yearMonth)，自次月起停发"))
            return nil
        }
        trace.append(TraceLine("父母查找到", "\(found) 核实父母一方生还，自 \(found.yearMonth.next) 起停发；已发放的月份为多发", source: "国办发〔2010〕54号"))
        return .parentFound
    }

    static func deadlines(_ first: String) -> [ProcedureDeadline] {
        [
            ProcedureDeadline("乡镇核查（以部门信息比对为主）并提出意见", .workingDays(15), source: first),
            ProcedureDeadline("不公示（保护儿童隐私）", .calendarDays(0), source: "民发〔2019〕62号 二(二)"),
            ProcedureDeadline("县级审核确认，次月起发放", .workingDays(15), source: first),
        ]
    }

    /// Township 15 WD from acceptance, county 15 WD from the township's opinion.
    static func stepDeadline(_ a: AssistanceApplication, calendar: WorkCalendar, source: String) -> StepDeadline? {
        switch a.state {
        case .accepted, .investigating, .townshipReview:
            return StepDeadline("乡镇核查并提出意见", workingDays: 15, from: a.acceptedOn, calendar: calendar, source: source)
        case .countyReview:
            return a.noticeClosedOn.map { StepDeadline("县级审核确认", workingDays: 15, from: $0, calendar: calendar, source: source) }
        default: return nil
        }
    }

    static func procedureDeadline(acceptedOn: CivilDate, calendar: WorkCalendar) throws(WorkCalendarError) -> CivilDate {
        try calendar.adding(workingDays: 30, to: acceptedOn)
    }

    static func hold(_ e: PayableEnrollment, continuing: Set<Schooling>, source: String) -> PayrollHold? {
        if e.memberCounts == false, let status = e.memberStatus {
            return PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: e.payeeName ?? "—",
                               reason: "MEMBER_NOT_COUNTED：\(e.memberName ?? "儿童")\(status.chinese)，须办理终止后再发放")
        }
        if let m = e.member, let month = e.month, month > lastMinorMonth(m.residentID),
           !(m.schooling.map(continuing.contains) ?? false) {
            return PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: e.payeeName ?? "—",
                               reason: "AGE_18：\(m.name)已于 \(lastMinorMonth(m.residentID)) 满18周岁且不在政策规定的学段就读，自次月起停发，须办理终止 (\(source))")
        }
        return nil
    }
}

/// 孤儿基本生活保障, including HIV-affected children (民发〔2012〕179号): a member under 18 who lost both
/// parents or whose birth parents cannot be found, at the institutional or scattered standard, paid from the
/// month after approval to the month of the 18th birthday, longer only in the schooling the policy lists.
///
/// Rules: 国办发〔2010〕54号; 民发〔2012〕179号; rules.md §5.1–5.2.
public struct OrphanRules: ProgrammeRules {
    public init() {}

    public var programme: Programme { .orphan }
    public var recipient: RecipientKind { .member }
    public var cadence: PaymentCadence { .monthly }
    public var fundUseByArea: Bool { false }
    public var hasPublicNotice: Bool { false }
    public var refusalSource: String { "国办发〔2010〕54号" }
    public var reviewSource: String { "国办发〔2010〕54号" }
    public var noticeCitations: NoticeCitations {
        NoticeCitations(publicNotice: "不公示（保护儿童隐私）", refusalNotice: "国办发〔2010〕54号",
                        appeal: "《社会救助暂行办法》第六十五条",
                        steps: ["recordInformationCheck": "部门信息比对（死亡、户籍等）", "recordHomeVisit": "入户核查",
                                "townshipReview": "乡镇 15 个工作日内提出意见，不公示", "refuse": "书面告知理由"])
    }

    /// - Throws: `AssessmentError.subject` / `.missing` (the child's facts) / `.policy` (no 孤儿 section).
    public func assess(_ input: AssessmentInput, policy: Policy) throws(AssessmentError) -> BenefitDecision {
        let (child, facts) = try ChildAllowance.subject(input, programme: .orphan)
        guard let orphan = policy.orphan else { throw .policy(.programmeNotConfigured(programme: "orphan", version: policy.version)) }
        guard let placement = facts.placement else { throw .missing("养育方式 placement（institutional 机构养育 / scattered 散居）") }
        var trace: [TraceLine] = [
            TraceLine("政策版本", "\(policy.version)，评估月份 \(input.month)"),
            TraceLine("被评估人", "\(child.name)（\(child.residentID.masked)），\(placement.chinese)"),
            TraceLine("父母情况", facts.parentsText + (facts.hivAffected ? "；艾滋病病毒感染" : "")),
        ]
        var reasons: [IneligibilityReason] = []
        if !child.counts(in: input.month) {
            trace.append(TraceLine("在户状态", "\(child.status.chinese)，不予保障"))
            reasons.append(.subjectNotCounted)
        }
        if facts.isOrphan == nil && !facts.hivAffected {
            trace.append(TraceLine("认定条件", "孤儿身份由调查核实认定（未提供父母情况，按已认定计算）", source: "国办发〔2010〕54号"))
        } else if facts.isOrphan == true {
            trace.append(TraceLine("认定条件", "符合：父母双方死亡或查找不到生父母", source: "国办发〔2010〕54号"))
        } else if facts.hivAffected {
            trace.append(TraceLine("认定条件", "符合：艾滋病病毒感染儿童，参照孤儿标准全额发放", source: "民发〔2012〕179号"))
        } else {
            trace.append(TraceLine("认定条件", "不符合：父母并非双方死亡或查找不到，亦非艾滋病病毒感染儿童", source: "国办发〔2010〕54号"))
            reasons.append(.notOrphan)
        }
        if let r = ChildAllowance.age(child, month: input.month, supportedSince: input.supportedSince,
                                      schooling: orphan.continueWhileInSchool, source: "国办发〔2010〕54号；县政策 \(policy.version) orphan.continueWhileInSchool",
                                      trace: &trace) {
            reasons.append(r)
        }
        if let r = ChildAllowance.parentFound(facts, month: input.month, trace: &trace) { reasons.append(r) }
        let standard = placement == .institutional ? orphan.institutional : orphan.scattered
        trace.append(TraceLine("保障标准", "\(placement.chinese) \(standard.yuanString) 元/人·月", source: "县政策 \(policy.version) orphan.\(placement.rawValue)"))
        let eligible = reasons.isEmpty
        trace.append(TraceLine("结论", eligible ? "符合，月基本生活费 \(standard.yuanString) 元" : "不符合：" + reasons.map(\.chinese).joined(separator: "；")))
        return BenefitDecision(programme: .orphan, month: input.month, area: input.household.area, eligible: eligible,
                               householdSize: 1, subject: child.residentID, standard: standard, perCapitaIncome: nil,
                               monthlyBenefit: eligible ? standard : .zero, components: eligible ? [AmountComponent(.basic, standard)] : [],
                               reasons: reasons, trace: trace, policyVersion: policy.version)
    }

    /// Stopped from the month after the 18th birthday unless in the schooling the month's policy lists; a
    /// child no longer counted (death, moved out) is held for the termination.
    public func hold(_ e: PayableEnrollment, policy: Policy) -> PayrollHold? {
        ChildAllowance.hold(e, continuing: policy.orphan?.continueWhileInSchool ?? [], source: "国办发〔2010〕54号")
    }

    public func deadlines(policy: Policy) -> [ProcedureDeadline] { ChildAllowance.deadlines("地方规定，参照民发〔2019〕62号（UNCONFIRMED）") }

    public func procedureDeadline(acceptedOn: CivilDate, extended: Bool, policy: Policy,
                                  calendar: WorkCalendar) throws(WorkCalendarError) -> CivilDate? {
        try ChildAllowance.procedureDeadline(acceptedOn: acceptedOn, calendar: calendar)
    }

    public func procedureLimitText(extended: Bool, policy: Policy) -> String { "乡镇 15 个工作日 + 县级 15 个工作日，不公示" }
    public func stepDeadline(_ a: AssistanceApplication, policy: Policy, calendar: WorkCalendar) -> StepDeadline? {
        ChildAllowance.stepDeadline(a, calendar: calendar, source: "地方规定，参照民发〔2019〕62号（UNCONFIRMED）")
    }
    public var allowsRecordedExtension: Bool { false }
    public var countySpotCheckShare: Ratio? { nil }
    public func paymentLabel(area: Area?) -> String { "孤儿基本生活费" }
}

/// 事实无人抚养儿童基本生活补贴: a member under 18 whose parents both cannot bring the child up (or one is
/// dead or missing and the other cannot), at the policy's amount, less what the child already receives from
/// 低保, 特困 or the hardship disability allowance (补差); no 公示; township 15 WD, county 15 WD.
///
/// Rules: 民发〔2019〕62号 §1–§3; rules.md §5.3.
public struct UnsupportedChildRules: ProgrammeRules {
    public init() {}

    public var programme: Programme { .unsupportedChild }
    public var recipient: RecipientKind { .member }
    public var cadence: PaymentCadence { .monthly }
    public var fundUseByArea: Bool { false }
    public var hasPublicNotice: Bool { false }
    /// Only the difference to what the child already receives is paid: the child stays in the 低保 household.
    public var supportsPersonApart: Bool { false }
    public var refusalSource: String { "民发〔2019〕62号 二(二)" }
    public var reviewSource: String { "民发〔2019〕62号 二(三)" }
    public var noticeCitations: NoticeCitations {
        NoticeCitations(publicNotice: "不公示（保护儿童隐私，民发〔2019〕62号 二(二)）", refusalNotice: "民发〔2019〕62号 二(二)",
                        appeal: "《社会救助暂行办法》第六十五条",
                        steps: ["recordInformationCheck": "部门信息比对为主，民发〔2019〕62号 二(二)", "recordHomeVisit": "有疑义时入户调查",
                                "townshipReview": "乡镇 15 个工作日内提出意见，不公示", "refuse": "书面告知理由，民发〔2019〕62号 二(二)"])
    }

    /// - Throws: `AssessmentError.subject` / `.missing` (the child's facts) / `.policy` (no
    ///   `unsupportedChild` section).
    public func assess(_ input: AssessmentInput, policy: Policy) throws(AssessmentError) -> BenefitDecision {
        let (child, facts) = try ChildAllowance.subject(input, programme: .unsupportedChild)
        guard let unsupported = policy.unsupportedChild else {
            throw .policy(.programmeNotConfigured(programme: "unsupportedChild", version: policy.version))
        }
        var trace: [TraceLine] = [
            TraceLine("政策版本", "\(policy.version)，评估月份 \(input.month)"),
            TraceLine("被评估人", "\(child.name)（\(child.residentID.masked)）"),
            TraceLine("父母情况", facts.parentsText),
        ]
        var reasons: [IneligibilityReason] = []
        if !child.counts(in: input.month) {
            trace.append(TraceLine("在户状态", "\(child.status.chinese)，不予保障"))
            reasons.append(.subjectNotCounted)
        }
        if facts.isUnsupported == nil {
            trace.append(TraceLine("认定条件", "事实无人抚养儿童身份由调查核实认定（未提供父母情况，按已认定计算）", source: "民发〔2019〕62号 一"))
        } else if facts.isUnsupported == true {
            trace.append(TraceLine("认定条件", "符合：父母双方均属重残、重病、服刑在押、强制隔离戒毒、被限制人身自由或失联，或一方死亡、失踪而另一方属上述情形",
                                   source: "民发〔2019〕62号 一"))
        } else {
            trace.append(TraceLine("认定条件", "不符合：" + (facts.isOrphan == true ? "父母双方死亡或查找不到，应按孤儿认定" : "父母中有能履行抚养义务的一方"),
                                   source: "民发〔2019〕62号 一"))
            reasons.append(.parentsCanSupport)
        }
        if let r = ChildAllowance.age(child, month: input.month, supportedSince: input.supportedSince, schooling: [],
                                      source: "民发〔2019〕62号（成年后继续发放 UNCONFIRMED，不继续）", trace: &trace) {
            reasons.append(r)
        }
        let standard = unsupported.amount
        trace.append(TraceLine("保障标准", "\(standard.yuanString) 元/人·月", source: "县政策 \(policy.version) unsupportedChild.amount"))
        var other = input.otherSupport
        if facts.disabilityAllowance > .zero { other.append(OtherSupport("困难残疾人生活补贴", FenRatio(facts.disabilityAllowance))) }
        let received = other.reduce(FenRatio(.zero)) { $0 + $1.monthly }
        for o in other {
            trace.append(TraceLine("已享受", "\(o.label) \(o.monthly.roundedHalfUp().yuanString) 元/月", source: "民发〔2019〕62号 三"))
        }
        var components: [AmountComponent] = []
        var total = Money.zero
        if reasons.isEmpty {
            let gap = FenRatio(standard) - received
            if gap.isPositive {
                total = gap.roundedHalfUp()
                components = [AmountComponent(other.isEmpty ? .basic : .difference, total)]
                trace.append(TraceLine("结论", other.isEmpty ? "符合，月基本生活补贴 \(total.yuanString) 元"
                                                              : "符合，补差 \(standard.yuanString) − \(received.roundedHalfUp().yuanString) = \(total.yuanString) 元，四舍五入到分一次",
                                       source: "民发〔2019〕62号 三"))
            } else {
                reasons.append(.otherSupportCoversStandard)
                trace.append(TraceLine("结论", "不符合：已享受 \(received.roundedHalfUp().yuanString) 元，不低于标准 \(standard.yuanString) 元，无差额可补"))
            }
        } else {
            trace.append(TraceLine("结论", "不符合：" + reasons.map(\.chinese).joined(separator: "；")))
        }
        return BenefitDecision(programme: .unsupportedChild, month: input.month, area: input.household.area,
                               eligible: reasons.isEmpty, householdSize: 1, subject: child.residentID, standard: standard,
                               perCapitaIncome: nil, monthlyBenefit: total, components: components, reasons: reasons,
                               trace: trace, policyVersion: policy.version)
    }

    public var paysDifference: Bool { true }

    /// Besides the child's status and age: a difference that no longer matches what the child receives
    /// (a 低保 approved or changed, a 特困 begun, a new standard) is held for a review, never paid as decided.
    public func hold(_ e: PayableEnrollment, policy: Policy) -> PayrollHold? {
        if let h = ChildAllowance.hold(e, continuing: [], source: "民发〔2019〕62号") { return h }
        guard let other = e.otherSupport, let standard = policy.unsupportedChild?.amount else { return nil }
        let allowance = e.member?.childFacts?.disabilityAllowance ?? .zero
        let received = other.reduce(FenRatio(allowance)) { $0 + $1.monthly }
        let gap = FenRatio(standard) - received
        let expected = gap.isPositive ? gap.roundedHalfUp() : .zero
        guard expected != e.monthlyBenefit else { return nil }
        return PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: e.payeeName ?? "—",
                           reason: "DIFFERENCE_CHANGED：\(e.memberName ?? "儿童")本月已享受 \(received.roundedHalfUp().yuanString) 元，按标准 \(standard.yuanString) 元应补差 \(expected.yuanString) 元，核定 \(e.monthlyBenefit.yuanString) 元，须复核调整后再发放 (民发〔2019〕62号 三)")
    }

    public func deadlines(policy: Policy) -> [ProcedureDeadline] { ChildAllowance.deadlines("民发〔2019〕62号 二(二)") }

    public func procedureDeadline(acceptedOn: CivilDate, extended: Bool, policy: Policy,
                                  calendar: WorkCalendar) throws(WorkCalendarError) -> CivilDate? {
        try ChildAllowance.procedureDeadline(acceptedOn: acceptedOn, calendar: calendar)
    }

    public func procedureLimitText(extended: Bool, policy: Policy) -> String { "乡镇 15 个工作日 + 县级 15 个工作日，不公示" }
    public func stepDeadline(_ a: AssistanceApplication, policy: Policy, calendar: WorkCalendar) -> StepDeadline? {
        ChildAllowance.stepDeadline(a, calendar: calendar, source: "民发〔2019〕62号 二(二)")
    }
    public var allowsRecordedExtension: Bool { false }
    public var countySpotCheckShare: Ratio? { nil }
    public func paymentLabel(area: Area?) -> String { "事实无人抚养儿童基本生活补贴" }
}
