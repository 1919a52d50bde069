/// A household composition, checked: exactly one head, no resident ID listed twice, names present,
/// no negative income.
public struct HouseholdComposition: Hashable, Sendable {
    public let area: Area
    public let members: [Member]

    /// - Throws: `RegistryError` naming the member and field at fault.
    public init(area: Area, members: [Member]) throws(RegistryError) {
        guard !members.isEmpty else { throw .noMembers }
        let heads = members.filter { $0.relationship == .head }
        if heads.isEmpty { throw .noHead }
        if heads.count > 1 { throw .secondHead(heads[1].name, heads[1].residentID) }
        var seen = Set<ResidentID>()
        for m in members {
            if m.name.trimmingWhitespace().isEmpty { throw .missingName(m.residentID) }
            if !HouseholdComposition.isPlausibleName(m.name) { throw .invalidName(m.name) }
            if !seen.insert(m.residentID).inserted { throw .duplicateMember(m.residentID) }
            for item in m.income where item.amount < .zero {
                throw .negativeIncome(m.name, item.kind, item.amount)
            }
        }
        self.area = area
        self.members = members
    }

    public var head: Member { members.first { $0.relationship == .head }! }

    /// A person's name as written on an ID card: at most 40 characters, no control characters, no
    /// markup, and not starting like a spreadsheet formula (= + - @), which would run in Excel.
    public static func isPlausibleName(_ name: String) -> Bool {
        let t = name.trimmingWhitespace()
        guard !t.isEmpty, t.count <= 40, let first = t.first, !"=+-@".contains(first) else { return false }
        return !t.unicodeScalars.contains { $0.properties.generalCategory == .control || "<>\"'&;".unicodeScalars.contains($0) }
    }

    /// Members who count now (DB-2021 Art. 7): every listed member whose status is active.
    public var countedMembers: [Member] { members.filter { $0.status.counts } }

    /// Members who count in `month` (`Member.counts(in:)`, the one rule for assess, review and payroll).
    public func countedMembers(in month: YearMonth) -> [Member] { members.filter { $0.counts(in: month) } }
}

/// Why a registry write was refused. Each case names the field and value; nothing is written.
public enum RegistryError: Error, Equatable, Sendable {
    case noMembers
    case noHead
    case secondHead(String, ResidentID)
    case duplicateMember(ResidentID)
    case memberInAnotherHousehold(ResidentID, otherHousehold: String)
    case missingName(ResidentID)
    case invalidName(String)
    case negativeIncome(String, IncomeKind, Money)
    case unknownVillage(String)
    case invalidField(field: String, value: String, reason: String)

    public var message: String {
        switch self {
        case .noMembers: return "家庭成员为空：至少需要一名成员（户主） (household has no members)"
        case .noHead: return "未指定户主：每户必须有且只有一名户主 (no head of household)"
        case .secondHead(let name, let id):
            return "成员 \(name)（\(id.masked)）也被标为户主：每户只能有一名户主，请改为其他关系 (second head)"
        case .duplicateMember(let id): return "身份证号码 \(id.masked) 在本户中重复出现 (member listed twice)"
        case .memberInAnotherHousehold(let id, let other):
            return "身份证号码 \(id.masked) 已登记在另一户（\(other)）：一人只能属于一户，请先从原户迁出 (person already in another household)"
        case .missingName(let id): return "身份证号码 \(id.masked) 的成员缺少姓名 (member name missing)"
        case .invalidName(let name):
            return "姓名“\(name)”不像证件上的姓名：最多 40 个字，不能含 < > \" ' & ; 等符号或以 = + - @ 开头 (implausible name)"
        case .negativeIncome(let name, let kind, let amount):
            return "成员 \(name) 的\(kind.chinese)为负数（\(amount.yuanString) 元）：收入不能为负 (negative income)"
        case .unknownVillage(let code):
            return "村（社区）代码“\(code)”不在本县区划表中：请从列表中选择 (unknown village code)"
        case let .invalidField(field, value, reason):
            return "字段“\(field)”的值“\(value)”无效：\(reason)"
        }
    }
}
