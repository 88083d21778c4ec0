// AWS Query protocol parameters: the query string and an
// application/x-www-form-urlencoded body, merged. Percent-decoding is strict: a
// malformed escape or invalid UTF-8 is an error, never silently repaired.
#if canImport(Glibc)
import Glibc
#endif

public struct QueryParameters: Sendable {
    public private(set) var pairs: [(String, String)] = []
    private var index: [String: Int] = [:]

    public init() {}

    public subscript(name: String) -> String? {
        guard let i = index[name] else { return nil }
        return pairs[i].1
    }

    public var names: [String] { pairs.map(\.0) }

    /// Values of a flattened list `Prefix.member.N` (N = 1, 2, …), in order.
    /// Stops at the first gap, as AWS does.
    public func list(_ prefix: String, limit: Int = 1000) -> [String] {
        var out: [String] = []
        var n = 1
        while n <= limit + 1, let v = self["\(prefix).member.\(n)"] { out.append(v); n += 1 }
        return out
    }

    /// Flattened structs `Prefix.member.N.Field`.
    public func structList(_ prefix: String, fields: [String], limit: Int = 1000) -> [[String: String]] {
        var out: [[String: String]] = []
        var n = 1
        while n <= limit + 1 {
            var row: [String: String] = [:]
            for f in fields { if let v = self["\(prefix).member.\(n).\(f)"] { row[f] = v } }
            if row.isEmpty { break }
            out.append(row); n += 1
        }
        return out
    }

    public mutating func add(_ name: String, _ value: String) throws {
        if index[name] != nil {
            throw AWSError(.invalidParameterValue, "The parameter \(name) appears more than once in the request.")
        }
        index[name] = pairs.count
        pairs.append((name, value))
    }

    /// Limits every request shares: parameter count and a single name's length.
    public static let maxParameters = 512
    public static let maxNameLength = 256

    /// Parses the query string and (when the content type is form-encoded) the body.
    public static func parse(rawQuery: String, body: [UInt8], contentType: String?) throws -> QueryParameters {
        var p = QueryParameters()
        try p.merge(encoded: Array(rawQuery.utf8))
        if !body.isEmpty {
            let ct = (contentType ?? "").lowercased()
            guard ct.isEmpty || ct.hasPrefix("application/x-www-form-urlencoded") else {
                throw AWSError(.invalidParameterValue, "Unsupported Content-Type '\(String(ct.prefix(64)))': the Query API takes application/x-www-form-urlencoded.")
            }
            try p.merge(encoded: body)
        }
        return p
    }

    private mutating func merge(encoded: [UInt8]) throws {
        try encoded.withUnsafeBufferPointer { all in
            guard let base = all.baseAddress else { return }
            // A SAMLAssertion makes the body ~8 KB: fields and the `=` in them are found
            // with memchr, not a byte-by-byte loop (the form was ~6 % of gate's CPU per exchange).
            let end = base + all.count
            var start = base
            while start < end {
                let amp = Self.find(0x26, from: start, to: end)
                defer { start = amp + 1 }
                if amp == start { continue }
                let eq = Self.find(0x3D, from: start, to: amp)
                let rawName = UnsafeBufferPointer(start: start, count: eq - start)
                let rawValue = eq < amp ? UnsafeBufferPointer(start: eq + 1, count: amp - eq - 1) : UnsafeBufferPointer(start: nil, count: 0)
                let name = try Self.decode(rawName, what: "parameter name")
                guard name.utf8.count <= Self.maxNameLength else {
                    throw AWSError(.malformedQueryString, "A parameter name is longer than \(Self.maxNameLength) characters.")
                }
                guard pairs.count < Self.maxParameters else {
                    throw AWSError(.malformedQueryString, "The request has more than \(Self.maxParameters) parameters.")
                }
                try add(name, try Self.decode(rawValue, what: "value of \(name)"))
            }
        }
    }

    /// The first `byte` in [from, to), or `to`.
    private static func find(_ byte: UInt8, from: UnsafePointer<UInt8>, to: UnsafePointer<UInt8>) -> UnsafePointer<UInt8> {
        guard from < to, let hit = memchr(from, Int32(byte), to - from) else { return to }
        return UnsafePointer(hit.assumingMemoryBound(to: UInt8.self))
    }

    /// Form decoding: `+` is a space, `%XX` a byte; the result must be UTF-8.
    public static func decode<C: Collection>(_ raw: C, what: @autoclosure () -> String) throws -> String where C.Element == UInt8 {
        if let s = try raw.withContiguousStorageIfAvailable({ try decode($0, what: what()) }) { return s }
        return try Array(raw).withUnsafeBufferPointer { try decode($0, what: what()) }
    }

    static func decode(_ raw: UnsafeBufferPointer<UInt8>, what: @autoclosure () -> String) throws -> String {
        guard raw.count > 0 else { return "" }
        var result: (written: Int, seen: UInt8)?
        // Decoded straight into the String's storage. That initialiser would repair
        // invalid UTF-8 rather than refuse it, so it is kept only for ASCII results;
        // anything else (rare) is decoded again into bytes and validated.
        let ascii = String(unsafeUninitializedCapacity: raw.count) { out in
            result = formDecode(raw, into: out)
            return result?.written ?? 0
        }
        guard let (_, seen) = result else {
            throw AWSError(.malformedQueryString, "Malformed percent-encoding in the \(what()).")
        }
        if seen & 0x80 == 0 { return ascii }
        let bytes = [UInt8](unsafeUninitializedCapacity: raw.count) { out, written in
            written = formDecode(raw, into: out)?.written ?? 0
        }
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw AWSError(.malformedQueryString, "The \(what()) is not valid UTF-8.")
        }
        return s
    }

    /// `+` -> space, `%XX` -> byte, into `out` (at least `raw.count` long). Returns the
    /// bytes written and every output byte OR-ed (bit 7 set: not all ASCII), or nil
    /// for a malformed escape.
    private static func formDecode(_ raw: UnsafeBufferPointer<UInt8>, into out: UnsafeMutableBufferPointer<UInt8>) -> (written: Int, seen: UInt8)? {
        guard let src = raw.baseAddress, let dst = out.baseAddress, out.count >= raw.count else { return nil }
        let n = raw.count
        var r = 0, w = 0
        var seen: UInt8 = 0
        var seenWord: UInt64 = 0
        while r < n {
            // 8 bytes at a time while they hold no escape: a base64 SAMLResponse
            // has one (%2B %2F %3D) every ~30 bytes, so most of it is copied here.
            if r + 8 <= n {
                let word = UInt64(littleEndian: UnsafeRawPointer(src + r).loadUnaligned(as: UInt64.self))
                let clean = firstEscape(word)
                if clean > 0 {
                    // All 8 are stored (w + 8 <= r + 8 <= n): those past `clean`
                    // are written again by the steps that decode them. Raw bytes
                    // reach the output unchanged, so OR-ing all 8 into `seen` is exact.
                    UnsafeMutableRawPointer(dst + w).storeBytes(of: word.littleEndian, as: UInt64.self)
                    seenWord |= word
                    r += clean
                    w += clean
                    continue
                }
            }
            var c = src[r]
            if c == UInt8(ascii: "%") {
                guard r + 2 < n, let hv = ASCIIHex.value(src[r + 1]), let lv = ASCIIHex.value(src[r + 2]) else { return nil }
                c = hv << 4 | lv
                r += 3
            } else {
                if c == UInt8(ascii: "+") { c = 0x20 }
                r += 1
            }
            dst[w] = c
            seen |= c
            w += 1
        }
        return (w, seen | (seenWord & 0x8080_8080_8080_8080 == 0 ? 0 : 0x80))
    }

    /// Index of the first `%` or `+` among the 8 bytes of a little-endian word (8 when
    /// none), branch-free: a byte equal to c is a zero byte of word ^ c·0x01…01, and
    /// the lowest byte that (z - 0x01…01) & ~z & 0x80…80 flags is always a real zero
    /// (a borrow only runs upward from one). Swift's SIMD16 `any`/lane search here
    /// were generic calls: 1.5 % of gate's CPU on their own.
    @inline(__always)
    static func firstEscape(_ word: UInt64) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let percent = word ^ (ones &* UInt64(UInt8(ascii: "%")))
        let plus = word ^ (ones &* UInt64(UInt8(ascii: "+")))
        let flagged = ((percent &- ones) & ~percent | (plus &- ones) & ~plus) & highs
        return flagged == 0 ? 8 : flagged.trailingZeroBitCount >> 3
    }
}

/// RFC 3986 percent-encoding with the SigV4 unreserved set (A-Z a-z 0-9 - _ . ~).
/// Also how IAM encodes policy documents in XML responses.
public func percentEncodeRFC3986(_ s: String, keepSlash: Bool = false) -> String {
    let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(s.utf8.count)
    for c in s.utf8 {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
             UInt8(ascii: "."), UInt8(ascii: "~"):
            out.append(c)
        case UInt8(ascii: "/") where keepSlash:
            out.append(c)
        default:
            out.append(UInt8(ascii: "%")); out.append(hex[Int(c >> 4)]); out.append(hex[Int(c & 15)])
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// The value of one ASCII hex digit (either case): percent-decoding, key files.
public enum ASCIIHex {
    @inline(__always)
    public static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
