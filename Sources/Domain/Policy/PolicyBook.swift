import Foundation

/// The versioned policies of every region, keyed by region and effective month.
///
/// The policy for a month is the latest version whose `effective` month is not after it. A month
/// before the first version has no policy in force and is refused, never guessed.
public struct PolicyBook: Sendable {
    public private(set) var policies: [Policy]

    public init(_ policies: [Policy]) {
        self.policies = policies.sorted { ($0.region, $0.effective) < ($1.region, $1.effective) }
    }

    /// - Throws: `PolicyError.noPolicyInForce` naming the region and month.
    public func policy(region: String, month: YearMonth) throws(PolicyError) -> Policy {
        guard let p = policies.last(where: { $0.region == region && $0.effective <= month }) else {
            throw .noPolicyInForce(region: region, month: month)
        }
        return p
    }

    /// Regions with at least one version.
    public var regions: [String] { Array(Set(policies.map(\.region))).sorted() }

    /// Months a version stays in force before Jiuzhu says so: standards are raised every year.
    public static let unchangedWarningMonths = 12

    /// "Standards unchanged since …" when the version in force in `month` has been in force for more
    /// than 12 months (its 13th month or later); `nil` otherwise or when none is in force.
    public func unchangedWarning(region: String, month: YearMonth) -> PolicyWarning? {
        guard let p = try? policy(region: region, month: month) else { return nil }
        let inForce = month.monthsSince(p.effective) + 1
        guard inForce > Self.unchangedWarningMonths else { return nil }
        return .unchangedSince(version: p.version, effective: p.effective, month: month, months: inForce)
    }

    /// The policies shipped with Jiuzhu: Pengxi County from 2021-01 (ReferenceData/policy-510921.json).
    public static let bundled: PolicyBook = PolicyBook(bundledFiles.flatMap(\.versions))

    /// The bundled policy file of `region` and its text (for its checksum), if Jiuzhu ships one.
    public static func bundledFile(region: String) -> (file: PolicyFile, text: String)? {
        zip(bundledFiles, bundledPolicyText).first { $0.0.region == region }.map { (file: $0.0, text: $0.1) }
    }

    /// The bundled policy files, parsed by the same checks as any imported file.
    public static let bundledFiles: [PolicyFile] = bundledPolicyText.map { text in
        do { return try PolicyFile.parse(Data(text.utf8)) } catch {
            fatalError("bundled policy file does not pass its own checks: \(error)")
        }
    }
}

extension Policy {
    /// Pengxi County 2021 (蓬溪县民政局 2021 年绩效自评报告): 低保 urban 600 / rural 420; 特困 urban 780 /
    /// rural 520; orphans institutional 1400 / scattered 900 (yuan per person per month).
    public static let pengxi2021: Policy = PolicyBook.bundled.policies.first { $0.region == "510921" }!
}
