import Foundation

/// The kinds of data other departments hand the bureau for 信息核对 (DB-2021 Art. 17; LI-2023 §3), and the
/// other county's roster for people paid twice. Each kind has its standard columns (what the sending
/// department's own export calls them); a source whose export names them differently has a saved
/// `DatasetMapping`. Stored names are these raw values (`deaths`, `public-employees`…).
public enum DatasetKind: String, CaseIterable, Codable, Sendable {
    case deaths                                        // 死亡和火化（公安、卫健、殡葬）
    case hukouMoves = "hukou-moves"                    // 户籍迁移（公安）
    case vehicles                                      // 机动车登记（公安交管）
    case realEstate = "real-estate"                    // 不动产登记（自然资源）
    case businesses                                    // 市场主体登记（市场监管）
    case publicEmployees = "public-employees"          // 财政供养人员（财政、组织人事）
    case socialInsurance = "social-insurance"          // 社会保险缴费（人社、税务）
    case housingFund = "housing-fund"                  // 住房公积金缴存（公积金中心）
    case medicalBills = "medical-bills"                // 大额医疗费用（医保）
    case cadreRoster = "cadre-roster"                  // 经办人员和村（居）干部及其近亲属
    case otherCountyRoster = "other-county-roster"     // 外县（区）救助名册

    public var chinese: String {
        switch self {
        case .deaths: return "死亡和火化"
        case .hukouMoves: return "户籍迁移"
        case .vehicles: return "机动车登记"
        case .realEstate: return "不动产登记"
        case .businesses: return "市场主体登记"
        case .publicEmployees: return "财政供养人员"
        case .socialInsurance: return "社会保险缴费"
        case .housingFund: return "住房公积金缴存"
        case .medicalBills: return "大额医疗费用"
        case .cadreRoster: return "经办人员和村干部近亲属"
        case .otherCountyRoster: return "外县救助名册"
        }
    }

    /// The department that usually sends it, for the import record's default source.
    public var department: String {
        switch self {
        case .deaths: return "公安局、卫生健康局、殡仪馆"
        case .hukouMoves: return "公安局"
        case .vehicles: return "公安局交通管理大队"
        case .realEstate: return "自然资源局不动产登记中心"
        case .businesses: return "市场监督管理局"
        case .publicEmployees: return "财政局"
        case .socialInsurance: return "人力资源和社会保障局"
        case .housingFund: return "住房公积金管理中心"
        case .medicalBills: return "医疗保障局"
        case .cadreRoster: return "民政局、组织部"
        case .otherCountyRoster: return "外县（区）民政局"
        }
    }

    /// The kind's columns in order: the field, the standard column heading, and whether a row must have it.
    public var columns: [(field: DatasetField, heading: String, required: Bool)] {
        switch self {
        case .deaths:
            return [(.name, "姓名", true), (.residentID, "身份证号", true), (.eventDate, "死亡日期", true), (.eventType, "类别", false)]
        case .hukouMoves:
            return [(.name, "姓名", true), (.residentID, "身份证号", true), (.eventDate, "迁移日期", true),
                    (.eventType, "迁移类型", true), (.address, "迁往地址", false)]
        case .vehicles:
            return [(.name, "车主姓名", true), (.residentID, "车主身份证号", true), (.eventDate, "登记日期", true),
                    (.plate, "号牌号码", true), (.vehicleType, "车辆类型", false)]
        case .realEstate:
            return [(.name, "权利人", true), (.residentID, "权利人身份证号", true), (.eventDate, "登记日期", true),
                    (.address, "坐落", true), (.floorArea, "建筑面积", false)]
        case .businesses:
            return [(.name, "经营者姓名", true), (.residentID, "经营者身份证号", true), (.eventDate, "登记日期", true),
                    (.eventType, "登记类型", true), (.businessName, "名称", true), (.transferee, "受让人", false)]
        case .publicEmployees:
            return [(.name, "姓名", true), (.residentID, "身份证号", true), (.employer, "工作单位", true), (.eventDate, "入职日期", false)]
        case .socialInsurance:
            return [(.name, "姓名", true), (.residentID, "身份证号", true), (.month, "缴费年月", true),
                    (.employer, "参保单位", false), (.amount, "缴费基数", false)]
        case .housingFund:
            return [(.name, "姓名", true), (.residentID, "身份证号", true), (.month, "缴存年月", true),
                    (.employer, "缴存单位", false), (.amount, "月缴存额", false)]
        case .medicalBills:
            return [(.name, "姓名", true), (.residentID, "身份证号", true), (.eventDate, "结算日期", true), (.amount, "个人自付金额", true)]
        case .cadreRoster:
            return [(.name, "姓名", true), (.residentID, "身份证号", true), (.role, "职务", true),
                    (.relativeName, "亲属姓名", false), (.relativeResidentID, "亲属身份证号", false), (.relationship, "关系", false)]
        case .otherCountyRoster:
            return [(.name, "姓名", true), (.residentID, "身份证号", true), (.county, "发放地区", true),
                    (.programme, "救助类别", true), (.month, "发放月份", true), (.amount, "发放金额", false)]
        }
    }

    /// The values an `eventType` column may hold, when the kind has one.
    public var eventTypes: [String]? {
        switch self {
        case .hukouMoves: return ["迁出", "迁入", "注销"]
        case .businesses: return ["设立", "变更", "转让", "注销"]
        default: return nil
        }
    }

    /// `deaths`, or the Chinese name (`死亡和火化`).
    /// - Throws: `DatasetError.unknownKind` listing the kinds.
    public init(named text: String) throws(DatasetError) {
        let t = text.trimmingWhitespace()
        if let k = DatasetKind(rawValue: t) ?? DatasetKind.allCases.first(where: { $0.chinese == t }) { self = k; return }
        throw .unknownKind(text)
    }
}

/// What a column of a dataset means.
public enum DatasetField: String, CaseIterable, Codable, Sendable {
    case name, residentID, eventDate, eventType, plate, vehicleType, address, floorArea, businessName, transferee,
         employer, month, amount, role, relativeName, relativeResidentID, relationship, county, programme

    /// Other headings departments' exports use for the field, accepted in place of the standard one when no
    /// mapping of the source says otherwise.
    public var aliases: [String] {
        switch self {
        case .name: return ["名字"]
        case .residentID, .relativeResidentID: return ["身份证号码", "公民身份号码", "公民身份证号码", "身份证件号码", "证件号码"]
        default: return []
        }
    }
}

/// One cell as a file gave it: the text, and whether the spreadsheet stored it as a number (an 18-digit
/// number stored as a number has already lost its last three digits: field case C10).
public struct DatasetCell: Hashable, Sendable {
    public var text: String
    public var numeric: Bool

    public init(_ text: String, numeric: Bool = false) {
        self.text = text
        self.numeric = numeric
    }
}

/// A file's rows, one at a time (CSV and XLSX readers in Jobs): the heading row first, then the data rows,
/// each with its row number as the spreadsheet shows it (the heading is row 1).
public protocol DatasetRowSource {
    /// The heading row; nil for an empty file.
    mutating func header() throws -> [DatasetCell]?
    /// The next data row and its number; nil at the end. Blank rows are skipped by the reader.
    mutating func next() throws -> (number: Int, cells: [DatasetCell])?
}

/// Which column holds which field, for one kind from one source (`jiuzhu match --mapping FILE`, saved per
/// source). Columns are named by their heading text.
public struct DatasetMapping: Hashable, Sendable {
    public var kind: DatasetKind
    public var source: String
    public var columns: [DatasetField: String]

    public init(kind: DatasetKind, source: String, columns: [DatasetField: String]) {
        self.kind = kind
        self.source = source
        self.columns = columns
    }

    /// The kind's standard headings, from its usual department.
    public static func standard(_ kind: DatasetKind, source: String? = nil) -> DatasetMapping {
        DatasetMapping(kind: kind, source: source ?? kind.department,
                       columns: Dictionary(uniqueKeysWithValues: kind.columns.map { ($0.field, $0.heading) }))
    }

    /// Parses a mapping file: `{"kind": "deaths", "source": "县公安局", "columns": {"name": "姓名", ...}}`.
    /// Strict: an unknown key, a field the kind does not have, a required field left out, a heading used
    /// twice, or a kind other than `expected` is refused.
    /// - Throws: `DatasetError.badMapping` naming the key and what is wrong.
    public static func parse(_ text: String, expected: DatasetKind) throws(DatasetError) -> DatasetMapping {
        let value: Any
        do { value = try StrictJSON.parse(Data(text.utf8)) } catch {
            throw .badMapping((error.path.isEmpty ? "" : "\(error.path)：") + error.reason)
        }
        guard let root = value as? [String: Any] else { throw .badMapping("应为一个 JSON 对象 (expected an object)") }
        for key in root.keys.sorted() where !["kind", "source", "columns"].contains(key) {
            throw .badMapping("未知的键“\(key)”：只允许 kind、source、columns (unknown key)")
        }
        guard let kindText = root["kind"] as? String else { throw .badMapping("缺少 kind (missing kind)") }
        let kind = try DatasetKind(named: kindText)
        guard kind == expected else {
            throw .badMapping("对照表是“\(kind.chinese)”（\(kind.rawValue)）的，本次导入的是“\(expected.chinese)”（\(expected.rawValue)） (mapping of another kind)")
        }
        guard let source = root["source"] as? String, !source.trimmingWhitespace().isEmpty, source.count <= 100 else {
            throw .badMapping("缺少 source（数据来源单位，最多 100 字） (missing source)")
        }
        guard let cols = root["columns"] as? [String: Any] else { throw .badMapping("缺少 columns (missing columns)") }
        let allowed = Dictionary(uniqueKeysWithValues: kind.columns.map { ($0.field.rawValue, $0) })
        var columns: [DatasetField: String] = [:]
        var used: [String: String] = [:]
        for key in cols.keys.sorted() {
            let v = cols[key]!
            guard let c = allowed[key] else {
                throw .badMapping("columns 中的“\(key)”不是\(kind.chinese)的字段：应为 \(kind.columns.map(\.field.rawValue).joined(separator: "、")) (unknown field)")
            }
            guard let heading = v as? String, !DatasetMapping.heading(heading).isEmpty else {
                throw .badMapping("columns.\(key) 应为列标题文字 (a heading text)")
            }
            let h = DatasetMapping.heading(heading)
            if let other = used[h] { throw .badMapping("列标题“\(h)”同时用于 \(other) 和 \(key) (heading used twice)") }
            used[h] = key
            columns[c.field] = h
        }
        for c in kind.columns where c.required && columns[c.field] == nil {
            throw .badMapping("columns 缺少必填字段 \(c.field.rawValue)（\(c.heading)） (required field missing)")
        }
        return DatasetMapping(kind: kind, source: source.trimmingWhitespace(), columns: columns)
    }

    /// The mapping as a file (`parse` reads it back).
    public var json: String {
        func q(_ s: String) -> String { StrictJSON.quote(s) }
        let cols = kind.columns.compactMap { c in columns[c.field].map { "    \(q(c.field.rawValue)): \(q($0))" } }
        return "{\n  \"kind\": \(q(kind.rawValue)),\n  \"source\": \(q(source)),\n  \"columns\": {\n"
            + cols.joined(separator: ",\n") + "\n  }\n}\n"
    }

    /// A heading as compared: spaces, invisible characters and a byte-order mark dropped.
    public static func heading(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { !ResidentID.isIgnorable($0.value) }))
    }

    /// Finds each mapped column in the heading row.
    /// - Throws: `DatasetError.missingColumns` (naming the headings not found, the file's headings, and the
    ///   kind the file looks like when it has another kind's standard headings), `duplicateHeading`.
    public func resolve(header: [DatasetCell]) throws(DatasetError) -> ResolvedMapping {
        let headings = header.map { DatasetMapping.heading($0.text) }
        var position: [String: Int] = [:]
        for (i, h) in headings.enumerated() where !h.isEmpty {
            if position[h] != nil { throw .duplicateHeading(h) }
            position[h] = i
        }
        var index: [DatasetField: Int] = [:]
        var missing: [String] = []
        for c in kind.columns {
            guard let heading = columns[c.field] else { continue }
            // The standard heading's usual variants (身份证号码 for 身份证号), with its prefix (车主身份证号码).
            let prefix = heading.hasSuffix("身份证号") ? String(heading.dropLast(4)) : ""
            let variants = heading == c.heading && (c.field != .name || heading == "姓名")
                ? [heading] + c.field.aliases.map { c.field == .residentID || c.field == .relativeResidentID ? prefix + $0 : $0 } : [heading]
            if let i = variants.lazy.compactMap({ position[$0] }).first { index[c.field] = i } else if c.required { missing.append(heading) }
        }
        guard missing.isEmpty else {
            let present = Set(headings)
            let looksLike = DatasetKind.allCases.first { k in
                k != kind && k.columns.filter(\.required).allSatisfy { present.contains($0.heading) }
                    && !kind.columns.filter(\.required).allSatisfy { present.contains($0.heading) }
            }
            throw .missingColumns(kind: kind, missing: missing, headings: headings.filter { !$0.isEmpty }, looksLike: looksLike)
        }
        return ResolvedMapping(mapping: self, index: index)
    }
}

/// A mapping matched to a file's headings: reads each data row into a `DatasetRecord`.
public struct ResolvedMapping: Sendable {
    public let mapping: DatasetMapping
    let index: [DatasetField: Int]

    /// The record of one data row, or every problem in it (row, column heading, value, reason). Dates after
    /// `today` or before 1900, and an ID number whose birth date is after `today`, are refused.
    public func record(row number: Int, _ cells: [DatasetCell], today: CivilDate) -> Result<DatasetRecord, DatasetRowProblems> {
        let kind = mapping.kind
        var problems: [DatasetRowProblem] = []
        func cell(_ f: DatasetField) -> DatasetCell? {
            guard let i = index[f], i < cells.count else { return nil }
            let c = cells[i]
            return c.text.trimmingWhitespace().isEmpty ? nil : c
        }
        func problem(_ f: DatasetField, _ value: String, _ reason: String) {
            problems.append(DatasetRowProblem(row: number, column: mapping.columns[f] ?? f.rawValue, value: DatasetValues.shown(value), reason: reason))
        }
        let required = Set(kind.columns.filter(\.required).map(\.field))
        for f in required where cell(f) == nil { problem(f, "", "必填，不能为空 (required)") }
        func id(_ f: DatasetField) -> ResidentID? {
            guard let c = cell(f) else { return nil }
            if c.numeric {
                let digits = ResidentID.normalizedText(c.text)
                if !(digits.count == 15 && digits.allSatisfy({ $0.isASCII && $0.isNumber })) {
                    problem(f, c.text, "单元格是数值格式，18 位号码已被表格软件截成 15 位有效数字：请把该列设为文本，从原始数据重新导出 (stored as a number: digits lost)")
                    return nil
                }
            }
            // A cell far longer than a number (an unclosed quote swallowed the rows after it) is not echoed whole.
            if c.text.count > 30 {
                problem(f, c.text, "长 \(c.text.count) 个字符，不是一个身份证号码：可能是上一个引号没有闭合，把后面几行并进了这一格 (not an ID number)")
                return nil
            }
            do {
                let id = try ResidentID(c.text)
                guard id.birthDate <= today else {
                    problem(f, c.text, "号码中的出生日期 \(id.birthDate) 晚于今天 (birth date in the future)")
                    return nil
                }
                return id
            } catch {
                // A value longer than a number (a cell run into the next) has its digit runs cut in the reason too.
                problem(f, c.text, c.text.count > 20 ? Redaction.identifiers(in: error.message) : error.message)
                return nil
            }
        }
        let resident = id(.residentID)
        let name = cell(.name).map { $0.text.trimmingWhitespace() }
        if let n = name, n.count > 50 { problem(.name, n, "姓名超过 50 字 (too long)") }
        var date: CivilDate?
        if let c = cell(.eventDate) {
            date = DatasetValues.date(c)
            if date == nil { problem(.eventDate, c.text, "不是日期：请用 2021-05-12、2021/5/12、20210512 或 2021年5月12日 (not a date)") }
            if let d = date, !(DatasetValues.earliest...today).contains(d) {
                problem(.eventDate, c.text, "日期 \(d) 不在 1900-01-01 到今天（\(today)）之间 (date out of range)")
                date = nil
            }
            if let d = date, let id = resident, d < id.birthDate {
                problem(.eventDate, c.text, "日期 \(d) 早于号码中的出生日期 \(id.birthDate) (before the person was born)")
                date = nil
            }
        }
        var month: YearMonth?
        if let c = cell(.month) {
            month = DatasetValues.month(c)
            if month == nil { problem(.month, c.text, "不是月份：请用 2021-05、202105 或 2021年5月 (not a month)") }
            if let m = month, !(DatasetValues.earliest.yearMonth...today.yearMonth.next).contains(m) {
                problem(.month, c.text, "月份 \(m) 不在 1900-01 到下月（\(today.yearMonth.next)）之间 (month out of range)")
                month = nil
            }
        }
        var amount: Money?
        if let c = cell(.amount) {
            do { amount = try DatasetValues.amount(c) } catch { problem(.amount, c.text, error.message) }
            if let a = amount, a < .zero { problem(.amount, c.text, "金额不能为负 (negative)"); amount = nil }
        }
        var values: [DatasetField: String] = [:]
        for c in kind.columns where ![.name, .residentID, .eventDate, .month, .amount, .relativeResidentID].contains(c.field) {
            guard let v = cell(c.field) else { continue }
            // A relationship is one word: 妻 子 is 妻子.
            let text = c.field == .relationship ? String(v.text.filter { !$0.isWhitespace }) : v.text.trimmingWhitespace()
            guard text.count <= 200 else { problem(c.field, String(text.prefix(20)) + "…", "超过 200 字 (too long)"); continue }
            values[c.field] = text
        }
        if let allowed = kind.eventTypes, let t = values[.eventType], !allowed.contains(t) {
            problem(.eventType, t, "应为 \(allowed.joined(separator: "、")) 之一 (not one of the allowed values)")
        }
        if kind == .otherCountyRoster, let p = values[.programme] {
            if let programme = Programme(rawValue: p) ?? Programme.allCases.first(where: { $0.chinese == p || $0.shortChinese == p }) {
                values[.programme] = programme.rawValue
            } else {
                problem(.programme, p, "不是救助项目：应为 \(Programme.allCases.map(\.shortChinese).joined(separator: "、")) 之一 (unknown programme)")
            }
        }
        var relative: ResidentID?
        if kind == .cadreRoster {
            relative = id(.relativeResidentID)
            let given = [cell(.relativeName) != nil, cell(.relativeResidentID) != nil, cell(.relationship) != nil]
            if given.contains(true) && given.contains(false) {
                problem(.relativeResidentID, cell(.relativeResidentID)?.text ?? "",
                        "亲属姓名、亲属身份证号、关系须同时填写或同时留空 (relative's name, ID and relationship go together)")
            }
            if let r = relative, r == resident { problem(.relativeResidentID, r.masked, "亲属与本人是同一身份证号 (relative is the person)") }
        }
        guard problems.isEmpty, let resident, let name else { return .failure(DatasetRowProblems(problems)) }
        if kind == .cadreRoster, values[.relationship] != nil, relative == nil {
            return .failure(DatasetRowProblems(problems))
        }
        var record = DatasetRecord(kind: kind, row: number, residentID: resident, name: name, eventDate: date, month: month,
                                   amount: amount, values: values, relativeResidentID: relative)
        record.idWarnings = [resident, relative].compactMap { $0 }.filter(\.looksSpreadsheetDamaged).map(\.masked)
        return .success(record)
    }
}

/// Reading dates, months and amounts the way departments' exports write them.
public enum DatasetValues {
    /// No department's record is older.
    public static let earliest = CivilDate(year: 1900, month: 1, day: 1)!

    /// A value as a message shows it: at most 40 characters, and any run of 15 or more digits in a longer
    /// text cut to its first six (`Redaction.identifiers`), so a broken row never echoes other rows' numbers.
    public static func shown(_ value: String) -> String {
        guard value.count > 20 else { return value }
        let cut = Redaction.identifiers(in: value)
        return cut.count > 40 ? String(cut.prefix(40)) + "…" : cut
    }

    /// Yuan as text (`Money(yuan:)`), or a spreadsheet's number cell, which may carry a binary fraction
    /// (`31050.400000000001`): rounded to fen when it is within a millionth of a fen of one.
    public static func amount(_ cell: DatasetCell) throws(DomainInputError) -> Money {
        if cell.numeric, let d = Double(cell.text.trimmingWhitespace()), d.isFinite, abs(d) < 1e12 {
            let fen = (d * 100).rounded()
            if abs(d * 100 - fen) < 1e-6 { return Money(fen: Int64(fen)) }
        }
        return try Money(yuan: cell.text)
    }

    /// `2021-05-12`, `2021/5/12`, `2021.5.12`, `20210512`, `2021年5月12日`, with a time after a space
    /// ignored; a numeric cell under 100000 is a spreadsheet day number (1900 system: 1 = 1900-01-01,
    /// counting its phantom 1900-02-29).
    public static func date(_ cell: DatasetCell) -> CivilDate? {
        var t = cell.text.trimmingWhitespace()
        if let space = t.firstIndex(where: { $0 == " " || $0 == "T" }) { t = String(t[..<space]) }
        // A date-time cell carries the time as a fraction of the day.
        if cell.numeric, let serial = Double(t), serial >= 1, serial < 100_000 {
            let n = Int(serial.rounded(.down))
            guard n != 60 else { return nil }
            return CivilDate(year: 1899, month: 12, day: 31)!.adding(days: n > 60 ? n - 1 : n)
        }
        if t.count == 8, t.allSatisfy({ $0.isASCII && $0.isNumber }) {
            let a = Array(t)
            return CivilDate(year: Int(String(a[0..<4]))!, month: Int(String(a[4..<6]))!, day: Int(String(a[6..<8]))!)
        }
        let parts = t.replacingAll("年", with: "-").replacingAll("月", with: "-").replacingAll("日", with: "")
            .replacingAll("/", with: "-").replacingAll(".", with: "-")
            .split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, (1...2).contains(parts[1].count), (1...2).contains(parts[2].count),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]) else { return nil }
        return CivilDate(year: y, month: m, day: d)
    }

    /// `2021-05`, `2021/5`, `202105`, `2021年5月`, or a whole date (its month).
    public static func month(_ cell: DatasetCell) -> YearMonth? {
        let t = cell.text.trimmingWhitespace()
        if t.count == 6, t.allSatisfy({ $0.isASCII && $0.isNumber }) {
            return YearMonth(year: Int(t.prefix(4))!, month: Int(t.suffix(2))!)
        }
        let parts = t.replacingAll("年", with: "-").replacingAll("月", with: "").replacingAll("/", with: "-").replacingAll(".", with: "-")
            .split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 2, parts[0].count == 4, (1...2).contains(parts[1].count), let y = Int(parts[0]), let m = Int(parts[1]) {
            return YearMonth(year: y, month: m)
        }
        return date(cell)?.yearMonth
    }
}

/// One fact from another department about one person.
public struct DatasetRecord: Hashable, Sendable {
    public var kind: DatasetKind
    /// The row in the file (heading = 1).
    public var row: Int
    public var residentID: ResidentID
    public var name: String
    public var eventDate: CivilDate?
    public var month: YearMonth?
    /// Yuan, as fen: a medical bill's out-of-pocket part, a contribution base, a roster's amount.
    public var amount: Money?
    /// The other columns as text (`plate`, `employer`, `eventType`…; `programme` as its raw value).
    public var values: [DatasetField: String]
    /// The cadre's relative (`cadreRoster`).
    public var relativeResidentID: ResidentID?
    /// Masked numbers in this row that pass every check but end in `000` (`ResidentID.looksSpreadsheetDamaged`).
    public var idWarnings: [String] = []

    public init(kind: DatasetKind, row: Int, residentID: ResidentID, name: String, eventDate: CivilDate? = nil,
                month: YearMonth? = nil, amount: Money? = nil, values: [DatasetField: String] = [:],
                relativeResidentID: ResidentID? = nil) {
        self.kind = kind
        self.row = row
        self.residentID = residentID
        self.name = name
        self.eventDate = eventDate
        self.month = month
        self.amount = amount
        self.values = values
        self.relativeResidentID = relativeResidentID
    }

    /// What makes two rows the same fact (same key: one record; re-imports add nothing, field case C11).
    /// Contains ID numbers: stored only as a blind index.
    public var key: String {
        let v = { (f: DatasetField) in self.values[f] ?? "" }
        let d = eventDate?.description ?? ""
        let m = month?.description ?? ""
        let parts: [String]
        switch kind {
        case .deaths: parts = [residentID.value]
        case .hukouMoves: parts = [residentID.value, d, v(.eventType)]
        case .vehicles: parts = [residentID.value, v(.plate)]
        case .realEstate: parts = [residentID.value, v(.address)]
        case .businesses: parts = [residentID.value, v(.businessName), v(.eventType), d]
        case .publicEmployees: parts = [residentID.value, v(.employer)]
        case .socialInsurance, .housingFund: parts = [residentID.value, m, v(.employer)]
        case .medicalBills: parts = [residentID.value, d, amount?.yuanString ?? ""]
        case .cadreRoster: parts = [residentID.value, relativeResidentID?.value ?? ""]
        case .otherCountyRoster: parts = [residentID.value, v(.county), v(.programme), m]
        }
        return kind.rawValue + "|" + parts.joined(separator: "|")
    }

    /// The rest of the record: the same key with other content is a conflict, reported, not applied.
    public var content: String {
        var parts = [name, eventDate?.description ?? "", month?.description ?? "", amount?.yuanString ?? ""]
        // A death and its cremation, sent by the police and the funeral home, are one fact.
        for f in DatasetField.allCases where !(kind == .deaths && f == .eventType) {
            if let v = values[f] { parts.append("\(f.rawValue)=\(v)") }
        }
        return parts.joined(separator: "|")
    }
}

/// What is wrong with one cell.
public struct DatasetRowProblem: Hashable, Sendable, CustomStringConvertible {
    public var row: Int
    public var column: String
    public var value: String
    public var reason: String

    public init(row: Int, column: String, value: String, reason: String) {
        self.row = row
        self.column = column
        self.value = value
        self.reason = reason
    }

    public var description: String { "第 \(row) 行“\(column)”列“\(value)”：\(reason)" }
}

public struct DatasetRowProblems: Error, Hashable, Sendable {
    public var problems: [DatasetRowProblem]
    public init(_ problems: [DatasetRowProblem]) { self.problems = problems }
}

public enum DatasetError: Error, Equatable, Sendable {
    case unknownKind(String)
    case badMapping(String)
    case emptyFile
    case duplicateHeading(String)
    case missingColumns(kind: DatasetKind, missing: [String], headings: [String], looksLike: DatasetKind?)
    /// Rows refused (the first 100 problems, and how many rows had any); nothing was imported.
    case rowsRefused(problems: [DatasetRowProblem], rows: Int)
    /// Two rows of one file say different things about the same fact.
    case contradictoryRows(first: Int, second: Int, what: String)
    case unreadable(String)

    public var message: String {
        switch self {
        case .unknownKind(let t):
            return "数据类别“\(t)”无法识别：应为 " + DatasetKind.allCases.map { "\($0.rawValue)（\($0.chinese)）" }.joined(separator: "、") + " (unknown dataset kind)"
        case .badMapping(let m): return "列对照表有误：\(m)"
        case .emptyFile: return "文件没有内容（连标题行都没有） (empty file)"
        case .duplicateHeading(let h): return "标题行中“\(h)”出现两次，无法确定用哪一列 (heading appears twice)"
        case let .missingColumns(kind, missing, headings, looksLike):
            var text = "文件缺少\(kind.chinese)所需的列：\(missing.map { "“\($0)”" }.joined(separator: "、"))；文件的列为 \(headings.joined(separator: "、"))"
            if let other = looksLike { text += "。这份文件看起来是“\(other.chinese)”（\(other.rawValue)），请确认数据类别" }
            else { text += "。列名不同时请用 --mapping 指定列对照表" }
            return text + " (columns missing)"
        case let .rowsRefused(problems, rows):
            let shown = problems.map(\.description).joined(separator: "\n")
            return "有 \(rows) 行数据有误，整份文件未导入（全部导入或全部不导入）：\n\(shown) (rows refused; nothing imported)"
        case let .contradictoryRows(first, second, what):
            return "第 \(second) 行与第 \(first) 行是同一\(what)，但内容不同：请与数据来源单位核实后重新导出 (contradictory rows; nothing imported)"
        case .unreadable(let m): return "文件无法读取：\(m) (unreadable file)"
        }
    }
}
