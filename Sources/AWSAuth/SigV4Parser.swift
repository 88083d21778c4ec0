// Reading the authentication out of a request (header or presigned query form)
// without any key: what is missing or malformed is reported here, with AWS's text,
// before mint spends a lookup on it.

public enum SigV4 {
    /// Longest Authorization header / credential / signature we read; AWS's own are far shorter.
    static let maxAuthorizationLength = 8192
    static let maxCredentialLength = 512
    static let maxSignedHeaders = 64
    static let maxSignatureLength = 128
    static let maxPresignExpires: Int64 = 604_800
    /// STS and IAM accept requests signed up to 15 minutes either side of the server clock.
    static let allowedSkewSeconds: Int64 = 900

    /// Header form (`Authorization: AWS4-HMAC-SHA256 ...`) or presigned query form
    /// (`X-Amz-Algorithm=...`). No authentication at all -> `.missingAuthenticationToken`.
    public static func parse(_ request: SigV4Request) throws -> SigV4Authorization {
        let auth = request.firstValue("authorization")
        let query = QueryAuthParameters(request.rawQuery)
        if auth.count == 0 && query.algorithm == nil { throw SigV4Error.missingAuthenticationToken }
        if auth.count > 0 && query.algorithm != nil {
            throw SigV4Error.incompleteSignature("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter "
                + "or the Authorization header should be specified")
        }
        if auth.count > 1 { throw SigV4Error.incompleteSignature("Only one Authorization header is allowed, found \(auth.count).") }
        if let header = auth.value { return try parseHeaderForm(header, request) }
        return try parsePresigned(query, request)
    }

    // MARK: header form

    private static func parseHeaderForm(_ header: String, _ request: SigV4Request) throws -> SigV4Authorization {
        guard header.utf8.count <= maxAuthorizationLength else {
            throw SigV4Error.incompleteSignature("Authorization header is longer than \(maxAuthorizationLength) bytes.")
        }
        // Byte-level over the header's own storage: the header is ASCII in every
        // well-formed request, and splitting by Character (grapheme clusters) cost
        // more than the signature check itself.
        let trimmed = header.trimmingSpaces
        var credentialField, signatureField, signedHeadersField: String?
        var storage = trimmed
        try storage.withUTF8 { u in
            var algorithmEnd = 0
            while algorithmEnd < u.count && u[algorithmEnd] != 0x20 { algorithmEnd += 1 }
            guard u[0..<algorithmEnd].elementsEqual(SigV4Canonical.algorithm.utf8) else {
                let algorithm = String(decoding: UnsafeBufferPointer(rebasing: u[0..<algorithmEnd]), as: UTF8.self)
                throw SigV4Error.incompleteSignature("Unsupported AWS 'algorithm': '\(algorithm.prefix(64))', expected '\(SigV4Canonical.algorithm)'.")
            }
            var otherNames: [String] = []
            var start = algorithmEnd
            while start < u.count {
                var end = start
                while end < u.count && u[end] != UInt8(ascii: ",") { end += 1 }
                defer { start = end + 1 }
                var a = start, b = end
                while a < b && (u[a] == 0x20 || u[a] == 0x09) { a += 1 }
                while b > a && (u[b - 1] == 0x20 || u[b - 1] == 0x09) { b -= 1 }
                if a == b { continue }
                var eq = a
                while eq < b && u[eq] != UInt8(ascii: "=") { eq += 1 }
                guard eq < b else {
                    let text = String(decoding: UnsafeBufferPointer(rebasing: u[a..<b]), as: UTF8.self)
                    throw SigV4Error.incompleteSignature("'\(text.prefix(128))' not a valid key=value pair (missing equal-sign) "
                        + "in Authorization header: '\(trimmed)'.")
                }
                let nameBytes = UnsafeBufferPointer(rebasing: u[a..<eq])
                let value = String(decoding: UnsafeBufferPointer(rebasing: u[(eq + 1)..<b]), as: UTF8.self)
                func set(_ slot: inout String?) -> Bool {
                    if slot != nil { return false }
                    slot = value
                    return true
                }
                let fresh: Bool
                if nameBytes.elementsEqual("Credential".utf8) {
                    fresh = set(&credentialField)
                } else if nameBytes.elementsEqual("Signature".utf8) {
                    fresh = set(&signatureField)
                } else if nameBytes.elementsEqual("SignedHeaders".utf8) {
                    fresh = set(&signedHeadersField)
                } else {
                    let name = String(decoding: nameBytes, as: UTF8.self)
                    fresh = !otherNames.contains(name)
                    otherNames.append(name)
                }
                guard fresh else {
                    let name = String(decoding: nameBytes, as: UTF8.self)
                    throw SigV4Error.incompleteSignature("Authorization header has the '\(name.prefix(64))' parameter more than once.")
                }
            }
        }

        let dates = request.firstValue("x-amz-date")
        let httpDates = request.firstValue("date")
        var missing: [String] = []
        if credentialField == nil { missing.append("Authorization header requires 'Credential' parameter.") }
        if signatureField == nil { missing.append("Authorization header requires 'Signature' parameter.") }
        if signedHeadersField == nil { missing.append("Authorization header requires 'SignedHeaders' parameter.") }
        if dates.count == 0 && httpDates.count == 0 {
            missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        guard missing.isEmpty, let credential = credentialField, let signature = signatureField,
              let signedHeaderList = signedHeadersField else {
            throw SigV4Error.incompleteSignature((missing + ["Authorization=\(trimmed)"]).joined(separator: " "))
        }

        let (requestTime, amzDate): (Int64, String)
        if let xAmzDate = dates.value {
            guard dates.count == 1 else { throw SigV4Error.incompleteSignature("Only one X-Amz-Date header is allowed.") }
            requestTime = try parseAmzDate(xAmzDate)
            amzDate = xAmzDate
        } else {
            guard httpDates.count == 1, let d = httpDates.value, let t = AmzDate.parseHTTPDate(d.trimmingSpaces) else {
                throw SigV4Error.incompleteSignature("Date header must be a single RFC 7231 date (e.g. 'Sun, 06 Nov 1994 08:49:37 GMT'), "
                    + "got '\(httpDates.value?.prefix(64) ?? "")'.")
            }
            requestTime = t
            amzDate = AmzDate.formatBasic(t)
        }
        let tokens = request.firstValue("x-amz-security-token")
        guard tokens.count <= 1 else { throw SigV4Error.incompleteSignature("Only one X-Amz-Security-Token header is allowed.") }
        let scope = try parseCredential(credential)
        return SigV4Authorization(accessKeyID: scope.accessKeyID, scopeDate: scope.date, region: scope.region,
                                  service: scope.service, signedHeaders: try parseSignedHeaders(signedHeaderList),
                                  signature: try checkSignatureShape(signature), requestTime: requestTime, amzDate: amzDate,
                                  securityToken: tokens.value, presigned: false, expiresSeconds: nil)
    }

    // MARK: presigned form

    private static func parsePresigned(_ q: QueryAuthParameters, _ request: SigV4Request) throws -> SigV4Authorization {
        if let duplicate = q.duplicated {
            throw SigV4Error.incompleteSignature("Query-string parameter '\(duplicate)' occurs more than once.")
        }
        guard q.algorithm == SigV4Canonical.algorithm else {
            throw SigV4Error.incompleteSignature("X-Amz-Algorithm only supports '\(SigV4Canonical.algorithm)', got '\(q.algorithm?.prefix(64) ?? "")'.")
        }
        guard let credential = q.credential, let signature = q.signature, let signedHeaderList = q.signedHeaders,
              let date = q.date else {
            throw SigV4Error.incompleteSignature("AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', "
                + "'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'. Re-examine the query-string parameters.")
        }
        let requestTime = try parseAmzDate(date)
        var expires: Int64?
        if let e = q.expires {
            guard e.utf8.count <= 7, e.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let v = Int64(e), v >= 1 else {
                throw SigV4Error.incompleteSignature("X-Amz-Expires should be a number of seconds between 1 and \(maxPresignExpires), got '\(e.prefix(32))'.")
            }
            guard v <= maxPresignExpires else {
                throw SigV4Error.incompleteSignature("X-Amz-Expires must be less than a week (in seconds) that is \(maxPresignExpires), got \(v).")
            }
            expires = v
        }
        let scope = try parseCredential(credential)
        return SigV4Authorization(accessKeyID: scope.accessKeyID, scopeDate: scope.date, region: scope.region,
                                  service: scope.service, signedHeaders: try parseSignedHeaders(signedHeaderList),
                                  signature: try checkSignatureShape(signature), requestTime: requestTime, amzDate: date,
                                  securityToken: q.securityToken ?? request.header("x-amz-security-token"),
                                  presigned: true, expiresSeconds: expires)
    }

    // MARK: pieces

    private struct Scope { let accessKeyID, date, region, service: String }

    private static func parseCredential(_ credential: String) throws -> Scope {
        guard credential.utf8.count <= maxCredentialLength else {
            throw SigV4Error.incompleteSignature("Credential is longer than \(maxCredentialLength) bytes.")
        }
        var parts: [String] = []
        parts.reserveCapacity(5)
        var storage = credential
        storage.withUTF8 { u in
            var start = 0
            for i in 0...u.count where i == u.count || u[i] == UInt8(ascii: "/") {
                parts.append(String(decoding: UnsafeBufferPointer(rebasing: u[start..<i]), as: UTF8.self))
                start = i + 1
            }
        }
        guard parts.count == 5 else {
            throw SigV4Error.incompleteSignature("Credential must have exactly 5 slash-delimited elements, "
                + "e.g. keyid/date/region/service/term, got '\(credential)'")
        }
        guard parts[4] == "aws4_request" else {
            throw SigV4Error.signatureDoesNotMatch("Credential should be scoped with a valid terminator: 'aws4_request', not '\(parts[4])'.")
        }
        let akid = parts[0]
        guard (16...128).contains(akid.utf8.count), akid.utf8.allSatisfy(isAlphanumeric) else {
            throw SigV4Error.invalidClientTokenId
        }
        return Scope(accessKeyID: akid, date: parts[1], region: parts[2], service: parts[3])
    }

    private static func parseSignedHeaders(_ list: String) throws -> [String] {
        var names: [String] = []
        var storage = list
        storage.withUTF8 { u in
            var start = 0
            for i in 0...u.count where i == u.count || u[i] == UInt8(ascii: ";") {
                names.append(lowercasedName(UnsafeBufferPointer(rebasing: u[start..<i])))
                start = i + 1
            }
        }
        guard names.count <= maxSignedHeaders else {
            throw SigV4Error.incompleteSignature("SignedHeaders lists \(names.count) headers; at most \(maxSignedHeaders) are accepted.")
        }
        guard names.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 128 && !$0.utf8.contains(0x20) }) else {
            throw SigV4Error.incompleteSignature("SignedHeaders must be a ';'-separated list of header names, got '\(list.prefix(256))'.")
        }
        return names
    }

    /// ASCII names (every real header name) are lower-cased byte by byte; anything
    /// else takes the full Unicode lower-casing, as before, so messages do not change.
    private static func lowercasedName(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var hasUpper = false
        for c in bytes {
            guard c < 0x80 else { return String(decoding: bytes, as: UTF8.self).lowercased() }
            if c >= 0x41 && c <= 0x5a { hasUpper = true }
        }
        guard hasUpper else { return String(decoding: bytes, as: UTF8.self) }
        return String(unsafeUninitializedCapacity: bytes.count) { out in
            for (i, c) in bytes.enumerated() { out[i] = c >= 0x41 && c <= 0x5a ? c | 0x20 : c }
            return bytes.count
        }
    }

    private static func checkSignatureShape(_ signature: String) throws -> String {
        guard signature.utf8.count <= maxSignatureLength else {
            throw SigV4Error.incompleteSignature("Signature is longer than \(maxSignatureLength) characters.")
        }
        return signature
    }

    private static func parseAmzDate(_ s: String) throws -> Int64 {
        guard let t = AmzDate.parseBasic(s) else {
            throw SigV4Error.incompleteSignature("Date must be in ISO-8601 'basic format'. Got '\(s.prefix(64))'. "
                + "See http://en.wikipedia.org/wiki/ISO_8601")
        }
        return t
    }

    private static func isAlphanumeric(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
    }
}

/// The X-Amz-* authentication parameters of a query string, decoded.
struct QueryAuthParameters {
    var algorithm, credential, date, expires, signedHeaders, signature, securityToken: String?
    /// The first authentication parameter seen twice: an ambiguity we refuse rather than resolve.
    var duplicated: String?

    init(_ rawQuery: String) {
        // A byte search: String.contains(String) goes through Foundation here.
        guard rawQuery.utf8.count >= 6, SigV4Encoding.containsBytes(rawQuery, "X-Amz-") else { return }
        for (k, v) in SigV4Encoding.queryPairs(rawQuery) {
            let name = String(decoding: k, as: UTF8.self)
            let value = String(decoding: v, as: UTF8.self)
            func set(_ slot: inout String?) {
                if slot != nil { duplicated = duplicated ?? name }
                slot = value
            }
            switch name {
            case "X-Amz-Algorithm": set(&algorithm)
            case "X-Amz-Credential": set(&credential)
            case "X-Amz-Date": set(&date)
            case "X-Amz-Expires": set(&expires)
            case "X-Amz-SignedHeaders": set(&signedHeaders)
            case "X-Amz-Signature": set(&signature)
            case "X-Amz-Security-Token": set(&securityToken)
            default: continue
            }
        }
    }
}

extension String {
    var trimmingSpaces: String {
        let u = utf8
        var start = u.startIndex, end = u.endIndex
        while start < end, u[start] == 0x20 || u[start] == 0x09 { start = u.index(after: start) }
        while end > start {
            let last = u.index(before: end)
            guard u[last] == 0x20 || u[last] == 0x09 else { break }
            end = last
        }
        if start == u.startIndex && end == u.endIndex { return self }
        return String(decoding: u[start..<end], as: UTF8.self)
    }
}
