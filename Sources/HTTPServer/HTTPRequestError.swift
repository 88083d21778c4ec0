import Glibc

/// Why the server refused a request. One case per check, each with the HTTP status the
/// server answers and a message naming the check, the limit or expectation, and what
/// was found (never header values, which may carry credentials).
/// Every refusal closes the connection: after a framing error the server cannot know
/// where the next request starts, so nothing further on that connection is read.
public enum HTTPRequestError: Error, Equatable, CustomStringConvertible {
    // Line structure
    case bareCR
    case bareLF
    case nulByte
    case requestLineTooLong(limit: Int)
    case headerSectionTooLarge(limit: Int)
    case tooManyHeaders(limit: Int)
    // Request line
    case malformedRequestLine(String)
    case invalidMethod
    case requestTargetNotOriginForm
    case invalidRequestTarget(byte: UInt8)
    case invalidHTTPVersion
    case unsupportedHTTPVersion(String)
    // Header fields
    case obsoleteLineFolding
    case whitespaceBeforeColon
    case invalidHeaderName
    case invalidHeaderValue(name: String)
    case missingHost
    case duplicateHost
    case invalidHost
    case unsupportedExpectation
    // Framing
    case contentLengthWithTransferEncoding
    case duplicateContentLength
    case invalidContentLength
    case transferEncodingInHTTP10
    case invalidTransferEncoding(String)
    case unsupportedTransferCoding
    case bodyTooLarge(limit: Int)
    case invalidChunkSize
    case chunkSizeLineTooLong(limit: Int)
    case invalidChunkExtension
    case chunkExtensionsTooLarge(limit: Int)
    case missingCRLFAfterChunkData
    // Time
    case headerTimeout(seconds: Double)
    case bodyTimeout(seconds: Double)

    /// The status the server answers with.
    public var status: Int {
        switch self {
        case .requestLineTooLong: return 414
        case .headerSectionTooLarge, .tooManyHeaders: return 431
        case .unsupportedHTTPVersion: return 505
        case .unsupportedTransferCoding: return 501
        case .unsupportedExpectation: return 417
        case .bodyTooLarge: return 413
        case .headerTimeout, .bodyTimeout: return 408
        default: return 400
        }
    }

    public var description: String {
        switch self {
        case .bareCR: return "line terminator must be CRLF: found a CR not followed by LF"
        case .bareLF: return "line terminator must be CRLF: found a bare LF"
        case .nulByte: return "NUL byte in request head"
        case .requestLineTooLong(let l): return "request line exceeds \(l) bytes"
        case .headerSectionTooLarge(let l): return "header section exceeds \(l) bytes"
        case .tooManyHeaders(let l): return "more than \(l) header fields"
        case .malformedRequestLine(let why): return "malformed request line: \(why)"
        case .invalidMethod: return "method must be a non-empty token"
        case .requestTargetNotOriginForm: return "request-target must be origin-form (start with '/')"
        case .invalidRequestTarget(let b): return "request-target contains disallowed byte 0x\(hex2(b))"
        case .invalidHTTPVersion: return "HTTP version must be 'HTTP/<digit>.<digit>'"
        case .unsupportedHTTPVersion(let v): return "HTTP version must be HTTP/1.0 or HTTP/1.1, found \(v)"
        case .obsoleteLineFolding: return "obsolete line folding (header line starting with SP/HTAB) is not accepted"
        case .whitespaceBeforeColon: return "whitespace between header name and colon"
        case .invalidHeaderName: return "header name must be a non-empty token followed by ':'"
        case .invalidHeaderValue(let n): return "header \(n) contains a control character or invalid UTF-8"
        case .missingHost: return "HTTP/1.1 request must carry a Host header"
        case .duplicateHost: return "more than one Host header"
        case .invalidHost: return "Host header is not a valid host[:port]"
        case .unsupportedExpectation: return "Expect supports only 100-continue"
        case .contentLengthWithTransferEncoding: return "both Content-Length and Transfer-Encoding present (ambiguous framing)"
        case .duplicateContentLength: return "more than one Content-Length (ambiguous framing)"
        case .invalidContentLength: return "Content-Length must be a single decimal number without sign or list"
        case .transferEncodingInHTTP10: return "Transfer-Encoding is not allowed in an HTTP/1.0 request"
        case .invalidTransferEncoding(let why): return "Transfer-Encoding: \(why)"
        case .unsupportedTransferCoding: return "Transfer-Encoding: only 'chunked' is supported"
        case .bodyTooLarge(let l): return "body exceeds \(l) bytes"
        case .invalidChunkSize: return "chunk size must be hexadecimal digits that fit in 64 bits"
        case .chunkSizeLineTooLong(let l): return "chunk size line exceeds \(l) bytes"
        case .invalidChunkExtension: return "malformed chunk extension"
        case .chunkExtensionsTooLarge(let l): return "chunk extensions exceed \(l) bytes"
        case .missingCRLFAfterChunkData: return "chunk data must be followed by CRLF"
        case .headerTimeout(let s): return "request head not received within \(s) s"
        case .bodyTimeout(let s): return "request body not received within \(s) s"
        }
    }
}

private func hex2(_ b: UInt8) -> String {
    let digits = Array("0123456789ABCDEF")
    return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
}

func errnoDescription(_ e: Int32) -> String {
    if let s = strerror(e) { return "\(String(cString: s)) (errno \(e))" }
    return "errno \(e)"
}
