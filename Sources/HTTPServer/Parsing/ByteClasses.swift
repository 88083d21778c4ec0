// Character classes from RFC 9110 §5.6 and RFC 3986, as branchy functions rather than
// tables: global arrays in Swift pay a lazy-initialisation check on every access.

enum ASCII {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let sp: UInt8 = 0x20
    static let htab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let comma: UInt8 = 0x2C
    static let equals: UInt8 = 0x3D
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let slash: UInt8 = 0x2F
    static let question: UInt8 = 0x3F
}

/// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
@inline(__always)
func isTokenChar(_ b: UInt8) -> Bool {
    switch b {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
    case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: return true
    default: return false
    }
}

@inline(__always)
func isOWS(_ b: UInt8) -> Bool { b == ASCII.sp || b == ASCII.htab }

/// field-vchar / SP / HTAB, with obs-text (0x80-0xFF) allowed here and checked as UTF-8 later.
@inline(__always)
func isFieldValueByte(_ b: UInt8) -> Bool {
    b == ASCII.htab || (b >= 0x20 && b != 0x7F)
}

/// Visible ASCII except '#': a request-target never carries a fragment, and anything
/// outside this set (controls, SP, DEL, non-ASCII) would have to be percent-encoded.
@inline(__always)
func isRequestTargetByte(_ b: UInt8) -> Bool {
    b > 0x20 && b < 0x7F && b != 0x23
}

/// uri-host [ ":" port ] characters: reg-name, IPv4, IP-literal in brackets.
@inline(__always)
func isHostByte(_ b: UInt8) -> Bool {
    switch b {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
    case 0x2D, 0x2E, 0x5F, 0x7E, 0x21, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x3B, 0x3D, 0x3A, 0x25, 0x5B, 0x5D:
        return true
    default: return false
    }
}

@inline(__always)
func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case 0x30...0x39: return b - 0x30
    case 0x41...0x46: return b - 0x41 + 10
    case 0x61...0x66: return b - 0x61 + 10
    default: return nil
    }
}

/// Compares bytes with a lower-case ASCII literal, ignoring case.
@inline(__always)
func bytesEqualLowercased(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ lower: StaticString) -> Bool {
    guard range.count == lower.utf8CodeUnitCount else { return false }
    let l = lower.utf8Start
    var i = 0
    for j in range {
        if asciiLower(p[j]) != l[i] { return false }
        i += 1
    }
    return true
}

/// Range with leading and trailing OWS removed.
@inline(__always)
func trimmingOWS(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
    var lo = range.lowerBound, hi = range.upperBound
    while lo < hi && isOWS(p[lo]) { lo += 1 }
    while hi > lo && isOWS(p[hi - 1]) { hi -= 1 }
    return lo..<hi
}

/// Calls `body` with each comma-separated element of a list value, OWS-trimmed, empty elements skipped (RFC 9110 §5.6.1).
@inline(__always)
func forEachListElement(_ p: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, _ body: (Range<Int>) -> Void) {
    var start = range.lowerBound
    var i = range.lowerBound
    while i <= range.upperBound {
        if i == range.upperBound || p[i] == ASCII.comma {
            let element = trimmingOWS(p, start..<i)
            if !element.isEmpty { body(element) }
            start = i + 1
        }
        i += 1
    }
}
