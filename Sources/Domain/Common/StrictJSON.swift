import Foundation

/// JSON as the contracts read it: Foundation's parser, plus what it lets through silently — a key
/// written twice in one object (Foundation keeps the last) is refused with its path.
///
/// Own code because no parser in our dependencies reports duplicate keys (docs/adr/0009).
public enum StrictJSON {
    public struct Failure: Error, Equatable, Sendable {
        /// `versions[0].dibao.standard.urban`, or empty for the whole text.
        public var path: String
        public var reason: String
    }

    /// Parses `data`; refuses invalid JSON (with the parser's line and column when it gives them) and
    /// duplicate keys (naming the path of the second one).
    public static func parse(_ data: Data) throws(Failure) -> Any {
        // A byte-order mark (Notepad's "UTF-8") is not part of the text; left in, the duplicate-key scan read it
        // as a value and crashed the process (found when tried as an attacker would).
        let data = data.starts(with: [0xEF, 0xBB, 0xBF]) ? Data(data.dropFirst(3)) : data
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String
            throw Failure(path: "", reason: "不是有效的 JSON" + (detail.map { "（\($0)）" } ?? "") + " (not valid JSON)")
        }
        if let duplicate = firstDuplicateKey(in: data) {
            throw Failure(path: duplicate, reason: "同一对象中的键重复出现，无法确定取哪一个 (duplicate key)")
        }
        return object
    }

    /// The path of the first key that repeats within its object, scanning the raw text (which
    /// `JSONSerialization` has already accepted as valid JSON).
    static func firstDuplicateKey(in data: Data) -> String? {
        let bytes = [UInt8](data)
        var i = 0
        // One frame per open container: the keys seen (objects) or the next index (arrays).
        enum Frame { case object(keys: Set<String>, path: String, pendingKey: String?), array(index: Int, path: String) }
        var stack: [Frame] = []
        func childPath() -> String {
            switch stack.last {
            case let .object(_, path, key?): return path.isEmpty ? key : "\(path).\(key)"
            case let .array(index, path): return "\(path)[\(index)]"
            default: return ""
            }
        }
        func valueDone() {
            switch stack.last {
            case let .object(keys, path, _): stack[stack.count - 1] = .object(keys: keys, path: path, pendingKey: nil)
            case let .array(index, path): stack[stack.count - 1] = .array(index: index + 1, path: path)
            default: break
            }
        }
        func readString() -> String {
            let start = i
            i += 1
            while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                i += bytes[i] == UInt8(ascii: "\\") ? 2 : 1
            }
            i += 1
            let raw = Data(bytes[start..<min(i, bytes.count)])
            // Decode escapes exactly as the parser does, so `"\u0061"` and `"a"` are the same key.
            return ((try? JSONSerialization.jsonObject(with: raw, options: [.fragmentsAllowed])) as? String)
                ?? String(decoding: raw, as: UTF8.self)
        }
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "{"):
                stack.append(.object(keys: [], path: childPath(), pendingKey: nil))
                i += 1
            case UInt8(ascii: "["):
                stack.append(.array(index: 0, path: childPath()))
                i += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard !stack.isEmpty else { return nil }
                stack.removeLast()
                valueDone()
                i += 1
            case UInt8(ascii: "\""):
                let s = readString()
                if case let .object(keys, path, nil) = stack.last {
                    // A string where a key is expected: it is the key (the parser guarantees a colon follows).
                    if keys.contains(s) { return path.isEmpty ? s : "\(path).\(s)" }
                    stack[stack.count - 1] = .object(keys: keys.union([s]), path: path, pendingKey: s)
                } else {
                    valueDone()
                }
            case UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                i += 1
            default:
                // A number, true, false or null: skip to the next delimiter.
                while i < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: " "),
                                         UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t")].contains(bytes[i]) { i += 1 }
                valueDone()
            }
        }
        return nil
    }

    /// JSON `true`/`false` (not a number that happens to bridge to Bool).
    static func isBool(_ v: Any) -> Bool { String(describing: type(of: v)).contains("Boolean") }

    /// A JSON integer (not a boolean, not a fraction).
    /// A JSON integer literal (`5`), never a number written with a point or an exponent (`5.0`, `5e0`),
    /// which Foundation would otherwise turn into the same integer.
    static func integer(_ v: Any?) -> Int? {
        guard let v, !isBool(v), let n = v as? NSNumber, !["d", "f"].contains(String(cString: n.objCType)),
              let i = v as? Int, Double(i) == n.doubleValue else { return nil }
        return i
    }

    /// Indented JSON with the keys in `order` first (in that order) and any others after, sorted; for
    /// files people edit by hand (`jiuzhu policy export`).
    public static func pretty(_ value: Any, order: [String], indent: String = "") -> String {
        let next = indent + "  "
        switch value {
        case let o as [String: Any]:
            if o.isEmpty { return "{}" }
            let keys = order.filter { o[$0] != nil } + o.keys.filter { !order.contains($0) }.sorted()
            return "{\n" + keys.map { "\(next)\(quote($0)): \(pretty(o[$0]!, order: order, indent: next))" }
                .joined(separator: ",\n") + "\n\(indent)}"
        case let a as [Any]:
            if a.isEmpty { return "[]" }
            if a.allSatisfy({ $0 is String }) && a.count <= 8 {
                return "[ " + a.map { pretty($0, order: order, indent: next) }.joined(separator: ", ") + " ]"
            }
            return "[\n" + a.map { next + pretty($0, order: order, indent: next) }.joined(separator: ",\n") + "\n\(indent)]"
        case let s as String:
            return quote(s)
        default:
            let data = (try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed])) ?? Data("null".utf8)
            return String(decoding: data, as: UTF8.self)
        }
    }

    static func quote(_ s: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: s, options: [.fragmentsAllowed, .withoutEscapingSlashes])) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
