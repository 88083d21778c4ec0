// RFC 3986 percent-encoding as SigV4 defines it: only A-Z a-z 0-9 - _ . ~ stay
// literal, everything else is %XX upper-case, space is %20 (never '+').

import BrokerCore

enum SigV4Encoding {
    static func isUnreserved(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)
            || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") || c == UInt8(ascii: "~")
    }

    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    static func encode<S: Sequence>(_ bytes: S, keepSlash: Bool = false) -> String where S.Element == UInt8 {
        var out: [UInt8] = []
        for c in bytes {
            if isUnreserved(c) || (keepSlash && c == UInt8(ascii: "/")) {
                out.append(c)
            } else {
                out.append(UInt8(ascii: "%")); out.append(upperHex[Int(c >> 4)]); out.append(upperHex[Int(c & 0x0f)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func encode(_ s: String, keepSlash: Bool = false) -> String { encode(s.utf8, keepSlash: keepSlash) }

    /// Percent-decoding that never fails: a malformed escape stays literal (its '%'
    /// then re-encodes as %25 and the signature simply will not match). In a query
    /// string '+' is a space: botocore sends spaces as '+' on the wire yet signs them
    /// as %20, and every SDK sends a literal plus as %2B.
    static func decode<S: Collection>(_ bytes: S) -> [UInt8] where S.Element == UInt8 {
        let u = Array(bytes)
        var out: [UInt8] = []; out.reserveCapacity(u.count)
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "%"), i + 2 < u.count, let h = ASCIIHex.value(u[i + 1]), let l = ASCIIHex.value(u[i + 2]) {
                out.append(h << 4 | l); i += 3
            } else if u[i] == UInt8(ascii: "+") {
                out.append(0x20); i += 1
            } else {
                out.append(u[i]); i += 1
            }
        }
        return out
    }

    /// Whether `needle` (ASCII) occurs in `haystack`, compared byte by byte.
    static func containsBytes(_ haystack: String, _ needle: StaticString) -> Bool {
        let n = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard let first = n.first else { return true }
        let h = Array(haystack.utf8)
        guard h.count >= n.count else { return false }
        for i in 0...(h.count - n.count) where h[i] == first {
            var j = 1
            while j < n.count && h[i + j] == n[j] { j += 1 }
            if j == n.count { return true }
        }
        return false
    }

    /// Raw query -> decoded (name, value) byte pairs, in order. A component without
    /// '=' has an empty value.
    static func queryPairs(_ rawQuery: String) -> [([UInt8], [UInt8])] {
        guard !rawQuery.isEmpty else { return [] }
        return rawQuery.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map { part in
            if let eq = part.firstIndex(of: UInt8(ascii: "=")) {
                return (decode(part[part.startIndex..<eq]), decode(part[part.index(after: eq)...]))
            }
            return (decode(part), [])
        }
    }
}
