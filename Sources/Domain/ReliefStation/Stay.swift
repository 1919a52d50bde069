import Foundation

/// Who is helped at the relief station (救助管理站): a person whose identity is known (an ID number), or
/// not yet (a temporary code the station gives, e.g. `T-0701`). Stays of one person are linked by it.
public enum StationPersonKey: Hashable, Codable, Sendable {
    case resident(ResidentID)
    case unidentified(code: String)

    public var text: String {
        switch self {
        case .resident(let id): return id.value
        case .unidentified(let code): return code
        }
    }

    public var identityKnown: Bool { if case .resident = self { return true } else { return false } }
}

/// A service given during a stay (Measures Art. 7; Rules Art. 11).
public enum StationService: String, Codable, Sendable, CaseIterable {
    case meal               // 提供饮食（餐）
    case bedNight = "bed-night"   // 提供住处（晚）
    case medical            // 疾病救治
    case clothing           // 衣物
    case contactFamily = "contact-family"   // 联系亲属或单位
    case travelVoucher = "travel-voucher"   // 乘车凭证（返乡）

    public var chinese: String {
        switch self {
        case .meal: return "饮食（餐）"
        case .bedNight: return "住宿（晚）"
        case .medical: return "疾病救治（次）"
        case .clothing: return "衣物（件）"
        case .contactFamily: return "联系亲属或单位（次）"
        case .travelVoucher: return "返乡乘车凭证（张）"
        }
    }
}

/// How a stay ended.
public enum StationExit: String, Codable, Sendable, CaseIterable {
    case returnedHome = "returned-home"     // 护送或自行返乡
    case handedToFamily = "handed-to-family" // 交亲属接回
    case transferred                        // 转送（福利机构、医疗机构、未成年人保护机构）
    case leftByChoice = "left-by-choice"     // 自愿离站

    public var chinese: String {
        switch self {
        case .returnedHome: return "返乡"
        case .handedToFamily: return "亲属接回"
        case .transferred: return "转送安置"
        case .leftByChoice: return "自愿离站"
        }
    }
}

public struct ServiceRecord: Hashable, Codable, Sendable {
    public var date: CivilDate
    public var kind: StationService
    public var quantity: Int
    /// Fen, what it cost the station (a travel voucher's fare); zero when not costed.
    public var cost: Money
    public var note: String

    public init(date: CivilDate, kind: StationService, quantity: Int, cost: Money = .zero, note: String = "") {
        self.date = date
        self.kind = kind
        self.quantity = quantity
        self.cost = cost
        self.note = note
    }
}

/// An extension of the stay beyond the limit, filed with the higher civil-affairs department.
public struct StayExtension: Hashable, Codable, Sendable {
    public var filedOn: CivilDate
    public var reason: String
    /// 上级民政部门 the extension was filed with.
    public var filedWith: String
    /// The new last day of the stay.
    public var until: CivilDate

    public init(filedOn: CivilDate, reason: String, filedWith: String, until: CivilDate) {
        self.filedOn = filedOn
        self.reason = reason
        self.filedWith = filedWith
        self.until = until
    }
}

/// One stay at the relief station (一次救助): admission, what was given, extensions, and how it ended.
///
/// Rules: 国务院令第381号 (Measures) Arts. 5–7, 16–17; 民政部令第24号 (Rules) Arts. 3, 11–12; 暂行办法 Arts.
/// 50–51; the 2015 opinion on identity checks (寻亲公告 within 24 hours). rules.md §4.
public struct Stay: Hashable, Codable, Sendable {
    public var person: StationPersonKey
    public var name: String
    public var admittedOn: CivilDate
    /// When admitted, for the 24-hour family-search notice.
    public var admittedAt: Date
    /// 随身物品登记 (Measures Art. 6).
    public var belongings: String
    /// 健康状况 at admission.
    public var health: String
    public var minor: Bool
    /// 寻亲公告: when published and where, for a person whose identity is unknown.
    public var familySearchNoticeAt: Date?
    public var familySearchChannel: String?
    public var services: [ServiceRecord]
    public var extensions: [StayExtension]
    public var exitedOn: CivilDate?
    public var exit: StationExit?
    public var exitNote: String?

    public init(person: StationPersonKey, name: String, admittedOn: CivilDate, admittedAt: Date, belongings: String,
                health: String, minor: Bool) {
        self.person = person
        self.name = name
        self.admittedOn = admittedOn
        self.admittedAt = admittedAt
        self.belongings = belongings
        self.health = health
        self.minor = minor
        self.services = []
        self.extensions = []
    }

    public var isOpen: Bool { exitedOn == nil }

    /// The last day the stay may last without an overstay: admission + the limit, or the latest filed
    /// extension's day.
    public func lastAllowedDay(maxStayDays: Int) -> CivilDate {
        extensions.map(\.until).max() ?? admittedOn.adding(days: maxStayDays)
    }

    /// Days stayed as of `date` (or up to the exit): admission day counted as 0, as C18 counts 07-01 → 07-15 as 14.
    public func days(asOf date: CivilDate) -> Int {
        let end = exitedOn.map { min($0, date) } ?? date
        return admittedOn.days(until: end)
    }

    /// An overstay (C18): on `date` (or at the exit) the stay runs past its allowed last day.
    public func overstay(asOf date: CivilDate, maxStayDays: Int) -> Bool {
        let end = exitedOn.map { min($0, date) } ?? date
        return end > lastAllowedDay(maxStayDays: maxStayDays)
    }

    /// The family-search notice is owed within 24 hours for a person whose identity is unknown.
    public var familySearchDue: Date? { person.identityKnown ? nil : admittedAt.addingTimeInterval(24 * 3600) }

    /// True when the notice is owed and `now` is past its 24 hours without one recorded (or it was late).
    public func familySearchOverdue(now: Date) -> Bool {
        guard let due = familySearchDue else { return false }
        if let at = familySearchNoticeAt { return at > due }
        return now > due
    }
}

/// Steps on a stay, each checked. Pure.
public enum StayWorkflow {
    public enum Event: Hashable, Codable, Sendable {
        case familySearchNotice(at: Date, channel: String)
        case service(ServiceRecord)
        case extend(StayExtension)
        case exit(on: CivilDate, kind: StationExit, note: String)
    }

    /// - Throws: `StayError` naming the rule broken.
    public static func apply(_ event: Event, to stay: Stay, maxStayDays: Int, today: CivilDate) throws(StayError) -> Stay {
        var s = stay
        guard s.isOpen else { throw .closed(s.exitedOn!) }
        switch event {
        case let .familySearchNotice(at, channel):
            guard !s.person.identityKnown else { throw .identityKnown }
            guard s.familySearchNoticeAt == nil else { throw .alreadyRecorded("寻亲公告") }
            guard at >= s.admittedAt else { throw .beforeAdmission }
            s.familySearchNoticeAt = at
            s.familySearchChannel = try text(channel, "发布渠道")
        case let .service(r):
            try dated(r.date, s, today)
            guard (1...999).contains(r.quantity) else { throw .quantity(r.quantity) }
            guard r.cost >= .zero, r.cost <= .yuan(100_000) else { throw .cost(r.cost) }
            var r = r
            r.note = FreeText.isBlank(r.note) ? "" : try text(r.note, "说明")
            s.services.append(r)
        case let .extend(e):
            try dated(e.filedOn, s, today)
            let reason = try text(e.reason, "延期理由")
            let filedWith = try text(e.filedWith, "报备的上级民政部门", maxLength: 100)
            let current = s.lastAllowedDay(maxStayDays: maxStayDays)
            guard e.until > current else { throw .extensionNotLater(until: e.until, current: current) }
            s.extensions.append(StayExtension(filedOn: e.filedOn, reason: reason, filedWith: filedWith, until: e.until))
        case let .exit(on, kind, note):
            try dated(on, s, today)
            if s.minor && kind == .leftByChoice { throw .minorCannotLeaveAlone }
            s.exitedOn = on
            s.exit = kind
            s.exitNote = FreeText.isBlank(note) ? nil : try text(note, "去向说明")
        }
        return s
    }

    static func dated(_ date: CivilDate, _ s: Stay, _ today: CivilDate) throws(StayError) {
        if date > today { throw .dateInFuture(date, today: today) }
        if date < s.admittedOn { throw .dateBeforeAdmission(date, admitted: s.admittedOn) }
    }

    /// A free-text field checked by `FreeText`, refused as `StayError` naming the field.
    public static func text(_ raw: String, _ field: String, maxLength: Int = FreeText.maxLength) throws(StayError) -> String {
        do { return try FreeText.check(raw, maxLength: maxLength) } catch {
            if error == .blank { throw .missing(field) }
            throw .textInvalid(field: field, reason: error.message)
        }
    }
}

public enum StayError: Error, Equatable, Sendable {
    case closed(CivilDate)
    case identityKnown
    case alreadyRecorded(String)
    case beforeAdmission
    case quantity(Int)
    case cost(Money)
    case missing(String)
    case textInvalid(field: String, reason: String)
    case extensionNotLater(until: CivilDate, current: CivilDate)
    case minorCannotLeaveAlone
    case dateInFuture(CivilDate, today: CivilDate)
    case dateBeforeAdmission(CivilDate, admitted: CivilDate)
    case openStayExists(String)
    case unidentifiedCode(String)

    public var message: String {
        switch self {
        case .closed(let d): return "本次救助已于 \(d) 结束，不能再登记 (stay closed)"
        case .identityKnown: return "受助人员身份已查明，不需发布寻亲公告 (identity known)"
        case .alreadyRecorded(let what): return "\(what)已登记 (already recorded)"
        case .beforeAdmission: return "寻亲公告时间早于入站时间 (before admission)"
        case .quantity(let n): return "数量“\(n)”应为 1–999 (quantity)"
        case .cost(let m): return "费用“\(m.yuanString)”应为 0–100000 元 (cost)"
        case .missing(let what): return "缺少“\(what)”，请填写后再提交 (missing)"
        case let .textInvalid(field, reason): return "“\(field)”\(reason)"
        case let .extensionNotLater(until, current):
            return "延期至 \(until) 不晚于现在的截止日 \(current)：延期须晚于现截止日 (extension not later)"
        case .minorCannotLeaveAlone:
            return "未成年人不能自行离站：须由亲属接回、护送返乡或转送未成年人保护机构 (国务院令第381号 第16条 UNCONFIRMED; a minor cannot leave alone)"
        case let .dateInFuture(d, today): return "日期 \(d) 晚于今天（\(today)） (date in the future)"
        case let .dateBeforeAdmission(d, admitted): return "日期 \(d) 早于入站日期 \(admitted) (before admission)"
        case .openStayExists(let id): return "该人员正在站内（\(id.prefix(8))），不能重复入站 (an open stay exists)"
        case .unidentifiedCode(let code): return "临时编号“\(code)”应为 1–20 位字母、数字或连字符，如 T-0701 (temporary code)"
        }
    }
}
