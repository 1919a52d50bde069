/// Free text a person types into a record (a cause, an opinion, a reason): checked the same way wherever
/// it is stored and printed.
public enum FreeText {
    /// Characters; an opinion or a finding longer than this is not one (a pasted file, say).
    public static let maxLength = 2000

    public enum Problem: Error, Equatable, Sendable {
        case blank
        case tooLong(Int, max: Int)
        case controlCharacter

        public var message: String {
            switch self {
            case .blank: return "为空 (blank)"
            case let .tooLong(n, max): return "过长：\(n) 个字，最多 \(max) 个字 (too long)"
            case .controlCharacter: return "含有控制字符（如复制时带入的不可见字符），请删除后重新填写 (control character)"
            }
        }
    }

    /// True when the text has nothing to read: whitespace and invisible format characters (U+200B …) only.
    public static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.properties.isWhitespace || $0.properties.generalCategory == .format }
    }

    /// The text trimmed of surrounding whitespace.
    /// - Throws: `Problem` — blank, longer than `maxLength` characters, or a control character other
    ///   than a line break or a tab.
    public static func check(_ text: String, maxLength: Int = maxLength) throws(Problem) -> String {
        if isBlank(text) { throw .blank }
        let t = text.trimmingWhitespace()
        if t.count > maxLength { throw .tooLong(t.count, max: maxLength) }
        if t.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !["\n", "\r", "\t"].contains($0) }) {
            throw .controlCharacter
        }
        return t
    }
}
