// Hand-built JSON for audit lines: JSONSerialization per request is too slow for
// 30k calls/s, and the audit shape is fixed, so a small writer with correct string
// escaping is all that is needed. It writes UTF-8 bytes into one buffer: an audit
// line is built with a handful of allocations instead of one per field.

struct JSONText {
    private(set) var bytes: [UInt8]
    private var first = true

    init() {
        bytes = [UInt8(ascii: "{")]
        bytes.reserveCapacity(256)
    }

    static func quote(_ s: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 2)
        appendQuoted(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// `"escaped"`: quote, backslash and C0 controls escaped; U+2028/U+2029 too, so
    /// a line is also safe to embed in JavaScript. Everything else is copied as UTF-8.
    static func appendQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = s
        text.withUTF8 { u in
            // Copy runs of plain bytes in bulk; only the rare escapes go byte by byte.
            var runStart = 0
            var i = 0
            while i < u.count {
                let c = u[i]
                let plain = c >= 0x20 && c != UInt8(ascii: "\"") && c != UInt8(ascii: "\\") && c != 0xe2
                if plain { i += 1; continue }
                if c == 0xe2 && !(i + 2 < u.count && u[i + 1] == 0x80 && (u[i + 2] == 0xa8 || u[i + 2] == 0xa9)) {
                    i += 1   // some other character starting with E2: copied as is
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<i]))
                switch c {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(0x5c); out.append(c)
                case 0x0a: out.append(0x5c); out.append(UInt8(ascii: "n"))
                case 0x0d: out.append(0x5c); out.append(UInt8(ascii: "r"))
                case 0x09: out.append(0x5c); out.append(UInt8(ascii: "t"))
                case 0xe2:
                    // U+2028 / U+2029 (E2 80 A8 / E2 80 A9; a String is valid UTF-8).
                    appendUnicodeEscape(u[i + 2] == 0xa8 ? 0x2028 : 0x2029, to: &out)
                    i += 2
                default: appendUnicodeEscape(UInt32(c), to: &out)
                }
                i += 1
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: u[runStart..<u.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendUnicodeEscape(_ v: UInt32, to out: inout [UInt8]) {
        out.append(0x5c); out.append(UInt8(ascii: "u"))
        for shift in stride(from: 12, through: 0, by: -4) { out.append(hexDigits[Int((v >> UInt32(shift)) & 0xf)]) }
    }

    private mutating func key(_ k: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        JSONText.appendQuoted(k, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func string(_ k: String, _ v: String?) {
        guard let v = v else { return }
        key(k); JSONText.appendQuoted(v, to: &bytes)
    }

    /// A value already known to need no escaping and given as bytes (timestamps, hex).
    mutating func rawString(_ k: String, _ v: [UInt8]) {
        key(k); bytes.append(UInt8(ascii: "\"")); bytes.append(contentsOf: v); bytes.append(UInt8(ascii: "\""))
    }

    mutating func int(_ k: String, _ v: Int64?) {
        guard let v = v else { return }
        key(k); bytes.append(contentsOf: String(v).utf8)
    }

    mutating func bool(_ k: String, _ v: Bool) { key(k); bytes.append(contentsOf: (v ? "true" : "false").utf8) }

    mutating func null(_ k: String) { key(k); bytes.append(contentsOf: "null".utf8) }

    mutating func object(_ k: String, _ v: JSONText?) {
        guard let v = v else { return }
        key(k); v.appendFinished(to: &bytes)
    }

    mutating func strings(_ k: String, _ v: [String]) {
        key(k)
        bytes.append(UInt8(ascii: "["))
        for (i, s) in v.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONText.appendQuoted(s, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    mutating func objects(_ k: String, _ v: [JSONText]) {
        key(k)
        bytes.append(UInt8(ascii: "["))
        for (i, o) in v.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            o.appendFinished(to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    func appendFinished(to out: inout [UInt8]) {
        out.append(contentsOf: bytes)
        out.append(UInt8(ascii: "}"))
    }

    var finishedBytes: [UInt8] {
        var out = bytes
        out.append(UInt8(ascii: "}"))
        return out
    }

    var finished: String { String(decoding: finishedBytes, as: UTF8.self) }
}
