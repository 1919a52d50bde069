import Foundation

/// The JSON contract of `jiuzhu assess` and `POST /api/v1/assess` (docs/assess-format.md).
///
/// Input fields are decoded as loose JSON first and checked one by one, so that an error names the
/// member, the key and the value instead of a decoder path.
public enum AssessContract {
    public struct Response: Codable, Sendable, Equatable {
        public var program: String
        public var month: String
        public var eligible: Bool
        public var householdSize: Int
        /// The standard measured against, yuan per person per month; absent when the programme has none.
        public var standard: String?
        /// Absent when the programme tests no income.
        public var perCapitaIncome: String?
        public var monthlyBenefit: String
        /// Each part of the amount, summing exactly to `monthlyBenefit`; empty when nothing is payable.
        public var components: [Component]
        public var reasons: [Reason]
        public var trace: [String]
        public var policy: String
        public var warnings: [String]
        /// 特困: `full`, `partial`, `none` (TK-2021 Art. 22); absent for other programmes.
        public var careTier: String?
        /// 临时救助: the one-off grant, yuan; absent for other programmes.
        public var oneOffAmount: String?
        /// 临时救助: the allowed range for this household and type.
        public var range: Range?
        /// 临时救助: `township` or `county`.
        public var approver: String?
        /// 临时救助: `CAPPED` when the yearly cap cut the grant.
        public var flags: [String]?

        public struct Range: Codable, Sendable, Equatable {
            public var min: String
            public var max: String
        }

        public struct Component: Codable, Sendable, Equatable {
            /// `basic`, `care`, `top-up`, `pension-offset`, `difference`.
            public var kind: String
            /// Yuan string with two decimals.
            public var amount: String
        }

        public struct Reason: Codable, Sendable, Equatable {
            public var code: String
            public var message: String
        }
    }

    /// Parses a request body, assesses it and returns the response.
    /// - Parameter defaultRegion: the installed county, used when `region` is absent.
    /// - Throws: `AssessError` naming the member, key and value.
    public static func evaluate(json data: Data, policyBook: PolicyBook, defaultRegion: String) throws(AssessError) -> Response {
        let object: Any
        do { object = try StrictJSON.parse(data) } catch {
            throw AssessError(key: error.path.isEmpty ? "(body)" : error.path, value: "", reason: error.reason)
        }
        guard let root = object as? [String: Any] else {
            throw AssessError(key: "(body)", value: "", reason: "应为 JSON 对象 (expected a JSON object)")
        }
        try onlyKnownKeys(root, rootKeys, prefix: nil, member: nil)
        let program = try string(root, "program", required: true)!
        let rules: any ProgrammeRules
        do { rules = try Programme(token: program).rules() } catch {
            throw AssessError(key: "program", value: program, reason: error.message)
        }
        let monthText = try string(root, "month", required: true)!
        let month: YearMonth
        do { month = try YearMonth(parsing: monthText) } catch {
            throw AssessError(key: "month", value: monthText, reason: "应为 YYYY-MM (expected YYYY-MM)")
        }
        let region = try string(root, "region", required: false) ?? defaultRegion
        let areaText = try string(root, "area", required: true)!
        guard let area = Area(rawValue: areaText) else {
            throw AssessError(key: "area", value: areaText, reason: "应为 urban 或 rural")
        }
        guard let rawMembers = root["members"] as? [Any], !rawMembers.isEmpty else {
            throw AssessError(key: "members", value: describe(root["members"]), reason: "应为非空数组 (expected a non-empty array)")
        }
        guard rawMembers.count <= maxMembers else {
            throw AssessError(key: "members", value: "\(rawMembers.count) 人",
                              reason: "一户最多 \(maxMembers) 名成员 (at most \(maxMembers) members)")
        }
        var members: [Member] = []
        for (i, raw) in rawMembers.enumerated() {
            guard let m = raw as? [String: Any] else {
                throw AssessError(member: i, key: "members[\(i)]", value: describe(raw), reason: "应为对象")
            }
            let next = try member(m, index: i, month: month, programme: rules.programme)
            if next.relationship == .head, members.contains(where: { $0.relationship == .head }) {
                throw AssessError(member: i, key: "members[\(i)].relationship", value: "head",
                                  reason: "每户只能有一名户主 (a second head)")
            }
            if let first = members.firstIndex(where: { $0.residentID == next.residentID }) {
                throw AssessError(member: i, key: "members[\(i)].id", value: next.residentID.value,
                                  reason: "与第 \(first + 1) 名成员的身份证号码相同 (same person listed twice)")
            }
            members.append(next)
        }
        let household: HouseholdComposition
        do { household = try HouseholdComposition(area: area, members: members) } catch {
            throw AssessError(key: "members", value: "", reason: error.message)
        }
        // The person assessed by a member programme: the member marked `"subject": true`, or the only one. For
        // 低保, a member marked `"subject": true` asks for 单人保 (DB-2021 Art. 8); unmarked, the household.
        var subject: ResidentID?
        if rules.recipient == .member || rules.allowsSingleMember {
            let marked = rawMembers.indices.filter { (rawMembers[$0] as? [String: Any])?["subject"] as? Bool == true
                && isJSONBool((rawMembers[$0] as! [String: Any])["subject"]!) }
            if marked.count > 1 {
                throw AssessError(member: marked[1], key: "members[\(marked[1])].subject", value: "true",
                                  reason: "只能有一名被评估人 (only one subject)")
            }
            if let i = marked.first { subject = members[i].residentID }
            else if rules.allowsSingleMember { subject = nil }
            else if members.count == 1 { subject = members[0].residentID }
            else {
                throw AssessError(key: "members", value: "\(members.count) 人",
                                  reason: "\(rules.programme.shortChinese)按人认定：请用 \"subject\": true 标明被评估的成员 (mark the subject)")
            }
        }
        let temporary = try temporaryRequest(root, programme: rules.programme)
        // The child's keys and 补差: on any member but the subject they would mean nothing, so they are refused.
        var otherSupport: [OtherSupport] = []
        for (i, raw) in rawMembers.enumerated() {
            guard let m = raw as? [String: Any] else { continue }
            for key in ["receiving", "parentFoundAlive"] + (rules.programme == .tekun ? [] : ["placement"]) where m[key] != nil
                && rules.recipient == .member && members[i].residentID != subject {
                throw AssessError(member: i, key: "members[\(i)].\(key)", value: describe(m[key]), reason: "只适用于被评估人 (only for the subject)")
            }
            if m["receiving"] != nil { otherSupport = try receiving(m, index: i, programme: rules.programme) }
            if let found = members[i].childFacts?.parentFoundAlive, found < members[i].residentID.birthDate {
                throw AssessError(member: i, key: "members[\(i)].parentFoundAlive", value: found.description,
                                  reason: "早于本人出生日期 \(members[i].residentID.birthDate) (before birth)")
            }
        }
        var approved: CivilDate?
        if let text = try string(root, "approved", required: false) {
            guard approvedApplies.contains(rules.programme) else {
                throw AssessError(key: "approved", value: text, reason: "不适用于 \(program)（\(rules.programme.shortChinese)） (does not apply to this programme)")
            }
            do { approved = try CivilDate(parsing: text) } catch { throw AssessError(key: "approved", value: text, reason: "应为 YYYY-MM-DD") }
            if let subject, let a = approved, a < subject.birthDate {
                throw AssessError(key: "approved", value: text, reason: "早于被评估人出生日期 \(subject.birthDate) (before birth)")
            }
        }
        let policy: Policy
        do { policy = try policyBook.policy(region: region, month: month) } catch {
            let regions = Set(policyBook.policies.map(\.region))
            if !regions.contains(region) {
                throw AssessError(key: "region", value: region,
                                  reason: "没有该地区的救助政策；已安装：\(regions.sorted().joined(separator: "、")) (unknown region)")
            }
            throw AssessError(key: "month", value: monthText, reason: error.message)
        }
        if let dibao = policy.dibao, rules.programme == .dibao { try checkTiers(members, month: month, dibao: dibao, version: policy.version) }
        var d: BenefitDecision
        do {
            // Support approved on a date runs from the next month: past 18 it continues only then (schooling).
            d = try rules.assess(AssessmentInput(household: household, month: month, subject: subject,
                                                 supportedSince: approved?.yearMonth.next, temporary: temporary,
                                                 otherSupport: otherSupport), policy: policy)
        } catch {
            throw AssessError(key: "members", value: "", reason: error.message)
        }
        // Paid from the month after approval: an earlier month gets nothing (assess-format.md `approved`).
        if let approved, month < approved.yearMonth.next {
            d.eligible = false
            d.monthlyBenefit = .zero
            d.components = []
            d.reasons.append(.notStarted)
            d.trace.append(TraceLine("发放起始", "\(approved) 批准，自 \(approved.yearMonth.next) 起发放；\(month) 不发放"))
        }
        let careTier = rules.programme == .tekun
            ? members.first { $0.residentID == subject }?.selfCareFailed.map { CareTier(selfCareFailed: $0).rawValue } : nil
        return Response(
            program: program, month: month.description, eligible: d.eligible, householdSize: d.householdSize,
            standard: d.standard?.yuanString, perCapitaIncome: d.perCapitaIncome?.roundedHalfUp().yuanString,
            monthlyBenefit: d.monthlyBenefit.yuanString,
            components: d.components.map { .init(kind: $0.kind.rawValue, amount: $0.amount.yuanString) },
            reasons: d.reasons.map { .init(code: $0.rawValue, message: $0.chinese) },
            trace: d.trace.map(\.description), policy: d.policyVersion,
            warnings: (policy.warnings + [policyBook.unchangedWarning(region: region, month: month)].compactMap { $0 })
                .map(\.message),
            careTier: careTier, oneOffAmount: d.oneOff?.amount.yuanString,
            range: d.oneOff.map { Response.Range(min: $0.minimum.yuanString, max: $0.maximum.yuanString) },
            approver: d.oneOff?.approver.rawValue, flags: d.oneOff?.flags)
    }

    /// 低保's `members[].tier` against the version in force (docs/assess-format.md): under the gap method any
    /// tier is refused; under the tiered method every counted member needs one the version lists, and a
    /// tier given to a member who is not counted must still be one the version lists.
    static func checkTiers(_ members: [Member], month: YearMonth, dibao: DibaoPolicy,
                           version: String) throws(AssessError) {
        for (i, m) in members.enumerated() {
            let key = "members[\(i)].tier"
            switch dibao.method {
            case .gap:
                guard let code = m.dibaoTier else { continue }
                throw AssessError(member: i, key: key, value: code,
                                  reason: "政策 \(version) 的低保按补差方法（gap）计算，不分档；请删去 tier (the policy uses the gap method)")
            case .tiered:
                if let code = m.dibaoTier, dibao.tier(code) == nil {
                    throw AssessError(member: i, key: key, value: code,
                                      reason: "不是政策 \(version) 所列的档次；可用档次 \(dibao.tierCodes) (unknown tier)")
                }
                if m.dibaoTier == nil, m.counts(in: month) {
                    throw AssessError(member: i, key: key, value: "",
                                      reason: "政策 \(version) 的低保按分档（tiered）发放，计入的成员须填写乡镇确定的档次；可用档次 \(dibao.tierCodes) (required with the tiered method)")
                }
            }
        }
    }

    /// 临时救助's `temporary`: `{ "type", "months" | "amount", "grantedThisYear"? }`; refused for other
    /// programmes, required for 临时救助.
    static func temporaryRequest(_ root: [String: Any], programme: Programme) throws(AssessError) -> TemporaryRequest? {
        guard let raw = root["temporary"] else {
            if programme == .temporary {
                throw AssessError(key: "temporary", value: "", reason: "临时救助须填写 temporary：{\"type\", \"months\" 或 \"amount\"} (required)")
            }
            return nil
        }
        guard programme == .temporary else {
            throw AssessError(key: "temporary", value: describe(raw), reason: "不适用于 \(programme.rawValue)（\(programme.shortChinese)） (does not apply to this programme)")
        }
        guard let t = raw as? [String: Any] else { throw AssessError(key: "temporary", value: describe(raw), reason: "应为对象") }
        try onlyKnownKeys(t, ["type", "months", "amount", "grantedThisYear"], prefix: "temporary", member: nil)
        guard let typeText = t["type"] as? String, let type = TemporaryType(rawValue: typeText) else {
            throw AssessError(key: "temporary.type", value: describe(t["type"]),
                              reason: "应为 " + TemporaryType.allCases.map(\.rawValue).joined(separator: "、"))
        }
        let months = try string(t, "months", required: false, prefix: "temporary")
        let amount = try string(t, "amount", required: false, prefix: "temporary")
        let size: TemporaryRequest.Size
        switch (months, amount) {
        case let (m?, nil):
            guard let r = Ratio(decimal: m), r.numerator > 0 else {
                throw AssessError(key: "temporary.months", value: m, reason: "应为大于零的小数字符串，如 \"4\" 或 \"2.5\"")
            }
            size = .months(r)
        case let (nil, a?):
            guard let money = try? Money(yuan: a), money > .zero, money <= maxIncomeItem else {
                throw AssessError(key: "temporary.amount", value: a, reason: "应为大于零的金额字符串，如 \"1800.00\"")
            }
            size = .amount(money)
        default:
            throw AssessError(key: "temporary", value: "", reason: "须且只能填写 months 或 amount 之一 (exactly one of months, amount)")
        }
        var granted = Money.zero
        if let g = try string(t, "grantedThisYear", required: false, prefix: "temporary") {
            guard let money = try? Money(yuan: g), money >= .zero, money <= maxIncomeItem else {
                throw AssessError(key: "temporary.grantedThisYear", value: g, reason: "应为不小于零的金额字符串")
            }
            granted = money
        }
        return TemporaryRequest(type: type, size: size, grantedThisYear: granted)
    }

    static func member(_ m: [String: Any], index i: Int, month: YearMonth, programme: Programme) throws(AssessError) -> Member {
        let p = "members[\(i)]"
        try onlyKnownKeys(m, memberKeys, prefix: p, member: i)
        // Keys of another programme are refused, not ignored (assess-format.md "Every programme").
        let allowed = programmeMemberKeys[programme] ?? []
        for key in programmeMemberKeys.values.reduce(Set<String>(), { $0.union($1) }).subtracting(allowed).sorted()
        where m[key] != nil {
            throw AssessError(member: i, key: "\(p).\(key)", value: describe(m[key]),
                              reason: "不适用于 \(programme.rawValue)（\(programme.shortChinese)） (does not apply to this programme)")
        }
        let idText = try string(m, "id", required: true, prefix: p, member: i)!
        let id: ResidentID
        do { id = try ResidentID(idText) } catch {
            throw AssessError(member: i, key: "\(p).id", value: idText, reason: error.message)
        }
        guard id.birthDate <= month.lastDay else {
            throw AssessError(member: i, key: "\(p).id", value: idText,
                              reason: "出生日期 \(id.birthDate) 晚于评估月份 \(month) (born after the month assessed)")
        }
        let name = try string(m, "name", required: false, prefix: p, member: i) ?? "成员\(i + 1)"
        let rel: Relationship = try choice(m, "relationship", required: true, prefix: p, member: i)!
        let status: MemberStatus = try choice(m, "status", required: false, prefix: p, member: i) ?? .active
        var since: CivilDate?
        if let s = try string(m, "since", required: false, prefix: p, member: i) {
            do { since = try CivilDate(parsing: s) } catch {
                throw AssessError(member: i, key: "\(p).since", value: s, reason: "应为 YYYY-MM-DD")
            }
            if let d = since, d > month.lastDay {
                throw AssessError(member: i, key: "\(p).since", value: s,
                                  reason: "日期晚于评估月份 \(month)，该成员当月状态应为 active (date after the month assessed)")
            }
        }
        let schooling: Schooling? = try choice(m, "student", required: false, prefix: p, member: i)
        var disability: Disability?
        if let d = m["disability"] {
            if let dd = d as? [String: Any] { try onlyKnownKeys(dd, ["grade", "type"], prefix: "\(p).disability", member: i) }
            guard let dd = d as? [String: Any], let grade = jsonInteger(dd["grade"]), (1...4).contains(grade),
                  let typeText = dd["type"] as? String, let type = DisabilityType(rawValue: typeText)
            else {
                throw AssessError(member: i, key: "\(p).disability", value: describe(d),
                                  reason: "应为 {\"grade\": 1–4, \"type\": physical/intellectual/…}")
            }
            disability = Disability(grade: grade, type: type)
        }
        var serious = false
        if let s = m["seriousIllness"] {
            guard isJSONBool(s), let b = s as? Bool else {
                throw AssessError(member: i, key: "\(p).seriousIllness", value: describe(s), reason: "应为 true 或 false")
            }
            serious = b
        }
        var income: [IncomeItem] = []
        if let raw = m["income"] {
            guard let items = raw as? [Any] else {
                throw AssessError(member: i, key: "\(p).income", value: describe(raw), reason: "应为数组")
            }
            guard items.count <= maxIncomeItems else {
                throw AssessError(member: i, key: "\(p).income", value: "\(items.count) 项",
                                  reason: "每名成员最多 \(maxIncomeItems) 项收入 (at most \(maxIncomeItems) items)")
            }
            for (j, itemRaw) in items.enumerated() {
                let q = "\(p).income[\(j)]"
                guard let item = itemRaw as? [String: Any] else {
                    throw AssessError(member: i, key: q, value: describe(itemRaw), reason: "应为对象")
                }
                try onlyKnownKeys(item, incomeKeys, prefix: q, member: i)
                let kind: IncomeKind = try choice(item, "kind", required: true, prefix: q, member: i)!
                let monthly = try string(item, "monthly", required: false, prefix: q, member: i)
                let annual = try string(item, "annual", required: false, prefix: q, member: i)
                guard (monthly == nil) != (annual == nil) else {
                    throw AssessError(member: i, key: q, value: "",
                                      reason: "须且只能填写 monthly 或 annual 之一 (exactly one of monthly, annual)")
                }
                let key = monthly != nil ? "\(q).monthly" : "\(q).annual"
                let text = monthly ?? annual!
                let amount: Money
                do { amount = try Money(yuan: text) } catch {
                    throw AssessError(member: i, key: key, value: text, reason: "应为以元为单位的金额字符串，如 \"900.00\"")
                }
                guard amount >= .zero else {
                    throw AssessError(member: i, key: key, value: text, reason: "收入不能为负数 (income must not be negative)")
                }
                guard amount <= maxIncomeItem else {
                    throw AssessError(member: i, key: key, value: text,
                                      reason: "金额超过上限 \(maxIncomeItem.yuanString) 元，请核对单位（元） (amount too large)")
                }
                income.append(IncomeItem(kind: kind, period: monthly != nil ? .monthly : .annual, amount: amount))
            }
        }
        if let s = m["subject"], !(isJSONBool(s) && s is Bool) {
            throw AssessError(member: i, key: "\(p).subject", value: describe(s), reason: "应为 true 或 false")
        }
        var placement: TekunPlacement?
        var childFacts: ChildFacts?
        if programme == .orphan || programme == .unsupportedChild {
            var found: CivilDate?
            if let text = try string(m, "parentFoundAlive", required: false, prefix: p, member: i) {
                do { found = try CivilDate(parsing: text) } catch {
                    throw AssessError(member: i, key: "\(p).parentFoundAlive", value: text, reason: "应为 YYYY-MM-DD")
                }
            }
            childFacts = ChildFacts(placement: try choice(m, "placement", required: false, prefix: p, member: i), father: nil,
                                    mother: nil, parentFoundAlive: found)
        } else {
            placement = try choice(m, "placement", required: false, prefix: p, member: i)
        }
        // 低保 分档: the tier the township assigned; checked against the policy once it is known (`checkTiers`).
        let tier = try string(m, "tier", required: false, prefix: p, member: i)
        var selfCareFailed: Int?
        if let raw = m["selfCareFailed"] {
            guard let n = jsonInteger(raw), (0...6).contains(n) else {
                throw AssessError(member: i, key: "\(p).selfCareFailed", value: describe(raw),
                                  reason: "应为 0–6 的整数：六项日常生活指标中不能达到的项数 (0–6)")
            }
            selfCareFailed = n
        }
        return Member(residentID: id, name: name, relationship: rel, status: status, statusSince: since,
                      disability: disability, seriousIllness: serious, schooling: schooling, income: income,
                      tekunPlacement: placement, selfCareFailed: selfCareFailed, childFacts: childFacts,
                      dibaoTier: tier)
    }

    /// `members[].receiving[]`: `{ "program", "monthly" }` — what the person already gets (for 补差).
    static func receiving(_ m: [String: Any], index i: Int, programme: Programme) throws(AssessError) -> [OtherSupport] {
        let p = "members[\(i)].receiving"
        guard let raw = m["receiving"] else { return [] }
        guard let items = raw as? [Any], items.count <= maxIncomeItems else {
            throw AssessError(member: i, key: p, value: describe(raw), reason: "应为数组，最多 \(maxIncomeItems) 项")
        }
        var out: [OtherSupport] = []
        for (j, itemRaw) in items.enumerated() {
            let q = "\(p)[\(j)]"
            guard let item = itemRaw as? [String: Any] else { throw AssessError(member: i, key: q, value: describe(itemRaw), reason: "应为对象") }
            try onlyKnownKeys(item, ["program", "monthly"], prefix: q, member: i)
            let token = try string(item, "program", required: true, prefix: q, member: i)!
            if (items[..<j].compactMap { ($0 as? [String: Any])?["program"] as? String }).contains(token) {
                throw AssessError(member: i, key: "\(q).program", value: token, reason: "同一项目只能填写一次，请合计为一项 (listed twice)")
            }
            let label: String
            if token == disabilityAllowanceToken { label = "困难残疾人生活补贴" }
            else if let other = Programme(rawValue: token), other != programme, other != .temporary, other != .vagrantRelief {
                label = other.shortChinese
            } else {
                throw AssessError(member: i, key: "\(q).program", value: token,
                                  reason: "应为 dibao、tekun、orphan 或 \(disabilityAllowanceToken)（不能是所评估的项目本身）")
            }
            let text = try string(item, "monthly", required: true, prefix: q, member: i)!
            guard let amount = try? Money(yuan: text), amount >= .zero, amount <= maxIncomeItem else {
                throw AssessError(member: i, key: "\(q).monthly", value: text, reason: "应为不小于零的金额字符串，如 \"300.00\"")
            }
            out.append(OtherSupport(label, FenRatio(amount)))
        }
        return out
    }

    static func string(_ o: [String: Any], _ key: String, required: Bool, prefix: String? = nil,
                       member: Int? = nil) throws(AssessError) -> String? {
        let full = prefix.map { "\($0).\(key)" } ?? key
        guard let v = o[key], !(v is NSNull) else {
            if required { throw AssessError(member: member, key: full, value: "", reason: "缺少必填项 (required)") }
            return nil
        }
        guard let s = v as? String else {
            let amount = key == "monthly" || key == "annual"
            throw AssessError(member: member, key: full, value: describe(v),
                              reason: amount ? "应为字符串，金额请写成 \"900.00\" (expected a string)" : "应为字符串 (expected a string)")
        }
        return s
    }

    /// One of an enumeration's raw values; the error lists the allowed ones.
    static func choice<E: RawRepresentable & CaseIterable>(_ o: [String: Any], _ key: String, required: Bool,
                                                           prefix: String, member: Int) throws(AssessError) -> E?
    where E.RawValue == String {
        guard let text = try string(o, key, required: required, prefix: prefix, member: member) else { return nil }
        guard let value = E(rawValue: text) else {
            throw AssessError(member: member, key: "\(prefix).\(key)", value: text,
                              reason: "应为 " + E.allCases.map(\.rawValue).joined(separator: "、"))
        }
        return value
    }

    /// The keys each level of the input may carry (docs/assess-format.md); any other is refused by name,
    /// so a typo (`"monthy"`) never silently falls back to a default.
    static let rootKeys: Set<String> = ["program", "month", "region", "area", "members", "temporary", "approved"]
    static let memberKeys: Set<String> = ["id", "name", "relationship", "income", "status", "since", "disability",
                                          "seriousIllness", "student", "subject", "placement", "selfCareFailed",
                                          "parentFoundAlive", "receiving", "tier"]
    /// Member keys that belong to some programmes only; any other programme refuses them.
    static let programmeMemberKeys: [Programme: Set<String>] = [
        .dibao: ["tier", "subject"],
        .tekun: ["subject", "placement", "selfCareFailed"],
        .orphan: ["subject", "placement", "parentFoundAlive"],
        .unsupportedChild: ["subject", "receiving"],
    ]
    /// Programmes paid from the month after approval, for which `approved` applies.
    static let approvedApplies: Set<Programme> = [.dibao, .tekun, .orphan, .unsupportedChild]
    /// `receiving[].program` besides the programme tokens: the hardship disability allowance.
    static let disabilityAllowanceToken = "disability-allowance"
    static let incomeKeys: Set<String> = ["kind", "monthly", "annual"]

    static func onlyKnownKeys(_ o: [String: Any], _ known: Set<String>, prefix: String?, member: Int?) throws(AssessError) {
        guard let unknown = o.keys.filter({ !known.contains($0) }).sorted().first else { return }
        throw AssessError(member: member, key: prefix.map { "\($0).\(unknown)" } ?? unknown, value: describe(o[unknown]),
                          reason: "未知的键；可用的键为 " + known.sorted().joined(separator: "、") + " (unknown key)")
    }

    /// At most this many members, income items per member, and yuan per item: beyond any household,
    /// and far from integer overflow.
    static let maxMembers = 50
    static let maxIncomeItems = 50
    static let maxIncomeItem = Money.yuan(100_000_000)

    static func isJSONBool(_ v: Any) -> Bool { StrictJSON.isBool(v) }

    static func jsonInteger(_ v: Any?) -> Int? { StrictJSON.integer(v) }

    static func describe(_ v: Any?) -> String {
        guard let v else { return "(缺失)" }
        return String(describing: v)
    }
}

/// An invalid assess request: which member (0-based), which key, which value, and why.
public struct AssessError: Error, Equatable, Sendable, CustomStringConvertible {
    public var member: Int?
    public var key: String
    public var value: String
    public var reason: String

    public init(member: Int? = nil, key: String, value: String, reason: String) {
        self.member = member
        self.key = key
        self.value = value
        self.reason = reason
    }

    public var description: String {
        let who = member.map { "第 \($0 + 1) 名成员，" } ?? ""
        let val = value.isEmpty ? "" : "，值“\(value)”"
        return "\(who)键 \(key)\(val)：\(reason)"
    }
}
