/// Malformed values at the edge of the domain (dates, months, amounts). Each case names the bad text.
public enum DomainInputError: Error, Equatable, Sendable {
    case invalidDate(String)
    case invalidMonth(String)
    case invalidAmount(String)

    /// A message for staff, in Chinese first, naming the value and what to do.
    public var message: String {
        switch self {
        case .invalidDate(let t): return "日期“\(t)”无效：请按 YYYY-MM-DD 填写真实存在的日期 (invalid date)"
        case .invalidMonth(let t): return "月份“\(t)”无效：请按 YYYY-MM 填写 (invalid month)"
        case .invalidAmount(let t):
            return "金额“\(t)”无效：请填写以元为单位、最多两位小数的数字，如 900.00 (invalid amount)"
        }
    }
}
