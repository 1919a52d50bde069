/// 特困人员救助供养: one member is assessed and paid monthly — the basic living standard plus the care
/// standard of the person's placement and care tier.
///
/// Rules: 民发〔2021〕43号 特困人员认定办法 (TK-2021) Arts. 4–9, 13–18, 20–24; 社会救助暂行办法 Arts. 14–19;
/// 民发〔2020〕… Opinion-2020 item 5 (minors to 18). rules.md §2.
public struct TekunRules: ProgrammeRules {
    public init() {}

    public var programme: Programme { .tekun }
    public var recipient: RecipientKind { .member }
    public var cadence: PaymentCadence { .monthly }
    public var fundUseByArea: Bool { false }
    public var refusalSource: String { "民发〔2021〕43号 第18条" }
    public var reviewSource: String { "民发〔2021〕43号 第24条、第25条" }
    public var noticeCitations: NoticeCitations {
        NoticeCitations(publicNotice: "《特困人员认定办法》民发〔2021〕43号 第十五条",
                        refusalNotice: "民发〔2021〕43号 第十八条", appeal: "《社会救助暂行办法》第六十五条",
                        steps: ["recordInformationCheck": "民发〔2021〕43号 第13条", "recordHomeVisit": "至少 2 名调查人员，第13条",
                                "townshipReview": "公示 7 天，第15条", "resolveObjection": "15 个工作日内重新提出意见并再次公示，第15条",
                                "recordCountyHomeVisit": "县级抽查核实，全年抽查比例不低于 30%，第16条",
                                "refuse": "3 个工作日内书面告知，第18条"])
    }

    /// Income kinds counted for "no source of livelihood" (TK-2021 Art. 6): wages, net business,
    /// property and transfer income, and other income; the basic pension, 优待抚恤金, social assistance
    /// and reward-type payments are not.
    static let countedIncome: Set<IncomeKind> = [.wage, .business, .property, .transfer, .other]

    /// Disabilities that mean no labour capacity (TK-2021 Art. 5(3)): intellectual or mental grade 1–3,
    /// physical grade 1–2, visual grade 1.
    static func disablesLabour(_ d: Disability) -> Bool {
        switch d.type {
        case .intellectual, .mental: return d.grade <= 3
        case .physical: return d.grade <= 2
        case .visual: return d.grade == 1
        case .hearing, .speech, .multiple: return false
        }
    }

    /// Schooling in which support continues past 18 for a person recognised as a minor (TK-2021 Art. 24).
    static let continuingSchooling: Set<Schooling> = [.compulsory, .highSchool, .vocational]

    /// Assesses the `subject` for `input.month`: the three conditions of Art. 4 as far as the data
    /// shows them (the supporter condition, Art. 8, is established by the investigation and recorded in
    /// the workflow), then basic + care (annual care ÷ 12 exact), less the basic pension when the policy
    /// counts it in the standard; the total is rounded once, half-up.
    /// - Throws: `AssessmentError.subject` (no subject, or not a member); `.missing` for the placement or
    ///   the self-care assessment; `.policy` when the version configures no 特困, no 低保 standard (the
    ///   income test), or no care standard for the placement.
    public func assess(_ input: AssessmentInput, policy: Policy) throws(AssessmentError) -> BenefitDecision {
        let person = try input.subjectMember(noSubject: "特困按人认定：请指定被评估的成员 (tekun assesses one member: name the subject)")
        let subjectID = person.residentID
        guard let tekun = policy.tekun else {
            throw .policy(.programmeNotConfigured(programme: "tekun", version: policy.version))
        }
        guard let dibao = policy.dibao else {
            throw .policy(.programmeNotConfigured(programme: "dibao", version: policy.version))
        }
        guard let placement = person.tekunPlacement else { throw .missing("供养方式 placement（dispersed 分散 / centralized 集中）") }
        guard let failed = person.selfCareFailed else { throw .missing("生活自理能力评估 selfCareFailed（0–6）") }
        let tier = CareTier(selfCareFailed: failed)
        guard let care = tekun.care[placement]?[tier] else {
            throw .policy(.careNotConfigured(placement: placement.rawValue, tier: tier.rawValue, version: policy.version))
        }
        let month = input.month
        let area = input.household.area
        var trace: [TraceLine] = [
            TraceLine("政策版本", "\(policy.version)，评估月份 \(month)"),
            TraceLine("被评估人", "\(person.name)（\(subjectID.masked)），\(area.chinese)，\(placement.chinese)"),
        ]
        var reasons: [IneligibilityReason] = []

        if !person.counts(in: month) {
            trace.append(TraceLine("在户状态", "\(person.status.chinese)，不予供养", source: "民发〔2021〕43号 第24条"))
            reasons.append(.subjectNotCounted)
        }
        // Condition 1: no labour capacity (Art. 5; minors to 18, Opinion-2020 item 5; Art. 24 schooling).
        let age = subjectID.age(on: month.firstDay)
        var grounds: [String] = []
        if age >= 60 { grounds.append("年满60周岁（\(age) 岁）") }
        if age < 18 { grounds.append("未满18周岁（\(age) 岁）") }
        if let d = person.disability, Self.disablesLabour(d) { grounds.append("\(d.type.chinese)\(d.grade)级残疾") }
        if grounds.isEmpty, age >= 18, let s = person.schooling, Self.continuingSchooling.contains(s) {
            // Only a recognition made before the 18th birthday continues (Art. 24); a first application
            // at 18 or later does not qualify by schooling.
            let adult = CivilDate(year: subjectID.birthDate.year + 18, month: subjectID.birthDate.month, day: 1)!.yearMonth
            if let since = input.supportedSince, since < adult {
                grounds.append("年满18周岁仍在\(s.chinese)就读，自 \(since) 起已认定为特困人员")
            } else {
                trace.append(TraceLine("无劳动能力", "年满18周岁仍在\(s.chinese)就读，但不是成年前已认定的特困人员，不能据此认定",
                                       source: "民发〔2021〕43号 第24条"))
            }
        }
        if grounds.isEmpty {
            trace.append(TraceLine("无劳动能力", "不符合：\(age) 岁，无规定等级的残疾", source: "民发〔2021〕43号 第5条"))
            reasons.append(.hasLabourCapacity)
        } else {
            trace.append(TraceLine("无劳动能力", "符合：" + grounds.joined(separator: "；"), source: "民发〔2021〕43号 第5条、第24条"))
        }
        // Condition 2: no source of livelihood — own counted income below the 低保 standard (Art. 6).
        var income = FenRatio(.zero)
        for item in person.income {
            if Self.countedIncome.contains(item.kind) {
                income = income + item.monthly
                trace.append(TraceLine("计入收入", "\(item.kind.chinese) \(item.monthly.roundedHalfUp().yuanString) 元/月", source: "民发〔2021〕43号 第6条"))
            } else {
                trace.append(TraceLine("不计入收入", "\(item.kind.chinese) \(item.monthly.roundedHalfUp().yuanString) 元/月", source: "民发〔2021〕43号 第6条"))
            }
        }
        let dibaoStandard = dibao.standard(for: area)
        if (income - FenRatio(dibaoStandard)).isPositive || income == FenRatio(dibaoStandard) {
            trace.append(TraceLine("无生活来源", "不符合：本人月收入 \(income.roundedHalfUp().yuanString) 元不低于\(area.chinese)低保标准 \(dibaoStandard.yuanString) 元",
                                   source: "民发〔2021〕43号 第6条"))
            reasons.append(.ownIncomeAtOrAboveStandard)
        } else {
            trace.append(TraceLine("无生活来源", "符合：本人月收入 \(income.roundedHalfUp().yuanString) 元低于\(area.chinese)低保标准 \(dibaoStandard.yuanString) 元",
                                   source: "民发〔2021〕43号 第6条"))
        }
        trace.append(TraceLine("法定义务人", "无法定赡养、抚养、扶养义务人或其无履行能力：由调查核实认定并记入审核确认过程，不在测算范围",
                               source: "民发〔2021〕43号 第8条"))

        let basic = tekun.basic(for: area, placement: placement)
        let ofPlacement = tekun.basicCentralized[area] != nil && placement == .centralized ? "集中供养" : ""
        trace.append(TraceLine("基本生活标准", "\(area.chinese)\(ofPlacement)特困基本生活标准 \(basic.yuanString) 元/人·月", source: "县政策 \(policy.version)"))
        trace.append(TraceLine("生活自理能力", "六项指标中 \(failed) 项不能达到 → \(tier.chinese)", source: "民发〔2021〕43号 第22条"))
        trace.append(TraceLine("照料护理标准", "\(placement.chinese)\(tier.chinese) \(care)", source: "县政策 \(policy.version)"))
        let standard = FenRatio(basic) + care.monthly
        var exact = standard
        var offset = Money.zero
        if tekun.pensionCountedInStandard {
            let pension = person.income.filter { $0.kind == .basicPension }.reduce(FenRatio(.zero)) { $0 + $1.monthly }
            // Never more than the standard: the treasury pays the difference, or nothing.
            let counted = (pension - standard).isPositive ? standard : pension
            offset = -counted.roundedHalfUp()
            exact = standard - counted
            trace.append(TraceLine("基础养老金抵扣", "标准含本人基础养老金 \(pension.roundedHalfUp().yuanString) 元，抵扣 \(counted.roundedHalfUp().yuanString) 元，财政支付差额",
                                   source: "县政策 \(policy.version) tekun.pensionCountedInStandard"))
        }
        // Other income the standard includes (建平: land income): deducted the same way, within what is left.
        var incomeOffset = Money.zero
        if !tekun.incomeInStandard.isEmpty {
            let other = person.income.filter { tekun.incomeInStandard.contains($0.kind) }.reduce(FenRatio(.zero)) { $0 + $1.monthly }
            let counted = (other - exact).isPositive ? exact : other
            if counted.isPositive {
                incomeOffset = -counted.roundedHalfUp()
                exact = exact - counted
                trace.append(TraceLine("收入抵扣", "标准含本人\(tekun.incomeInStandard.map(\.chinese).joined(separator: "、")) \(other.roundedHalfUp().yuanString) 元，抵扣 \(counted.roundedHalfUp().yuanString) 元，财政支付差额",
                                       source: "县政策 \(policy.version) tekun.incomeInStandard"))
            }
        }
        let eligible = reasons.isEmpty
        var components: [AmountComponent] = []
        var total = Money.zero
        if eligible {
            total = max(exact.roundedHalfUp(), .zero)
            // Components sum exactly to the total rounded once: the care part carries the rounding.
            components.append(AmountComponent(.basic, basic))
            components.append(AmountComponent(.care, total - basic - offset - incomeOffset))
            if offset != .zero { components.append(AmountComponent(.pensionOffset, offset)) }
            if incomeOffset != .zero { components.append(AmountComponent(.incomeOffset, incomeOffset)) }
            components.removeAll { $0.amount == .zero }
            trace.append(TraceLine("结论", "符合，月供养金 \(total.yuanString) 元（基本生活 \(basic.yuanString) + 照料护理 \((total - basic - offset - incomeOffset).yuanString)\(offset == .zero ? "" : " − 养老金 \((-offset).yuanString)")\(incomeOffset == .zero ? "" : " − 收入 \((-incomeOffset).yuanString)")），四舍五入到分一次"))
        } else {
            trace.append(TraceLine("结论", "不符合：" + reasons.map(\.chinese).joined(separator: "；")))
        }
        return BenefitDecision(programme: .tekun, month: month, area: area, eligible: eligible, householdSize: 1,
                               subject: subjectID, standard: basic, perCapitaIncome: income, monthlyBenefit: total,
                               components: components, reasons: reasons, trace: trace, policyVersion: policy.version)
    }

    /// A member who is no longer counted (death, prison, moving out) is held until the termination is
    /// decided (TK-2021 Art. 24–26).
    public func hold(_ e: PayableEnrollment, policy: Policy) -> PayrollHold? {
        if e.memberCounts == false, let status = e.memberStatus {
            return PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: e.payeeName ?? "—",
                               reason: "MEMBER_NOT_COUNTED：\(e.memberName ?? "供养对象")\(status.chinese)，须办理终止后再发放")
        }
        // A minor's support ends at 18 unless still in the listed schooling (TK-2021 Art. 24), and no
        // other ground of "no labour capacity" applies: held for the termination review.
        if let m = e.member, let month = e.month {
            let age = m.residentID.age(on: month.firstDay)
            let disabled = m.disability.map(Self.disablesLabour) ?? false
            let inSchool = m.schooling.map(Self.continuingSchooling.contains) ?? false
            if age >= 18, age < 60, !disabled, !inSchool {
                return PayrollHold(householdID: e.householdID, memberID: e.memberID, payeeName: e.payeeName ?? "—",
                                   reason: "AGE_18：\(m.name)已满18周岁且不在义务教育、普通高中或中职就读，须复核终止 (民发〔2021〕43号 第24条)")
            }
        }
        return nil
    }

    public func deadlines(policy: Policy) -> [ProcedureDeadline] {
        [
            ProcedureDeadline("乡镇调查核实并提出初审意见", .workingDays(15), source: "民发〔2021〕43号 第13条"),
            ProcedureDeadline("公示", .calendarDays(policy.deadlines.publicNoticeCalendarDays), source: "民发〔2021〕43号 第15条"),
            ProcedureDeadline("县级审核确认（抽查不低于 30%）", .workingDays(15), source: "民发〔2021〕43号 第16条"),
            ProcedureDeadline("书面告知不予认定理由", .workingDays(3), source: "民发〔2021〕43号 第18条"),
            ProcedureDeadline("自理能力变化后重新评估", .workingDays(10), source: "民发〔2021〕43号 第23条"),
        ]
    }

    /// Township 15 WD (Art. 13), 公示 7 days (Art. 15), county 15 WD (Art. 16), counted on from
    /// acceptance; an objection adds a re-investigation of 15 WD and a new 公示 (Art. 15 ¶2).
    public func procedureDeadline(acceptedOn: CivilDate, extended: Bool, policy: Policy,
                                  calendar: WorkCalendar) throws(WorkCalendarError) -> CivilDate? {
        let notice = policy.deadlines.publicNoticeCalendarDays
        var d = try calendar.adding(workingDays: 15, to: acceptedOn).adding(days: notice)
        if extended { d = try calendar.adding(workingDays: 15, to: d).adding(days: notice) }
        return try calendar.adding(workingDays: 15, to: d)
    }

    public func procedureLimitText(extended: Bool, policy: Policy) -> String {
        let notice = policy.deadlines.publicNoticeCalendarDays
        let again = extended ? " + 异议复查 15 个工作日 + 再公示 \(notice) 天" : ""
        return "乡镇 15 个工作日 + 公示 \(notice) 天\(again) + 县级 15 个工作日"
    }

    /// The township's investigation and opinion within 15 WD of acceptance (Art. 13); the county's within 15
    /// WD of the 公示's close (Art. 16).
    public func stepDeadline(_ a: AssistanceApplication, policy: Policy, calendar: WorkCalendar) -> StepDeadline? {
        switch a.state {
        case .accepted, .investigating, .townshipReview:
            return a.objections.isEmpty
                ? StepDeadline("乡镇调查核实并提出初审意见", workingDays: 15, from: a.acceptedOn, calendar: calendar, source: "民发〔2021〕43号 第13条")
                : nil
        case .countyReview:
            return a.noticeClosedOn.map {
                StepDeadline("县级审核确认", workingDays: 15, from: $0, calendar: calendar, source: "民发〔2021〕43号 第16条")
            }
        default: return nil
        }
    }

    /// TK-2021 has no recorded extension: only an objection lengthens the procedure.
    public var allowsRecordedExtension: Bool { false }

    /// The county verifies at least 30 % of the cases it confirms (TK-2021 Art. 16).
    public var countySpotCheckShare: Ratio? { Ratio(30, 100) }

    public func paymentLabel(area: Area?) -> String { "特困人员供养金" }
}
