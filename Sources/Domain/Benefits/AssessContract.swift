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
        public var standard: String
        public var perCapitaIncome: String
        public var monthlyBenefit: String
        public var reasons: [Reason]
        public var trace: [String]
        public var policy: String
        public var warnings: [String]

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
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw AssessError(key: "(body)", value: "", reason: "不是有效的 JSON (not valid JSON)")
        }
        guard let root = object as? [String: Any] else {
            throw AssessError(key: "(body)", value: "", reason: "应为 JSON 对象 (expected a JSON object)")
        }
        let program = try string(root, "program", required: true)!
        guard program == "dibao" else {
            let known = ["tekun", "temporary", "orphan", "unsupported-child"].contains(program)
            throw AssessError(key: "program", value: program,
                              reason: known ? "该项目的测算尚未实现，目前支持 dibao (not implemented yet; supported: dibao)"
                                            : "应为 dibao、tekun、temporary、orphan 或 unsupported-child")
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
        var members: [Member] = []
        for (i, raw) in rawMembers.enumerated() {
            guard let m = raw as? [String: Any] else {
                throw AssessError(member: i, key: "members[\(i)]", value: describe(raw), reason: "应为对象")
            }
            members.append(try member(m, index: i))
        }
        let household: HouseholdComposition
        do { household = try HouseholdComposition(area: area, members: members) } catch {
            throw AssessError(key: "members", value: "", reason: error.message)
        }
        let policy: Policy
        do { policy = try policyBook.policy(region: region, month: month) } catch {
            throw AssessError(key: "month", value: monthText, reason: error.message)
        }
        let d = DibaoAssessment.assess(household, month: month, policy: policy)
        return Response(
            program: program, month: month.description, eligible: d.eligible, householdSize: d.householdSize,
            standard: d.standard.yuanString, perCapitaIncome: d.perCapitaIncome.roundedHalfUp().yuanString,
            monthlyBenefit: d.monthlyBenefit.yuanString,
            reasons: d.reasons.map { .init(code: $0.rawValue, message: $0.chinese) },
            trace: d.trace.map(\.description), policy: d.policyVersion,
            warnings: policy.warnings.map(\.message))
    }

    static func member(_ m: [String: Any], index i: Int) throws(AssessError) -> Member {
        let p = "members[\(i)]"
        let idText = try string(m, "id", required: true, prefix: p, member: i)!
        let id: ResidentID
        do { id = try ResidentID(idText) } catch {
            throw AssessError(member: i, key: "\(p).id", value: idText, reason: error.message)
        }
        let name = try string(m, "name", required: false, prefix: p, member: i) ?? "成员\(i + 1)"
        let relText = try string(m, "relationship", required: true, prefix: p, member: i)!
        guard let rel = Relationship(rawValue: relText) else {
            throw AssessError(member: i, key: "\(p).relationship", value: relText,
                              reason: "应为 " + Relationship.allCases.map(\.rawValue).joined(separator: "、"))
        }
        var status = MemberStatus.active
        if let s = try string(m, "status", required: false, prefix: p, member: i) {
            guard let st = MemberStatus(rawValue: s) else {
                throw AssessError(member: i, key: "\(p).status", value: s,
                                  reason: "应为 " + MemberStatus.allCases.map(\.rawValue).joined(separator: "、"))
            }
            status = st
        }
        var since: CivilDate?
        if let s = try string(m, "since", required: false, prefix: p, member: i) {
            do { since = try CivilDate(parsing: s) } catch {
                throw AssessError(member: i, key: "\(p).since", value: s, reason: "应为 YYYY-MM-DD")
            }
        }
        var schooling: Schooling?
        if let s = try string(m, "student", required: false, prefix: p, member: i) {
            guard let sc = Schooling(rawValue: s) else {
                throw AssessError(member: i, key: "\(p).student", value: s,
                                  reason: "应为 " + Schooling.allCases.map(\.rawValue).joined(separator: "、"))
            }
            schooling = sc
        }
        var disability: Disability?
        if let d = m["disability"] {
            guard let dd = d as? [String: Any], let grade = dd["grade"] as? Int, (1...4).contains(grade),
                  let typeText = dd["type"] as? String, let type = DisabilityType(rawValue: typeText)
            else {
                throw AssessError(member: i, key: "\(p).disability", value: describe(d),
                                  reason: "应为 {\"grade\": 1–4, \"type\": physical/intellectual/…}")
            }
            disability = Disability(grade: grade, type: type)
        }
        var serious = false
        if let s = m["seriousIllness"] {
            guard let b = s as? Bool else {
                throw AssessError(member: i, key: "\(p).seriousIllness", value: describe(s), reason: "应为 true 或 false")
            }
            serious = b
        }
        var income: [IncomeItem] = []
        if let raw = m["income"] {
            guard let items = raw as? [Any] else {
                throw AssessError(member: i, key: "\(p).income", value: describe(raw), reason: "应为数组")
            }
            for (j, itemRaw) in items.enumerated() {
                let q = "\(p).income[\(j)]"
                guard let item = itemRaw as? [String: Any] else {
                    throw AssessError(member: i, key: q, value: describe(itemRaw), reason: "应为对象")
                }
                let kindText = try string(item, "kind", required: true, prefix: q, member: i)!
                guard let kind = IncomeKind(rawValue: kindText) else {
                    throw AssessError(member: i, key: "\(q).kind", value: kindText,
                                      reason: "应为 " + IncomeKind.allCases.map(\.rawValue).joined(separator: "、"))
                }
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
                income.append(IncomeItem(kind: kind, period: monthly != nil ? .monthly : .annual, amount: amount))
            }
        }
        return Member(residentID: id, name: name, relationship: rel, status: status, statusSince: since,
                      disability: disability, seriousIllness: serious, schooling: schooling, income: income)
    }

    static func string(_ o: [String: Any], _ key: String, required: Bool, prefix: String? = nil,
                       member: Int? = nil) throws(AssessError) -> String? {
        let full = prefix.map { "\($0).\(key)" } ?? key
        guard let v = o[key], !(v is NSNull) else {
            if required { throw AssessError(member: member, key: full, value: "", reason: "缺少必填项 (required)") }
            return nil
        }
        guard let s = v as? String else {
            throw AssessError(member: member, key: full, value: describe(v),
                              reason: "应为字符串（金额请写成 \"900.00\"） (expected a string)")
        }
        return s
    }

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
