/// The limits the parser enforces; see `HTTPServerConfiguration` for their meaning.
struct HTTPParserLimits {
    var maxRequestLineBytes: Int
    var maxHeaderBytes: Int
    var maxHeaderCount: Int
    var maxBodyBytes: Int
    /// A chunk-size line is a few hex digits; this leaves room for modest extensions.
    var maxChunkSizeLineBytes: Int = 1024
}

/// A request that passed every framing check, plus what the connection needs to know about it.
struct ParsedRequest {
    var method: String
    var target: String
    var path: String
    var rawQuery: String
    var headers: [(String, String)]
    var body: [UInt8]
    var versionMinor: Int
    var keepAlive: Bool
}

enum HTTPParseOutcome {
    case needMore
    case complete(ParsedRequest)
    case failed(HTTPRequestError)
}

/// Incremental HTTP/1.x request parser: feed it whatever bytes have arrived; it consumes
/// whole lines and body bytes and says when a request is complete. It keeps no copy of
/// the input except the body, so the connection's buffer stays the only buffer.
///
/// Once it fails it stays failed: after a framing error the byte stream has no trustworthy
/// request boundary, so nothing more may be parsed from it.
struct HTTPRequestParser {
    enum Phase: Equatable {
        /// Between requests (the connection may still hold unparsed bytes of the next one).
        case awaitingRequest
        case head
        case body
    }

    private enum State {
        case requestLine
        case headerLines
        case fixedBody(remaining: Int)
        case chunkSizeLine
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailerLines
        case failed(HTTPRequestError)
    }

    let limits: HTTPParserLimits
    private var state = State.requestLine
    private var resume = 0
    private var head = RequestHeadBuilder()
    private var body: [UInt8] = []
    private var skippedLeadingEmptyLine = false
    private var headerBytes = 0
    private var headerCount = 0
    private var extensionBytes = 0
    private var trailerBytes = 0
    private var trailerCount = 0

    init(limits: HTTPParserLimits) {
        self.limits = limits
    }

    var phase: Phase {
        switch state {
        case .requestLine: return resume == 0 && !skippedLeadingEmptyLine ? .awaitingRequest : .head
        case .headerLines: return .head
        case .failed: return .awaitingRequest
        default: return .body
        }
    }

    /// True while the body of a request that sent `Expect: 100-continue` is awaited.
    var expectsContinue: Bool { phase == .body && head.expectsContinue }

    /// Parses from the start of `p` (the bytes not yet consumed). Returns how many bytes were
    /// consumed; the caller drops them and passes the rest (plus new bytes) next time.
    /// Stops after one complete request so the caller can answer it before parsing the next.
    mutating func parse(_ p: UnsafeBufferPointer<UInt8>) -> (consumed: Int, outcome: HTTPParseOutcome) {
        var cursor = 0
        while true {
            switch state {
            case .failed(let error):
                return (cursor, .failed(error))

            case .requestLine:
                switch scanLine(p, start: cursor, resume: &resume, maxContent: limits.maxRequestLineBytes,
                                tooLong: .requestLineTooLong(limit: limits.maxRequestLineBytes)) {
                case .incomplete: return (cursor, .needMore)
                case .failed(let e): return fail(e, cursor)
                case .complete(let end, let next):
                    if end == cursor {
                        // RFC 9112 §2.2: tolerate one CRLF before a request (old clients add one after a POST body).
                        guard !skippedLeadingEmptyLine else { return fail(.malformedRequestLine("empty line"), cursor) }
                        skippedLeadingEmptyLine = true
                        cursor = next
                        continue
                    }
                    do {
                        head.setRequestLine(p, try parseRequestLine(p, cursor..<end))
                    } catch {
                        return fail(error, cursor)
                    }
                    cursor = next
                    state = .headerLines
                }

            case .headerLines:
                let budget = limits.maxHeaderBytes - headerBytes
                let tooLarge = HTTPRequestError.headerSectionTooLarge(limit: limits.maxHeaderBytes)
                guard budget >= 2 else { return fail(tooLarge, cursor) }
                switch scanLine(p, start: cursor, resume: &resume, maxContent: budget - 2, tooLong: tooLarge) {
                case .incomplete: return (cursor, .needMore)
                case .failed(let e): return fail(e, cursor)
                case .complete(let end, let next):
                    headerBytes += next - cursor
                    if end == cursor {
                        cursor = next
                        let framing: BodyFraming
                        do { framing = try head.finish() } catch { return fail(error, cursor) }
                        switch framing {
                        case .none: return (cursor, .complete(takeRequest()))
                        case .contentLength(let n):
                            body.reserveCapacity(min(n, 64 * 1024))
                            state = .fixedBody(remaining: n)
                        case .chunked:
                            state = .chunkSizeLine
                        }
                        continue
                    }
                    headerCount += 1
                    guard headerCount <= limits.maxHeaderCount else {
                        return fail(.tooManyHeaders(limit: limits.maxHeaderCount), cursor)
                    }
                    do {
                        let field = try parseHeaderField(p, cursor..<end)
                        try head.addField(p, field, maxBodyBytes: limits.maxBodyBytes)
                    } catch {
                        return fail(error, cursor)
                    }
                    cursor = next
                }

            case .fixedBody(let remaining):
                let n = min(remaining, p.count - cursor)
                if n > 0 { body.append(contentsOf: UnsafeBufferPointer(rebasing: p[cursor..<(cursor + n)])) }
                cursor += n
                if n == remaining { return (cursor, .complete(takeRequest())) }
                state = .fixedBody(remaining: remaining - n)
                return (cursor, .needMore)

            case .chunkSizeLine:
                switch scanLine(p, start: cursor, resume: &resume, maxContent: limits.maxChunkSizeLineBytes,
                                tooLong: .chunkSizeLineTooLong(limit: limits.maxChunkSizeLineBytes)) {
                case .incomplete: return (cursor, .needMore)
                case .failed(let e): return fail(e, cursor)
                case .complete(let end, let next):
                    let line: ChunkSizeLine
                    do { line = try parseChunkSizeLine(p, cursor..<end) } catch { return fail(error, cursor) }
                    extensionBytes += line.extensionBytes
                    guard extensionBytes <= limits.maxHeaderBytes else {
                        return fail(.chunkExtensionsTooLarge(limit: limits.maxHeaderBytes), cursor)
                    }
                    guard line.size <= UInt64(limits.maxBodyBytes - body.count) else {
                        return fail(.bodyTooLarge(limit: limits.maxBodyBytes), cursor)
                    }
                    cursor = next
                    state = line.size == 0 ? .trailerLines : .chunkData(remaining: Int(line.size))
                }

            case .chunkData(let remaining):
                let n = min(remaining, p.count - cursor)
                if n > 0 { body.append(contentsOf: UnsafeBufferPointer(rebasing: p[cursor..<(cursor + n)])) }
                cursor += n
                guard n == remaining else {
                    state = .chunkData(remaining: remaining - n)
                    return (cursor, .needMore)
                }
                state = .chunkDataEnd

            case .chunkDataEnd:
                let available = p.count - cursor
                if available >= 1 && p[cursor] != ASCII.cr { return fail(.missingCRLFAfterChunkData, cursor) }
                if available >= 2 && p[cursor + 1] != ASCII.lf { return fail(.missingCRLFAfterChunkData, cursor) }
                guard available >= 2 else { return (cursor, .needMore) }
                cursor += 2
                state = .chunkSizeLine

            case .trailerLines:
                // Trailers are checked like header fields and then dropped: nothing downstream may rely on them.
                let budget = limits.maxHeaderBytes - trailerBytes
                let tooLarge = HTTPRequestError.headerSectionTooLarge(limit: limits.maxHeaderBytes)
                guard budget >= 2 else { return fail(tooLarge, cursor) }
                switch scanLine(p, start: cursor, resume: &resume, maxContent: budget - 2, tooLong: tooLarge) {
                case .incomplete: return (cursor, .needMore)
                case .failed(let e): return fail(e, cursor)
                case .complete(let end, let next):
                    trailerBytes += next - cursor
                    if end == cursor {
                        cursor = next
                        return (cursor, .complete(takeRequest()))
                    }
                    trailerCount += 1
                    guard trailerCount <= limits.maxHeaderCount else {
                        return fail(.tooManyHeaders(limit: limits.maxHeaderCount), cursor)
                    }
                    do { _ = try parseHeaderField(p, cursor..<end) } catch { return fail(error, cursor) }
                    cursor = next
                }
            }
        }
    }

    private mutating func fail(_ error: HTTPRequestError, _ cursor: Int) -> (consumed: Int, outcome: HTTPParseOutcome) {
        state = .failed(error)
        return (cursor, .failed(error))
    }

    /// Hands out the finished request and resets for the next one on the same connection.
    private mutating func takeRequest() -> ParsedRequest {
        let request = ParsedRequest(method: head.method, target: head.target, path: head.path, rawQuery: head.rawQuery,
                                    headers: head.headers, body: body, versionMinor: head.versionMinor,
                                    keepAlive: head.keepAlive)
        head = RequestHeadBuilder()
        body = []
        state = .requestLine
        resume = 0
        skippedLeadingEmptyLine = false
        headerBytes = 0
        headerCount = 0
        extensionBytes = 0
        trailerBytes = 0
        trailerCount = 0
        return request
    }
}
