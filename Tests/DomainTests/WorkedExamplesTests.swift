import Foundation
import Testing
@testable import Domain

/// rules.md §8's worked examples as files (docs/examples/worked/README.md): each directory holds a region's
/// policy file, a household as `jiuzhu assess` takes it and the figures the source states. Each is run the
/// way `jiuzhu assess --policy policy.json input.json` runs it (Sources/JiuzhuCLI/Assess.swift): the file
/// parsed by `PolicyFile.parse`, the household evaluated by `AssessContract.evaluate` with the file's
/// versions and its region as the default.
@Suite struct WorkedExamplesTests {
    /// Every example directory, exactly: a directory missing on disk fails its test, a directory on disk
    /// missing here fails `directoryHoldsExactlyTheListedExamples`.
    static let examples = [
        "01-gap-standard-500",
        "02-gap-standard-600",
        "03-zhongshan-top-up",
        "04-gap-per-person",
        "05-gap-floor-20-percent",
        "06-xiuyu-tiered",
        "07-luzhou-tekun-ratio",
        "07b-luzhou-rural-centralized",
        "08-tekun-ratio-2019",
        "09-jianping-pension-in-standard",
        "09b-jianping-rural-land",
        "10a-huichang-emergency",
        "10b-huichang-expenditure",
        "10c-huichang-special",
        "11-longhua-per-capita",
        "12a-care-tier-3-failed-partial",
        "12b-care-tier-4-failed-full",
        "12c-care-tier-0-failed-self-care",
        "13a-yaohai-centralized-full",
        "13b-yaohai-centralized-partial",
        "13c-yaohai-centralized-self-care",
        "13d-yaohai-dispersed-full",
        "13e-yaohai-dispersed-partial",
        "13f-yaohai-dispersed-self-care",
        "14-pengxi-gap",
        "15-pengxi-tekun-ratio",
        "16a-near-poverty-rural-at-630",
        "16b-near-poverty-rural-below-630",
        "16c-near-poverty-urban-at-900",
        "16d-near-poverty-urban-below-900",
    ]

    /// docs/examples/worked, from this file's place in the repository (Tests/DomainTests/).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("docs/examples/worked", isDirectory: true)

    /// The fields of expected.json: each present one must equal the response's exactly. A key not listed
    /// here, or a `null`, fails the decoding (and so the test): nothing in expected.json is ever ignored.
    struct Expected: Decodable {
        var eligible: Bool?
        var householdSize: Int?
        var standard: String?
        var perCapitaIncome: String?
        var monthlyBenefit: String?
        var components: [Component]?
        /// The reasons' codes, in order.
        var reasons: [String]?
        var warnings: [String]?
        var careTier: String?
        var oneOffAmount: String?
        var range: Range?
        var approver: String?

        struct Component: Decodable {
            var kind: String
            var amount: String
            init(from decoder: any Decoder) throws {
                let c = try WorkedExamplesTests.strictContainer(decoder, allowed: ["kind", "amount"])
                kind = try c.decode(String.self, forKey: .init("kind"))
                amount = try c.decode(String.self, forKey: .init("amount"))
            }
        }

        struct Range: Decodable {
            var min: String
            var max: String
            init(from decoder: any Decoder) throws {
                let c = try WorkedExamplesTests.strictContainer(decoder, allowed: ["min", "max"])
                min = try c.decode(String.self, forKey: .init("min"))
                max = try c.decode(String.self, forKey: .init("max"))
            }
        }

        static let keys: Set<String> = ["eligible", "householdSize", "standard", "perCapitaIncome", "monthlyBenefit",
                                        "components", "reasons", "warnings", "careTier", "oneOffAmount", "range", "approver"]

        /// How many fields expected.json states (an empty file would check nothing).
        var count: Int

        init(from decoder: any Decoder) throws {
            let c = try WorkedExamplesTests.strictContainer(decoder, allowed: Self.keys)
            count = c.allKeys.count
            eligible = try c.decodeIfPresent(Bool.self, forKey: .init("eligible"))
            householdSize = try c.decodeIfPresent(Int.self, forKey: .init("householdSize"))
            standard = try c.decodeIfPresent(String.self, forKey: .init("standard"))
            perCapitaIncome = try c.decodeIfPresent(String.self, forKey: .init("perCapitaIncome"))
            monthlyBenefit = try c.decodeIfPresent(String.self, forKey: .init("monthlyBenefit"))
            components = try c.decodeIfPresent([Component].self, forKey: .init("components"))
            reasons = try c.decodeIfPresent([String].self, forKey: .init("reasons"))
            warnings = try c.decodeIfPresent([String].self, forKey: .init("warnings"))
            careTier = try c.decodeIfPresent(String.self, forKey: .init("careTier"))
            oneOffAmount = try c.decodeIfPresent(String.self, forKey: .init("oneOffAmount"))
            range = try c.decodeIfPresent(Range.self, forKey: .init("range"))
            approver = try c.decodeIfPresent(String.self, forKey: .init("approver"))
        }
    }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    struct UnexpectedKey: Error, CustomStringConvertible {
        var description: String
    }

    /// A keyed container whose keys are all in `allowed` and none of them `null`.
    static func strictContainer(_ decoder: any Decoder, allowed: Set<String>) throws -> KeyedDecodingContainer<Key> {
        let c = try decoder.container(keyedBy: Key.self)
        let path = decoder.codingPath.map(\.stringValue).joined(separator: ".")
        for key in c.allKeys {
            guard allowed.contains(key.stringValue) else {
                throw UnexpectedKey(description: "expected.json \(path): unknown key \(key.stringValue); allowed: \(allowed.sorted())")
            }
            if try c.decodeNil(forKey: key) {
                throw UnexpectedKey(description: "expected.json \(path): \(key.stringValue) is null")
            }
        }
        return c
    }

    static func read(_ example: String, _ name: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(example, isDirectory: true).appendingPathComponent(name))
    }

    @Test(arguments: examples)
    func example(_ name: String) throws {
        let listing = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent(name).path)
        #expect(listing.sorted() == ["expected.json", "input.json", "policy.json"])

        let file = try PolicyFile.parse(try Self.read(name, "policy.json"))
        let expected = try JSONDecoder().decode(Expected.self, from: try Self.read(name, "expected.json"))
        try #require(expected.count > 0, "expected.json states no field")
        let r = try AssessContract.evaluate(json: try Self.read(name, "input.json"),
                                            policyBook: PolicyBook(file.versions), defaultRegion: file.region)

        if let v = expected.eligible { #expect(r.eligible == v) }
        if let v = expected.householdSize { #expect(r.householdSize == v) }
        if let v = expected.standard { #expect(r.standard == v) }
        if let v = expected.perCapitaIncome { #expect(r.perCapitaIncome == v) }
        if let v = expected.monthlyBenefit { #expect(r.monthlyBenefit == v) }
        if let v = expected.components {
            #expect(r.components == v.map { AssessContract.Response.Component(kind: $0.kind, amount: $0.amount) })
        }
        if let v = expected.reasons { #expect(r.reasons.map(\.code) == v) }
        if let v = expected.warnings { #expect(r.warnings == v) }
        if let v = expected.careTier { #expect(r.careTier == v) }
        if let v = expected.oneOffAmount { #expect(r.oneOffAmount == v) }
        if let v = expected.range { #expect(r.range == AssessContract.Response.Range(min: v.min, max: v.max)) }
        if let v = expected.approver { #expect(r.approver == v) }
    }

    /// No stray directory and none missing: the list above is the whole set.
    @Test func directoryHoldsExactlyTheListedExamples() throws {
        let names = try FileManager.default.contentsOfDirectory(at: Self.root, includingPropertiesForKeys: [.isDirectoryKey])
            .filter { try $0.resourceValues(forKeys: [.isDirectoryKey]).isDirectory == true }
            .map(\.lastPathComponent)
        #expect(names.sorted() == Self.examples.sorted())
        #expect(Set(Self.examples).count == Self.examples.count)
    }

    /// The README's table names every example directory (its run command and assumptions).
    @Test func readmeListsEveryExample() throws {
        let readme = String(decoding: try Data(contentsOf: Self.root.appendingPathComponent("README.md")), as: UTF8.self)
        for name in Self.examples {
            #expect(readme.contains("docs/examples/worked/\(name)/policy.json docs/examples/worked/\(name)/input.json"), "\(name)")
        }
    }
}
