/// A household as registered (一户一档): where it lives, how it is paid, and its members.
public struct HouseholdFile: Hashable, Sendable {
    /// Opaque id (a UUID string).
    public var id: String
    public var countyCode: String
    public var townshipCode: DivisionCode
    public var villageCode: DivisionCode
    public var address: String
    public var phone: String?
    public var bankName: String?
    public var bankAccount: String?
    /// 户名: the account holder's name when it is not the payee's (a guardian's card); nil means the payee.
    public var accountHolder: String?
    /// The day the account was last changed through `RegistryStore.setBankAccount`; nil: as registered.
    public var accountChangedOn: CivilDate?
    /// The member paid on behalf of the household; nil means the head (财办〔2020〕37号: a
    /// per-household subsidy goes to the head's card).
    public var payeeResidentID: ResidentID?
    public var isDemo: Bool
    public var composition: HouseholdComposition
    /// Declared assets (家庭财产, DB-2021 Art. 14).
    public var assets: [Asset]

    public init(id: String, countyCode: String, townshipCode: DivisionCode, villageCode: DivisionCode, address: String,
                phone: String? = nil, bankName: String? = nil, bankAccount: String? = nil,
                payeeResidentID: ResidentID? = nil, isDemo: Bool = false, composition: HouseholdComposition,
                assets: [Asset] = [], accountHolder: String? = nil, accountChangedOn: CivilDate? = nil) {
        self.accountHolder = accountHolder
        self.accountChangedOn = accountChangedOn
        self.id = id
        self.countyCode = countyCode
        self.townshipCode = townshipCode
        self.villageCode = villageCode
        self.address = address
        self.phone = phone
        self.bankName = bankName
        self.bankAccount = bankAccount
        self.payeeResidentID = payeeResidentID
        self.isDemo = isDemo
        self.composition = composition
        self.assets = assets
    }

    public var area: Area { composition.area }
    public var head: Member { composition.head }

    /// The payee: the designated member if set and listed, otherwise the head.
    public var payee: Member {
        if let p = payeeResidentID, let m = composition.members.first(where: { $0.residentID == p }) { return m }
        return head
    }
}

/// Kinds of household assets (DB-2021 Art. 14; 暂行办法 Art. 9–10). Limits are local and not yet set.
public enum AssetKind: String, Codable, Sendable, CaseIterable {
    case deposit            // 存款
    case securities         // 有价证券、基金、商业保险
    case vehicle            // 机动车辆
    case house              // 房屋
    case business           // 经营性财产
    case other

    public var chinese: String {
        switch self {
        case .deposit: return "银行存款"
        case .securities: return "证券/基金/商业保险"
        case .vehicle: return "机动车辆"
        case .house: return "房屋"
        case .business: return "经营性财产"
        case .other: return "其他财产"
        }
    }
}

/// One declared asset with its estimated value in fen.
public struct Asset: Hashable, Codable, Sendable {
    public var kind: AssetKind
    public var description: String
    /// Non-negative estimated value.
    public var value: Money

    public init(kind: AssetKind, description: String, value: Money) {
        self.kind = kind
        self.description = description
        self.value = value
    }
}

/// A row of the household list: enough to find and open a file.
public struct HouseholdSummary: Hashable, Sendable {
    public var id: String
    public var headName: String
    public var headResidentID: ResidentID
    public var townshipCode: String
    public var villageCode: String
    public var area: Area
    public var memberCount: Int
    public var activeProgrammes: [Programme]
    public var monthlyBenefit: Money?
    public var isDemo: Bool

    public init(id: String, headName: String, headResidentID: ResidentID, townshipCode: String, villageCode: String,
                area: Area, memberCount: Int, activeProgrammes: [Programme], monthlyBenefit: Money?, isDemo: Bool) {
        self.id = id
        self.headName = headName
        self.headResidentID = headResidentID
        self.townshipCode = townshipCode
        self.villageCode = villageCode
        self.area = area
        self.memberCount = memberCount
        self.activeProgrammes = activeProgrammes
        self.monthlyBenefit = monthlyBenefit
        self.isDemo = isDemo
    }
}

/// A recorded decision with its trace, as the household page shows it.
public struct DecisionRecord: Hashable, Sendable {
    public var id: String
    public var programme: Programme
    public var outcome: String
    public var decidedOn: CivilDate
    public var firstMonth: YearMonth?
    public var householdSize: Int
    public var monthlyBenefit: Money
    public var policyVersion: String
    public var trace: [TraceLine]

    public init(id: String, programme: Programme, outcome: String, decidedOn: CivilDate, firstMonth: YearMonth?,
                householdSize: Int, monthlyBenefit: Money, policyVersion: String, trace: [TraceLine]) {
        self.id = id
        self.programme = programme
        self.outcome = outcome
        self.decidedOn = decidedOn
        self.firstMonth = firstMonth
        self.householdSize = householdSize
        self.monthlyBenefit = monthlyBenefit
        self.policyVersion = policyVersion
        self.trace = trace
    }
}

/// Kinds of documents in the household file (一户一档, DB-2021 Art. 9).
public enum DocumentKind: String, Codable, Sendable, CaseIterable {
    case application            // 申请书
    case pledge                 // 承诺书
    case authorization          // 授权书
    case incomeProof = "income-proof"         // 收入证明
    case assetProof = "asset-proof"           // 财产证明
    case essentialSpending = "essential-spending"  // 刚性支出证明
    case other

    public var chinese: String {
        switch self {
        case .application: return "申请书"
        case .pledge: return "承诺书"
        case .authorization: return "授权书"
        case .incomeProof: return "收入证明"
        case .assetProof: return "财产证明"
        case .essentialSpending: return "刚性支出证明"
        case .other: return "其他材料"
        }
    }
}

/// Metadata of a stored document; the bytes live in the data directory, named by `storedName`.
public struct DocumentInfo: Hashable, Sendable {
    public var id: String
    public var kind: DocumentKind
    public var originalName: String
    public var contentType: String
    public var sizeBytes: Int64
    public var sha256: String
    public var storedName: String
    public var uploadedBy: String

    public init(id: String, kind: DocumentKind, originalName: String, contentType: String, sizeBytes: Int64,
                sha256: String, storedName: String, uploadedBy: String) {
        self.id = id
        self.kind = kind
        self.originalName = originalName
        self.contentType = contentType
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.storedName = storedName
        self.uploadedBy = uploadedBy
    }
}
