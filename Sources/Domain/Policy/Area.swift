/// 城乡属性: which standard applies to a household.
public enum Area: String, Codable, Sendable, CaseIterable {
    case urban, rural

    public var chinese: String { self == .urban ? "城市" : "农村" }
}
