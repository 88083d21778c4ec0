@testable import HTTPServer

/// Drives `HTTPRequestParser` the way a connection does: bytes arrive in pieces, consumed
/// bytes are dropped, the rest is kept for the next call.
struct ParserHarness {
    static let defaultLimits = HTTPParserLimits(maxRequestLineBytes: 256, maxHeaderBytes: 1024,
                                                maxHeaderCount: 10, maxBodyBytes: 4096)

    struct Result {
        var requests: [ParsedRequest] = []
        var error: HTTPRequestError?
        /// Bytes left unconsumed at the end (a partial request).
        var pending = 0
    }

    /// Feeds `text` in pieces of `pieceSize` bytes (nil: all at once).
    static func run(_ text: String, pieceSize: Int? = nil, limits: HTTPParserLimits = defaultLimits) -> Result {
        run(Array(text.utf8), pieceSize: pieceSize, limits: limits)
    }

    static func run(_ bytes: [UInt8], pieceSize: Int? = nil, limits: HTTPParserLimits = defaultLimits) -> Result {
        var parser = HTTPRequestParser(limits: limits)
        var buffer: [UInt8] = []
        var result = Result()
        var offset = 0
        let step = pieceSize ?? max(1, bytes.count)
        while offset < bytes.count {
            let end = min(bytes.count, offset + step)
            buffer.append(contentsOf: bytes[offset..<end])
            offset = end
            parsing: while true {
                let (consumed, outcome) = buffer.withUnsafeBufferPointer { parser.parse($0) }
                buffer.removeFirst(consumed)
                switch outcome {
                case .needMore: break parsing
                case .complete(let request): result.requests.append(request)
                case .failed(let error):
                    result.error = error
                    return result
                }
            }
        }
        result.pending = buffer.count
        return result
    }

    /// Runs whole and byte by byte and returns both, so each test also proves the parser is
    /// insensitive to how TCP splits the stream.
    static func runBothWays(_ text: String, limits: HTTPParserLimits = defaultLimits) -> (whole: Result, trickled: Result) {
        (run(text, limits: limits), run(text, pieceSize: 1, limits: limits))
    }
}
