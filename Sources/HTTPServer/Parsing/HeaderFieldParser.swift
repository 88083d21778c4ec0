/// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5).
struct HeaderField {
    var name: Range<Int>
    /// OWS-trimmed.
    var value: Range<Int>
    /// The value has bytes >= 0x80 and must be checked as UTF-8 before becoming a String.
    var valueHasNonASCII: Bool
}

func parseHeaderField(_ p: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) throws(HTTPRequestError) -> HeaderField {
    let start = line.lowerBound, end = line.upperBound
    // A continuation line would be joined to the previous value by some parsers and not others.
    guard !isOWS(p[start]) else { throw .obsoleteLineFolding }
    var i = start
    while i < end && isTokenChar(p[i]) { i += 1 }
    guard i < end, i > start else { throw .invalidHeaderName }
    if isOWS(p[i]) { throw .whitespaceBeforeColon }
    guard p[i] == ASCII.colon else { throw .invalidHeaderName }
    let name = start..<i

    let value = trimmingOWS(p, (i + 1)..<end)
    var nonASCII = false
    for j in value {
        let b = p[j]
        guard isFieldValueByte(b) else {
            throw .invalidHeaderValue(name: String(decoding: UnsafeBufferPointer(rebasing: p[name]), as: UTF8.self))
        }
        if b >= 0x80 { nonASCII = true }
    }
    return HeaderField(name: name, value: value, valueHasNonASCII: nonASCII)
}
