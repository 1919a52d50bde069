/// Low-income population monitoring (低收入人口动态监测, LI-2023 §2–4; rules.md §6): the register's
/// categories, early warnings through verification to an outcome, and referrals to other departments
/// (一门受理、协同办理, the "1+8+N" system).

/// The categories of LI-2023 §2 (rules.md §6.1). 低保 and 特困 come from enrollments; the others are
/// registered (from a refused application below 1.5 × the standard, from monitoring, or by hand).
public enum LowIncomeCategory: String, CaseIterable, Codable, Sendable {
    case dibao
    case tekun
    /// 防止返贫监测对象, managed with the rural-revitalisation system.
    case returnToPoverty = "return-to-poverty"
    /// 低保边缘家庭: per capita below 1.5 × the standard, not eligible for 低保.
    case nearPoverty = "near-poverty"
    /// 刚性支出困难家庭 (RE-2025).
    case rigidExpenditure = "rigid-expenditure"
    case other

    public var chinese: String {
        switch self {
        case .dibao: return "低保对象"
        case .tekun: return "特困人员"
        case .returnToPoverty: return "防止返贫监测对象"
        case .nearPoverty: return "低保边缘家庭"
        case .rigidExpenditure: return "刚性支出困难家庭"
        case .other: return "其他困难人员"
        }
    }

    /// The programme whose enrollments are the category (低保, 特困); nil for a registered category.
    public var programme: Programme? {
        switch self {
        case .dibao: return .dibao
        case .tekun: return .tekun
        default: return nil
        }
    }

    /// Registered by a person or from an application; 低保 and 特困 are read from enrollments.
    public static var registered: [LowIncomeCategory] { allCases.filter { $0.programme == nil } }
}

/// What raised a warning (LI-2023 §3: serious illness, disability, schooling, unemployment; and the
/// matching hits that say a household's situation changed).
public enum WarningSource: String, CaseIterable, Codable, Sendable {
    case medicalBill = "medical-bill"
    case earnerDeath = "earner-death"
    case disability
    case unemployment
    case disaster
    case schooling
    case matchingHit = "matching-hit"
    case other

    public var chinese: String {
        switch self {
        case .medicalBill: return "大额医疗费用"
        case .earnerDeath: return "主要劳动力死亡"
        case .disability: return "新增重度残疾"
        case .unemployment: return "失业"
        case .disaster: return "遭受灾害"
        case .schooling: return "子女就学困难"
        case .matchingHit: return "信息比对"
        case .other: return "其他"
        }
    }
}

/// The departments of the "1+8+N" system a township refers to (Opinion-2020 item 23; the meaning of
/// "1+8+N" in Sichuan is UNCONFIRMED, rules.md §10 item 1: the 8 special-assistance areas are used).
public enum Department: String, CaseIterable, Codable, Sendable {
    case medical          // 医疗救助（医保局）
    case education        // 教育救助（教育局）
    case housing          // 住房救助（住建局）
    case employment       // 就业救助（人社局）
    case disasterRelief = "disaster-relief"   // 受灾人员救助（应急管理局）
    case disability       // 残疾人帮扶（残联）
    case legalAid = "legal-aid"               // 法律援助（司法局）
    case other

    public var chinese: String {
        switch self {
        case .medical: return "医疗保障局（医疗救助）"
        case .education: return "教育局（教育救助）"
        case .housing: return "住房和城乡建设局（住房救助）"
        case .employment: return "人力资源和社会保障局（就业救助）"
        case .disasterRelief: return "应急管理局（受灾人员救助）"
        case .disability: return "残疾人联合会"
        case .legalAid: return "司法局（法律援助）"
        case .other: return "其他部门"
        }
    }
}

/// How a warning ended (LI-2023 §3(4)).
public enum WarningOutcome: Hashable, Codable, Sendable {
    /// Helped under one of our programmes (an application opened, a review, a temporary grant).
    case assistance(Programme)
    /// Pushed to the competent department, with a referral to follow.
    case referral(Department)
    /// Verified: no need of help now.
    case noNeed

    public var chinese: String {
        switch self {
        case .assistance(let p): return "纳入\(p.shortChinese)"
        case .referral(let d): return "转介\(d.chinese)"
        case .noNeed: return "核实后暂无救助需求"
        }
    }
}

/// The stages of the loop 主动发现 → 动态监测 → 预警核实 → 救助帮扶 → 数据归集 (the county report's words;
/// UNCONFIRMED as a national formula, rules.md §6.2).
public enum WarningStage: String, CaseIterable, Codable, Sendable {
    /// Raised, assigned to the township, waiting for the verification visit.
    case raised
    /// Visited: waiting for an outcome.
    case verified
    /// Closed with its outcome.
    case closed

    public var chinese: String {
        switch self {
        case .raised: return "待核实"
        case .verified: return "已核实待处置"
        case .closed: return "已办结"
        }
    }
}

/// An early warning about a household, assigned to its township with a deadline in working days.
public struct EarlyWarning: Hashable, Sendable {
    public var householdID: String
    public var townshipCode: String
    public var source: WarningSource
    /// What happened, without ID numbers (e.g. `2021-11-30 医疗费用个人自付 23,456.70 元`).
    public var detail: String
    public var raisedOn: CivilDate
    /// The last working day for the verification visit and the outcome (`monitoring.warningWorkingDays`).
    public var dueOn: CivilDate
    public var stage: WarningStage
    public var visit: HomeVisit?
    public var outcome: WarningOutcome?
    public var outcomeNote: String?
    public var closedOn: CivilDate?

    /// A new warning due `policy.warningWorkingDays` working days after `raisedOn`.
    /// - Throws: `WorkCalendarError` when the holiday calendar does not reach the deadline.
    public init(householdID: String, townshipCode: String, source: WarningSource, detail: String, raisedOn: CivilDate,
                policy: MonitoringPolicy, calendar: WorkCalendar) throws(WorkCalendarError) {
        self.householdID = householdID
        self.townshipCode = townshipCode
        self.source = source
        self.detail = detail
        self.raisedOn = raisedOn
        self.dueOn = try calendar.deadline(workingDays: policy.warningWorkingDays, from: raisedOn)
        self.stage = .raised
    }

    /// A warning as stored (read back by the store).
    public init(stored householdID: String, townshipCode: String, source: WarningSource, detail: String, raisedOn: CivilDate,
                dueOn: CivilDate, stage: WarningStage) {
        self.householdID = householdID
        self.townshipCode = townshipCode
        self.source = source
        self.detail = detail
        self.raisedOn = raisedOn
        self.dueOn = dueOn
        self.stage = stage
    }

    /// The township's verification visit: two investigators, not before the warning.
    /// - Throws: `MonitoringError`.
    public mutating func verify(_ v: HomeVisit, today: CivilDate) throws(MonitoringError) {
        guard stage == .raised else { throw .wrongStage(stage) }
        // 王强 and 王 强 are one person.
        let names = Set(v.investigators.map { name in
            String(String.UnicodeScalarView(name.unicodeScalars.filter { !$0.properties.isWhitespace && $0.properties.generalCategory != .format }))
        }.filter { !$0.isEmpty })
        guard names.count >= 2 else { throw .tooFewInvestigators(names.count) }
        _ = try MonitoringError.text(v.findings, "核实情况")
        guard v.date >= raisedOn, v.date <= today else { throw .badDate(v.date) }
        visit = v
        stage = .verified
    }

    /// The outcome, after the visit.
    /// - Throws: `MonitoringError`.
    public mutating func close(_ outcome: WarningOutcome, note: String, on date: CivilDate, today: CivilDate) throws(MonitoringError) {
        guard stage == .verified, let visit else { throw .wrongStage(stage) }
        let note = try MonitoringError.text(note, "处置说明")
        guard date >= visit.date, date <= today else { throw .badDate(date) }
        self.outcome = outcome
        self.outcomeNote = note
        self.closedOn = date
        stage = .closed
    }

    /// Open past its deadline on `today`.
    public func isOverdue(on today: CivilDate) -> Bool { stage != .closed && today > dueOn }
}

/// A request the township window sent to another department, tracked until the department's feedback.
public struct Referral: Hashable, Sendable {
    public var department: Department
    public var request: String
    public var referredOn: CivilDate
    /// `monitoring.referralFeedbackWorkingDays` working days after the referral.
    public var feedbackDue: CivilDate
    public var feedback: String?
    public var closedOn: CivilDate?

    /// - Throws: `MonitoringError.missing` for an empty request; `WorkCalendarError` past the calendar.
    public init(department: Department, request: String, referredOn: CivilDate, policy: MonitoringPolicy,
                calendar: WorkCalendar) throws {
        let request = try MonitoringError.text(request, "转介事项")
        self.department = department
        self.request = request.trimmingWhitespace()
        self.referredOn = referredOn
        self.feedbackDue = try calendar.deadline(workingDays: policy.referralFeedbackWorkingDays, from: referredOn)
    }

    /// A referral as stored (read back by the store).
    public init(stored department: Department, request: String, referredOn: CivilDate, feedbackDue: CivilDate) {
        self.department = department
        self.request = request
        self.referredOn = referredOn
        self.feedbackDue = feedbackDue
    }

    /// The department's feedback closes the referral.
    /// - Throws: `MonitoringError`.
    public mutating func close(feedback text: String, on date: CivilDate, today: CivilDate) throws(MonitoringError) {
        guard closedOn == nil else { throw .alreadyClosed }
        let text = try MonitoringError.text(text, "部门反馈")
        guard date >= referredOn, date <= today else { throw .badDate(date) }
        feedback = text.trimmingWhitespace()
        closedOn = date
    }

    public func isOverdue(on today: CivilDate) -> Bool { closedOn == nil && today > feedbackDue }
}

/// The county's monitoring deadlines (`monitoring` in a policy version; optional: absent, the values below,
/// both UNCONFIRMED — no national figure, rules.md §6.2 and §10 item 6; docs/adr/0025-monitoring.md).
public struct MonitoringPolicy: Hashable, Sendable {
    /// Working days from a warning to its verification and outcome: 10.
    public var warningWorkingDays: Int
    /// Working days for a department's feedback on a referral: 10.
    public var referralFeedbackWorkingDays: Int
    /// Working days to investigate a complaint or report and close it (with the answer to a real-name
    /// reporter, DB-2021 Art. 37): 15.
    public var complaintWorkingDays: Int

    public init(warningWorkingDays: Int = 10, referralFeedbackWorkingDays: Int = 10, complaintWorkingDays: Int = 15) {
        self.warningWorkingDays = warningWorkingDays
        self.referralFeedbackWorkingDays = referralFeedbackWorkingDays
        self.complaintWorkingDays = complaintWorkingDays
    }
}

public enum MonitoringError: Error, Equatable, Sendable {
    case wrongStage(WarningStage)
    case tooFewInvestigators(Int)
    case missing(String)
    case badDate(CivilDate)
    case alreadyClosed
    case alreadyRecorded(String)
    case notFound(String)
    case badText(String, FreeText.Problem)

    /// Free text as every record takes it (`FreeText.check`): blank (invisible characters only), too long or
    /// with a control character is refused, naming the field.
    public static func text(_ text: String, _ field: String) throws(MonitoringError) -> String {
        do { return try FreeText.check(text) } catch .blank { throw .missing(field) } catch { throw .badText(field, error) }
    }

    public var message: String {
        switch self {
        case .wrongStage(let s): return "预警当前为“\(s.chinese)”，不能办理此步骤 (wrong stage)"
        case .tooFewInvestigators(let n): return "核实须至少 2 名工作人员，当前 \(n) 名 (at least two investigators)"
        case .missing(let what): return "缺少“\(what)”，请填写后再提交 (missing)"
        case .badDate(let d): return "日期 \(d) 不能早于此前步骤，也不能晚于今天 (date out of order)"
        case .alreadyClosed: return "该事项已办结 (already closed)"
        case .alreadyRecorded(let what): return "“\(what)”已登记，不能重复登记 (already recorded)"
        case .notFound(let id): return "记录 \(id.prefix(8)) 不存在 (not found)"
        case let .badText(field, problem): return "“\(field)”\(problem.message)"
        }
    }
}

/// 低保边缘家庭 from a refusal (LI-2023 §2 item 4): a 低保 assessment that did not qualify, with per-capita
/// income below `dibao.nearPovertyMultiplier` × the standard (1.5 in Pengxi). Pure.
public enum NearPoverty {
    public static func applies(_ decision: BenefitDecision, policy: Policy) -> Bool {
        guard decision.programme == .dibao, !decision.eligible, let perCapita = decision.perCapitaIncome,
              let dibao = try? policy.dibaoPolicy() else { return false }
        return (dibao.nearPovertyLine(for: decision.area) - perCapita).isPositive
    }
}

extension WorkCalendar {
    /// `adding(workingDays:to:)`; past the bundled holiday years, the latest day the count could reach
    /// (`bounding`), so a warning, referral or complaint near the year's end is received and shown with a
    /// deadline it is certainly due by, never refused (found when tried as an attacker would: the calendar
    /// ended 17 days after the machine's date).
    public func deadline(workingDays: Int, from start: CivilDate) throws(WorkCalendarError) -> CivilDate {
        do { return try adding(workingDays: workingDays, to: start) } catch { return try bounding.adding(workingDays: workingDays, to: start) }
    }
}
