/// Renders untrusted values inside rejection messages: quoted, truncated, with
/// control characters escaped, so a hostile value cannot forge log lines or
/// bloat the audit log.
enum MessageText {
    static func quote(_ s: String, max: Int = 120) -> String {
        var out = "\""
        var n = 0
        for scalar in s.unicodeScalars {
            if n >= max { out += "…"; break }
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
            n += 1
        }
        return out + "\""
    }

    static func list(_ items: [String]) -> String {
        "[" + items.prefix(20).map { quote($0) }.joined(separator: ", ") + (items.count > 20 ? ", …" : "") + "]"
    }

    static func time(_ t: Int64) -> String { XSDateTime.format(t) }
}

/// XML NCName-like check for ID values: what `#id` references can name.
enum IDSyntax {
    static func isValid(_ s: String, maxLength: Int) -> Bool {
        let b = s.utf8
        guard !b.isEmpty, b.count <= maxLength, let first = b.first else { return false }
        func letter(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F }
        guard letter(first) else { return false }
        for c in b where !(letter(c) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2E) { return false }
        return true
    }
}
