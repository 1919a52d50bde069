import Foundation

/// A policy file (docs/policy-format.md): one region's versions, checked.
///
/// `parse` refuses anything the format does not allow, naming the version and the key: an unknown key,
/// a month that goes backwards or repeats, a standard that is zero or negative, a minimum above a
/// maximum, a placement with some care tiers but not all, a JSON number where an amount must be a
/// string. What is allowed but worth a look is in `warnings`.
public struct PolicyFile: Sendable {
    public var region: String
    public var name: String
    /// In effective order.
    public var versions: [Policy]
    /// Each version's JSON object as it was read, serialized with sorted keys: what the database
    /// stores, parsed again by this same function when read back.
    public var versionBodies: [String]
    public var warnings: [PolicyWarning]

    /// Parses and checks a policy file.
    /// - Throws: `PolicyFileError` naming the version (its `effective` month), the key path and the value.
    public static func parse(_ data: Data) throws(PolicyFileError) -> PolicyFile {
        guard data.count <= maxFileBytes else {
            throw PolicyFileError(key: "(file)", value: "\(data.count) 字节",
                                  reason: "政策文件不应超过 \(maxFileBytes / 1024) KB (file too large)")
        }
        let object: Any
        do { object = try StrictJSON.parse(data) } catch {
            throw PolicyFileError(key: error.path.isEmpty ? "(file)" : error.path, value: "", reason: error.reason)
        }
        let root = try Node(object, path: "", version: nil).object(["region", "name", "versions"])
        let regionNode = try root.required("region")
        let region = try regionNode.string()
        guard region.count == 6, region.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw regionNode.error("应为 6 位行政区划代码，如 510921 (expected a 6-digit region code)")
        }
        guard Self.provinceCodes.contains(String(region.prefix(2))) else {
            throw regionNode.error("前两位不是省级行政区划代码 (not a province code of GB/T 2260)")
        }
        let nameNode = try root.required("name")
        let name = try nameNode.text(maxLength: 50)
        let rawVersions = try root.required("versions").array()
        guard !rawVersions.isEmpty else {
            throw PolicyFileError(key: "versions", value: "[]", reason: "至少需要一个版本 (at least one version)")
        }
        guard rawVersions.count <= 600 else {
            throw PolicyFileError(key: "versions", value: "\(rawVersions.count) 个", reason: "版本过多（至多 600 个） (too many versions)")
        }
        var versions: [Policy] = []
        var bodies: [String] = []
        for (i, raw) in rawVersions.enumerated() {
            let p = try version(raw, index: i, region: region, name: name)
            if let last = versions.last, p.effective <= last.effective {
                throw PolicyFileError(version: p.effective.description, key: "versions[\(i)].effective",
                                      value: p.effective.description,
                                      reason: p.effective == last.effective
                                        ? "与上一版本同月生效 (two versions for one month)"
                                        : "早于上一版本的 \(last.effective)，版本须按生效月份先后排列 (month goes backwards)")
            }
            versions.append(p)
            bodies.append(try canonical(raw.value, path: "versions[\(i)]"))
        }
        return PolicyFile(region: region, name: name, versions: versions, versionBodies: bodies,
                          warnings: Self.warnings(versions))
    }

    /// Per-version warnings (特困 below the ratio) and, between consecutive versions, any standard that
    /// went down.
    public static func warnings(_ versions: [Policy]) -> [PolicyWarning] {
        var list: [PolicyWarning] = []
        for (i, p) in versions.enumerated() {
            list += p.warnings
            guard i > 0 else { continue }
            let q = versions[i - 1]
            var pairs: [(String, Money?, Money?)] = []
            for area in Area.allCases {
                pairs.append(("dibao.standard.\(area.rawValue)", q.dibao?.standard[area], p.dibao?.standard[area]))
                pairs.append(("tekun.basic.\(area.rawValue)", q.tekun?.basic[area], p.tekun?.basic[area]))
            }
            pairs.append(("orphan.institutional", q.orphan?.institutional, p.orphan?.institutional))
            pairs.append(("orphan.scattered", q.orphan?.scattered, p.orphan?.scattered))
            pairs.append(("unsupportedChild.amount", q.unsupportedChild?.amount, p.unsupportedChild?.amount))
            for case let (key, previous?, now?) in pairs where now < previous {
                list.append(.standardLowered(version: p.version, key: key, previous: previous, now: now))
            }
            for programme in Programme.allCases where q.configures(programme) && !p.configures(programme) {
                list.append(.programmeDropped(version: p.version, programme: programme))
            }
        }
        return list
    }

    /// A policy file is a few KB; anything near this is not one.
    public static let maxFileBytes = 1024 * 1024

    /// Province-level codes of GB/T 2260 (the first two digits of a region code).
    static var provinceCodes: Set<String> { ResidentID.provinceCodes }

    /// The keys of a file in the order people read them (`jiuzhu policy export`).
    /// (`code` comes before `name` so that a 分档 tier reads `code`, `name`, `amount`; the file's root has no `code`.)
    public static let keyOrder = ["region", "code", "name", "versions", "effective", "signed", "document", "dibao", "tekun",
                                  "temporary", "orphan", "unsupportedChild", "reliefStation", "standard", "basic", "basicCentralized", "method",
                                  "tiers", "topUps", "floorShareOfStandard", "nearPovertyMultiplier", "exemptIncome", "kind", "from",
                                  "through", "gradualExitMonths", "confirmationDelegatedToTownship", "care", "dispersed",
                                  "centralized", "full", "partial", "none", "annual", "pensionCountedInStandard",
                                  "incomeInStandard", "minimumRatioToDibao", "base", "types", "emergency", "expenditure", "special", "minMonths",
                                  "maxMonths", "perCapita", "townshipLimit", "yearlyCap", "procedureWorkingDays", "paperworkWorkingDays", "months", "amount", "urban", "rural", "category",
                                  "institutional", "scattered", "continueWhileInSchool", "maxStayDays",
                                  "payment", "dueDay", "sharedContactHouseholds", "accountChangeHoldDays",
                                  "funds", "idleMonths", "costSharing", "programme", "shares",
                                  "matching", "lookbackMonths", "exemptVehicleTypes", "medicalBillThreshold", "closeRelatives",
                                  "monitoring", "warningWorkingDays", "referralFeedbackWorkingDays", "complaintWorkingDays",
                                  "central", "provincial", "city", "county"]

    static let versionKeys: Set<String> = ["effective", "signed", "document", "dibao", "tekun", "temporary",
                                           "orphan", "unsupportedChild", "reliefStation", "payment", "funds", "matching", "monitoring"]

    static func version(_ raw: Node, index i: Int, region: String, name: String) throws(PolicyFileError) -> Policy {
        let path = "versions[\(i)]"
        // The effective month first, so that every later refusal names the version.
        let effective = try raw.object(Set((raw.value as? [String: Any])?.keys.map { $0 } ?? []))
            .required("effective").month()
        let o = try Node(raw.value, path: path, version: effective.description).object(versionKeys)
        var policy = Policy(region: region, regionName: name, effective: effective)
        if let s = try o.optional("signed") { policy.signed = try s.date() }
        if let d = try o.optional("document") { policy.document = try d.text(maxLength: 200) }
        if let n = try o.optional("dibao") { policy.dibao = try dibao(n) }
        if let n = try o.optional("tekun") { policy.tekun = try tekun(n) }
        if let n = try o.optional("temporary") {
            policy.temporary = try temporary(n)
            if policy.dibao == nil {
                throw n.error("临时救助以低保标准为基数，本版本须同时配置 dibao.standard (temporary needs dibao in the same version)")
            }
        }
        if let n = try o.optional("orphan") {
            let x = try n.object(["institutional", "scattered", "continueWhileInSchool"])
            var schooling = Set<Schooling>()
            for s in try x.required("continueWhileInSchool").array() {
                let kind: Schooling = try s.choice()
                guard schooling.insert(kind).inserted else { throw s.error("重复 (listed twice)") }
            }
            policy.orphan = OrphanPolicy(institutional: try x.required("institutional").standard(),
                                         scattered: try x.required("scattered").standard(),
                                         continueWhileInSchool: schooling)
        }
        if let n = try o.optional("unsupportedChild") {
            let x = try n.object(["amount"])
            policy.unsupportedChild = UnsupportedChildPolicy(amount: try x.required("amount").standard())
        }
        if let n = try o.optional("reliefStation") {
            let x = try n.object(["maxStayDays"])
            policy.reliefStation = ReliefStationPolicy(maxStayDays: try x.required("maxStayDays").integer(1...365))
        }
        if let n = try o.optional("payment") {
            let x = try n.object(["dueDay", "sharedContactHouseholds", "accountChangeHoldDays"])
            var p = PaymentPolicy()
            if let v = try x.optional("dueDay") { p.dueDay = try v.integer(1...31) }
            if let v = try x.optional("sharedContactHouseholds") { p.sharedContactHouseholds = try v.integer(2...1000) }
            if let v = try x.optional("accountChangeHoldDays") { p.accountChangeHoldDays = try v.integer(0...366) }
            policy.payment = p
        }
        if let n = try o.optional("funds") { policy.funds = try funds(n) }
        if let n = try o.optional("matching") { policy.matching = try matching(n) }
        if let n = try o.optional("monitoring") {
            let x = try n.object(["warningWorkingDays", "referralFeedbackWorkingDays", "complaintWorkingDays"])
            if let v = try x.optional("warningWorkingDays") { policy.monitoring.warningWorkingDays = try v.integer(1...60) }
            if let v = try x.optional("referralFeedbackWorkingDays") { policy.monitoring.referralFeedbackWorkingDays = try v.integer(1...60) }
            if let v = try x.optional("complaintWorkingDays") { policy.monitoring.complaintWorkingDays = try v.integer(1...60) }
        }
        return policy
    }

    /// `matching`: `lookbackMonths`, `exemptVehicleTypes[]`, `medicalBillThreshold` (yuan),
    /// `closeRelatives[]`; each optional, a list neither empty nor repeating an entry.
    static func matching(_ n: Node) throws(PolicyFileError) -> MatchingPolicy {
        let x = try n.object(["lookbackMonths", "exemptVehicleTypes", "medicalBillThreshold", "closeRelatives"])
        var m = MatchingPolicy()
        if let v = try x.optional("lookbackMonths") { m.lookbackMonths = try v.integer(1...120) }
        func list(_ node: Node) throws(PolicyFileError) -> [String] {
            var out: [String] = []
            for item in try node.array() {
                let t = try item.text(maxLength: 50)
                guard !out.contains(t) else { throw item.error("重复 (listed twice)") }
                out.append(t)
            }
            return out
        }
        if let v = try x.optional("exemptVehicleTypes") { m.exemptVehicleTypes = try list(v) }
        if let v = try x.optional("medicalBillThreshold") { m.medicalBillThreshold = try v.money() }
        if let v = try x.optional("closeRelatives") {
            m.closeRelatives = try list(v)
            guard !m.closeRelatives.isEmpty else { throw v.error("近亲属关系不能为空 (empty list)") }
        }
        return m
    }

    /// `funds`: `idleMonths`, and `costSharing[]` of `{ "programme", "shares": { source: ratio } }` whose
    /// shares add up to exactly 1.
    static func funds(_ n: Node) throws(PolicyFileError) -> FundsPolicy {
        let x = try n.object(["idleMonths", "costSharing"])
        var f = FundsPolicy()
        if let v = try x.optional("idleMonths") { f.idleMonths = try v.integer(1...120) }
        if let list = try x.optional("costSharing") {
            for item in try list.array() {
                let o = try item.object(["programme", "shares"])
                let programme: Programme = try o.required("programme").choice()
                guard f.costSharing[programme] == nil else { throw item.error("项目 \(programme.rawValue) 重复 (programme listed twice)") }
                let sharesNode = try o.required("shares")
                let s = try sharesNode.object(Set(FundingSource.allCases.filter { $0 != .carriedOver }.map(\.rawValue)))
                var shares: [FundingSource: Ratio] = [:]
                var sum = Ratio(0, 1)
                for source in FundingSource.allCases where source != .carriedOver {
                    guard let v = try s.optional(source.rawValue) else { continue }
                    let r = try v.ratio()
                    guard r.numerator <= r.denominator else { throw v.error("应在 0 到 1 之间 (a share, at most 1)") }
                    shares[source] = r
                    sum = Ratio(sum.numerator * r.denominator + r.numerator * sum.denominator, sum.denominator * r.denominator)
                }
                guard !shares.isEmpty, sum.numerator == sum.denominator else {
                    throw sharesNode.error("各级分担比例之和应为 1，现为 \(sum.numerator)/\(sum.denominator) (shares must add up to 1)")
                }
                f.costSharing[programme] = shares
            }
        }
        return f
    }

    /// The income kinds DB-2021 Art. 13 ¶1 counts; a file may not exempt them.
    static let alwaysCounted: Set<IncomeKind> = [.wage, .business, .property, .transfer, .other]

    static func dibao(_ n: Node) throws(PolicyFileError) -> DibaoPolicy {
        let o = try n.object(["standard", "method", "tiers", "topUps", "floorShareOfStandard", "nearPovertyMultiplier",
                              "exemptIncome", "gradualExitMonths", "confirmationDelegatedToTownship"])
        let method: DibaoPolicy.Method = try o.required("method").choice()
        let tiers = try dibaoTiers(o, method: method)
        var topUps: [TopUp] = []
        if let list = try o.optional("topUps") {
            for item in try list.array() {
                let t = try item.object(["category", "amount"])
                let category: TopUpCategory = try t.required("category").choice()
                if topUps.contains(where: { $0.category == category }) {
                    throw item.error("分类 \(category.rawValue) 重复 (category listed twice)")
                }
                topUps.append(TopUp(category: category, amount: try t.required("amount").standard()))
            }
        }
        var floor: Ratio?
        if let f = try o.optional("floorShareOfStandard") {
            guard method == .gap else {
                throw f.error("保底只适用于补差方法（method \"gap\"）；分档方法按档次金额发放，不设保底 (the floor belongs to the gap method)")
            }
            let r = try f.ratio()
            guard r.numerator <= r.denominator else { throw f.error("应在 0 到 1 之间 (a share of the standard, at most 1)") }
            floor = r
        }
        var exempt: [IncomeExemption] = []
        for item in try o.required("exemptIncome").array() {
            let e: IncomeExemption
            if item.value is String {
                e = IncomeExemption(kind: try item.choice())
            } else {
                let x = try item.object(["kind", "from", "through"])
                let from = try x.optional("from")?.month()
                let through = try x.optional("through")?.month()
                if let from, let through, through < from {
                    throw item.error("through \(through) 早于 from \(from) (through before from)")
                }
                e = IncomeExemption(kind: try x.required("kind").choice(), from: from, through: through)
            }
            if Self.alwaysCounted.contains(e.kind) {
                throw item.error("\(e.kind.chinese)按规定计入家庭收入，不能列为豁免 (a counted income kind cannot be exempt; DB-2021 Art. 13)")
            }
            if exempt.contains(where: { $0.kind == e.kind }) {
                throw item.error("收入类型 \(e.kind.rawValue) 重复 (income kind listed twice)")
            }
            exempt.append(e)
        }
        return DibaoPolicy(standard: try areas(o.required("standard")), method: method, topUps: topUps,
                           floorShareOfStandard: floor,
                           nearPovertyMultiplier: try o.required("nearPovertyMultiplier").ratio(),
                           exemptIncome: exempt,
                           gradualExitMonths: try o.required("gradualExitMonths").integer(0...36),
                           confirmationDelegatedToTownship: try o.required("confirmationDelegatedToTownship").bool(),
                           tiers: tiers)
    }

    /// `dibao.tiers`: required (at least one) with `"method": "tiered"`, refused with `"gap"`. Each tier is
    /// `{ "code", "name", "amount" }`: a code unique within the version (no spaces), a name, an amount
    /// above zero per person per month (DB-2021 Art. 23; rules.md §8 example 6).
    static func dibaoTiers(_ o: Node.Object, method: DibaoPolicy.Method) throws(PolicyFileError) -> [DibaoTier] {
        let node = try o.optional("tiers")
        switch (method, node) {
        case (.gap, nil): return []
        case (.gap, let n?):
            throw n.error("补差方法（method \"gap\"）不分档；tiers 只适用于 method \"tiered\" (tiers belong to the tiered method)")
        case (.tiered, nil):
            throw o.node.child("tiers", NSNull()).error(
                "分档方法（method \"tiered\"）须列出档次 tiers：[{\"code\", \"name\", \"amount\"}, …] (required with the tiered method)", value: "")
        case (.tiered, let n?):
            let items = try n.array()
            guard !items.isEmpty else { throw n.error("至少需要一个档次 (at least one tier)") }
            guard items.count <= 50 else { throw n.error("档次过多（至多 50 个） (too many tiers)", value: "\(items.count) 个") }
            var tiers: [DibaoTier] = []
            for item in items {
                let t = try item.object(["code", "name", "amount"])
                let codeNode = try t.required("code")
                let code = try codeNode.text(maxLength: 10)
                guard !code.contains(where: \.isWhitespace) else { throw codeNode.error("档次代码不能含空格 (no spaces in a code)") }
                if let first = tiers.firstIndex(where: { $0.code == code }) {
                    throw codeNode.error("与 tiers[\(first)] 的档次代码重复 (code listed twice)")
                }
                tiers.append(DibaoTier(code: code, name: try t.required("name").text(maxLength: 50),
                                       amount: try t.required("amount").money()))
            }
            return tiers
        }
    }

    static func tekun(_ n: Node) throws(PolicyFileError) -> TekunPolicy {
        let o = try n.object(["basic", "basicCentralized", "care", "pensionCountedInStandard", "incomeInStandard", "minimumRatioToDibao"])
        var care: [TekunPlacement: [CareTier: PolicyAmount]] = [:]
        let careNode = try o.optional("care")?.object(Set(TekunPlacement.allCases.map(\.rawValue)))
        for placement in TekunPlacement.allCases {
            guard let p = try careNode?.optional(placement.rawValue) else { continue }
            let tiers = try p.object(Set(CareTier.allCases.map(\.rawValue)))
            var byTier: [CareTier: PolicyAmount] = [:]
            for tier in CareTier.allCases {
                guard let t = try tiers.optional(tier.rawValue) else {
                    throw p.error("缺少护理档次 \(tier.rawValue)；有护理标准的供养方式须列全 full、partial、none (care tier missing)")
                }
                byTier[tier] = try t.amount(allowZero: tier == .none)
            }
            care[placement] = byTier
        }
        if let careNode, care.isEmpty {
            throw careNode.error("至少配置一种供养方式 dispersed 或 centralized，或删去 care (no placement)")
        }
        var inStandard: [IncomeKind] = []
        if let list = try o.optional("incomeInStandard") {
            for item in try list.array() {
                let kind: IncomeKind = try item.choice()
                // The pension has its own key; listing it here too would deduct it twice.
                if kind == .basicPension { throw item.error("基础养老金由 pensionCountedInStandard 表示，不能列入 incomeInStandard (use pensionCountedInStandard)") }
                if inStandard.contains(kind) { throw item.error("重复的收入类型 \(kind.rawValue) (listed twice)") }
                inStandard.append(kind)
            }
        }
        return TekunPolicy(basic: try areas(o.required("basic")), care: care,
                           pensionCountedInStandard: try o.required("pensionCountedInStandard").bool(),
                           minimumRatioToDibao: try o.optional("minimumRatioToDibao")?.ratio(),
                           basicCentralized: try o.optional("basicCentralized").map { node throws(PolicyFileError) in try areas(node) } ?? [:],
                           incomeInStandard: inStandard)
    }

    static func temporary(_ n: Node) throws(PolicyFileError) -> TemporaryPolicy {
        let o = try n.object(["base", "types", "townshipLimit", "yearlyCap", "procedureWorkingDays", "paperworkWorkingDays"])
        let base: TemporaryPolicy.Base = try o.required("base").choice()
        let typesNode = try o.required("types").object(Set(TemporaryType.allCases.map(\.rawValue)))
        var types: [TemporaryType: TemporaryPolicy.Range] = [:]
        for type in TemporaryType.allCases {
            guard let t = try typesNode.optional(type.rawValue) else { continue }
            let x = try t.object(["minMonths", "maxMonths", "perCapita"])
            let minNode = try x.required("minMonths")
            let min = try minNode.ratio(allowZero: true)
            let max = try x.required("maxMonths").ratio()
            guard min.numerator * max.denominator <= max.numerator * min.denominator else {
                throw minNode.error("最低 \(min) 个月高于最高 \(max) 个月 (min above max)")
            }
            types[type] = .init(minMonths: min, maxMonths: max, perCapita: try x.optional("perCapita")?.bool() ?? false)
        }
        guard !types.isEmpty else { throw typesNode.error("至少配置一种类型 (no type)") }
        func limit(_ node: Node) throws(PolicyFileError) -> TemporaryPolicy.Limit {
            let l = try node.object(["months", "amount"])
            let months = try l.optional("months"), amount = try l.optional("amount")
            switch (months, amount) {
            case let (m?, nil): return .months(try m.ratio())
            case let (nil, a?): return .amount(try a.standard())
            default: throw node.error("须且只能填写 months 或 amount 之一 (exactly one of months, amount)")
            }
        }
        return TemporaryPolicy(base: base, types: types, townshipLimit: try limit(o.required("townshipLimit")),
                               yearlyCap: try o.optional("yearlyCap").map { n throws(PolicyFileError) in try limit(n) },
                               procedureWorkingDays: try o.optional("procedureWorkingDays")?.integer(1...120),
                               paperworkWorkingDays: try o.optional("paperworkWorkingDays")?.integer(1...60))
    }

    static func areas(_ n: Node) throws(PolicyFileError) -> [Area: Money] {
        let o = try n.object(Set(Area.allCases.map(\.rawValue)))
        var result: [Area: Money] = [:]
        for area in Area.allCases { result[area] = try o.required(area.rawValue).standard() }
        return result
    }

    /// The JSON text of one version as stored: sorted keys, no whitespace.
    static func canonical(_ value: Any, path: String) throws(PolicyFileError) -> String {
        do {
            let data = try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw PolicyFileError(key: path, value: "", reason: "无法序列化 (cannot serialize)")
        }
    }

    /// The file text of `versions` of one region: what the database reads back through `parse`.
    public static func fileText(region: String, name: String, versionBodies: [String]) -> String {
        let nameJSON = String(decoding: (try? JSONSerialization.data(withJSONObject: [name], options: [.withoutEscapingSlashes])) ?? Data("[\"\"]".utf8), as: UTF8.self)
        let quotedName = String(nameJSON.dropFirst().dropLast())
        return "{\"region\":\"\(region)\",\"name\":\(quotedName),\"versions\":[\n"
            + versionBodies.joined(separator: ",\n") + "\n]}\n"
    }

    /// The first key path at which two stored versions differ, with the old and new values (for the
    /// refusal of a changed version); nil when their JSON is the same.
    public static func firstDifference(stored: String, new: String) -> (path: String, old: String, new: String)? {
        func load(_ t: String) -> Any? { try? JSONSerialization.jsonObject(with: Data(t.utf8)) }
        func show(_ v: Any?) -> String {
            guard let v else { return "（无）" }
            if let s = v as? String { return s }
            return StrictJSON.pretty(v, order: keyOrder).replacingOccurrences(of: "\n", with: " ")
        }
        func diff(_ a: Any?, _ b: Any?, _ path: String) -> (String, String, String)? {
            switch (a, b) {
            case let (x as [String: Any], y as [String: Any]):
                for key in Set(x.keys).union(y.keys).sorted() {
                    if let d = diff(x[key], y[key], path.isEmpty ? key : "\(path).\(key)") { return d }
                }
                return nil
            case let (x as [Any], y as [Any]) where x.count == y.count:
                for i in x.indices { if let d = diff(x[i], y[i], "\(path)[\(i)]") { return d } }
                return nil
            default:
                return show(a) == show(b) && (a == nil) == (b == nil) ? nil : (path, show(a), show(b))
            }
        }
        return diff(load(stored), load(new), "").map { (path: $0.0, old: $0.1, new: $0.2) }
    }

    /// The same file indented for people to read and edit (`jiuzhu policy export`), keys in `keyOrder`.
    public static func prettyText(region: String, name: String, versionBodies: [String]) -> String {
        let compact = Data(fileText(region: region, name: name, versionBodies: versionBodies).utf8)
        guard let object = try? JSONSerialization.jsonObject(with: compact) else { return String(decoding: compact, as: UTF8.self) }
        return StrictJSON.pretty(object, order: keyOrder) + "\n"
    }
}

/// A refused policy file: which version (its `effective` month), which key path, which value, and why.
public struct PolicyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var version: String?
    public var key: String
    public var value: String
    public var reason: String

    public init(version: String? = nil, key: String, value: String, reason: String) {
        self.version = version
        self.key = key
        self.value = value
        self.reason = reason
    }

    public var description: String {
        let v = version.map { "版本 \($0)，" } ?? ""
        let val = value.isEmpty ? "" : "，值“\(value)”"
        return "\(v)键 \(key)\(val)：\(reason)"
    }
}

/// A JSON value with the path it was found at, for errors that name the key.
struct Node {
    let value: Any
    let path: String
    let version: String?

    init(_ value: Any, path: String, version: String?) {
        self.value = value
        self.path = path
        self.version = version
    }

    func error(_ reason: String, value shown: String? = nil) -> PolicyFileError {
        PolicyFileError(version: version, key: path.isEmpty ? "(file)" : path,
                        value: shown ?? Node.describe(value), reason: reason)
    }

    func child(_ key: String, _ v: Any) -> Node {
        Node(v, path: path.isEmpty ? key : "\(path).\(key)", version: version)
    }

    func object(_ known: Set<String>) throws(PolicyFileError) -> Object {
        guard let o = value as? [String: Any] else { throw error("应为 JSON 对象 (expected an object)") }
        if let unknown = o.keys.filter({ !known.contains($0) }).sorted().first {
            throw child(unknown, o[unknown]!).error("未知的键；可用的键为 " + known.sorted().joined(separator: "、") + " (unknown key)")
        }
        return Object(node: self, fields: o)
    }

    func array() throws(PolicyFileError) -> [Node] {
        guard let a = value as? [Any] else { throw error("应为数组 (expected an array)") }
        return a.enumerated().map { Node($1, path: "\(path)[\($0)]", version: version) }
    }

    func string() throws(PolicyFileError) -> String {
        guard let s = value as? String else { throw error("应为字符串 (expected a string)") }
        return s
    }

    func bool() throws(PolicyFileError) -> Bool {
        guard StrictJSON.isBool(value), let b = value as? Bool else { throw error("应为 true 或 false (expected a boolean)") }
        return b
    }

    func integer(_ range: ClosedRange<Int>) throws(PolicyFileError) -> Int {
        guard let i = StrictJSON.integer(value), range.contains(i)
        else { throw error("应为 \(range.lowerBound)–\(range.upperBound) 的整数 (expected a whole number)") }
        return i
    }

    func choice<E: RawRepresentable & CaseIterable>() throws(PolicyFileError) -> E where E.RawValue == String {
        let text = try string()
        guard let v = E(rawValue: text) else {
            throw error("应为 " + E.allCases.map(\.rawValue).joined(separator: "、") + " (unknown value)")
        }
        return v
    }

    /// A name or document number: at most `maxLength` characters, no control characters.
    func text(maxLength: Int) throws(PolicyFileError) -> String {
        let s = try string()
        guard !s.trimmingCharacters(in: .whitespaces).isEmpty else { throw error("不能为空 (empty)") }
        guard s.count <= maxLength else { throw error("不超过 \(maxLength) 个字符 (too long)", value: String(s.prefix(20)) + "…") }
        guard !s.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw error("含有控制字符 (control character)")
        }
        return s
    }

    /// Exactly `pattern`'s shape: no spaces, signs or other digits around the value.
    func strict(_ text: String, _ shape: String) -> Bool {
        text.count == shape.count && zip(text, shape).allSatisfy { t, p in p == "9" ? (t.isASCII && t.isNumber) : t == p }
    }

    func month() throws(PolicyFileError) -> YearMonth {
        let text = try string()
        guard strict(text, "9999-99") else { throw error("应为 YYYY-MM (expected YYYY-MM)") }
        do { return try YearMonth(parsing: text) } catch { throw self.error("应为 YYYY-MM (expected YYYY-MM)") }
    }

    func date() throws(PolicyFileError) -> CivilDate {
        let text = try string()
        guard strict(text, "9999-99-99") else { throw error("应为 YYYY-MM-DD (expected YYYY-MM-DD)") }
        do { return try CivilDate(parsing: text) } catch { throw self.error("应为 YYYY-MM-DD (expected YYYY-MM-DD)") }
    }

    /// A yuan string, at most two decimals, above zero (or zero when allowed).
    func money(allowZero: Bool = false) throws(PolicyFileError) -> Money {
        guard let text = value as? String else {
            throw error("金额应写成字符串，如 \"600.00\"，不用 JSON 数字 (amounts are strings)")
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let digits = { (p: Substring) in !p.isEmpty && p.allSatisfy { $0.isASCII && $0.isNumber } }
        guard parts.count <= 2, digits(parts[0]), parts[0].count <= 8, parts.count == 1 || (digits(parts[1]) && parts[1].count <= 2) else {
            throw self.error("应为以元为单位、至多两位小数的金额，如 \"600.00\"（不含空格、正负号、千位分隔符） (expected yuan with at most two decimals)")
        }
        let m: Money
        do { m = try Money(yuan: text) } catch {
            throw self.error("应为以元为单位、至多两位小数的金额，如 \"600.00\" (expected yuan with at most two decimals)")
        }
        guard m > .zero || (allowZero && m == .zero) else {
            throw error(allowZero ? "不能为负数 (must not be negative)" : "标准须大于零 (a standard must be above zero)")
        }
        guard m <= .yuan(10_000_000) else { throw error("金额过大，请核对单位（元） (amount too large)") }
        return m
    }

    /// A monthly standard.
    func standard() throws(PolicyFileError) -> Money { try money() }

    /// `"721.00"` (monthly) or `{ "annual": "8652.00" }`.
    func amount(allowZero: Bool) throws(PolicyFileError) -> PolicyAmount {
        if value is String { return .monthly(try money(allowZero: allowZero)) }
        let o = try object(["annual"])
        return .annual(try o.required("annual").money(allowZero: allowZero))
    }

    /// A decimal string such as `"1.5"`, `"0.20"`, `"2"`.
    func ratio(allowZero: Bool = false) throws(PolicyFileError) -> Ratio {
        guard let text = value as? String else {
            throw error("比例与月数应写成字符串，如 \"1.5\"，不用 JSON 数字 (ratios are strings)")
        }
        guard let r = Ratio(decimal: text) else { throw error("应为非负小数，如 \"1.5\" (expected a decimal)") }
        guard r.numerator > 0 || (allowZero && r.numerator == 0) else { throw error("须大于零 (must be above zero)") }
        return r
    }

    static func describe(_ v: Any) -> String {
        if let s = v as? String { return s }
        if v is [String: Any] { return "{…}" }
        if v is [Any] { return "[…]" }
        return String(describing: v)
    }

    /// An object whose keys were checked.
    struct Object {
        let node: Node
        let fields: [String: Any]

        func optional(_ key: String) throws(PolicyFileError) -> Node? {
            guard let v = fields[key], !(v is NSNull) else { return nil }
            return node.child(key, v)
        }

        func required(_ key: String) throws(PolicyFileError) -> Node {
            guard let n = try optional(key) else {
                throw node.child(key, NSNull()).error("缺少必填项 (required)", value: "")
            }
            return n
        }

        func error(_ reason: String) -> PolicyFileError { node.error(reason) }
    }
}
