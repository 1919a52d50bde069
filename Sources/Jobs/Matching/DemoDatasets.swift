import Domain
import FluentKit
import Foundation
import Persistence

/// The demo county's matching and monitoring (issue 8): four synthetic files of the kind other departments send at the
/// end of 2021, written beside the demo database and imported as a clerk would, then January 2022's 低保
/// batch generated as a draft so the held lines show:
/// - 县公安局 deaths: three recipients' spouses died in December (hits that hold January), one name and birth
///   date matching a recipient under another number (a near match for a person), one person not in the
///   registry;
/// - 县财政局 public employees: one recipient household's head, and two who receive nothing;
/// - 县委组织部 cadre roster: a village secretary's wife in a recipient household (近亲属: register separately,
///   county visit) and the relative of a household whose application waits for county review (备案 first);
/// - 县医疗保障局 large medical bills: three recipients' heads (early warnings) and one person not registered;
/// and the monitoring loop at every stage (`monitoringLoop`).
/// Idempotent: the same files again change nothing.
public struct DemoDatasets: Sendable {
    public let database: any Database
    public let countyCode: String
    public let directory: URL
    /// The day the files arrive (the demo year's end).
    public let arrival = CivilDate(year: 2021, month: 12, day: 20)!

    public init(database: any Database, countyCode: String, directory: URL) {
        self.database = database
        self.countyCode = countyCode
        self.directory = directory
    }

    public struct Summary: Sendable {
        public var imports: [DatasetImportResult]
        /// January 2022's 低保 batch (a draft) and its lines held by a hit.
        public var january: PayrollStore.Generation?
        public var heldByMatching: Int
    }

    /// A made-up Pengxi number: the birth date and a sequence, with its check character.
    static func number(_ birth: String, _ seq: Int) -> String {
        let body = "510921" + birth + String(format: "%03d", seq)
        return body + String(ResidentID.checkCharacter(for: Array(body)))
    }

    public func load() async throws -> Summary {
        let payroll = PayrollStore(database)
        guard let december = try await payroll.batch(countyCode: countyCode, programme: DemoCounty.programme, month: YearMonth(year: 2021, month: 12)!)
        else { return Summary(imports: [], january: nil, heldByMatching: 0) }
        let registry = RegistryStore(database)
        // Households paid in December with a spouse: their members in the clear (the files are made up of them).
        var families: [HouseholdFile] = []
        for id in Array(Set(try await payroll.lines(of: december.id, limit: 400).map(\.householdID))).sorted() where families.count < 6 {
            guard let h = try await registry.household(id), h.composition.members.count >= 2,
                  h.composition.members.contains(where: { $0.relationship == .spouse && $0.status == .active }) else { continue }
            families.append(h)
        }
        guard families.count == 6 else { return Summary(imports: [], january: nil, heldByMatching: 0) }
        func spouse(_ h: HouseholdFile) -> Member { h.composition.members.first { $0.relationship == .spouse }! }
        let near = spouse(families[3])
        let seq = Int(near.residentID.value.dropFirst(14).prefix(3))!
        let nearNumber = String(near.residentID.value.prefix(14)) + String(format: "%03d", (seq + 2) % 1000)
        let nearID = nearNumber + String(ResidentID.checkCharacter(for: Array(nearNumber)))
        var deaths = [["姓名", "身份证号", "死亡日期", "类别"]]
        for (i, h) in families.prefix(3).enumerated() {
            deaths.append([spouse(h).name, spouse(h).residentID.value, "2021-12-0\(i + 2)", i == 1 ? "火化" : "死亡"])
        }
        deaths.append([near.name, nearID, "2021-12-05", "死亡"])
        deaths.append(["何某某", Self.number("19380305", 31), "2021-12-06", "死亡"])
        let head = families[4].composition.members.first { $0.relationship == .head }!
        let employees = [["姓名", "身份证号", "工作单位", "入职日期"],
                         [head.name, head.residentID.value, "蓬溪县某镇人民政府", "2021-03-01"],
                         ["邓某某", Self.number("19850612", 42), "蓬溪县人民医院", "2010-08-01"],
                         ["罗某某", Self.number("19900221", 58), "蓬溪县第一中学", "2013-09-01"]]
        var cadres = [["姓名", "身份证号", "职务", "亲属姓名", "亲属身份证号", "关系"],
                      ["冯某某", Self.number("19700115", 17), "村党支部书记", spouse(families[5]).name, spouse(families[5]).residentID.value, "配偶"]]
        // The household whose application waits for county review with a close relative (demo-app-08).
        if let applicant = try await registry.household("demo-app-08")?.composition.members.first {
            cadres.append(["曾某某", Self.number("19680730", 23), "村委会委员", applicant.name, applicant.residentID.value, "兄弟姐妹"])
        }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var imports: [DatasetImportResult] = []
        var bills = [["姓名", "身份证号", "结算日期", "个人自付金额"]]
        for (i, h) in families[1...3].enumerated() {
            let head = h.composition.members.first { $0.relationship == .head }!
            bills.append([head.name, head.residentID.value, "2021-12-1\(i)", ["23456.70", "18200.00", "31050.40"][i]])
        }
        bills.append(["唐某某", Self.number("19560918", 64), "2021-12-12", "45000.00"])
        for (kind, source, name, rows) in [(DatasetKind.deaths, "县公安局", "2021年12月死亡人员信息.csv", deaths),
                                           (.publicEmployees, "县财政局", "财政供养人员名单.csv", employees),
                                           (.cadreRoster, "县委组织部", "村干部及近亲属备案名册.csv", cadres),
                                           (.medicalBills, "县医疗保障局", "2021年12月大额医疗费用.csv", bills)] {
            let url = directory.appendingPathComponent(name)
            let text = rows.map { $0.joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
            try Data(("\u{FEFF}" + text).utf8).write(to: url, options: .atomic)
            imports.append(try await DatasetImport.run(kind: kind, file: url, source: source, mappingText: nil, countyCode: countyCode,
                                                       actor: "demo", database: database, today: { [arrival] in arrival }))
        }
        // The recipient household's 近亲属 confirmed by the township and filed; the applicant's waits for a person.
        let store = MatchStore(database, today: { [arrival] in arrival })
        for hit in imports[2].hits where hit.householdID == families[5].id && hit.status == .open {
            try await store.decide(hit.id, .confirmed, note: "经核实属实，村党支部书记之妻，单独登记备案", actor: "demo")
        }
        try await monitoringLoop(families: families)
        let january = try await PayrollStore(database, today: { [arrival] in arrival })
            .generate(programme: DemoCounty.programme, month: YearMonth(year: 2022, month: 1)!, countyCode: countyCode, actor: "demo")
        let held = january.holds.filter { $0.reason.hasPrefix("MATCH_HIT") }.count
        return Summary(imports: imports, january: january, heldByMatching: held)
    }

    /// The loop at every stage, from the medical bills' warnings (raised 12-20): one verified, one verified and
    /// referred to 医保 (with its feedback), one waiting; a flood warning raised on 12-01 and overdue; a
    /// person with no file referred to 教育 at the window; a near-poverty household registered. Each step is
    /// taken only from the stage before it, so a second run changes nothing.
    func monitoringLoop(families: [HouseholdFile]) async throws {
        let monitoring = MonitoringStore(database, today: { CivilDate(year: 2021, month: 12, day: 31)! })
        let scope = AccessScope.county(countyCode)
        let warnings = try await monitoring.warnings(in: scope).filter { $0.warning.source == .medicalBill }
            .sorted { $0.warning.detail < $1.warning.detail }
        let visit = { (day: Int) in
            HomeVisit(date: CivilDate(year: 2021, month: 12, day: day)!, investigators: ["乡镇 王强", "村委 李芳"],
                      findings: "入户核实：住院治疗，自付费用较高，家庭收入无变化")
        }
        if warnings.count == 3 {
            if warnings[0].warning.stage == .raised { try await monitoring.verify(warnings[0].id, visit: visit(22), actor: "demo") }
            if warnings[1].warning.stage == .raised {
                try await monitoring.verify(warnings[1].id, visit: visit(22), actor: "demo")
                try await monitoring.close(warnings[1].id, outcome: .referral(.medical), note: "申请重特大疾病医疗救助",
                                           on: CivilDate(year: 2021, month: 12, day: 23)!, actor: "demo")
            }
        }
        let all = try await monitoring.warnings(in: scope)
        if !all.contains(where: { $0.warning.source == .disaster }) {
            try await monitoring.raise(householdID: families[0].id, source: .disaster, detail: "暴雨致房屋部分受损",
                                       on: CivilDate(year: 2021, month: 12, day: 1)!, actor: "demo")
        }
        let referrals = try await monitoring.referrals(in: scope)
        if !referrals.contains(where: { $0.referral.department == .education }) {
            let id = try await monitoring.refer(householdID: nil, personName: "路某某", townshipCode: families[0].townshipCode.value,
                                                department: .education, request: "子女高中学费困难，申请教育资助",
                                                on: CivilDate(year: 2021, month: 12, day: 6)!, actor: "demo")
            try await monitoring.closeReferral(id, feedback: "已纳入普通高中国家助学金", on: CivilDate(year: 2021, month: 12, day: 15)!, actor: "demo")
        }
        for r in try await monitoring.referrals(in: scope) where r.referral.department == .medical && r.referral.closedOn == nil {
            try await monitoring.closeReferral(r.id, feedback: "已给予医疗救助 6,000 元", on: CivilDate(year: 2021, month: 12, day: 28)!, actor: "demo")
        }
        try await monitoring.register(householdID: families[4].id, category: .rigidExpenditure, since: CivilDate(year: 2021, month: 12, day: 20)!,
                                      source: "manual", note: "子女大学学费和慢性病医疗支出占家庭收入比例较高", actor: "demo")
    }
}
