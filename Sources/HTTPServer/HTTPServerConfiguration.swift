import Foundation

/// Every limit the server enforces on untrusted input, in one place.
public struct HTTPServerConfiguration {
    public var host: String = "127.0.0.1"
    /// 0 asks the kernel for an ephemeral port (tests); read it back from `HTTPServer.boundPort`.
    public var port: Int = 8080
    /// Event-loop threads. Each owns its connections for their whole life.
    public var workerCount: Int = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Open connections across all workers; beyond it a new connection gets 503 and is closed.
    public var maxConnections: Int = 1024
    /// Longer request lines are refused with 414.
    public var maxRequestLineBytes: Int = 8 * 1024
    /// Header section (every header line with its CRLF, and the blank line); larger is 431.
    /// The same budget bounds chunk extensions and trailers of one request.
    public var maxHeaderBytes: Int = 32 * 1024
    /// More header fields than this is 431 (trailers count separately against the same number).
    public var maxHeaderCount: Int = 100
    /// Decoded body; larger is 413. Holds a 100,000-character form-encoded SAMLAssertion many times over.
    public var maxBodyBytes: Int = 2 * 1024 * 1024
    /// The whole head must arrive within this many seconds of its first byte (or of accept for a new connection); else 408.
    public var headerTimeoutSeconds: Double = 10
    /// The whole body must arrive within this many seconds of the end of the head; else 408.
    public var bodyTimeoutSeconds: Double = 30
    /// A keep-alive connection with no request in progress is closed after this long. Also bounds how long
    /// a peer that stops reading can stall a pending response.
    public var idleTimeoutSeconds: Double = 60
    /// After this many responses the server answers with `Connection: close`.
    public var maxRequestsPerConnection: Int = 100_000

    public init() {}

    /// Refuses configurations that would disable a limit, so a typo cannot turn a bound off.
    func validate() throws {
        func check(_ ok: Bool, _ what: String) throws {
            if !ok { throw HTTPServerError.invalidConfiguration(what) }
        }
        try check((0...65535).contains(port), "port must be 0...65535, found \(port)")
        try check(workerCount >= 1 && workerCount <= 256, "workerCount must be 1...256, found \(workerCount)")
        try check(maxConnections >= 1, "maxConnections must be >= 1, found \(maxConnections)")
        try check(maxRequestLineBytes >= 16, "maxRequestLineBytes must be >= 16, found \(maxRequestLineBytes)")
        try check(maxHeaderBytes >= 64, "maxHeaderBytes must be >= 64, found \(maxHeaderBytes)")
        try check(maxHeaderCount >= 1, "maxHeaderCount must be >= 1, found \(maxHeaderCount)")
        try check(maxBodyBytes >= 0 && maxBodyBytes <= 1 << 30, "maxBodyBytes must be 0...1 GiB, found \(maxBodyBytes)")
        for (name, value) in [("headerTimeoutSeconds", headerTimeoutSeconds), ("bodyTimeoutSeconds", bodyTimeoutSeconds),
                              ("idleTimeoutSeconds", idleTimeoutSeconds)] {
            try check(value > 0 && value <= 86_400, "\(name) must be in (0, 86400], found \(value)")
        }
        try check(maxRequestsPerConnection >= 1, "maxRequestsPerConnection must be >= 1, found \(maxRequestsPerConnection)")
    }

    var parserLimits: HTTPParserLimits {
        HTTPParserLimits(maxRequestLineBytes: maxRequestLineBytes, maxHeaderBytes: maxHeaderBytes,
                         maxHeaderCount: maxHeaderCount, maxBodyBytes: maxBodyBytes)
    }
}
