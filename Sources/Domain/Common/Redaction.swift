/// Identifiers taken out of free text that is kept: a run of 15 or more digits (an ID number, 15 or 18
/// with its `X`; a bank account number), written together or split between groups of three or more
/// digits by one or two separators (spaces, the ideographic space, `-` `－` `.` `/` `_` `,`, a
/// percent-encoded space), in
/// ASCII or full-width digits, keeps its first six digits (a region code, a bank's prefix) and loses the
/// rest. Shorter runs (division codes of 12 digits, phone numbers, amounts) are left alone.
///
/// Found when tried as an attacker would: a search by a mistyped ID number was written to the
/// append-only audit trail in full.
public enum Redaction {
    public static func identifiers(in text: String) -> String {
        // A path or query keeps its percent-encoding; the number inside it is redacted all the same.
        let chars = Array(text.contains("%") ? (text.removingPercentEncoding ?? text) : text)
        func separator(_ c: Character) -> Bool {
            c == " " || c == "\u{3000}" || c == "-" || c == "－" || c == "." || c == "/" || c == "_" || c == "," || c == "，"
        }
        func digit(_ c: Character) -> Bool {
            c.isASCII ? c.isNumber : ("０"..."９").contains(c)
        }
        var out = ""
        var i = 0
        while i < chars.count {
            guard digit(chars[i]) else { out.append(chars[i]); i += 1; continue }
            // The run: digits, an X at the end of a number, single separators between digits.
            var j = i
            var digits = 0
            var end = i
            while j < chars.count {
                if digit(chars[j]) { digits += 1; j += 1; end = j; continue }
                if chars[j] == "X" || chars[j] == "x" || chars[j] == "Ｘ" { digits += 1; j += 1; end = j; break }
                // A separator joins groups of three or more digits (`510921-19730204-714X`, `6217 0000 …`),
                // never the two-digit parts of dates (`2021-07-01 2021-08-01` stays).
                if separator(chars[j]) {
                    var start = j + 1
                    if start < chars.count && separator(chars[start]) { start += 1 }
                    var k = start
                    while k < chars.count && digit(chars[k]) { k += 1 }
                    if k - start >= 3 { j = start; continue }
                }
                break
            }
            let run = chars[i..<end]
            if digits >= 15 {
                var kept = 0
                for c in run {
                    if digit(c) && kept < 6 { out.append(c); kept += 1 } else if separator(c) { out.append(c) } else { out.append("*") }
                }
            } else {
                out.append(contentsOf: run)
            }
            i = end
        }
        return out
    }
}
