// What SigV4 needs of an HTTP request, and what parsing its authentication found.

/// An HTTP request exactly as received: raw (still percent-encoded) path and query,
/// header fields in arrival order with names as sent.
public struct SigV4Request: Sendable {
    public var method: String
    public var path: String
    public var rawQuery: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(method: String, path: String, rawQuery: String, headers: [(String, String)], body: [UInt8]) {
        self.method = method; self.path = path; self.rawQuery = rawQuery; self.headers = headers; self.body = body
    }

    /// Every value of a header, case-insensitively by name, in arrival order.
    func headerValues(_ lowerName: String) -> [String] {
        headers.compactMap { SigV4Request.nameEquals($0.0, lowerName) ? $0.1 : nil }
    }

    func header(_ lowerName: String) -> String? {
        headers.first { SigV4Request.nameEquals($0.0, lowerName) }?.1
    }

    /// The first value of a header and how many times it occurs, without building
    /// an array: most verify-path lookups only need "none, one, or too many".
    func firstValue(_ lowerName: String) -> (value: String?, count: Int) {
        var first: String?
        var count = 0
        for (name, value) in headers where SigV4Request.nameEquals(name, lowerName) {
            if count == 0 { first = value }
            count += 1
        }
        return (first, count)
    }

    /// ASCII case-insensitive comparison against an already lower-case name, without
    /// allocating: this runs for every header on every lookup of the verify hot path.
    static func nameEquals(_ name: String, _ lowerName: String) -> Bool {
        // utf8.count is O(1) for native strings and rules out almost every header at once.
        guard name.utf8.count == lowerName.utf8.count else { return false }
        let fast = name.utf8.withContiguousStorageIfAvailable { a in
            lowerName.utf8.withContiguousStorageIfAvailable { b in
                for i in 0..<a.count {
                    let x = a[i]
                    if ((x >= 0x41 && x <= 0x5a) ? x | 0x20 : x) != b[i] { return false }
                }
                return true
            }
        }
        if let result = fast ?? nil { return result }
        var a = name.utf8.makeIterator(), b = lowerName.utf8.makeIterator()
        while true {
            switch (a.next(), b.next()) {
            case (nil, nil): return true
            case (let x?, let y?):
                let lx = (x >= 0x41 && x <= 0x5a) ? x | 0x20 : x
                if lx != y { return false }
            default: return false
            }
        }
    }
}

/// What `SigV4.parse` found, before any key lookup.
public struct SigV4Authorization: Equatable, Sendable {
    public var accessKeyID: String
    /// yyyyMMdd from the credential scope.
    public var scopeDate: String
    public var region: String
    public var service: String
    public var signedHeaders: [String]
    public var signature: String
    /// Unix seconds from X-Amz-Date (or Date).
    public var requestTime: Int64
    /// The request time in ISO-8601 basic form, as it enters the string to sign.
    public var amzDate: String
    /// X-Amz-Security-Token header or query parameter.
    public var securityToken: String?
    public var presigned: Bool
    /// Presigned X-Amz-Expires.
    public var expiresSeconds: Int64?

    public init(accessKeyID: String, scopeDate: String, region: String, service: String, signedHeaders: [String],
                signature: String, requestTime: Int64, amzDate: String, securityToken: String?, presigned: Bool,
                expiresSeconds: Int64?) {
        self.accessKeyID = accessKeyID; self.scopeDate = scopeDate; self.region = region; self.service = service
        self.signedHeaders = signedHeaders; self.signature = signature; self.requestTime = requestTime
        self.amzDate = amzDate; self.securityToken = securityToken; self.presigned = presigned
        self.expiresSeconds = expiresSeconds
    }

    /// `<date>/<region>/<service>/aws4_request`
    public var credentialScope: String { "\(scopeDate)/\(region)/\(service)/aws4_request" }
}
