/// 单人保 (individual inclusion, DB-2021 Art. 8; Notice-2022 §1(1)): in a near-poverty household
/// (低保边缘家庭: not eligible as a whole, per-capita income below `nearPovertyMultiplier` × the standard), a
/// member with a grade 1–2 disability, a grade 3 intellectual or mental disability, or a serious illness
/// may be covered alone, assessed as a single-person household on their own income. A household that
/// qualifies as a whole is enrolled whole: covering only some members is forbidden.
/// The asset test is the township's (the registry records assets but Jiuzhu has no limits for them yet).
public enum IndividualInclusion {
    static let source = "民发〔2021〕57号 第8条；民发〔2022〕83号 第一部分第（一）项"

    /// The ground on which `member` may be covered alone, or nil.
    public static func ground(of member: Member) -> String? {
        if let d = member.disability {
            if d.grade <= 2 { return "\(d.grade)级\(d.type.chinese)残疾" }
            if d.grade == 3 && (d.type == .intellectual || d.type == .mental) { return "3级\(d.type.chinese)残疾" }
        }
        return member.seriousIllness ? "重特大疾病" : nil
    }

    /// Assesses `subject` of `input.household` for 单人保 under `policy`.
    /// - Throws: `AssessmentError.policy` when the version configures no 低保; `.subject` when the subject is
    ///   not in the household.
    public static func assess(_ input: AssessmentInput, policy: Policy) throws(AssessmentError) -> BenefitDecision {
        let person = try input.subjectMember(noSubject: "单人保：请指定申请的成员 (name the member)")
        let dibao: DibaoPolicy
        do { dibao = try policy.dibaoPolicy() } catch { throw .policy(error) }
        let whole = try DibaoRules().assess(AssessmentInput(household: input.household, month: input.month,
                                                            supportedElsewhere: input.supportedElsewhere), policy: policy)
        let line = dibao.nearPovertyLine(for: input.household.area)
        var trace = [TraceLine("单人保", "\(person.name)（\(person.residentID.masked)）单独申请", source: source),
                     TraceLine("整户测算", whole.eligible
                                ? "整户符合低保条件（月保障金 \(whole.monthlyBenefit.yuanString) 元）"
                                : "整户不符合：月人均收入 \(whole.perCapitaIncome?.roundedHalfUp().yuanString ?? "—") 元，不低于标准")]
        func refused(_ reason: IneligibilityReason, _ why: String) -> BenefitDecision {
            trace.append(TraceLine("结论", "不符合单人保：\(why)", source: source))
            // The household assessed is the whole one: its size goes with its per-capita income.
            return BenefitDecision(programme: .dibao, month: input.month, area: input.household.area, eligible: false,
                                   householdSize: whole.householdSize, subject: person.residentID, standard: whole.standard,
                                   perCapitaIncome: whole.perCapitaIncome, monthlyBenefit: .zero, components: [],
                                   reasons: [reason], trace: trace, policyVersion: policy.version)
        }
        // A member not counted in the month is refused as such, whatever the household.
        guard person.counts(in: input.month) else { return refused(.subjectNotCounted, "本人当月不在户") }
        if whole.eligible {
            return refused(.householdEligible, "家庭整体符合低保条件，应整户纳入，不得只纳入部分成员")
        }
        if let perCapita = whole.perCapitaIncome, !(line - perCapita).isPositive {
            return refused(.notNearPoverty, "月人均收入 \(perCapita.roundedHalfUp().yuanString) 元不低于低保边缘线 \(line.roundedHalfUp().yuanString) 元（\(dibao.nearPovertyMultiplier) × 标准）")
        }
        trace.append(TraceLine("低保边缘家庭", "月人均收入低于 \(line.roundedHalfUp().yuanString) 元（\(dibao.nearPovertyMultiplier) × 标准）",
                               source: "民发〔2021〕57号 第8条第2款"))
        guard let ground = ground(of: person) else {
            return refused(.notIndividualCategory, "本人不属于一、二级残疾，三级智力、精神残疾或重特大疾病患者")
        }
        trace.append(TraceLine("单人保情形", ground, source: source))
        var single = person
        single.relationship = .head
        let alone: HouseholdComposition
        do { alone = try HouseholdComposition(area: input.household.area, members: [single]) } catch {
            throw .subject(error.message)
        }
        let d = try DibaoRules().assess(AssessmentInput(household: alone, month: input.month), policy: policy)
        trace.append(TraceLine("按单人户测算", "以本人收入按单人户计算", source: source))
        var out = d
        out.subject = person.residentID
        out.trace = trace + d.trace
        return out
    }
}
