import Foundation
import Testing
@testable import Domain

/// 低保 by the tiered method (分档, DB-2021 Art. 23; rules.md §1.9, §8 example 6; docs/adr/0015): eligibility
/// by the gap test, the amount by the counted members' tiers.
@Suite struct TieredMethodTests {
    /// Putian Xiuyu 2023, the tiers of rules.md §8 example 6 (D is 450: the page's "4550" is a typo).
    /// The standard (urban and rural 850.00) is NOT in rules.md: it is an assumption for this test only
    /// (docs/adr/0015), chosen above the highest tier so that a household with no income is eligible.
    static let tiers = #"[{"code": "A", "name": "重病重残个人", "amount": "820.00"}, {"code": "B", "name": "单人户", "amount": "820.00"}, {"code": "C", "name": "无劳动能力低收入", "amount": "570.00"}, {"code": "D", "name": "劳动能力较弱", "amount": "450.00"}, {"code": "E", "name": "有劳动能力收入稳定", "amount": "370.00"}]"#
    static let text = """
        {"region": "350305", "name": "莆田市秀屿区（示例）", "versions": [
          {"effective": "2023-01", "dibao": {"standard": {"urban": "850.00", "rural": "850.00"}, "method": "tiered",
            "tiers": \(tiers),
            "nearPovertyMultiplier": "1.5", "exemptIncome": ["scholarship"], "gradualExitMonths": 6,
            "confirmationDelegatedToTownship": false}}]}
        """
    static let file = try! PolicyFile.parse(Data(text.utf8))
    static let xiuyu = file.versions[0]
    static let codes = ["A", "B", "C", "D", "E"]
    static let source = "民发〔2021〕57号 第23条；县政策 350305/2023-01 dibao.tiers"

    func evaluate(_ json: String, book: PolicyBook = PolicyBook(TieredMethodTests.file.versions),
                  region: String = "350305") throws(AssessError) -> AssessContract.Response {
        try AssessContract.evaluate(json: Data(json.utf8), policyBook: book, defaultRegion: region)
    }

    /// A member of the contract's input: `"tier"` only when given.
    static func input(_ i: Int, _ name: String, _ rel: String, tier: String?, income: String? = nil,
                       extra: String = "") -> String {
        let t = tier.map { #","tier":"\#($0)""# } ?? ""
        let inc = income.map { #","income":[{"kind":"wage","monthly":"\#($0)"}]"# } ?? ""
        return #"{"id":"\#(ids[i])","name":"\#(name)","relationship":"\#(rel)"\#(t)\#(inc)\#(extra)}"#
    }

    static func household(_ members: [String], program: String = "dibao", month: String = "2023-06") -> String {
        #"{"program":"\#(program)","month":"\#(month)","area":"rural","members":[\#(members.joined(separator: ","))]}"#
    }

    // MARK: through the assess contract

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let json: String
        let eligible: Bool
        let benefit: String
        let components: [AssessContract.Response.Component]
        let reasons: [String]
        /// The trace's `分档` lines, in member order.
        let tierLines: [String]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "§8 #6: single-person household, tier B, no income → 820.00",
             json: household([input(0, "张三", "head", tier: "B")]),
             eligible: true, benefit: "820.00", components: [.init(kind: "basic", amount: "820.00")], reasons: [],
             tierLines: ["分档：张三 B档（单人户）820.00 元（\(source)）"]),
        Case(name: "A + C + D, income 900: gap 1650 > 0, amount 820 + 570 + 450 = 1840.00",
             json: household([input(0, "张三", "head", tier: "A", income: "900.00"), input(1, "李四", "spouse", tier: "C"),
                              input(2, "张小", "child", tier: "D")]),
             eligible: true, benefit: "1840.00", components: [.init(kind: "basic", amount: "1840.00")], reasons: [],
             tierLines: ["分档：张三 A档（重病重残个人）820.00 元（\(source)）",
                         "分档：李四 C档（无劳动能力低收入）570.00 元（\(source)）",
                         "分档：张小 D档（劳动能力较弱）450.00 元（\(source)）"]),
        Case(name: "income at the standard × size (850 × 1) → not eligible",
             json: household([input(0, "张三", "head", tier: "B", income: "850.00")]),
             eligible: false, benefit: "0.00", components: [], reasons: ["INCOME_AT_OR_ABOVE_STANDARD"], tierLines: []),
        Case(name: "income above the standard × size (850 × 3 = 2550 < 2600) → not eligible",
             json: household([input(0, "张三", "head", tier: "A", income: "2600.00"), input(1, "李四", "spouse", tier: "C"),
                              input(2, "张小", "child", tier: "D")]),
             eligible: false, benefit: "0.00", components: [], reasons: ["INCOME_AT_OR_ABOVE_STANDARD"], tierLines: []),
        Case(name: "a member not counted (deceased) needs no tier",
             json: household([input(0, "张三", "head", tier: "E", income: "100.00"),
                              input(1, "李四", "spouse", tier: nil, extra: #","status":"deceased","since":"2022-05-01""#)]),
             eligible: true, benefit: "370.00", components: [.init(kind: "basic", amount: "370.00")], reasons: [],
             tierLines: ["分档：张三 E档（有劳动能力收入稳定）370.00 元（\(source)）"]),
    ]

    @Test(arguments: cases)
    func contract(_ c: Case) throws {
        let r = try evaluate(c.json)
        #expect(r.eligible == c.eligible)
        #expect(r.monthlyBenefit == c.benefit)
        #expect(r.components == c.components)
        #expect(r.reasons.map(\.code) == c.reasons)
        #expect(r.standard == "850.00")
        #expect(r.policy == "350305/2023-01")
        #expect(r.trace.filter { $0.hasPrefix("分档：") } == c.tierLines)
        // The gap stays in the trace as the eligibility test.
        #expect(r.trace.filter { $0.hasPrefix("补差计算：") && $0.contains("仅作资格测试") }.count == 1)
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        let name: String
        let json: String
        let book: PolicyBook
        let region: String
        let key: String
        let value: String
        let reason: String
        var testDescription: String { name }
    }

    static let xiuyuBook = PolicyBook(file.versions)

    static let refusals: [Refusal] = [
        Refusal(name: "a counted member without a tier",
                json: household([input(0, "张三", "head", tier: "A"), input(1, "李四", "spouse", tier: nil)]),
                book: xiuyuBook, region: "350305", key: "members[1].tier", value: "",
                reason: "政策 350305/2023-01 的低保按分档（tiered）发放，计入的成员须填写乡镇确定的档次；可用档次 A、B、C、D、E (required with the tiered method)"),
        Refusal(name: "a code the version does not list",
                json: household([input(0, "张三", "head", tier: "Z")]),
                book: xiuyuBook, region: "350305", key: "members[0].tier", value: "Z",
                reason: "不是政策 350305/2023-01 所列的档次；可用档次 A、B、C、D、E (unknown tier)"),
        Refusal(name: "an unknown code on a member not counted is still refused",
                json: household([input(0, "张三", "head", tier: "A"),
                                 input(1, "李四", "spouse", tier: "a", extra: #","status":"deceased","since":"2022-05-01""#)]),
                book: xiuyuBook, region: "350305", key: "members[1].tier", value: "a",
                reason: "不是政策 350305/2023-01 所列的档次；可用档次 A、B、C、D、E (unknown tier)"),
        Refusal(name: "a tier under the bundled Pengxi gap policy",
                json: household([input(0, "张三", "head", tier: "A")], month: "2021-07"),
                book: .bundled, region: "510921", key: "members[0].tier", value: "A",
                reason: "政策 510921/2021-01 的低保按补差方法（gap）计算，不分档；请删去 tier (the policy uses the gap method)"),
        Refusal(name: "a tier for 特困 (another programme's key)",
                json: household([input(0, "张三", "head", tier: "A", extra: #","placement":"dispersed","selfCareFailed":0"#)],
                                program: "tekun", month: "2021-07"),
                book: .bundled, region: "510921", key: "members[0].tier", value: "A",
                reason: "不适用于 tekun（特困） (does not apply to this programme)"),
        Refusal(name: "a tier that is not a string",
                json: household([input(0, "张三", "head", tier: nil, extra: #","tier":1"#)]),
                book: xiuyuBook, region: "350305", key: "members[0].tier", value: "1",
                reason: "应为字符串 (expected a string)"),
    ]

    @Test(arguments: refusals)
    func contractRefusesByKey(_ r: Refusal) {
        let error = #expect(throws: AssessError.self) { try evaluate(r.json, book: r.book, region: r.region) }
        #expect(error?.key == r.key)
        #expect(error?.value == r.value)
        #expect(error?.reason == r.reason)
    }

    // MARK: from Swift (DibaoAssessment)

    static func person(_ i: Int, _ name: String, _ rel: Relationship, tier: String?, status: MemberStatus = .active) -> Member {
        var m = DomainTests.member(ids[i], name, rel, status: status)
        m.dibaoTier = tier
        return m
    }

    /// Top-ups (分类施保) still apply under the tiered method, as a component of their own.
    @Test func topUpsStillApply() throws {
        var p = Self.xiuyu
        p.dibao!.topUps = [TopUp(category: .minor, amount: .yuan(100))]
        let h = try HouseholdComposition(area: .urban, members: [Self.person(0, "张三", .head, tier: "A"), Self.person(2, "张小", .child, tier: "D")])
        let d = try DibaoAssessment.assess(h, month: YearMonth(year: 2023, month: 6)!, policy: p)
        #expect(d.components == [AmountComponent(.basic, .yuan(1270)), AmountComponent(.topUp, .yuan(100))])
        #expect(d.monthlyBenefit == .yuan(1370))
        #expect(d.trace.filter { $0.step == "分档" } == [
            TraceLine("分档", "张三 A档（重病重残个人）820.00 元", source: Self.source),
            TraceLine("分档", "张小 D档（劳动能力较弱）450.00 元", source: Self.source),
        ])
        #expect(d.trace.filter { $0.step == "分档合计" } == [TraceLine("分档合计", "820.00 + 450.00 = 1270.00 元", source: Self.source)])
        #expect(d.trace.filter { $0.step == "保底" }.isEmpty)
    }

    struct MissingTier: Sendable, CustomTestStringConvertible {
        let name: String
        let tiers: [String?]
        let error: AssessmentError
        var testDescription: String { name }
    }

    static let missingTiers: [MissingTier] = [
        MissingTier(name: "second member has none", tiers: ["A", nil],
                    error: .dibaoTier(member: "李四（110101************）", code: nil, known: codes, version: "350305/2023-01")),
        MissingTier(name: "first member's code is not listed", tiers: ["Z", "A"],
                    error: .dibaoTier(member: "张三（110101************）", code: "Z", known: codes, version: "350305/2023-01")),
    ]

    /// From Swift (the registry does not store tiers yet) a counted member without a known tier is an
    /// error naming the member and the codes, never a default.
    @Test(arguments: missingTiers)
    func swiftRefusesAMemberWithoutAKnownTier(_ c: MissingTier) throws {
        let h = try HouseholdComposition(area: .rural, members: [Self.person(0, "张三", .head, tier: c.tiers[0]),
                                                                 Self.person(1, "李四", .spouse, tier: c.tiers[1])])
        #expect(throws: c.error) { try DibaoAssessment.assess(h, month: YearMonth(year: 2023, month: 6)!, policy: Self.xiuyu) }
        #expect(throws: c.error) {
            try DibaoRules().assess(AssessmentInput(household: h, month: YearMonth(year: 2023, month: 6)!), policy: Self.xiuyu)
        }
    }

    @Test func missingTierMessageNamesMemberAndCodes() {
        let e = AssessmentError.dibaoTier(member: "李四（110101************）", code: nil, known: Self.codes, version: "350305/2023-01")
        #expect(e.message == "成员 李四（110101************） 没有低保档次：政策 350305/2023-01 按分档发放（民发〔2021〕57号 第23条），须由乡镇确定其档次，可用档次 A、B、C、D、E，无法测算 (dibao tier not assigned)")
        let z = AssessmentError.dibaoTier(member: "张三（110101************）", code: "Z", known: Self.codes, version: "350305/2023-01")
        #expect(z.message == "成员 张三（110101************） 的低保档次“Z”不在政策 350305/2023-01 的 dibao.tiers 中；可用档次 A、B、C、D、E，无法测算 (unknown dibao tier)")
    }

    /// A member stored before tiers existed (no `dibaoTier` key) decodes with none; one with a tier keeps it.
    @Test func memberCodable() throws {
        let old = Self.person(0, "张三", .head, tier: nil)
        let oldJSON = try JSONEncoder().encode(old)
        #expect(!String(decoding: oldJSON, as: UTF8.self).contains("dibaoTier"))
        #expect(try JSONDecoder().decode(Member.self, from: oldJSON) == old)
        let tiered = Self.person(0, "张三", .head, tier: "A")
        #expect(try JSONDecoder().decode(Member.self, from: JSONEncoder().encode(tiered)).dibaoTier == "A")
    }

    // MARK: the policy file

    @Test func tiersParse() throws {
        let d = try Self.xiuyu.dibaoPolicy()
        #expect(d.method == .tiered)
        #expect(d.tiers == [DibaoTier(code: "A", name: "重病重残个人", amount: .yuan(820)),
                            DibaoTier(code: "B", name: "单人户", amount: .yuan(820)),
                            DibaoTier(code: "C", name: "无劳动能力低收入", amount: .yuan(570)),
                            DibaoTier(code: "D", name: "劳动能力较弱", amount: .yuan(450)),
                            DibaoTier(code: "E", name: "有劳动能力收入稳定", amount: .yuan(370))])
        #expect(d.floorShareOfStandard == nil)
        #expect(d.standard(for: .urban) == .yuan(850))
        #expect(Self.file.name == "莆田市秀屿区（示例）")
        #expect(d.methodSummary == "分档 A 重病重残个人 820.00、B 单人户 820.00、C 无劳动能力低收入 570.00、D 劳动能力较弱 450.00、E 有劳动能力收入稳定 370.00")
        #expect(try Policy.pengxi2021.dibaoPolicy().tiers.isEmpty)
        #expect(try Policy.pengxi2021.dibaoPolicy().methodSummary == "补差")
    }

    /// What the database stores and `policy export` prints parse back to the same version, tiers in reading
    /// order (`code`, `name`, `amount`) after `method`.
    @Test func tieredFileRoundTrips() throws {
        let f = Self.file
        let stored = try PolicyFile.parse(Data(PolicyFile.fileText(region: f.region, name: f.name, versionBodies: f.versionBodies).utf8))
        #expect(stored.versions == f.versions)
        #expect(stored.versionBodies == f.versionBodies)
        let pretty = PolicyFile.prettyText(region: f.region, name: f.name, versionBodies: f.versionBodies)
        let exported = try PolicyFile.parse(Data(pretty.utf8))
        #expect(exported.versions == f.versions)
        #expect(exported.versionBodies == f.versionBodies)
        #expect(pretty.contains("""
                    "tiers": [
                      {
                        "code": "A",
                        "name": "重病重残个人",
                        "amount": "820.00"
                      },
            """))
        let method = try #require(pretty.range(of: "\"method\""))
        let tiers = try #require(pretty.range(of: "\"tiers\""))
        let multiplier = try #require(pretty.range(of: "\"nearPovertyMultiplier\""))
        #expect(method.lowerBound < tiers.lowerBound)
        #expect(tiers.lowerBound < multiplier.lowerBound)
    }

    struct FileRefusal: Sendable, CustomTestStringConvertible {
        let name: String
        let change: (String, String)
        let key: String
        let value: String
        var testDescription: String { name }
    }

    static let fileRefusals: [FileRefusal] = [
        FileRefusal(name: "tiers with the gap method", change: (#""method": "tiered""#, #""method": "gap""#),
                    key: "versions[0].dibao.tiers", value: "[…]"),
        FileRefusal(name: "tiered without tiers", change: (#""tiers": \#(tiers),"#, ""),
                    key: "versions[0].dibao.tiers", value: ""),
        FileRefusal(name: "a floor with the tiered method",
                    change: (#""nearPovertyMultiplier""#, #""floorShareOfStandard": "0.20", "nearPovertyMultiplier""#),
                    key: "versions[0].dibao.floorShareOfStandard", value: "0.20"),
        FileRefusal(name: "a code listed twice", change: (#""code": "B""#, #""code": "A""#),
                    key: "versions[0].dibao.tiers[1].code", value: "A"),
        FileRefusal(name: "a zero amount", change: (#""amount": "370.00""#, #""amount": "0.00""#),
                    key: "versions[0].dibao.tiers[4].amount", value: "0.00"),
        FileRefusal(name: "an unknown key in a tier", change: (#""name": "单人户","#, #""name": "单人户", "amout": "1.00","#),
                    key: "versions[0].dibao.tiers[1].amout", value: "1.00"),
        FileRefusal(name: "an empty code", change: (#""code": "C""#, #""code": """#),
                    key: "versions[0].dibao.tiers[2].code", value: ""),
        FileRefusal(name: "a code with a space", change: (#""code": "C""#, #""code": "C 1""#),
                    key: "versions[0].dibao.tiers[2].code", value: "C 1"),
        FileRefusal(name: "an empty name", change: (#""name": "劳动能力较弱""#, #""name": " ""#),
                    key: "versions[0].dibao.tiers[3].name", value: " "),
        FileRefusal(name: "an amount as a JSON number", change: (#""amount": "450.00""#, #""amount": 450"#),
                    key: "versions[0].dibao.tiers[3].amount", value: "450"),
        FileRefusal(name: "no tier at all", change: (tiers, "[]"), key: "versions[0].dibao.tiers", value: "[…]"),
    ]

    /// The messages docs/policy-format.md quotes.
    @Test(arguments: [
        (#""method": "tiered""#, #""method": "gap""#,
         #"版本 2023-01，键 versions[0].dibao.tiers，值“[…]”：补差方法（method "gap"）不分档；tiers 只适用于 method "tiered" (tiers belong to the tiered method)"#),
        (#""tiers": \#(tiers),"#, "",
         #"版本 2023-01，键 versions[0].dibao.tiers：分档方法（method "tiered"）须列出档次 tiers：[{"code", "name", "amount"}, …] (required with the tiered method)"#),
        (#""nearPovertyMultiplier""#, #""floorShareOfStandard": "0.20", "nearPovertyMultiplier""#,
         #"版本 2023-01，键 versions[0].dibao.floorShareOfStandard，值“0.20”：保底只适用于补差方法（method "gap"）；分档方法按档次金额发放，不设保底 (the floor belongs to the gap method)"#),
        (#""code": "B""#, #""code": "A""#,
         #"版本 2023-01，键 versions[0].dibao.tiers[1].code，值“A”：与 tiers[0] 的档次代码重复 (code listed twice)"#),
        (#""amount": "370.00""#, #""amount": "0.00""#,
         #"版本 2023-01，键 versions[0].dibao.tiers[4].amount，值“0.00”：标准须大于零 (a standard must be above zero)"#),
    ])
    func fileRefusalMessages(from: String, to: String, message: String) {
        #expect(Self.text.contains(from), "the test's change must apply")
        let error = #expect(throws: PolicyFileError.self) {
            try PolicyFile.parse(Data(Self.text.replacingOccurrences(of: from, with: to).utf8))
        }
        #expect(error?.description == message)
    }

    @Test(arguments: fileRefusals)
    func fileRefusedNamingVersionAndKey(_ r: FileRefusal) {
        #expect(Self.text.contains(r.change.0), "the test's change must apply")
        let bad = Self.text.replacingOccurrences(of: r.change.0, with: r.change.1)
        let error = #expect(throws: PolicyFileError.self) { try PolicyFile.parse(Data(bad.utf8)) }
        #expect(error?.version == "2023-01")
        #expect(error?.key == r.key)
        #expect(error?.value == r.value)
    }
}
