// The canonical request and string to sign (aws-wire.md §4.2 steps 5-6), shared by
// the verifier and the signer so both sides compute byte-identical input.

enum SigV4Canonical {
    static let algorithm = "AWS4-HMAC-SHA256"
    static let emptyPayloadHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

    /// The path with dot segments and empty segments removed, then encoded keeping '/'
    /// (botocore's non-S3 rule; the already-encoded path is encoded again, so '%' -> '%25').
    static func uri(_ rawPath: String) -> String {
        let path = rawPath.isEmpty ? "/" : rawPath
        var out: [Substring] = []
        for seg in path.split(separator: "/", omittingEmptySubsequences: true) {
            if seg == "." { continue }
            if seg == ".." { if !out.isEmpty { out.removeLast() }; continue }
            out.append(seg)
        }
        var normalized = path.hasPrefix("/") ? "/" : ""
        normalized += out.joined(separator: "/")
        if path.hasSuffix("/") && !out.isEmpty { normalized += "/" }
        return SigV4Encoding.encode(normalized, keepSlash: true)
    }

    /// Pairs decoded then re-encoded with the SigV4 set, sorted by name then value.
    static func query(_ rawQuery: String, excludingSignature: Bool) -> String {
        if rawQuery.isEmpty { return "" }
        var pairs: [(String, String)] = []
        for (k, v) in SigV4Encoding.queryPairs(rawQuery) {
            let key = SigV4Encoding.encode(k)
            if excludingSignature && key == "X-Amz-Signature" { continue }
            pairs.append((key, SigV4Encoding.encode(v)))
        }
        pairs.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        return pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// Trims and collapses runs of spaces/tabs, as botocore's `' '.join(value.split())`.
    static func headerValue(_ v: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(v.utf8.count)
        appendHeaderValue(v, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func appendHeaderValue(_ v: String, to out: inout [UInt8]) {
        var wrote = false, pendingSpace = false
        for c in v.utf8 {
            if c == 0x20 || c == 0x09 || c == 0x0d || c == 0x0a {
                pendingSpace = wrote
            } else {
                if pendingSpace { out.append(0x20); pendingSpace = false }
                out.append(c)
                wrote = true
            }
        }
    }

    /// `name:value\n` for each signed header in the order given; nil names the first signed header the request lacks.
    static func headers(_ request: SigV4Request, signed: [String]) -> Result<String, MissingHeader> {
        var out: [UInt8] = []
        if let missing = appendHeaders(request, signed: signed, to: &out) { return .failure(missing) }
        return .success(String(decoding: out, as: UTF8.self))
    }

    /// Appends the canonical header block; returns the first signed header the request lacks.
    static func appendHeaders(_ request: SigV4Request, signed: [String], to out: inout [UInt8]) -> MissingHeader? {
        for name in signed {
            out.append(contentsOf: name.utf8)
            out.append(UInt8(ascii: ":"))
            var found = false
            for (n, value) in request.headers where SigV4Request.nameEquals(n, name) {
                if found { out.append(UInt8(ascii: ",")) }
                appendHeaderValue(value, to: &out)
                found = true
            }
            guard found else { return MissingHeader(name: name) }
            out.append(0x0a)
        }
        return nil
    }

    struct MissingHeader: Error { let name: String }

    static func request(method: String, uri: String, query: String, headers: String, signedHeaders: [String],
                        payloadHash: String) -> String {
        method + "\n" + uri + "\n" + query + "\n" + headers + "\n" + signedHeaders.joined(separator: ";") + "\n" + payloadHash
    }

    /// The canonical request as bytes, built in one buffer (the verifier's form of
    /// `request(...)`; both produce identical bytes).
    static func requestBytes(_ request: SigV4Request, signed: [String], presigned: Bool,
                             payloadHash: String) -> Result<[UInt8], MissingHeader> {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        for c in request.method.utf8 { out.append(c >= 0x61 && c <= 0x7a ? c - 0x20 : c) }
        out.append(0x0a)
        if request.path == "/" || request.path.isEmpty {
            out.append(UInt8(ascii: "/"))   // by far the commonest Query API path; uri("/") == "/"
        } else {
            out.append(contentsOf: uri(request.path).utf8)
        }
        out.append(0x0a)
        if !request.rawQuery.isEmpty { out.append(contentsOf: query(request.rawQuery, excludingSignature: presigned).utf8) }
        out.append(0x0a)
        if let missing = appendHeaders(request, signed: signed, to: &out) { return .failure(missing) }
        out.append(0x0a)
        for (i, name) in signed.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ";")) }
            out.append(contentsOf: name.utf8)
        }
        out.append(0x0a)
        out.append(contentsOf: payloadHash.utf8)
        return .success(out)
    }

    static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        algorithm + "\n" + amzDate + "\n" + scope + "\n" + Crypto.sha256Hex(Array(canonicalRequest.utf8))
    }

    /// `stringToSign` over canonical-request bytes, as bytes.
    static func stringToSignBytes(amzDate: String, scopeDate: String, region: String, service: String,
                                  canonicalRequest: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(160)
        out.append(contentsOf: algorithm.utf8); out.append(0x0a)
        out.append(contentsOf: amzDate.utf8); out.append(0x0a)
        out.append(contentsOf: scopeDate.utf8); out.append(UInt8(ascii: "/"))
        out.append(contentsOf: region.utf8); out.append(UInt8(ascii: "/"))
        out.append(contentsOf: service.utf8); out.append(contentsOf: "/aws4_request\n".utf8)
        Crypto.appendHex(Crypto.sha256(canonicalRequest), to: &out)
        return out
    }

    static func signature(secret: String, scopeDate: String, region: String, service: String, stringToSign: String) -> String {
        let key = SigningKeyCache.shared.key(secret: secret, date: scopeDate, region: region, service: service)
        return Crypto.hex(Crypto.hmacSHA256(key: key, data: Array(stringToSign.utf8)))
    }
}
