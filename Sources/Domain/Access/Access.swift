/// Who may do what, and where. One table (`StaffRole.permissions`) decides for every page, API call,
/// download and command; `AccessScope` decides which records a user may learn exist.
/// Sources: 等保 2.0 (GB/T 22239-2019) level 3, 8.1.4.2 访问控制 (least privilege, separation of
/// duties); 个人信息保护法 Art. 51 (access to personal information by role). ADR 0018.

/// A staff role (`jiuzhu user add NAME --role ROLE`). Each role works at one level of area.
public enum StaffRole: String, Codable, Sendable, CaseIterable {
    /// 村（社区）协理员: sees the village's households, opens applications for them.
    case villageAssistant = "village-assistant"
    /// 乡镇经办人: the township's registry, intake, investigation, 公示.
    case townshipClerk = "township-clerk"
    /// 乡镇分管领导: signs the township's review opinion (乡镇审核意见).
    case townshipLeader = "township-leader"
    /// 县民政局业务股室（救助股、福慈股、救助站）: county confirmation, payroll, funds, policy, station.
    case countyStaff = "county-staff"
    /// 县民政局领导: reads everything in the county, approves payroll batches.
    case countyLeader = "county-leader"
    /// 县财政局: payroll and funds, the bank file; no household files.
    case finance
    /// 审计人员: reads everything in the county and the audit trail; changes nothing.
    case auditor
    /// 系统管理员: users and roles only; no household files (三员分立).
    case admin

    public var chinese: String {
        switch self {
        case .villageAssistant: return "村（社区）协理员"
        case .townshipClerk: return "乡镇经办人"
        case .townshipLeader: return "乡镇领导"
        case .countyStaff: return "县民政局业务人员"
        case .countyLeader: return "县民政局领导"
        case .finance: return "县财政局"
        case .auditor: return "审计人员"
        case .admin: return "系统管理员"
        }
    }

    /// The level of area a user of this role is scoped to.
    public var areaLevel: DivisionLevel {
        switch self {
        case .villageAssistant: return .village
        case .townshipClerk, .townshipLeader: return .township
        case .countyStaff, .countyLeader, .finance, .auditor, .admin: return .county
        }
    }

    /// What this role may do (within its area). The one table of grants.
    public var permissions: Set<Permission> {
        switch self {
        case .villageAssistant:
            return [.viewRegistry, .openApplication]
        case .townshipClerk:
            return [.viewRegistry, .editRegistry, .openApplication, .townshipSteps, .viewPolicy, .revealIdentifiers]
        case .townshipLeader:
            return [.viewRegistry, .townshipDecision, .viewPolicy]
        case .countyStaff:
            // County staff may also record a township's steps (县级直接受理、代录): ADR 0018.
            return [.viewRegistry, .editRegistry, .openApplication, .townshipSteps, .townshipDecision, .countySteps,
                    .viewPayroll, .preparePayroll, .approvePayroll, .exportPayroll,
                    .viewFunds, .editFunds, .viewPolicy, .editPolicy, .viewStation, .editStation, .revealIdentifiers, .matchData]
        case .countyLeader:
            return [.viewRegistry, .viewPayroll, .approvePayroll, .overrideReturns, .viewFunds, .viewPolicy, .viewStation]
        case .finance:
            return [.viewPayroll, .exportPayroll, .viewFunds, .editFunds, .viewPolicy]
        case .auditor:
            return [.viewRegistry, .viewPayroll, .viewFunds, .viewPolicy, .viewStation, .viewAudit, .revealIdentifiers]
        case .admin:
            return [.manageUsers]
        }
    }

    public func may(_ permission: Permission) -> Bool { permissions.contains(permission) }

    /// Parses a role name as given on the command line or in a form.
    /// - Throws: `AccessError.unknownRole` naming the value and listing the role names.
    public static func parse(_ text: String) throws(AccessError) -> StaffRole {
        guard let r = StaffRole(rawValue: text.trimmingWhitespace()) else { throw .unknownRole(text) }
        return r
    }
}

/// One thing a user may do. Reading a record also requires the record to lie in the user's area.
public enum Permission: String, Codable, Sendable, CaseIterable {
    /// Households, members, documents, applications, terminations, temporary-assistance cases.
    case viewRegistry = "view-registry"
    /// Register households; record member status, payee, case facts, tiers, documents; propose a
    /// termination; a review (复核).
    case editRegistry = "edit-registry"
    /// Open an application (受理) or a temporary-assistance case.
    case openApplication = "open-application"
    /// The township's steps: checks, home visits, investigation, objections, 公示, temporary-case steps.
    case townshipSteps = "township-steps"
    /// The township's opinion (乡镇审核意见) and the township's temporary-assistance decision.
    case townshipDecision = "township-decision"
    /// The county's steps: county home visit, confirmation, refusal, termination decision, county approval.
    case countySteps = "county-steps"
    case viewPayroll = "view-payroll"
    /// Generate, back-pay, discard a draft batch.
    case preparePayroll = "prepare-payroll"
    case approvePayroll = "approve-payroll"
    /// Hand the bank file over and download it; import the bank's results; close a batch.
    case exportPayroll = "export-payroll"
    /// Import a result file whose results differ from an earlier one's (HOPE: an override needs its own
    /// permission, and is recorded).
    case overrideReturns = "override-returns"
    case viewFunds = "view-funds"
    /// Record allocations (资金下达) and townships' reserve funds.
    case editFunds = "edit-funds"
    case viewPolicy = "view-policy"
    /// 调标 and importing policy versions.
    case editPolicy = "edit-policy"
    /// The relief station's stays (救助站).
    case viewStation = "view-station"
    case editStation = "edit-station"
    /// Users, roles, areas, API tokens.
    case manageUsers = "manage-users"
    /// The audit trail.
    case viewAudit = "view-audit"
    /// Show a person's full ID and account numbers (masked otherwise), each time recorded (个人信息保护法
    /// Art. 51; 等保 2.0 8.1.4.10).
    case revealIdentifiers = "reveal-identifiers"
    /// 信息比对: import other departments' data and decide the hits (county-wide).
    case matchData = "match-data"

    public var chinese: String {
        switch self {
        case .viewRegistry: return "查阅家庭档案"
        case .editRegistry: return "维护家庭档案"
        case .openApplication: return "受理申请"
        case .townshipSteps: return "乡镇调查核实与公示"
        case .townshipDecision: return "乡镇审核意见"
        case .countySteps: return "县级审核确认"
        case .viewPayroll: return "查阅发放批次"
        case .preparePayroll: return "生成发放批次"
        case .approvePayroll: return "审批发放批次"
        case .exportPayroll: return "交付银行文件"
        case .overrideReturns: return "回盘冲突覆盖导入"
        case .viewFunds: return "查阅资金"
        case .editFunds: return "登记资金下达"
        case .viewPolicy: return "查阅政策标准"
        case .editPolicy: return "调整政策标准"
        case .viewStation: return "查阅救助站"
        case .editStation: return "救助站经办"
        case .manageUsers: return "用户管理"
        case .viewAudit: return "查阅审计日志"
        case .revealIdentifiers: return "显示完整身份证号和账号"
        case .matchData: return "信息比对"
        }
    }
}

/// The area a user works in: a county, a township or a village. Records outside it do not exist for
/// the user (lists, searches, counts, pages, exports).
public struct AccessScope: Hashable, Sendable, CustomStringConvertible {
    /// The 6-digit county code.
    public let countyCode: String
    /// The 12-digit township code, for township and village scopes.
    public let township: DivisionCode?
    /// The 12-digit village code, for a village scope.
    public let village: DivisionCode?

    public static func county(_ code: String) -> AccessScope { AccessScope(countyCode: code, township: nil, village: nil) }

    /// The scope of a division: its county, township or village.
    public init(_ division: Division) {
        let area = division.code
        countyCode = area.countyCode
        switch division.level {
        case .county: township = nil; village = nil
        case .township: township = area; village = nil
        case .village: township = area.townshipCode; village = area
        }
    }

    private init(countyCode: String, township: DivisionCode?, village: DivisionCode?) {
        self.countyCode = countyCode
        self.township = township
        self.village = village
    }

    public var level: DivisionLevel { village != nil ? .village : township != nil ? .township : .county }

    /// The scope's own code: 6 digits for a county, 12 for a township or village.
    public var areaCode: String { village?.value ?? township?.value ?? countyCode }

    /// A record kept in this village (a household) is visible.
    public func contains(village code: DivisionCode) -> Bool {
        guard code.countyCode == countyCode else { return false }
        if let village { return village == code }
        if let township { return township == code.townshipCode }
        return true
    }

    /// A record kept at a township (a temporary case of a person with no household, a reserve fund) is
    /// visible to the county and that township, not to a village.
    public func contains(township code: DivisionCode) -> Bool {
        guard code.countyCode == countyCode, village == nil else { return false }
        if let township { return township == code.townshipCode }
        return true
    }

    /// A county-level record (a payroll batch, a station stay, a fund entry) is visible to county users.
    public func contains(county code: String) -> Bool { level == .county && code == countyCode }

    public var description: String { areaCode }
}

public enum AccessError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownRole(String)
    /// The area is not a division of this county, or not of the role's level.
    case areaLevel(role: StaffRole, area: String, expected: DivisionLevel)
    case unknownArea(String)
    case badUsername(String)
    case weakPassword(String)
    case badDisplayName(String)

    public var description: String {
        switch self {
        case let .unknownRole(v):
            return "角色 “\(v)” 不存在；应为 " + StaffRole.allCases.map { "\($0.rawValue)（\($0.chinese)）" }.joined(separator: "、")
        case let .areaLevel(role, area, expected):
            let level = ["county": "县（6 位代码）", "township": "乡镇（9 位代码）", "village": "村（社区）（12 位代码）"][expected.rawValue]!
            return "区域 “\(area)” 与角色 \(role.rawValue)（\(role.chinese)）不符：应为\(level)"
        case let .unknownArea(v):
            return "区域代码 “\(v)” 不是本县的县、乡镇或村（社区）代码"
        case let .badUsername(v):
            return "用户名 “\(v)” 不可用：应为 2–32 个英文字母、数字或 . _ -，以字母或数字开头"
        case let .badDisplayName(v):
            return "姓名 “\(v)” 不可用：应为 1–40 个字符"
        case let .weakPassword(reason):
            return "密码不符合要求：\(reason)"
        }
    }
}

extension Divisions {
    /// The name of a county, township or village code, or the code itself when unknown ("—" for none).
    public func name(of code: String?) -> String {
        guard let code else { return "—" }
        return DivisionCode(code).flatMap { division($0)?.name } ?? code
    }

    /// The scope of a user of `role` in `area` (6-digit county, 9- or 12-digit township, 12-digit village).
    /// - Throws: `AccessError.unknownArea` when the code is not this county's, `.areaLevel` when it is of
    ///   another level than the role works at.
    public func scope(role: StaffRole, area text: String) throws(AccessError) -> AccessScope {
        guard let code = DivisionCode(text), let division = division(code) else { throw .unknownArea(text) }
        guard division.level == role.areaLevel else { throw .areaLevel(role: role, area: text, expected: role.areaLevel) }
        return AccessScope(division)
    }
}

/// Account names and passwords (等保 2.0 8.1.4.1 身份鉴别: complexity and regular change; ASVS 2.1).
public enum Credentials {
    /// Shortest password, in characters (ASVS 2.1.1: at least 12 for a user-set password; 10 is the
    /// 等保 practice for staff; we take 12).
    public static let minimumLength = 12
    /// bcrypt reads at most 72 bytes; a longer password would be silently cut.
    public static let maximumBytes = 72

    /// A user name: 2–32 of `A–Z a–z 0–9 . _ -`, starting with a letter or digit.
    /// - Throws: `AccessError.badUsername` naming the value.
    public static func username(_ text: String) throws(AccessError) -> String {
        let t = text.trimmingWhitespace()
        let allowed = t.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)) }
        guard (2...32).contains(t.count), allowed, let first = t.unicodeScalars.first, first.isASCII,
              first.properties.isAlphabetic || ("0"..."9").contains(first)
        else { throw .badUsername(text) }
        return t
    }

    /// Checks a new password: 12 characters or more, at most 72 bytes, not the user name, not one
    /// character repeated.
    /// - Throws: `AccessError.weakPassword` with the reason (never the password).
    public static func checkPassword(_ password: String, username: String) throws(AccessError) {
        if password.count < minimumLength { throw .weakPassword("至少 \(minimumLength) 个字符") }
        if password.utf8.count > maximumBytes { throw .weakPassword("最多 \(maximumBytes) 字节（约 24 个汉字或 72 个字母数字）") }
        if password.lowercased().contains(username.lowercased()) { throw .weakPassword("不得包含用户名") }
        if Set(password).count < 4 { throw .weakPassword("至少包含 4 个不同的字符") }
    }
}
