/// How the body of a request is delimited, decided once from the whole head.
enum BodyFraming: Equatable {
    case none
    case contentLength(Int)
    case chunked
}

/// Collects the request line and header fields of one request and decides its framing.
/// Framing headers (Host, Content-Length, Transfer-Encoding, Connection, Expect) are
/// read from the raw bytes as they arrive, so every ambiguity is judged on exactly
/// what the client sent, before any String is built.
struct RequestHeadBuilder {
    var method = ""
    var target = ""
    var path = ""
    var rawQuery = ""
    var versionMinor = 1
    var headers: [(String, String)] = []

    private var hostCount = 0
    private(set) var contentLength: Int?
    private var contentLengthCount = 0
    private var sawTransferEncoding = false
    private var codingCount = 0
    private var chunkedCount = 0
    private var lastCodingIsChunked = false
    private var connectionClose = false
    private var connectionKeepAlive = false
    private(set) var expectsContinue = false

    init() { headers.reserveCapacity(16) }

    mutating func setRequestLine(_ p: UnsafeBufferPointer<UInt8>, _ line: RequestLine) {
        method = makeASCIIString(p, line.method)
        target = makeASCIIString(p, line.target)
        if let q = line.target.first(where: { p[$0] == ASCII.question }) {
            path = makeASCIIString(p, line.target.lowerBound..<q)
            rawQuery = makeASCIIString(p, (q + 1)..<line.target.upperBound)
        } else {
            path = target
            rawQuery = ""
        }
        versionMinor = line.versionMinor
    }

    mutating func addField(_ p: UnsafeBufferPointer<UInt8>, _ field: HeaderField, maxBodyBytes: Int) throws(HTTPRequestError) {
        let name = field.name, value = field.value
        switch name.count {
        case 4 where bytesEqualLowercased(p, name, "host"):
            hostCount += 1
            guard hostCount == 1 else { throw .duplicateHost }
            for j in value where !isHostByte(p[j]) { throw .invalidHost }
        case 14 where bytesEqualLowercased(p, name, "content-length"):
            contentLengthCount += 1
            // Even identical repeats are refused: RFC 9112 allows merging them, but a proxy in front may not.
            guard contentLengthCount == 1 else { throw .duplicateContentLength }
            contentLength = try parseContentLength(p, value, maxBodyBytes: maxBodyBytes)
        case 17 where bytesEqualLowercased(p, name, "transfer-encoding"):
            sawTransferEncoding = true
            addTransferCodings(p, value)
        case 10 where bytesEqualLowercased(p, name, "connection"):
            forEachListElement(p, value) { option in
                if bytesEqualLowercased(p, option, "close") { connectionClose = true }
                else if bytesEqualLowercased(p, option, "keep-alive") { connectionKeepAlive = true }
            }
        case 6 where bytesEqualLowercased(p, name, "expect"):
            var unsupported = false
            forEachListElement(p, value) { expectation in
                if bytesEqualLowercased(p, expectation, "100-continue") { expectsContinue = true } else { unsupported = true }
            }
            if unsupported || value.isEmpty { throw .unsupportedExpectation }
        default:
            break
        }
        let nameString = makeASCIIString(p, name)
        let valueString: String
        if field.valueHasNonASCII {
            guard let s = String(validating: UnsafeBufferPointer(rebasing: p[value]), as: UTF8.self) else {
                throw .invalidHeaderValue(name: nameString)
            }
            valueString = s
        } else {
            valueString = makeASCIIString(p, value)
        }
        headers.append((nameString, valueString))
    }

    /// Called at the blank line: the checks that need the whole head.
    mutating func finish() throws(HTTPRequestError) -> BodyFraming {
        if versionMinor == 1 && hostCount == 0 { throw .missingHost }
        // Expect: 100-continue means nothing to an HTTP/1.0 client (RFC 9110 §10.1.1).
        if versionMinor == 0 { expectsContinue = false }
        if sawTransferEncoding {
            if contentLengthCount > 0 { throw .contentLengthWithTransferEncoding }
            if versionMinor == 0 { throw .transferEncodingInHTTP10 }
            guard codingCount > 0 else { throw .invalidTransferEncoding("empty value") }
            // Without chunked as the final coding the body length is unknowable (RFC 9112 §6.3).
            guard lastCodingIsChunked else { throw .invalidTransferEncoding("chunked must be the final coding") }
            guard chunkedCount == 1 else { throw .invalidTransferEncoding("chunked applied more than once") }
            guard codingCount == 1 else { throw .unsupportedTransferCoding }
            return .chunked
        }
        if let length = contentLength, length > 0 { return .contentLength(length) }
        return .none
    }

    var keepAlive: Bool {
        if connectionClose { return false }
        return versionMinor == 1 || connectionKeepAlive
    }

    private mutating func addTransferCodings(_ p: UnsafeBufferPointer<UInt8>, _ value: Range<Int>) {
        forEachListElement(p, value) { coding in
            codingCount += 1
            lastCodingIsChunked = bytesEqualLowercased(p, coding, "chunked")
            if lastCodingIsChunked { chunkedCount += 1 }
        }
    }
}

/// 1*DIGIT, nothing else: no sign, no list, no inner whitespace. Overflow is a framing error (400);
/// a well-formed length above the limit is 413, decided before any body byte is read.
private func parseContentLength(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, maxBodyBytes: Int) throws(HTTPRequestError) -> Int {
    guard !r.isEmpty else { throw .invalidContentLength }
    var n = 0
    for j in r {
        let b = p[j]
        guard b >= 0x30 && b <= 0x39 else { throw .invalidContentLength }
        let (m, o1) = n.multipliedReportingOverflow(by: 10)
        let (s, o2) = m.addingReportingOverflow(Int(b - 0x30))
        guard !o1 && !o2 else { throw .invalidContentLength }
        n = s
    }
    guard n <= maxBodyBytes else { throw .bodyTooLarge(limit: maxBodyBytes) }
    return n
}

@inline(__always)
func makeASCIIString(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: p[r]), as: UTF8.self)
}
