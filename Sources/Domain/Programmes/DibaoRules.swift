/// 低保 (最低生活保障): the household is assessed by the gap test, paid by the gap or by tiers (分档), monthly
/// to its payee.
///
/// Rules: 民发〔2021〕57号 (DB-2021) Arts. 7, 13, 15–23; 社会救助暂行办法 Art. 12. rules.md §1.
public struct DibaoRules: ProgrammeRules {
    public init() {}

    public var programme: Programme { .dibao }
    public var recipient: RecipientKind { .household }
    public var cadence: PaymentCadence { .monthly }
    public var fundUseByArea: Bool { true }
    public var refusalSource: String { "民发〔2021〕57号 第21条" }
    public var reviewSource: String { "民发〔2021〕57号 第31条、第32条" }
    public var noticeCitations: NoticeCitations {
        NoticeCitations(publicNotice: "《最低生活保障审核确认办法》民发〔2021〕57号 第十九条、第二十四条",
                        refusalNotice: "民发〔2021〕57号 第二十一条", appeal: "民发〔2021〕57号 第三十八条",
                        steps: ["recordInformationCheck": "民发〔2021〕57号 第17条", "recordHomeVisit": "至少 2 名调查人员，第16条",
                                "townshipReview": "公示 7 天，第19条", "resolveObjection": "第19条第2款",
                                "recordCountyHomeVisit": "近亲属备案户必需，第20条", "refuse": "3 个工作日内书面告知，第21条"])
    }

    /// The gap or tiered method (`DibaoAssessment`): a `basic` component and, with 分类施保, a `top-up` one;
    /// with a subject named, 单人保 (`IndividualInclusion`, DB-2021 Art. 8, rules.md §1.4): the member alone,
    /// as a single-person household, when the household is near-poverty and not eligible as a whole.
    /// - Throws: `AssessmentError.policy` when the version configures no 低保; `AssessmentError.subject`
    ///   when the subject is not in the household; `AssessmentError.dibaoTier` under a tiered version when a
    ///   counted member has no known tier (recorded on the household page, ADR 0015).
    public func assess(_ input: AssessmentInput, policy: Policy) throws(AssessmentError) -> BenefitDecision {
        if input.subject != nil { return try IndividualInclusion.assess(input, policy: policy) }
        return try DibaoAssessment.assess(input.household, month: input.month, policy: policy,
                                          supportedElsewhere: input.supportedElsewhere).benefitDecision
    }

    /// Field case C01: a household whose counted members differ from the decided size (a death or a
    /// move not yet reviewed) is held until a review (复核) adjusts it (Notice-2022 §1(3)).
    /// A 单人保 member who no longer counts (died, moved out) is held the same way.
    public func hold(_ e: PayableEnrollment, policy: Policy) -> PayrollHold? {
        if e.memberID != nil {
            guard e.memberCounts == false, let status = e.memberStatus else { return nil }
            return PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: e.payeeName ?? "—",
                               reason: "MEMBER_NOT_COUNTED：单人保对象\(e.memberName ?? "")已\(status.chinese)，须复核后再发放")
        }
        guard e.countedMembers != e.householdSize else { return nil }
        return PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: e.payeeName ?? "—",
                           reason: "MEMBERS_CHANGED：在户 \(e.countedMembers) 人，核定 \(e.householdSize) 人，须复核调整后再发放")
    }

    public func deadlines(policy: Policy) -> [ProcedureDeadline] {
        let d = policy.deadlines
        var list = [
            ProcedureDeadline("启动家庭经济状况调查", .workingDays(d.investigationStartWorkingDays), source: "民发〔2021〕57号 第15条"),
            ProcedureDeadline("公示", .calendarDays(d.publicNoticeCalendarDays), source: "民发〔2021〕57号 第19条"),
            ProcedureDeadline("县级审核确认", .workingDays(d.countyDecisionWorkingDays), source: "民发〔2021〕57号 第20条"),
            ProcedureDeadline("书面告知不予纳入理由", .workingDays(d.refusalNoticeWorkingDays), source: "民发〔2021〕57号 第21条"),
        ]
        if policy.confirmationDelegatedToTownship {
            list.append(ProcedureDeadline("办结（委托乡镇确认）", .workingDays(d.delegatedTotalWorkingDays),
                                          source: "民发〔2022〕83号 第四部分第（一）项"))
        } else {
            list.append(ProcedureDeadline("办结", .workingDays(d.totalWorkingDays), source: "民发〔2021〕57号 第22条"))
            list.append(ProcedureDeadline("办结（特殊情况）", .workingDays(d.extendedTotalWorkingDays), source: "民发〔2021〕57号 第22条"))
        }
        return list
    }

    /// 30 WD, 45 WD when extended, 20 WD when confirmation is delegated (DB-2021 Art. 22; Notice-2022 §4(1)).
    public func procedureDeadline(acceptedOn: CivilDate, extended: Bool, policy: Policy,
                                  calendar: WorkCalendar) throws(WorkCalendarError) -> CivilDate? {
        try calendar.adding(workingDays: policy.totalDeadlineWorkingDays(extended: extended), to: acceptedOn)
    }

    public func procedureLimitText(extended: Bool, policy: Policy) -> String {
        "\(policy.totalDeadlineWorkingDays(extended: extended)) 个工作日"
    }

    /// Accepted and not yet investigated: the investigation starts within 3 WD (DB-2021 Art. 15); at the
    /// county: the decision within 10 WD of the 公示's close (Art. 20); refused: the written notice with the
    /// reasons within 3 WD of the decision, until its delivery is recorded (Art. 21).
    public func stepDeadline(_ a: AssistanceApplication, policy: Policy, calendar: WorkCalendar) -> StepDeadline? {
        let d = policy.deadlines
        switch a.state {
        case .accepted:
            return StepDeadline("启动家庭经济状况调查", workingDays: d.investigationStartWorkingDays, from: a.acceptedOn,
                                calendar: calendar, source: "民发〔2021〕57号 第15条")
        case .countyReview:
            return a.noticeClosedOn.map {
                StepDeadline("县级审核确认", workingDays: d.countyDecisionWorkingDays, from: $0, calendar: calendar,
                             source: "民发〔2021〕57号 第20条")
            }
        case .refused where a.refusalNoticeDeliveredOn == nil:
            return a.decidedOn.map {
                StepDeadline("书面告知不予纳入理由", workingDays: d.refusalNoticeWorkingDays, from: $0, calendar: calendar,
                             source: "民发〔2021〕57号 第21条")
            }
        default: return nil
        }
    }

    public var allowsRecordedExtension: Bool { true }

    /// 单人保 (DB-2021 Art. 8): one member may be enrolled alone.
    public var allowsSingleMember: Bool { true }

    /// 渐退期 when a member's new work lifted the household over the standard (`GradualExit`; DB-2021 Art. 33,
    /// Notice-2022 §1(3)).
    public func gradualExit(decided: AssessmentInput?, now: AssessmentInput, policy: Policy) -> (months: Int, trace: TraceLine)? {
        GradualExit.months(decided: decided, now: now, policy: policy)
    }

    /// DB-2021 sets no share; the county visits close-relative cases (Art. 20).
    public var countySpotCheckShare: Ratio? { nil }

    public func paymentLabel(area: Area?) -> String {
        area.map { "\($0.chinese)低保金" } ?? "低保金"
    }
}

extension DibaoDecision {
    /// The decision in the programme-neutral shape every store and page uses.
    public var benefitDecision: BenefitDecision {
        BenefitDecision(programme: .dibao, month: month, area: area, eligible: eligible, householdSize: householdSize,
                        subject: nil, standard: standard, perCapitaIncome: perCapitaIncome,
                        monthlyBenefit: monthlyBenefit,
                        components: components,
                        reasons: reasons, trace: trace, policyVersion: policyVersion)
    }
}
