import Domain
import FluentKit
import Foundation
import Persistence
import SQLKit

/// Builders for test households. IDs are made up (prefix 110101, checksum-valid).
public enum Fixtures {
    public static func member(_ id: String, _ name: String, _ rel: Relationship, status: MemberStatus = .active,
                              monthly: [(IncomeKind, String)] = []) -> Member {
        Member(residentID: try! ResidentID(id), name: name, relationship: rel, status: status,
               income: monthly.map { IncomeItem(kind: $0.0, period: .monthly, amount: try! Money(yuan: $0.1)) })
    }

    /// Stands for "an account of the household's own" (`account(for:)`): households never share one
    /// unless a test says so (field case C20 holds shared accounts).
    public static let ownAccount = "own"

    /// `6217` and 15 digits from the household id (FNV-1a): stable, and different for different ids.
    public static func account(for id: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in id.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return "6217" + String(format: "%015llu", h % 1_000_000_000_000_000)
    }

    /// A household in 桂花村 (the confirmed village) unless another village is given, with an account of
    /// its own unless `account` names one (nil: none).
    public static func household(_ id: String = UUID().uuidString.lowercased(), area: Area = .urban,
                                 village: String = "510921112243", account: String? = ownAccount,
                                 members: [Member]) -> HouseholdFile {
        let v = DivisionCode(village)!
        return HouseholdFile(id: id, countyCode: "510921", townshipCode: v.townshipCode, villageCode: v,
                             address: "测试地址", bankName: "四川农信",
                             bankAccount: account == ownAccount ? Self.account(for: id) : account,
                             composition: try! HouseholdComposition(area: area, members: members))
    }

    /// Field case C01's urban household H01: 张某甲 (wage 900), 李某, 张某乙 → 900.00 a month.
    public static func h01(id: String = "h01") -> HouseholdFile {
        household(id, account: "6217000000000001", members: [
            member("110101197503149130", "张某甲", .head, monthly: [(.wage, "900")]),
            member("110101197708029247", "李某", .spouse),
            member("110101200511209150", "张某乙", .child),
        ])
    }

    /// Registers `household` and enrolls it in 低保 from `from` at its assessed benefit (a decision of
    /// 2020-12-20 under the bundled policy), as the demo county does.
    public static func registerAndEnroll(_ household: HouseholdFile, from: String, on db: any Database) async throws {
        try await RegistryStore(db).register([household])
        let decision = try DibaoAssessment.assess(household.composition, month: month(from), policy: .pengxi2021)
        try await db.transaction { tx in
            try await EnrollmentStore.bulkApprove([.init(householdID: household.id, countyCode: household.countyCode,
                                                         decidedOn: date("2020-12-20"), decision: decision.benefitDecision)], on: tx)
        }
    }

    /// Registers `household` and enrolls it in 低保 from `from` under `policy`, keeping the assessment input
    /// (as decisions have since migration 0015), so a later standard can re-decide it (调标).
    public static func registerAndEnroll(_ household: HouseholdFile, from: String, policy: Policy, on db: any Database) async throws {
        try await RegistryStore(db).register([household])
        let input = AssessmentInput(household: household.composition, month: month(from))
        let decision = try DibaoRules().assess(input, policy: policy)
        try await db.transaction { tx in
            try await EnrollmentStore.bulkApprove([.init(householdID: household.id, countyCode: household.countyCode,
                                                         decidedOn: date("2020-12-20"), decision: decision, input: input)], on: tx)
        }
    }

    /// A test county whose urban standard is 500 from 2021-01; with `signed`, also 600 from 2021-07, signed
    /// on 2021-09-10 (a raise signed after July and August were paid: back pay, docs/adr/0016).
    /// `julyUrban` replaces the July standard (a lowered one, for the refusals).
    public static func urbanRaisedInJuly(signed: Bool, julyUrban: String = "600.00") -> PolicyFile {
        let dibao = { (urban: String) in
            #"{"standard": {"urban": "\#(urban)", "rural": "420.00"}, "method": "gap", "nearPovertyMultiplier": "1.5", "exemptIncome": ["basic-pension"], "gradualExitMonths": 6, "confirmationDelegatedToTownship": false}"#
        }
        let july = #", {"effective": "2021-07", "signed": "2021-09-10", "document": "测试调标文号", "dibao": \#(dibao(julyUrban))}"#
        return try! PolicyFile.parse(Data("""
            {"region": "510921", "name": "蓬溪县（测试）", "versions": [
              {"effective": "2021-01", "dibao": \(dibao("500.00"))}\(signed ? july : "")]}
            """.utf8))
    }

    /// Pengxi's 2021 低保 standards paid by tiers (分档, ADR 0015; test values: A 820, B 570).
    public static let pengxiTiered = try! PolicyFile.parse(Data("""
        {"region": "510921", "name": "蓬溪县（分档为测试值）", "versions": [
          {"effective": "2021-01", "dibao": {"standard": {"urban": "600.00", "rural": "420.00"}, "method": "tiered",
            "tiers": [{"code": "A", "name": "重病重残个人", "amount": "820.00"}, {"code": "B", "name": "其他成员", "amount": "570.00"}],
            "nearPovertyMultiplier": "1.5", "exemptIncome": ["basic-pension"], "gradualExitMonths": 6,
            "confirmationDelegatedToTownship": false}}]}
        """.utf8))

    /// Pengxi's 2021 standards with 特困 care standards for tests (the county's own are not known:
    /// rules.md §7): dispersed 721 / 412 / 0, centralized 1,030 / 618 / 82.42 a month; self-care `none`
    /// dispersed is 0, so a self-reliant person gets the basic standard alone, as in field case C02.
    public static let pengxiWithCare = try! PolicyFile.parse(Data("""
        {"region": "510921", "name": "蓬溪县（护理标准为测试值）", "versions": [
          {"effective": "2021-01",
           "dibao": {"standard": {"urban": "600.00", "rural": "420.00"}, "method": "gap", "nearPovertyMultiplier": "1.5",
                     "exemptIncome": ["basic-pension", "assistance"], "gradualExitMonths": 6, "confirmationDelegatedToTownship": false},
           "tekun": {"basic": {"urban": "780.00", "rural": "520.00"},
                     "care": {"dispersed": {"full": "721.00", "partial": "412.00", "none": "0.00"},
                              "centralized": {"full": "1030.00", "partial": "618.00", "none": "82.42"}},
                     "pensionCountedInStandard": false}}]}
        """.utf8))

    /// The bundled Pengxi 2021 policy with a 事实无人抚养儿童 amount of 900.00 (a test value: Pengxi's own is
    /// not known; 民发〔2019〕62号 links it to the orphan standard, 900 scattered).
    public static let pengxiWithChildren = try! PolicyFile.parse(Data(PolicyBook.bundledFile(region: "510921")!.text
        .replacingOccurrences(of: #""name": "蓬溪县","#, with: #""name": "蓬溪县（事实无人抚养为测试值）","#)
        .replacingOccurrences(of: #""orphan": {"#, with: #""unsupportedChild": { "amount": "900.00" }, "orphan": {"#).utf8))

    /// Pengxi's 2021 低保 standards with a 临时救助 section for tests (Sichuan's ranges and limits are not
    /// known, rules.md §3.3): base = urban 低保 600.00; emergency 2–4, expenditure 5–12, special 12–48
    /// months; township up to 2 months (1,200.00); yearly cap 3,000.00; procedure 15 WD; paperwork after
    /// 先行救助 5 WD. `paperwork: false` leaves the paperwork limit out; `cap` replaces the yearly cap.
    public static func pengxiWithTemporary(paperwork: Bool = true, cap: String = "3000.00", special: Bool = true) -> PolicyFile {
        try! PolicyFile.parse(Data("""
            {"region": "510921", "name": "蓬溪县（临时救助为测试值）", "versions": [
              {"effective": "2021-01",
               "dibao": {"standard": {"urban": "600.00", "rural": "420.00"}, "method": "gap", "nearPovertyMultiplier": "1.5",
                         "exemptIncome": ["basic-pension", "assistance"], "gradualExitMonths": 6, "confirmationDelegatedToTownship": false},
               "temporary": {"base": "urban-dibao",
                             "types": {"emergency": {"minMonths": "2", "maxMonths": "4"},
                                       "expenditure": {"minMonths": "5", "maxMonths": "12"}\(special ? #", "special": {"minMonths": "12", "maxMonths": "48"}"# : "")},
                             "townshipLimit": {"months": "2"}, "yearlyCap": {"amount": "\(cap)"},
                             "procedureWorkingDays": 15\(paperwork ? ", \"paperworkWorkingDays\": 5" : "")}}]}
            """.utf8))
    }

    /// Registers `household` with the columns of migration 0001 only (households, members, income), for
    /// tests that put data into an older schema before migrating it: today's `RegistryStore` writes
    /// columns later migrations add.
    public static func registerAtFirstSchema(_ household: HouseholdFile, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        let h = household
        try await sql.insert(into: "households").columns(
            "id", "county_code", "township_code", "village_code", "area", "address", "phone", "bank_name", "bank_account",
            "payee_resident_id", "is_demo", "created_at"
        ).values(h.id, h.countyCode, h.townshipCode.value, h.villageCode.value, h.area.rawValue, h.address, h.phone,
                 h.bankName, h.bankAccount, h.payeeResidentID?.value, h.isDemo, Date()).run()
        for (i, m) in h.composition.members.enumerated() {
            let memberID = UUID().uuidString.lowercased()
            try await sql.insert(into: "members").columns(
                "id", "household_id", "county_code", "resident_id", "name", "relationship", "sex", "birth_date", "status",
                "status_since", "disability_grade", "disability_type", "serious_illness", "schooling", "work_capacity", "position"
            ).values(memberID, h.id, h.countyCode, m.residentID.value, m.name, m.relationship.rawValue,
                     m.residentID.sex.rawValue, m.residentID.birthDate.description, m.status.rawValue,
                     m.statusSince?.description, m.disability?.grade, m.disability?.type.rawValue, m.seriousIllness,
                     m.schooling?.rawValue, m.workCapacity.rawValue, i).run()
            for item in m.income {
                try await sql.insert(into: "income_items").columns("id", "household_id", "member_id", "kind", "period", "amount_fen")
                    .values(UUID().uuidString.lowercased(), h.id, memberID, item.kind.rawValue, item.period.rawValue, item.amount.fen).run()
            }
        }
    }

    public static func date(_ s: String) -> CivilDate { try! CivilDate(parsing: s) }
    /// The blind index of an ID number under the test key, for a test's own SQL (ADR 0021).
    public static func index(_ residentID: String) -> String { TestDatabases.keys.index(residentID, as: .residentID) }
    public static func month(_ s: String) -> YearMonth { try! YearMonth(parsing: s) }
}

/// A dataset file's rows in memory (the first is the heading row): for store tests, which read no files.
public struct ArrayRows: DatasetRowSource {
    let rows: [[String]]
    var position = 0

    public init(_ rows: [[String]]) { self.rows = rows }

    public mutating func header() throws -> [DatasetCell]? {
        guard !rows.isEmpty else { return nil }
        position = 1
        return rows[0].map { DatasetCell($0) }
    }

    public mutating func next() throws -> (number: Int, cells: [DatasetCell])? {
        guard position < rows.count else { return nil }
        position += 1
        return (position, rows[position - 1].map { DatasetCell($0) })
    }

    /// A checksum standing for the file's (same rows, same checksum).
    public var checksum: String { rows.map { $0.joined(separator: "\u{1F}") }.joined(separator: "\u{1E}") }
}
