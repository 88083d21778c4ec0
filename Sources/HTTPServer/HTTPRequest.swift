/// A complete, well-framed request. The server only builds one after the whole
/// message (head and de-chunked body) has arrived and passed every framing check,
/// so a handler never sees half a request.
public struct HTTPRequest {
    public var method: String
    /// Raw request-target, origin-form only ("/path?query").
    public var target: String
    /// The part of `target` before '?'.
    public var path: String
    /// The part of `target` after '?', without the '?'; "" if none.
    public var rawQuery: String
    /// In arrival order, names as sent, values with OWS trimmed.
    public var headers: [(String, String)]
    /// De-chunked.
    public var body: [UInt8]
    public var remoteAddress: String
    /// Which event-loop thread runs the handler (0..<workerCount), so callers can keep per-worker state without locks.
    public var workerIndex: Int

    /// Lets handler tests build requests without a socket; `path`/`rawQuery` are derived from `target`.
    public init(method: String, target: String, headers: [(String, String)] = [], body: [UInt8] = [],
                remoteAddress: String = "127.0.0.1", workerIndex: Int = 0) {
        self.method = method
        self.target = target
        if let q = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            self.path = String(target[..<q])
            self.rawQuery = String(target[target.utf8.index(after: q)...])
        } else {
            self.path = target
            self.rawQuery = ""
        }
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.workerIndex = workerIndex
    }

    init(method: String, target: String, path: String, rawQuery: String, headers: [(String, String)],
         body: [UInt8], remoteAddress: String, workerIndex: Int) {
        self.method = method
        self.target = target
        self.path = path
        self.rawQuery = rawQuery
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.workerIndex = workerIndex
    }

    /// First value of the header `name`, compared case-insensitively (ASCII), without allocating.
    public func header(_ name: String) -> String? {
        for (n, v) in headers where asciiCaseInsensitiveEquals(n, name) { return v }
        return nil
    }
}

@inline(__always)
func asciiCaseInsensitiveEquals(_ a: String, _ b: String) -> Bool {
    let au = a.utf8, bu = b.utf8
    guard au.count == bu.count else { return false }
    for (x, y) in zip(au, bu) where asciiLower(x) != asciiLower(y) { return false }
    return true
}

@inline(__always)
func asciiLower(_ b: UInt8) -> UInt8 {
    (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b
}
