/// The assistance programmes (救助项目). Funds, payroll batches, applications and enrollments are kept per
/// programme.
///
/// The raw value is the one token used everywhere a programme is written down: database columns, the
/// assess contract's `program` (docs/assess-format.md), URLs and the CLI's `--programme`.
public enum Programme: String, Codable, Sendable, CaseIterable {
    case dibao                                      // 最低生活保障
    case tekun                                      // 特困人员救助供养
    case temporary                                  // 临时救助
    case vagrantRelief = "vagrant-relief"           // 生活无着的流浪乞讨人员救助
    case orphan                                     // 孤儿基本生活保障 (incl. HIV-affected children)
    case unsupportedChild = "unsupported-child"     // 事实无人抚养儿童基本生活补贴

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

    /// The rules Jiuzhu implements for this programme.
    /// - Throws: `ProgrammeError.notImplemented` naming the programme; never another programme's rules.
    public func rules() throws(ProgrammeError) -> any ProgrammeRules {
        switch self {
        case .dibao: return DibaoRules()
        case .tekun: return TekunRules()
        case .temporary: return TemporaryRules()
        case .orphan: return OrphanRules()
        case .unsupportedChild: return UnsupportedChildRules()
        case .vagrantRelief: throw .notImplemented(self)
        }
    }

    /// Whether one person may not be supported by both programmes for the same month: two that support
    /// the person apart (特困 and 孤儿, TK-2021 Art. 9), or 孤儿 and 事实无人抚养儿童 (a child is one or the
    /// other, 民发〔2019〕62号 §1). 事实无人抚养 with 特困 or 低保 is allowed: it pays the difference.
    public func excludes(_ other: Programme) -> Bool {
        guard self != other else { return false }
        let apart = Programme.supportingPersonApart
        if apart.contains(self) && apart.contains(other) { return true }
        return Set([self, other]) == [.orphan, .unsupportedChild]
    }

    /// The programmes whose member enrollments take the person out of other programmes' household count
    /// (`ProgrammeRules.supportsPersonApart`): the one list the SQL and the assessments use.
    public static var supportingPersonApart: [Programme] {
        implemented.filter { (try? $0.rules())?.supportsPersonApart == true }
    }

    /// The programmes whose rules are implemented (`assess` answers them), in the order pages list them.
    public static var implemented: [Programme] { allCases.filter { (try? $0.rules()) != nil } }

    /// The programmes Jiuzhu runs end to end — applications, enrollments, payroll and pages — which the
    /// web UI, the demo's payroll and the fund table offer by default.
    public static var managed: [Programme] { [.dibao, .tekun, .temporary, .orphan, .unsupportedChild] }

    /// Parses a programme token (`dibao`, `unsupported-child`, …).
    /// - Throws: `ProgrammeError.unknown` naming the text and listing the tokens.
    public init(token: String) throws(ProgrammeError) {
        guard let p = Programme(rawValue: token) else { throw .unknown(token) }
        self = p
    }
}

public enum ProgrammeError: Error, Equatable, Sendable {
    case unknown(String)
    case notImplemented(Programme)

    public var message: String {
        switch self {
        case .unknown(let text):
            return "救助项目“\(text)”无法识别：应为 " + Programme.allCases.map(\.rawValue).joined(separator: "、")
                + "（目前已实现：" + Programme.implemented.map(\.rawValue).joined(separator: "、") + "） (unknown programme)"
        case .notImplemented(.vagrantRelief):
            let supported = Programme.implemented.map(\.rawValue).joined(separator: "、")
            return "流浪乞讨人员救助（vagrant-relief）在救助管理站办理（“救助站”页面：入站、服务、延期、离站），不测算金额、不按月发放；测算和发放支持 \(supported) (handled at the relief station, not assessed or paid by payroll)"
        case .notImplemented(let p):
            let supported = Programme.implemented.map(\.rawValue).joined(separator: "、")
            return "\(p.shortChinese)（\(p.rawValue)）尚未实现，目前支持 \(supported) (not implemented yet; supported: \(supported))"
        }
    }
}
