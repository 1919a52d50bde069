/// How serious a hit is: high ones hold payment (of a person paid) and approval (of an application).
public enum MatchSeverity: String, CaseIterable, Codable, Sendable, Comparable {
    case high, medium, low

    public var chinese: String {
        switch self {
        case .high: return "高"
        case .medium: return "中"
        case .low: return "低"
        }
    }

    public static func < (a: MatchSeverity, b: MatchSeverity) -> Bool {
        allCases.firstIndex(of: a)! > allCases.firstIndex(of: b)!
    }
}

/// What a case worker is asked to do about a hit.
public enum MatchAction: String, CaseIterable, Codable, Sendable {
    case holdPayment = "hold-payment"   // 暂停发放
    case verify                         // 核实
    case recompute                      // 重新核算
    case exit                           // 退出（终止）
    case recover                        // 追回多发资金
    case register                       // 单独登记备案
    case countyVisit = "county-visit"   // 县级入户核查
    case assessNeed = "assess-need"     // 评估救助需求（预警）

    public var chinese: String {
        switch self {
        case .holdPayment: return "暂停发放"
        case .verify: return "核实"
        case .recompute: return "重新核算"
        case .exit: return "退出"
        case .recover: return "追回多发资金"
        case .register: return "单独登记备案"
        case .countyVisit: return "县级入户核查"
        case .assessNeed: return "评估救助需求"
        }
    }
}

/// The matching rules a county sets (`matching` in a policy version; optional: absent, the values below).
public struct MatchingPolicy: Hashable, Sendable {
    /// A business or asset transferred away this many months or fewer before the application (or, for a
    /// recipient, before the import) is `ASSET_TRANSFER_WITHIN_LOOKBACK` (field case C05): 12.
    public var lookbackMonths: Int
    /// Vehicle types not counted as a household's asset (DB-2012 Art. 17: disabled people's mobility vehicles).
    public var exemptVehicleTypes: [String]
    /// An out-of-pocket medical bill from this amount is `LARGE_MEDICAL_BILL`, an early warning (§6.2;
    /// no national figure: UNCONFIRMED, docs/adr/0024-matching.md): 10,000.00 yuan.
    public var medicalBillThreshold: Money
    /// The relationships that make a cadre's relative a 近亲属 (DB-2021 Art. 11; the Civil Code Art. 1045
    /// list; provinces differ, so it is data).
    public var closeRelatives: [String]

    public init(lookbackMonths: Int = 12,
                exemptVehicleTypes: [String] = ["残疾人专用", "残疾人机动轮椅车"],
                medicalBillThreshold: Money = .yuan(10_000),
                closeRelatives: [String] = MatchingPolicy.civilCodeCloseRelatives) {
        self.lookbackMonths = lookbackMonths
        self.exemptVehicleTypes = exemptVehicleTypes
        self.medicalBillThreshold = medicalBillThreshold
        self.closeRelatives = closeRelatives
    }
}

extension MatchingPolicy {
    /// 近亲属 of the Civil Code Art. 1045 (配偶、父母、子女、兄弟姐妹、祖父母、外祖父母、孙子女、外孙子女) in the words
    /// rosters use for them.
    public static let civilCodeCloseRelatives = [
        "配偶", "妻子", "丈夫", "夫妻", "父母", "父亲", "母亲", "父子", "母子", "父女", "母女", "子女", "儿子", "女儿",
        "兄弟姐妹", "兄弟", "姐妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄妹", "姐弟",
        "祖父母", "祖父", "祖母", "爷爷", "奶奶", "外祖父母", "外祖父", "外祖母", "外公", "外婆",
        "孙子女", "孙子", "孙女", "外孙子女", "外孙", "外孙女",
    ]
}

/// A person of the registry as matching sees them.
public struct MatchSubject: Hashable, Sendable {
    public var householdID: String
    /// The member's record (payees, applicants and recipients are all members of a household here).
    public var memberID: String
    public var name: String
    /// The member's status now (deceased, moved out…).
    public var status: MemberStatus?
    /// The household has an enrollment in force this month: a hit holds its next payroll line.
    public var paid: Bool
    /// The household's open application, accepted on this day: a hit blocks its approval.
    public var applicationAcceptedOn: CivilDate?

    public init(householdID: String, memberID: String, name: String, status: MemberStatus?, paid: Bool,
                applicationAcceptedOn: CivilDate?) {
        self.householdID = householdID
        self.memberID = memberID
        self.name = name
        self.status = status
        self.paid = paid
        self.applicationAcceptedOn = applicationAcceptedOn
    }
}

/// What one record means for one subject: the reason code, severity and actions (docs/matching.md).
public struct MatchFinding: Hashable, Sendable {
    /// `DECEASED`, `VEHICLE_OWNED`, `ASSET_TRANSFER_WITHIN_LOOKBACK`…
    public var code: String
    public var severity: MatchSeverity
    public var actions: [MatchAction]
    /// One line for the case worker, naming the fact (dates, plate, employer); no ID number.
    public var summary: String
    /// For a death or move: the first month not due (the month after the event); payments for it and later
    /// are recovered (C01).
    public var recoverFrom: YearMonth?

    public init(code: String, severity: MatchSeverity, actions: [MatchAction], summary: String, recoverFrom: YearMonth? = nil) {
        self.code = code
        self.severity = severity
        self.actions = actions
        self.summary = summary
        self.recoverFrom = recoverFrom
    }

    /// Holds the next payroll line of a paid subject until a case worker decides.
    public var holdsPayment: Bool { actions.contains(.holdPayment) }
    /// Keeps an application from approval until a case worker decides (C05: no automatic approval).
    public var blocksApproval: Bool { severity == .high || actions.contains(.register) }
}

/// The rule of each dataset kind. Pure.
public enum MatchRules {
    /// The finding of `record` about `subject` on `today`, or nil when the record says nothing against the
    /// subject (a move into the county, an exempt vehicle, a bill under the threshold, a relationship not in
    /// the policy's list, a roster month the county did not pay, a death already recorded).
    /// `paidMonths`: the months this county paid the subject's household (for `otherCountyRoster`).
    public static func finding(_ record: DatasetRecord, about subject: MatchSubject, policy: MatchingPolicy, today: CivilDate,
                               paidMonths: Set<YearMonth> = []) -> MatchFinding? {
        let v = { (f: DatasetField) in record.values[f] ?? "" }
        let date = record.eventDate?.description ?? "日期不详"
        let reference = subject.applicationAcceptedOn ?? today
        switch record.kind {
        case .deaths:
            if subject.status == .deceased { return nil }
            let from = record.eventDate?.yearMonth.next
            return MatchFinding(code: "DECEASED", severity: .high, actions: [.holdPayment, .verify, .recompute, .exit, .recover],
                                summary: "\(v(.eventType).isEmpty ? "死亡" : v(.eventType))信息：\(date) 死亡\(from.map { "；自 \($0) 起不应再计入或发放，已发的追回" } ?? "")",
                                recoverFrom: from)
        case .hukouMoves:
            guard v(.eventType) != "迁入" else { return nil }
            if subject.status == .movedOut || subject.status == .deceased { return nil }
            let from = record.eventDate?.yearMonth.next
            return MatchFinding(code: "HUKOU_MOVED_OUT", severity: .medium, actions: [.verify, .recompute, .recover],
                                summary: "户籍\(v(.eventType))：\(date)\(v(.address).isEmpty ? "" : "，迁往\(v(.address))")",
                                recoverFrom: from)
        case .vehicles:
            // An exempt type is matched as a part of the department's wording (残疾人专用 in 残疾人专用小型汽车).
            if !v(.vehicleType).isEmpty, policy.exemptVehicleTypes.contains(where: { v(.vehicleType).contains($0) }) { return nil }
            return MatchFinding(code: "VEHICLE_OWNED", severity: .high, actions: [.holdPayment, .verify, .recompute],
                                summary: "名下有机动车 \(v(.plate))\(v(.vehicleType).isEmpty ? "" : "（\(v(.vehicleType))）")，\(date) 登记")
        case .realEstate:
            return MatchFinding(code: "PROPERTY_OWNED", severity: .medium, actions: [.verify, .recompute],
                                summary: "名下有不动产：\(v(.address))\(v(.floorArea).isEmpty ? "" : "，建筑面积 \(v(.floorArea))")，\(date) 登记")
        case .businesses:
            let type = v(.eventType)
            if type == "转让" || type == "注销" {
                guard let d = record.eventDate, d <= reference,
                      d.yearMonth.number >= reference.yearMonth.adding(months: -policy.lookbackMonths).number else { return nil }
                return MatchFinding(code: "ASSET_TRANSFER_WITHIN_LOOKBACK", severity: .high, actions: [.holdPayment, .verify, .recompute],
                                    summary: "\(d) \(type)“\(v(.businessName))”\(v(.transferee).isEmpty ? "" : "给\(v(.transferee))")，在申请前 \(policy.lookbackMonths) 个月内")
            }
            return MatchFinding(code: "BUSINESS_REGISTERED", severity: .high, actions: [.holdPayment, .verify, .recompute],
                                summary: "登记为“\(v(.businessName))”的经营者（\(type)，\(date)）")
        case .publicEmployees:
            return MatchFinding(code: "PUBLIC_EMPLOYEE", severity: .high, actions: [.holdPayment, .verify, .recompute, .exit],
                                summary: "财政供养人员：\(v(.employer))\(record.eventDate.map { "，\($0) 起" } ?? "")")
        case .socialInsurance:
            return MatchFinding(code: "EMPLOYMENT_CONTRIBUTIONS", severity: .medium, actions: [.verify, .recompute],
                                summary: "\(record.month?.description ?? "") 有职工社会保险缴费\(v(.employer).isEmpty ? "" : "（\(v(.employer))）")\(record.amount.map { "，缴费基数 \($0.yuanString) 元" } ?? "")")
        case .housingFund:
            return MatchFinding(code: "HOUSING_FUND", severity: .medium, actions: [.verify, .recompute],
                                summary: "\(record.month?.description ?? "") 有住房公积金缴存\(v(.employer).isEmpty ? "" : "（\(v(.employer))）")\(record.amount.map { "，月缴存 \($0.yuanString) 元" } ?? "")")
        case .medicalBills:
            guard let a = record.amount, a >= policy.medicalBillThreshold else { return nil }
            return MatchFinding(code: "LARGE_MEDICAL_BILL", severity: .low, actions: [.assessNeed],
                                summary: "\(date) 医疗费用个人自付 \(a.yuanString) 元（预警线 \(policy.medicalBillThreshold.yuanString) 元）")
        case .cadreRoster:
            // The cadre himself in the household: everyone else in it is his close relative.
            return MatchFinding(code: "CADRE_IN_HOUSEHOLD", severity: .high, actions: [.register, .countyVisit],
                                summary: "家庭成员\(record.name)是\(v(.role))：须单独登记备案，县级入户核查")
        case .otherCountyRoster:
            guard let m = record.month, paidMonths.contains(m) else { return nil }
            let programme = Programme(rawValue: v(.programme))?.shortChinese ?? v(.programme)
            return MatchFinding(code: "PAID_ELSEWHERE", severity: .high, actions: [.holdPayment, .verify, .recover],
                                summary: "\(m) 同时在\(v(.county))领取\(programme)\(record.amount.map { " \($0.yuanString) 元" } ?? "")，本县同月也在发放")
        }
    }

    /// A cadre roster's relative row about the relative (`record.relativeResidentID`): `CADRE_RELATIVE`
    /// when the relationship is in the policy's list, else nil.
    public static func relativeFinding(_ record: DatasetRecord, policy: MatchingPolicy) -> MatchFinding? {
        guard record.kind == .cadreRoster, let relationship = record.values[.relationship],
              policy.closeRelatives.contains(relationship) else { return nil }
        return MatchFinding(code: "CADRE_RELATIVE", severity: .high, actions: [.register, .countyVisit],
                            summary: "是\(record.values[.role] ?? "")\(record.name)的\(relationship)（近亲属）：须单独登记备案，县级入户核查")
    }
}
