// Hashes, MACs, randomness and encodings over OpenSSL libcrypto (through CCrypto).
// The primitives here are not input-driven failure points: OpenSSL only fails on
// allocation or RNG exhaustion, which is a broken host, so those paths stop the process.
import CCrypto

public enum Crypto {
    public static func sha256(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let ok = data.withUnsafeBufferPointer { d in
            out.withUnsafeMutableBufferPointer { ccrypto_sha256(d.baseAddress, d.count, $0.baseAddress) }
        }
        if ok != 1 { fatalError("OpenSSL SHA-256 failed") }
        return out
    }

    public static func sha256Hex(_ data: [UInt8]) -> String { hex(sha256(data)) }

    public static func sha1(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        let ok = data.withUnsafeBufferPointer { d in
            out.withUnsafeMutableBufferPointer { ccrypto_sha1(d.baseAddress, d.count, $0.baseAddress) }
        }
        if ok != 1 { fatalError("OpenSSL SHA-1 failed") }
        return out
    }

    public static func hmacSHA256(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let ok = key.withUnsafeBufferPointer { k in
            data.withUnsafeBufferPointer { d in
                out.withUnsafeMutableBufferPointer {
                    ccrypto_hmac_sha256(k.baseAddress, k.count, d.baseAddress, d.count, $0.baseAddress)
                }
            }
        }
        if ok != 1 { fatalError("OpenSSL HMAC-SHA256 failed") }
        return out
    }

    /// Cryptographically secure random bytes (RAND_bytes). An RNG failure means the
    /// host cannot issue credentials safely at all, so it stops the process.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        guard count > 0 else { return [] }
        var out = [UInt8](repeating: 0, count: count)
        let ok = out.withUnsafeMutableBufferPointer { ccrypto_random($0.baseAddress, $0.count) }
        if ok != 1 { fatalError("OpenSSL RAND_bytes failed") }
        return out
    }

    /// Compares without an early exit on the first differing byte. A length mismatch
    /// returns false at once: lengths of MACs and signatures are public.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in ccrypto_memeq(pa.baseAddress, pb.baseAddress, pa.count) == 1 }
        }
    }

    /// Lower-case hex, as SigV4 wants it.
    public static func hex(_ bytes: [UInt8]) -> String {
        var out = [UInt8](); out.reserveCapacity(bytes.count * 2)
        appendHex(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends lower-case hex of `bytes` to `out` (no intermediate String).
    public static func appendHex(_ bytes: [UInt8], to out: inout [UInt8]) {
        for b in bytes {
            let hi = b >> 4, lo = b & 0x0f
            out.append(hi < 10 ? 0x30 + hi : 0x57 + hi)
            out.append(lo < 10 ? 0x30 + lo : 0x57 + lo)
        }
    }

    private static let base64Alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Standard base64 with padding.
    public static func base64(_ bytes: [UInt8]) -> String {
        var out = [UInt8](); out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out.append(base64Alphabet[Int(n >> 18 & 63)]); out.append(base64Alphabet[Int(n >> 12 & 63)])
            out.append(base64Alphabet[Int(n >> 6 & 63)]); out.append(base64Alphabet[Int(n & 63)])
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out.append(base64Alphabet[Int(n >> 18 & 63)]); out.append(base64Alphabet[Int(n >> 12 & 63)])
            out.append(UInt8(ascii: "=")); out.append(UInt8(ascii: "="))
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(base64Alphabet[Int(n >> 18 & 63)]); out.append(base64Alphabet[Int(n >> 12 & 63)])
            out.append(base64Alphabet[Int(n >> 6 & 63)]); out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Strict standard base64 decoding: no whitespace, correct padding, zero pad bits.
    /// nil on anything else (callers decide how to report it).
    public static func base64Decode(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out = [UInt8](); out.reserveCapacity(chars.count / 4 * 3)
        var i = 0
        while i < chars.count {
            var vals: [UInt32] = [0, 0, 0, 0]
            var pad = 0
            for j in 0..<4 {
                let c = chars[i + j]
                if c == UInt8(ascii: "=") {
                    // Padding only in the last quantum, only in its last two places, and only trailing.
                    guard i + 4 == chars.count, j >= 2 else { return nil }
                    pad += 1
                } else {
                    guard pad == 0, let v = base64Value(c) else { return nil }
                    vals[j] = v
                }
            }
            let n = vals[0] << 18 | vals[1] << 12 | vals[2] << 6 | vals[3]
            out.append(UInt8(truncatingIfNeeded: n >> 16))
            if pad < 2 { out.append(UInt8(truncatingIfNeeded: n >> 8)) } else if n & 0xffff != 0 { return nil }
            if pad < 1 { out.append(UInt8(truncatingIfNeeded: n)) } else if n & 0xff != 0 { return nil }
            i += 4
        }
        return out
    }

    private static func base64Value(_ c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(c - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(c - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }
}
