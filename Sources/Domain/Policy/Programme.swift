/// 城乡属性: which standard applies to a household.
public enum Area: String, Codable, Sendable, CaseIterable {
    case urban, rural

    public var chinese: String { self == .urban ? "城市" : "农村" }
}

/// The assistance programmes (救助项目). Funds, payroll batches and enrollments are kept per programme.
public enum Programme: String, Codable, Sendable, CaseIterable {
    case dibao              // 最低生活保障
    case tekun              // 特困人员救助供养
    case temporary          // 临时救助
    case vagrantRelief      // 流浪乞讨人员救助
    case orphan             // 孤儿基本生活保障 (incl. HIV-affected children)
    case unsupportedChild   // 事实无人抚养儿童基本生活补贴

    public var chinese: String {
        switch self {
        case .dibao: return "最低生活保障"
        case .tekun: return "特困人员救助供养"
        case .temporary: return "临时救助"
        case .vagrantRelief: return "流浪乞讨人员救助"
        case .orphan: return "孤儿基本生活保障"
        case .unsupportedChild: return "事实无人抚养儿童基本生活保障"
        }
    }

    public var shortChinese: String {
        switch self {
        case .dibao: return "低保"
        case .tekun: return "特困"
        case .temporary: return "临时救助"
        case .vagrantRelief: return "流浪乞讨"
        case .orphan: return "孤儿"
        case .unsupportedChild: return "事实无人抚养"
        }
    }
}
