/// chunk-size [ chunk-ext ] (RFC 9112 §7.1), the line before each chunk's data.
/// Extensions are validated and then ignored; their total size is bounded by the caller.
struct ChunkSizeLine {
    var size: UInt64
    /// Bytes after the hexadecimal size: what extensions cost.
    var extensionBytes: Int
}

func parseChunkSizeLine(_ p: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) throws(HTTPRequestError) -> ChunkSizeLine {
    var i = line.lowerBound
    let end = line.upperBound
    var size: UInt64 = 0
    var significantDigits = 0
    while i < end, let digit = hexValue(p[i]) {
        if size != 0 || digit != 0 { significantDigits += 1 }
        // 16 hex digits fill 64 bits; a 17th would wrap and smuggle a small size past us.
        guard significantDigits <= 16 else { throw .invalidChunkSize }
        size = size << 4 | UInt64(digit)
        i += 1
    }
    guard i > line.lowerBound else { throw .invalidChunkSize }
    let extensionStart = i
    try validateChunkExtensions(p, i..<end)
    return ChunkSizeLine(size: size, extensionBytes: end - extensionStart)
}

/// chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] ), val = token / quoted-string.
private func validateChunkExtensions(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) throws(HTTPRequestError) {
    var i = r.lowerBound
    let end = r.upperBound
    func skipBWS() { while i < end && isOWS(p[i]) { i += 1 } }
    func token() -> Bool {
        let s = i
        while i < end && isTokenChar(p[i]) { i += 1 }
        return i > s
    }
    while i < end {
        skipBWS()
        guard i < end, p[i] == ASCII.semicolon else { throw .invalidChunkExtension }
        i += 1
        skipBWS()
        guard token() else { throw .invalidChunkExtension }
        skipBWS()
        guard i < end else { return }
        if p[i] == ASCII.semicolon { continue }
        guard p[i] == ASCII.equals else { throw .invalidChunkExtension }
        i += 1
        skipBWS()
        guard i < end else { throw .invalidChunkExtension }
        if p[i] == ASCII.quote {
            i += 1
            var closed = false
            while i < end {
                let b = p[i]
                if b == ASCII.quote { closed = true; i += 1; break }
                if b == ASCII.backslash {
                    i += 1
                    guard i < end, isFieldValueByte(p[i]) else { throw .invalidChunkExtension }
                } else if !isFieldValueByte(b) {
                    throw .invalidChunkExtension
                }
                i += 1
            }
            guard closed else { throw .invalidChunkExtension }
        } else {
            guard token() else { throw .invalidChunkExtension }
        }
        skipBWS()
    }
}
