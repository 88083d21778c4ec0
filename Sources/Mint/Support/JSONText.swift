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
        let u = s.utf8
        var i = u.startIndex
        while i != u.endIndex {
            let c = u[i]
            switch c {
            case UInt8(ascii: "\""): out.append(0x5c); out.append(c)
            case UInt8(ascii: "\\"): out.append(0x5c); out.append(c)
            case 0x0a: out.append(0x5c); out.append(UInt8(ascii: "n"))
            case 0x0d: out.append(0x5c); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(0x5c); out.append(UInt8(ascii: "t"))
            case 0..<0x20: appendUnicodeEscape(UInt32(c), to: &out)
            case 0xe2:
                // U+2028 / U+2029 are E2 80 A8 / E2 80 A9 in UTF-8 (a String is valid UTF-8).
                let n1 = u.index(after: i)
                if n1 != u.endIndex, u[n1] == 0x80 {
                    let n2 = u.index(after: n1)
                    if n2 != u.endIndex, u[n2] == 0xa8 || u[n2] == 0xa9 {
                        appendUnicodeEscape(u[n2] == 0xa8 ? 0x2028 : 0x2029, to: &out)
                        i = u.index(after: n2)
                        continue
                    }
                }
                out.append(c)
            default: out.append(c)
            }
            i = u.index(after: i)
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
