import Plot

/// Plot escapes text nodes but writes attribute values as given, so every attribute that can carry
/// data goes through here: `.attr("value", userText)` is always quoted-safe.
extension Node {
    static func attr(_ name: String, _ value: String) -> Node {
        .attribute(named: name, value: HTMLEscape.attribute(value))
    }
}

enum HTMLEscape {
    /// Escapes `& < > " '` for use inside a double-quoted attribute value.
    static func attribute(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}

extension Attribute {
    static func attr(_ name: String, _ value: String) -> Attribute {
        Attribute(name: name, value: HTMLEscape.attribute(value))
    }
}
