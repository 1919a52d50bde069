/// Where a child supported as an orphan lives (国办发〔2010〕54号): the two standards differ.
public enum ChildPlacement: String, Codable, Sendable, CaseIterable {
    case institutional      // 机构养育
    case scattered          // 散居（亲属抚养、家庭寄养）

    public var chinese: String { self == .institutional ? "机构养育" : "散居" }
}

/// A parent's situation, as recognised for 孤儿 and 事实无人抚养儿童 (国办发〔2010〕54号; 民发〔2019〕62号 §1).
public enum ParentSituation: String, Codable, Sendable, CaseIterable {
    case deceased           // 死亡（含人民法院宣告死亡）
    case missing            // 人民法院宣告失踪
    case unknown            // 查找不到（生父母查找不到）
    case severeDisability   // 重残：一、二级残疾或三、四级精神、智力残疾
    case seriousIllness     // 重病（当地认定）
    case imprisoned         // 服刑在押
    case compulsoryRehab    // 强制隔离戒毒
    case restricted         // 被执行其他限制人身自由的措施
    case outOfContact       // 失联（失去联系且未履行监护抚养责任 6 个月以上）
    case capable            // 能履行抚养义务

    public var chinese: String {
        switch self {
        case .deceased: return "死亡"
        case .missing: return "宣告失踪"
        case .unknown: return "查找不到"
        case .severeDisability: return "重残"
        case .seriousIllness: return "重病"
        case .imprisoned: return "服刑在押"
        case .compulsoryRehab: return "强制隔离戒毒"
        case .restricted: return "被执行其他限制人身自由的措施"
        case .outOfContact: return "失联"
        case .capable: return "能履行抚养义务"
        }
    }

    /// Cannot bring the child up while alive and present (民发〔2019〕62号 §1: the six situations).
    public var cannotSupport: Bool {
        [.severeDisability, .seriousIllness, .imprisoned, .compulsoryRehab, .restricted, .outOfContact].contains(self)
    }

    /// Gone: dead or declared missing.
    public var gone: Bool { self == .deceased || self == .missing }
}

/// A child's facts for 孤儿 and 事实无人抚养儿童, recorded by the township from its check (the registry
/// records all of placement and both parents), or given to `assess` (which may leave the parents out: the
/// recognition is then the case worker's, as assess-format.md has it).
public struct ChildFacts: Hashable, Codable, Sendable {
    /// 孤儿's standard depends on it; nil only when not given to `assess`.
    public var placement: ChildPlacement?
    /// nil (both) when the recognition was made by the case worker and not given.
    public var father: ParentSituation?
    public var mother: ParentSituation?
    /// Carries HIV or has AIDS (民发〔2012〕179号): the orphan standard applies whatever the parents.
    public var hivAffected: Bool
    /// Fen per month of 困难残疾人生活补贴 the child receives (事实无人抚养 pays only the difference).
    public var disabilityAllowance: Money
    /// 孤儿: the date a parent was verified alive; the allowance stops from the month after
    /// (assess-format.md `parentFoundAlive`).
    public var parentFoundAlive: CivilDate?

    public init(placement: ChildPlacement?, father: ParentSituation?, mother: ParentSituation?, hivAffected: Bool = false,
                disabilityAllowance: Money = .zero, parentFoundAlive: CivilDate? = nil) {
        self.placement = placement
        self.father = father
        self.mother = mother
        self.hivAffected = hivAffected
        self.disabilityAllowance = disabilityAllowance
        self.parentFoundAlive = parentFoundAlive
    }

    /// Lost both parents, or the birth parents cannot be found (国办发〔2010〕54号) — a parent declared missing
    /// by a court counts as not found (ADR 0013); nil when the parents were not given.
    public var isOrphan: Bool? {
        guard let father, let mother else { return nil }
        let lost: Set<ParentSituation> = [.deceased, .missing, .unknown]
        return lost.contains(father) && lost.contains(mother)
    }

    /// 民发〔2019〕62号 §1: both parents in one of the six situations, or one dead or missing and the other
    /// in one of them; nil when the parents were not given.
    public var isUnsupported: Bool? {
        guard let father, let mother else { return nil }
        return (father.cannotSupport && mother.cannotSupport) || (father.gone && mother.cannotSupport)
            || (mother.gone && father.cannotSupport)
    }

    /// `散居；父亲死亡，母亲查找不到；艾滋病病毒感染；困难残疾人生活补贴 200.00 元/月`, for the household page.
    public var summary: String {
        var parts = [placement?.chinese, parentsText].compactMap { $0 }
        if hivAffected { parts.append("艾滋病病毒感染") }
        if disabilityAllowance > .zero { parts.append("困难残疾人生活补贴 \(disabilityAllowance.groupedYuanString) 元/月") }
        return parts.joined(separator: "；")
    }

    /// `父亲死亡，母亲查找不到`, or that the recognition was not given.
    public var parentsText: String {
        guard let father, let mother else { return "父母情况未提供，由调查核实认定" }
        return "父亲\(father.chinese)，母亲\(mother.chinese)"
    }
}
