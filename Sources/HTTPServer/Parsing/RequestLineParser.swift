/// request-line = method SP request-target SP HTTP-version (RFC 9112 §3), with exactly one
/// SP between parts: lenient whitespace handling is a known source of parser disagreement.
struct RequestLine {
    var method: Range<Int>
    var target: Range<Int>
    /// 0 or 1 (HTTP/1.0, HTTP/1.1).
    var versionMinor: Int
}

func parseRequestLine(_ p: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) throws(HTTPRequestError) -> RequestLine {
    var i = line.lowerBound
    let end = line.upperBound
    while i < end && isTokenChar(p[i]) { i += 1 }
    guard i > line.lowerBound else {
        if i < end && p[i] == ASCII.sp { throw .malformedRequestLine("leading whitespace") }
        throw .invalidMethod
    }
    guard i < end else { throw .malformedRequestLine("missing request-target") }
    guard p[i] == ASCII.sp else { throw .invalidMethod }
    let method = line.lowerBound..<i
    i += 1

    let targetStart = i
    guard i < end, p[i] != ASCII.sp else { throw .malformedRequestLine("expected one SP before request-target") }
    // Absolute-form, authority-form and asterisk-form are all refused: the broker is an origin server.
    guard p[i] == ASCII.slash else { throw .requestTargetNotOriginForm }
    while i < end && p[i] != ASCII.sp {
        guard isRequestTargetByte(p[i]) else { throw .invalidRequestTarget(byte: p[i]) }
        i += 1
    }
    guard i < end else { throw .malformedRequestLine("missing HTTP version") }
    let target = targetStart..<i
    i += 1

    let version = i..<end
    for j in version where p[j] == ASCII.sp || p[j] == ASCII.htab {
        throw .malformedRequestLine("unexpected whitespace after request-target")
    }
    return RequestLine(method: method, target: target, versionMinor: try parseVersion(p, version))
}

/// HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive. Well-formed but not 1.0/1.1 is 505.
private func parseVersion(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) throws(HTTPRequestError) -> Int {
    guard r.count == 8 else { throw .invalidHTTPVersion }
    let b = r.lowerBound
    guard p[b] == 0x48, p[b + 1] == 0x54, p[b + 2] == 0x54, p[b + 3] == 0x50, p[b + 4] == ASCII.slash,
          p[b + 6] == 0x2E else { throw .invalidHTTPVersion }
    let major = p[b + 5], minor = p[b + 7]
    guard (0x30...0x39).contains(major), (0x30...0x39).contains(minor) else { throw .invalidHTTPVersion }
    guard major == 0x31, minor == 0x30 || minor == 0x31 else {
        throw .unsupportedHTTPVersion("HTTP/\(Character(Unicode.Scalar(major))).\(Character(Unicode.Scalar(minor)))")
    }
    return Int(minor - 0x30)
}
