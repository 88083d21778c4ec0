// Hand-built JSON for audit lines: JSONSerialization per request is too slow for
// 30k calls/s, and the audit shape is fixed, so a small writer with correct string
// escaping is all that is needed.

struct JSONText {
    private(set) var text = "{"
    private var first = true

    init() {}

    static func quote(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if ch.value < 0x20 || ch.value == 0x2028 || ch.value == 0x2029 {
                    let h = String(ch.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - h.count) + h
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
        }
        return out + "\""
    }

    private mutating func key(_ k: String) {
        if !first { text += "," }
        first = false
        text += JSONText.quote(k) + ":"
    }

    mutating func string(_ k: String, _ v: String?) {
        guard let v = v else { return }
        key(k); text += JSONText.quote(v)
    }

    mutating func int(_ k: String, _ v: Int64?) {
        guard let v = v else { return }
        key(k); text += String(v)
    }

    mutating func bool(_ k: String, _ v: Bool) { key(k); text += v ? "true" : "false" }

    mutating func null(_ k: String) { key(k); text += "null" }

    mutating func object(_ k: String, _ v: JSONText?) {
        guard let v = v else { return }
        key(k); text += v.finished
    }

    mutating func strings(_ k: String, _ v: [String]) {
        key(k); text += "[" + v.map(JSONText.quote).joined(separator: ",") + "]"
    }

    mutating func objects(_ k: String, _ v: [JSONText]) {
        key(k); text += "[" + v.map(\.finished).joined(separator: ",") + "]"
    }

    var finished: String { text + "}" }
}
