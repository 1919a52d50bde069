import Domain
import FluentKit
import Foundation
import SQLKit

/// The household registry (一户一档): households, members, income, documents.
public struct RegistryStore: Sendable {
    let database: any Database
    public let divisions: Divisions

    public init(_ database: any Database, divisions: Divisions = .pengxi) {
        self.database = database
        self.divisions = divisions
    }

    /// Registers households in one transaction: all or nothing.
    ///
    /// Each file's composition was checked by `HouseholdComposition`; here the village must be in the
    /// divisions table and no member may already belong to another household.
    /// - Throws: `RegistryError` naming the field and value; nothing is written.
    /// - Parameter audit: the audit entry of the change (who, from where), appended in the same
    ///   transaction with what was registered.
    public func register(_ files: [HouseholdFile], recording audit: AuditDraft? = nil) async throws {
        for f in files {
            let village = try divisions.village(f.villageCode.value)
            guard village.code.townshipCode == f.townshipCode else {
                throw RegistryError.invalidField(field: "township", value: f.townshipCode.value,
                                                 reason: "与村（社区）\(village.name) 所属乡镇不一致")
            }
        }
        try await database.transaction { db in
            try await insert(files, on: db.sql, checkExisting: true)
            if let audit {
                for f in files {
                    var a = audit
                    a.householdID = f.id
                    a.after = Self.describe(f)
                    try await AuditChain.append(a, on: db)
                }
            }
        }
    }

    /// A household as the audit trail keeps it: village, members (masked ID, name, relationship, status),
    /// payee; no income or account.
    static func describe(_ f: HouseholdFile) -> String {
        let members = f.composition.members.map { "\($0.name) \($0.residentID.masked) \($0.relationship.rawValue) \($0.status.rawValue)" }
        return "村 \(f.villageCode.value)；成员 \(members.joined(separator: "、"))；收款人 \(f.payee.residentID.masked)"
    }

    /// Runs `change` and appends `audit` (with the household, before and after) in one transaction.
    func recorded(_ audit: AuditDraft?, householdID: String, before: String?, after: String?,
                  _ change: @Sendable @escaping (any SQLDatabase) async throws -> Void) async throws {
        try await database.transaction { db in
            try await change(db.sql)
            if var a = audit {
                a.householdID = householdID
                a.before = before
                a.after = after
                try await AuditChain.append(a, on: db)
            }
        }
    }

    /// Bulk path for large loads (the demo county): the village is checked; the members are not looked up
    /// one by one (the unique index on resident_id_index still refuses a person in two households).
    /// Callers wrap it in their own transaction.
    public func registerBulk(_ files: [HouseholdFile], on db: any Database) async throws {
        for f in files { _ = try divisions.village(f.villageCode.value) }
        try await insert(files, on: db.sql, checkExisting: false)
    }

    func insert(_ files: [HouseholdFile], on sql: any SQLDatabase, checkExisting: Bool) async throws {
        let sealed = try Sealed(database)
        if checkExisting {
            let ids = files.flatMap { $0.composition.members.map(\.residentID.value) }
            var seen = Set<String>()
            for id in ids where !seen.insert(id).inserted {
                throw RegistryError.duplicateMember(ResidentID(trustedNormalized: id))
            }
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                struct Hit: Decodable { var id: String; var residentId: String; var householdId: String; var residentIdIndex: String }
                let indexes = sealed.indexes(chunk)
                let hits = try await sql.select().columns("id", "resident_id", "household_id", "resident_id_index").from("members")
                    .where(SQLIdentifier("resident_id_index"), .in, indexes).all(decoding: Hit.self, with: SQLSupport.decoder)
                // The first person of the files (in their order) already registered.
                if let hit = indexes.lazy.compactMap({ i in hits.first { $0.residentIdIndex == i } }).first {
                    throw RegistryError.memberInAnotherHousehold(try sealed.residentID("members", "resident_id", hit.residentId, row: hit.id),
                                                                 otherHousehold: hit.householdId)
                }
            }
        }
        let now = Date()
        var households: [[any Encodable & Sendable]] = []
        var members: [[any Encodable & Sendable]] = []
        var income: [[any Encodable & Sendable]] = []
        var assets: [[any Encodable & Sendable]] = []
        for f in files {
            for a in f.assets {
                assets.append([SQLSupport.newID(), f.id, a.kind.rawValue, a.description, a.value.fen])
            }
            households.append([f.id, f.countyCode, f.townshipCode.value, f.villageCode.value, f.area.rawValue,
                               f.address, f.phone, f.bankName, try sealed.seal(account: f.bankAccount),
                               sealed.index(account: f.bankAccount), f.accountHolder, f.accountChangedOn?.description,
                               try sealed.seal(f.payeeResidentID), sealed.index(f.payeeResidentID), f.isDemo, now])
            for (i, m) in f.composition.members.enumerated() {
                let memberID = SQLSupport.newID()
                members.append([memberID, f.id, f.countyCode, try sealed.seal(m.residentID), sealed.index(m.residentID), m.name, m.relationship.rawValue,
                                m.residentID.sex.rawValue, m.residentID.birthDate.description, m.status.rawValue,
                                m.statusSince?.description, m.disability?.grade, m.disability?.type.rawValue,
                                m.seriousIllness, m.schooling?.rawValue, m.workCapacity.rawValue, i,
                                m.tekunPlacement?.rawValue, m.selfCareFailed, m.childFacts?.placement?.rawValue,
                                m.childFacts?.father?.rawValue, m.childFacts?.mother?.rawValue, m.childFacts?.hivAffected,
                                m.childFacts?.disabilityAllowance.fen, m.dibaoTier])
                for item in m.income {
                    income.append([SQLSupport.newID(), f.id, memberID, item.kind.rawValue, item.period.rawValue,
                                   item.amount.fen])
                }
            }
        }
        try await SQLSupport.insert(into: "households", columns: [
            "id", "county_code", "township_code", "village_code", "area", "address", "phone", "bank_name",
            "bank_account", "bank_account_index", "account_holder", "bank_account_changed_on", "payee_resident_id",
            "payee_resident_index", "is_demo", "created_at",
        ], rows: households, on: sql)
        try await SQLSupport.insert(into: "members", columns: [
            "id", "household_id", "county_code", "resident_id", "resident_id_index", "name", "relationship", "sex", "birth_date", "status",
            "status_since", "disability_grade", "disability_type", "serious_illness", "schooling", "work_capacity",
            "position", "tekun_placement", "self_care_failed", "child_placement", "father_situation", "mother_situation",
            "hiv_affected", "disability_allowance_fen", "dibao_tier",
        ], rows: members, on: sql)
        try await SQLSupport.insert(into: "income_items", columns: [
            "id", "household_id", "member_id", "kind", "period", "amount_fen",
        ], rows: income, on: sql)
        try await SQLSupport.insert(into: "assets", columns: ["id", "household_id", "kind", "description", "value_fen"],
                                    rows: assets, on: sql)
    }

    struct HouseholdRow: Decodable {
        var id: String
        var countyCode: String
        var townshipCode: String
        var villageCode: String
        var area: String
        var address: String
        var phone: String?
        var bankName: String?
        var bankAccount: String?
        var payeeResidentId: String?
        var isDemo: Bool
        var accountHolder: String?
        var bankAccountChangedOn: String?
    }

    struct MemberRow: Decodable {
        var id: String
        var householdId: String
        var residentId: String
        var name: String
        var relationship: String
        var status: String
        var statusSince: String?
        var disabilityGrade: Int?
        var disabilityType: String?
        var seriousIllness: Bool
        var schooling: String?
        var workCapacity: String
        var tekunPlacement: String?
        var selfCareFailed: Int?
        var birthDate: String
        var childPlacement: String?
        var fatherSituation: String?
        var motherSituation: String?
        var hivAffected: Bool?
        var disabilityAllowanceFen: Int64?
        var dibaoTier: String?
    }

    struct IncomeRow: Decodable {
        var memberId: String
        var kind: String
        var period: String
        var amountFen: Int64
    }

    /// The household file, or nil.
    public func household(_ id: String) async throws -> HouseholdFile? {
        try await households([id]).first
    }

    /// Household files for `ids` (in no particular order).
    /// - Throws: `StoreError.conflict` for a stored birth date that disagrees with the ID number.
    public func households(_ ids: [String]) async throws -> [HouseholdFile] {
        try await load(ids, strict: true).files
    }

    /// Household files for `ids`, with the households whose records have a problem that stops computing
    /// for them (a birth date disagreeing with the ID) — for a payroll that holds those and pays the rest.
    public func householdsNoting(_ ids: [String]) async throws -> (files: [HouseholdFile], problems: [String: String]) {
        try await load(ids, strict: false)
    }

    func load(_ ids: [String], strict: Bool) async throws -> (files: [HouseholdFile], problems: [String: String]) {
        guard !ids.isEmpty else { return ([], [:]) }
        var problems: [String: String] = [:]
        let sql = database.sql
        let rows = try await sql.select().column("*").from("households").where(SQLIdentifier("id"), .in, ids)
            .all(decoding: HouseholdRow.self, with: SQLSupport.decoder)
        let memberRows = try await sql.select().column("*").from("members")
            .where(SQLIdentifier("household_id"), .in, ids).orderBy("position")
            .all(decoding: MemberRow.self, with: SQLSupport.decoder)
        let incomeRows = try await sql.select().columns("member_id", "kind", "period", "amount_fen").from("income_items")
            .where(SQLIdentifier("household_id"), .in, ids)
            .all(decoding: IncomeRow.self, with: SQLSupport.decoder)
        struct AssetRow: Decodable { var householdId: String; var kind: String; var description: String; var valueFen: Int64 }
        let assetRows = try await sql.select().columns("household_id", "kind", "description", "value_fen").from("assets")
            .where(SQLIdentifier("household_id"), .in, ids)
            .all(decoding: AssetRow.self, with: SQLSupport.decoder)
        let assetsByHousehold = Dictionary(grouping: assetRows, by: \.householdId)
        let incomeByMember = Dictionary(grouping: incomeRows, by: \.memberId)
        let membersByHousehold = Dictionary(grouping: memberRows, by: \.householdId)
        let ht = Stored("households"), mt = Stored("members"), it = Stored("income_items"), at = Stored("assets")
        let sealed = try Sealed(database)
        let files = try rows.map { r in
            let members = try (membersByHousehold[r.id] ?? []).map { m in
                let rid = try sealed.residentID("members", "resident_id", m.residentId, row: m.id)
                // The age every rule uses comes from the ID number; a stored birth date that disagrees
                // means the record was changed outside Jiuzhu, and nothing is computed from it.
                if try mt.date("birth_date", m.birthDate) != rid.birthDate {
                    let message = "成员\(m.name)（\(rid.masked)）登记的出生日期 \(m.birthDate) 与身份证号码中的出生日期 \(rid.birthDate) 不一致，已停止计算：请核实身份证号码或出生日期后更正 (birth date disagrees with the ID number)"
                    if strict { throw StoreError.conflict(message) }
                    problems[m.householdId] = message
                }
                var childFacts: ChildFacts?
                switch (m.childPlacement, m.fatherSituation, m.motherSituation) {
                case (nil, nil, nil): childFacts = nil
                case let (placement?, father?, mother?):
                    guard (m.disabilityAllowanceFen ?? 0) >= 0 else {
                        throw StoreError.unreadable(table: "members", column: "disability_allowance_fen", value: "\(m.disabilityAllowanceFen ?? 0)")
                    }
                    let cp: ChildPlacement = try mt.parse("child_placement", placement)
                    let fs: ParentSituation = try mt.parse("father_situation", father)
                    let ms: ParentSituation = try mt.parse("mother_situation", mother)
                    childFacts = ChildFacts(placement: cp, father: fs, mother: ms,
                                            hivAffected: m.hivAffected ?? false, disabilityAllowance: Money(fen: m.disabilityAllowanceFen ?? 0))
                case let (placement, father, mother):
                    throw StoreError.unreadable(table: "members", column: placement == nil ? "child_placement" : father == nil ? "father_situation" : "mother_situation",
                                                value: "NULL")
                }
                var disability: Disability?
                switch (m.disabilityGrade, m.disabilityType) {
                case (nil, nil): disability = nil
                case let (grade?, type?):
                    guard (1...4).contains(grade) else {
                        throw StoreError.unreadable(table: "members", column: "disability_grade", value: "\(grade)")
                    }
                    disability = Disability(grade: grade, type: try mt.parse("disability_type", type))
                case let (grade, type):
                    throw StoreError.unreadable(table: "members", column: grade == nil ? "disability_grade" : "disability_type",
                                                value: "NULL（另一列为 \(grade.map(String.init) ?? type ?? "")）")
                }
                return Member(residentID: rid, name: m.name,
                              relationship: try mt.parse("relationship", m.relationship),
                              status: try mt.parse("status", m.status),
                              statusSince: try mt.date("status_since", m.statusSince),
                              disability: disability,
                              seriousIllness: m.seriousIllness, schooling: try mt.parse("schooling", m.schooling),
                              workCapacity: try mt.parse("work_capacity", m.workCapacity),
                              income: try (incomeByMember[m.id] ?? []).map { i in
                                  IncomeItem(kind: try it.parse("kind", i.kind), period: try it.parse("period", i.period),
                                             amount: Money(fen: i.amountFen))
                              },
                              tekunPlacement: try mt.parse("tekun_placement", m.tekunPlacement),
                              selfCareFailed: try m.selfCareFailed.map { n throws(StoreError) in
                                  guard (0...6).contains(n) else {
                                      throw StoreError.unreadable(table: "members", column: "self_care_failed", value: "\(n)")
                                  }
                                  return n
                              },
                              childFacts: childFacts, dibaoTier: m.dibaoTier)
            }
            return HouseholdFile(
                id: r.id, countyCode: r.countyCode, townshipCode: try ht.division("township_code", r.townshipCode),
                villageCode: try ht.division("village_code", r.villageCode), address: r.address, phone: r.phone,
                bankName: r.bankName, bankAccount: try sealed.account("households", "bank_account", r.bankAccount, row: r.id),
                payeeResidentID: try sealed.residentID("households", "payee_resident_id", r.payeeResidentId, row: r.id),
                isDemo: r.isDemo,
                composition: try HouseholdComposition(area: try ht.parse("area", r.area), members: members),
                assets: try (assetsByHousehold[r.id] ?? []).map {
                    Asset(kind: try at.parse("kind", $0.kind), description: $0.description, value: Money(fen: $0.valueFen))
                },
                accountHolder: r.accountHolder,
                accountChangedOn: try r.bankAccountChangedOn.map { try ht.date("bank_account_changed_on", $0) })
        }
        return (files, problems)
    }

    /// The member's resident ID (身份证号码) from its row id.
    /// - Throws: `StoreError.notFound` naming the member id.
    public func residentID(ofMember memberID: String) async throws -> ResidentID {
        struct Row: Decodable { var residentId: String }
        guard let r = try await database.sql.select().column("resident_id").from("members")
            .where(SQLIdentifier("id"), .equal, memberID).first(decoding: Row.self, with: SQLSupport.decoder)
        else { throw StoreError.notFound(what: "成员", id: memberID) }
        return try Sealed(database).residentID("members", "resident_id", r.residentId, row: memberID)
    }

    /// The member row id of a registered person, for enrollments and payroll lines that point at one member.
    /// - Throws: `StoreError.notFound` naming the (masked) ID.
    /// The households in `scope` where a member has this ID number (`text` parses as one) or exactly this
    /// name (at most 200): the person an auditor asks about.
    public func households(ofPerson text: String, in scope: AccessScope) async throws -> [String] {
        struct Row: Decodable { var id: String }
        let t = text.trimmingCharacters(in: .whitespaces)
        let sealed = try Sealed(database)
        let member: SQLQueryString = (try? ResidentID(t)).map { " m.resident_id_index = \(bind: sealed.index($0)) " } ?? " m.name = \(bind: t) "
        return try await database.sql.raw("SELECT DISTINCT h.id FROM households h JOIN members m ON m.household_id = h.id WHERE "
            + member + " AND " + SQLFragments.inScope("h", scope) + " ORDER BY h.id LIMIT 200").all(decoding: Row.self).map(\.id)
    }

    public func memberID(of residentID: ResidentID) async throws -> String {
        struct Row: Decodable { var id: String }
        guard let r = try await database.sql.select().column("id").from("members")
            .where(SQLIdentifier("resident_id_index"), .equal, try Sealed(database).index(residentID)).first(decoding: Row.self)
        else { throw StoreError.notFound(what: "成员", id: residentID.masked) }
        return r.id
    }

    /// The member row ids of registered persons, by ID number (bulk, 500 a query); a person not registered
    /// is left out.
    public static func memberIDs(of residentIDs: [ResidentID], on db: any Database) async throws -> [ResidentID: String] {
        struct Row: Decodable { var id: String; var residentIdIndex: String }
        let sealed = try Sealed(db)
        var out: [ResidentID: String] = [:]
        let byIndex = Dictionary(residentIDs.map { (sealed.index($0), $0) }, uniquingKeysWith: { a, _ in a })
        let values = Array(byIndex.keys)
        for chunk in stride(from: 0, to: values.count, by: 500) {
            for r in try await db.sql.select().columns("id", "resident_id_index").from("members")
                .where(SQLIdentifier("resident_id_index"), .in, SQLBind.group(Array(values[chunk..<min(chunk + 500, values.count)])))
                .all(decoding: Row.self, with: SQLSupport.decoder) {
                if let rid = byIndex[r.residentIdIndex] { out[rid] = r.id }
            }
        }
        return out
    }

    /// Searches households by head or member name (substring) or resident ID (exact, normalised),
    /// filtered by township and by an active programme in `month`.
    public func search(in scope: AccessScope, text: String?, townshipCode: String?, programme: Programme?, month: YearMonth,
                       limit: Int = 50, offset: Int = 0) async throws -> (rows: [HouseholdSummary], total: Int) {
        let sql = database.sql
        // Built with SQLQueryString so values are always bound, never spliced. Only the user's area.
        var whereSQL = SQLFragments.inScope("h", scope)
        if let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            if let id = try? ResidentID(text) {
                whereSQL = whereSQL + SQLQueryString(" AND h.id IN (SELECT household_id FROM members WHERE resident_id_index = \(bind: try Sealed(database).index(id)))")
            } else {
                // The clerk's text is matched literally: LIKE wildcards in it are escaped.
                let literal = text.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                whereSQL = whereSQL + SQLQueryString(" AND h.id IN (SELECT household_id FROM members WHERE name LIKE \(bind: "%" + literal + "%") ESCAPE '\\')")
            }
        }
        if let t = townshipCode, !t.isEmpty {
            whereSQL = whereSQL + SQLQueryString(" AND h.township_code = \(bind: t)")
        }
        if let programme {
            whereSQL = whereSQL + SQLQueryString(" AND h.id IN (SELECT e.household_id FROM enrollments e WHERE e.programme = \(bind: programme.rawValue) AND ")
                + SQLFragments.active("e", in: month) + SQLQueryString(")")
        }
        struct CountRow: Decodable { var n: Int }
        let total = try await sql.raw(SQLQueryString("SELECT COUNT(*) AS n FROM households h WHERE ") + whereSQL)
            .first(decoding: CountRow.self)?.n ?? 0
        struct Row: Decodable {
            var id: String
            var townshipCode: String
            var villageCode: String
            var area: String
            var isDemo: Bool
            var headName: String?
            var headResidentId: String?
            var headMemberId: String?
            var memberCount: Int
            var benefitFen: Int64?
        }
        let active = SQLFragments.active("e", in: month)
        let query = SQLQueryString("""
            SELECT h.id, h.township_code, h.village_code, h.area, h.is_demo,
              (SELECT name FROM members m WHERE m.household_id = h.id AND m.relationship = 'head') AS head_name,
              (SELECT resident_id FROM members m WHERE m.household_id = h.id AND m.relationship = 'head') AS head_resident_id,
              (SELECT id FROM members m WHERE m.household_id = h.id AND m.relationship = 'head') AS head_member_id,
              (SELECT COUNT(*) FROM members m WHERE m.household_id = h.id) AS member_count,
              (SELECT CAST(SUM(monthly_benefit_fen) AS BIGINT) FROM enrollments e WHERE e.household_id = h.id AND
            """) + active + SQLQueryString("""
            ) AS benefit_fen
            FROM households h WHERE
            """) + whereSQL + SQLQueryString(" ORDER BY h.township_code, h.village_code, h.id LIMIT \(bind: limit) OFFSET \(bind: offset)")
        let rows = try await sql.raw(query).all(decoding: Row.self, with: SQLSupport.decoder)
        let programmes = try await activeProgrammes(of: rows.map(\.id), in: month)
        let sealed = try Sealed(database)
        return (try rows.map { r in
            guard let headName = r.headName, let headID = r.headResidentId else {
                throw StoreError.unreadable(table: "members", column: "relationship", value: "户 \(r.id) 没有户主（head）")
            }
            return HouseholdSummary(id: r.id, headName: headName,
                                    headResidentID: try sealed.residentID("members", "resident_id", headID, row: r.headMemberId ?? r.id),
                                    townshipCode: r.townshipCode, villageCode: r.villageCode,
                                    area: try Stored("households").parse("area", r.area), memberCount: r.memberCount,
                                    activeProgrammes: programmes[r.id] ?? [],
                                    monthlyBenefit: r.benefitFen.map(Money.init(fen:)), isDemo: r.isDemo)
        }, total)
    }

    /// The programmes each household (or a member of it) is enrolled in during `month`, in `Programme` order.
    func activeProgrammes(of households: [String], in month: YearMonth) async throws -> [String: [Programme]] {
        guard !households.isEmpty else { return [:] }
        struct Row: Decodable { var householdId: String; var programme: String }
        let rows = try await database.sql.raw(SQLQueryString("SELECT DISTINCT e.household_id, e.programme FROM enrollments e WHERE e.household_id IN (\(binds: households)) AND ")
            + SQLFragments.active("e", in: month)).all(decoding: Row.self, with: SQLSupport.decoder)
        let t = Stored("enrollments")
        var out: [String: [Programme]] = [:]
        for r in rows { out[r.householdId, default: []].append(try t.parse("programme", r.programme)) }
        let order = Programme.allCases
        return out.mapValues { $0.sorted { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! } }
    }

    /// Designates the member paid on behalf of the household (the head when `residentID` is the head).
    /// - Throws: `StoreError.notFound` unless the person is an active member of this household.
    public func setPayee(householdID: String, residentID: ResidentID, recording audit: AuditDraft? = nil) async throws {
        guard let h = try await household(householdID),
              let m = h.composition.members.first(where: { $0.residentID == residentID }), m.status.counts
        else { throw StoreError.notFound(what: "本户在户成员", id: residentID.masked) }
        let sealed = try Sealed(database)
        let payee = m.relationship == .head ? nil : residentID
        try await recorded(audit, householdID: householdID, before: "收款人 \(h.payee.name) \(h.payee.residentID.masked)",
                           after: "收款人 \(m.name) \(residentID.masked)") { sql in
            try await sql.update("households")
                .set("payee_resident_id", to: try sealed.seal(payee)).set("payee_resident_index", to: sealed.index(payee))
                .where(SQLIdentifier("id"), .equal, householdID).run()
        }
    }

    /// Changes the household's bank account (and its holder's name, 户名, when it is not the payee's), dated
    /// `on`: the first payment to an account changed shortly before it is held `ACCOUNT_CHANGED` until a
    /// person releases it (field case C20).
    /// - Throws: `StoreError.notFound` for an unknown household; `StoreError.outOfRange` for an account with
    ///   no digits.
    public func setBankAccount(householdID: String, bankName: String?, account: String, holder: String?, on date: CivilDate,
                               recording audit: AuditDraft? = nil) async throws {
        // Stored as the bank reads it: digits (and letters) only, 8–30 of them (field case C20 compares them so).
        let key = PayeeChecks.accountKey(account)
        guard (8...30).contains(key.count), key.contains(where: { $0 != "0" }) else {
            throw StoreError.outOfRange("银行账号“\(account)”应为 8–30 位数字，未变更 (an account number has 8–30 digits)")
        }
        let account = key
        guard let h = try await household(householdID) else { throw StoreError.notFound(what: "家庭", id: householdID) }
        let sealed = try Sealed(database)
        let last4 = { (a: String?) in a.map { "尾号 " + String(PayeeChecks.accountKey($0).suffix(4)) } ?? "—" }
        try await recorded(audit, householdID: householdID,
                           before: "收款账户 \(h.bankName ?? "—") \(last4(h.bankAccount)) 户名 \(h.accountHolder ?? h.payee.name)",
                           after: "收款账户 \(bankName ?? "—") \(last4(account)) 户名 \(holder ?? h.payee.name)，\(date) 变更") { sql in
            try await sql.update("households")
                .set("bank_name", to: bankName).set("bank_account", to: try sealed.seal(account: account))
                .set("bank_account_index", to: sealed.index(account: account)).set("account_holder", to: holder)
                .set("bank_account_changed_on", to: date.description)
                .where(SQLIdentifier("id"), .equal, householdID).run()
        }
    }

    /// True when any household is demo data (演示数据).
    public func containsDemoData() async throws -> Bool {
        struct Row: Decodable { var id: String }
        return try await database.sql.select().column("id").from("households")
            .where(SQLIdentifier("is_demo"), .equal, true).limit(1).first(decoding: Row.self) != nil
    }

    /// Records a member's status change (death, moving out…) with the date it began.
    /// - Throws: `StoreError.notFound` when the ID is not registered.
    public func setStatus(of residentID: ResidentID, to status: MemberStatus, since: CivilDate?,
                          recording audit: AuditDraft? = nil) async throws {
        struct Row: Decodable { var householdId: String; var status: String; var statusSince: String? }
        guard let row = try await database.sql.select().columns("household_id", "status", "status_since").from("members")
            .where(SQLIdentifier("resident_id_index"), .equal, try Sealed(database).index(residentID)).first(decoding: Row.self, with: SQLSupport.decoder)
        else { throw StoreError.notFound(what: "成员", id: residentID.masked) }
        try await recorded(audit, householdID: row.householdId,
                           before: "\(residentID.masked) \(row.status) \(row.statusSince ?? "")",
                           after: "\(residentID.masked) \(status.rawValue) \(since?.description ?? "")") { sql in
            try await sql.update("members").set("status", to: status.rawValue).set("status_since", to: since?.description)
                .where(SQLIdentifier("resident_id_index"), .equal, try Sealed(database).index(residentID)).run()
        }
    }

    /// Records a member's 特困 case facts: the placement chosen (暂行办法 Art. 19) and the county's
    /// self-care assessment (TK-2021 Arts. 20–22) with its date. A re-assessment replaces the previous one.
    /// - Throws: `StoreError.notFound` unless the person is an active member of this household;
    ///   `StoreError.outOfRange` for a count outside 0–6 or a date after today.
    /// Records a child's facts for 孤儿 / 事实无人抚养儿童 (the township's check): placement, each parent's
    /// situation, HIV, and the hardship disability allowance received (fen a month, ≥ 0).
    /// - Throws: `StoreError.notFound` for a member not active in the household; `.outOfRange` for a negative
    ///   allowance or a member 18 or older on `today` (facts are recorded for children).
    public func setChildFacts(householdID: String, residentID: ResidentID, placement: ChildPlacement, father: ParentSituation,
                              mother: ParentSituation, hivAffected: Bool, disabilityAllowance: Money, today: CivilDate,
                              recording audit: AuditDraft? = nil) async throws {
        let facts = ChildFacts(placement: placement, father: father, mother: mother, hivAffected: hivAffected,
                               disabilityAllowance: disabilityAllowance)
        guard facts.disabilityAllowance >= .zero else {
            throw StoreError.outOfRange("困难残疾人生活补贴“\(facts.disabilityAllowance.yuanString)”不能为负数 (negative allowance)")
        }
        guard let h = try await household(householdID),
              let m = h.composition.members.first(where: { $0.residentID == residentID }), m.status.counts
        else { throw StoreError.notFound(what: "本户在户成员", id: residentID.masked) }
        guard residentID.age(on: today) < 18 || m.childFacts != nil else {
            throw StoreError.outOfRange("\(m.name)已满18周岁（\(residentID.age(on: today)) 岁），不能新登记儿童情况 (not a child)")
        }
        func text(_ f: ChildFacts?) -> String? {
            f.map { "\(residentID.masked) \($0.placement?.rawValue ?? "—") 父 \($0.father?.rawValue ?? "—") 母 \($0.mother?.rawValue ?? "—") HIV \($0.hivAffected) 补贴 \($0.disabilityAllowance.yuanString)" }
        }
        try await recorded(audit, householdID: householdID, before: text(m.childFacts), after: text(facts)) { sql in
            try await sql.update("members")
                .set("child_placement", to: placement.rawValue).set("father_situation", to: father.rawValue)
                .set("mother_situation", to: mother.rawValue).set("hiv_affected", to: facts.hivAffected)
                .set("disability_allowance_fen", to: facts.disabilityAllowance.fen)
                .where(SQLIdentifier("household_id"), .equal, householdID)
                .where(SQLIdentifier("resident_id_index"), .equal, try Sealed(database).index(residentID)).run()
        }
    }

    /// Records the 分档 tier the township assigned a member (ADR 0015), or clears it (`nil`). The code must be
    /// one the 低保 version in force in `today`'s month lists, and that version must be tiered.
    /// - Throws: `StoreError.notFound` unless the person is an active member of this household;
    ///   `StoreError.outOfRange` naming the code and the codes the version lists, or saying the version uses
    ///   the gap method; `PolicyError` when no version is in force.
    public func setDibaoTier(householdID: String, residentID: ResidentID, tier: String?, today: CivilDate,
                             recording audit: AuditDraft? = nil) async throws {
        guard let h = try await household(householdID),
              let member = h.composition.members.first(where: { $0.residentID == residentID && $0.status.counts })
        else { throw StoreError.notFound(what: "本户在户成员", id: residentID.masked) }
        if let tier {
            let policy = try await PolicyStore(database).policy(region: h.countyCode, month: today.yearMonth)
            let dibao = try policy.dibaoPolicy()
            guard dibao.method == .tiered else {
                throw StoreError.outOfRange("政策 \(policy.version) 的低保按补差方法计算，不分档，不能登记档次“\(tier)” (the policy uses the gap method)")
            }
            guard dibao.tier(tier) != nil else {
                throw StoreError.outOfRange("档次“\(tier)”不是政策 \(policy.version) 所列的档次；可用档次 \(dibao.tierCodes) (unknown tier)")
            }
        }
        try await recorded(audit, householdID: householdID, before: "\(residentID.masked) 档次 \(member.dibaoTier ?? "无")",
                           after: "\(residentID.masked) 档次 \(tier ?? "无")") { sql in
            try await sql.update("members").set("dibao_tier", to: tier)
                .where(SQLIdentifier("household_id"), .equal, householdID)
                .where(SQLIdentifier("resident_id_index"), .equal, try Sealed(database).index(residentID)).run()
        }
    }

    public func setTekunFacts(householdID: String, residentID: ResidentID, placement: TekunPlacement, selfCareFailed: Int,
                              assessedOn: CivilDate, today: CivilDate, recording audit: AuditDraft? = nil) async throws {
        guard (0...6).contains(selfCareFailed) else {
            throw StoreError.outOfRange("六项指标中不能达到的项数应为 0–6，收到 \(selfCareFailed) (0–6)")
        }
        guard assessedOn <= today else {
            throw StoreError.outOfRange("评估日期 \(assessedOn) 晚于今天（\(today)） (date in the future)")
        }
        guard assessedOn >= residentID.birthDate else {
            throw StoreError.outOfRange("评估日期 \(assessedOn) 早于出生日期 \(residentID.birthDate) (assessed before birth)")
        }
        guard let h = try await household(householdID),
              let m = h.composition.members.first(where: { $0.residentID == residentID }), m.status.counts
        else { throw StoreError.notFound(what: "本户在户成员", id: residentID.masked) }
        // A later assessment replaces an earlier one, never the other way round.
        struct Row: Decodable { var selfCareAssessedOn: String? }
        if let row = try await database.sql.select().column("self_care_assessed_on").from("members")
            .where(SQLIdentifier("household_id"), .equal, householdID)
            .where(SQLIdentifier("resident_id_index"), .equal, try Sealed(database).index(residentID)).first(decoding: Row.self, with: SQLSupport.decoder),
           let previous = try Stored("members").date("self_care_assessed_on", row.selfCareAssessedOn), assessedOn < previous {
            throw StoreError.outOfRange("评估日期 \(assessedOn) 早于已登记的评估（\(previous)）：较早的评估不能替换较新的 (older than the recorded assessment)")
        }
        let before = m.tekunPlacement.map { "\(residentID.masked) \($0.rawValue) 不能达到 \(m.selfCareFailed.map(String.init) ?? "—") 项" }
        try await recorded(audit, householdID: householdID, before: before,
                           after: "\(residentID.masked) \(placement.rawValue) 不能达到 \(selfCareFailed) 项（\(assessedOn) 评估）") { sql in
            try await sql.update("members")
                .set("tekun_placement", to: placement.rawValue).set("self_care_failed", to: selfCareFailed)
                .set("self_care_assessed_on", to: assessedOn.description)
                .where(SQLIdentifier("household_id"), .equal, householdID)
                .where(SQLIdentifier("resident_id_index"), .equal, try Sealed(database).index(residentID)).run()
        }
    }
}
