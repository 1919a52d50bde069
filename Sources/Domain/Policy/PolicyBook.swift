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

    /// The policies shipped with Jiuzhu: Pengxi County 2021, in force from 2021-01.
    public static let bundled = PolicyBook([.pengxi2021])
}

extension Policy {
    /// Pengxi County 2021 (蓬溪县民政局 2021 年绩效自评报告): 低保 urban 600 / rural 420; 特困 urban 780 /
    /// rural 520; orphans institutional 1400 / scattered 900 (yuan per person per month).
    public static let pengxi2021 = Policy(
        region: "510921",
        effective: YearMonth(year: 2021, month: 1)!,
        dibaoStandard: [.urban: .yuan(600), .rural: .yuan(420)],
        tekunBasicStandard: [.urban: .yuan(780), .rural: .yuan(520)],
        orphanInstitutional: .yuan(1400),
        orphanScattered: .yuan(900),
        nearPovertyMultiplier: Ratio(3, 2),
        tekunMinimumRatio: Ratio(13, 10),
        confirmationDelegatedToTownship: false,
        exemptIncomeKinds: [.basicPension, .scholarship, .familyPlanningReward, .veteranBenefit,
                            .heroicReward, .assistance],
        deadlines: DibaoDeadlines()
    )
}

public enum PolicyError: Error, Equatable, Sendable {
    case noPolicyInForce(region: String, month: YearMonth)

    public var message: String {
        switch self {
        case let .noPolicyInForce(region, month):
            return "地区 \(region) 在 \(month) 没有生效的救助政策（保障标准），无法计算；请先录入该月适用的政策 (no policy in force)"
        }
    }
}
