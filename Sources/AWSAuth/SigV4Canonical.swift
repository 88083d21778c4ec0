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
        var pendingSpace = false
        for c in v.utf8 {
            if c == 0x20 || c == 0x09 || c == 0x0d || c == 0x0a {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(0x20); pendingSpace = false }
                out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `name:value\n` for each signed header in the order given; nil names the first signed header the request lacks.
    static func headers(_ request: SigV4Request, signed: [String]) -> Result<String, MissingHeader> {
        var out = ""
        for name in signed {
            let values = request.headerValues(name)
            guard !values.isEmpty else { return .failure(MissingHeader(name: name)) }
            out += name + ":" + values.map(headerValue).joined(separator: ",") + "\n"
        }
        return .success(out)
    }

    struct MissingHeader: Error { let name: String }

    static func request(method: String, uri: String, query: String, headers: String, signedHeaders: [String],
                        payloadHash: String) -> String {
        method + "\n" + uri + "\n" + query + "\n" + headers + "\n" + signedHeaders.joined(separator: ";") + "\n" + payloadHash
    }

    static func stringToSign(amzDate: String, scope: String, canonicalRequest: String) -> String {
        algorithm + "\n" + amzDate + "\n" + scope + "\n" + Crypto.sha256Hex(Array(canonicalRequest.utf8))
    }

    static func signature(secret: String, scopeDate: String, region: String, service: String, stringToSign: String) -> String {
        let key = SigningKeyCache.shared.key(secret: secret, date: scopeDate, region: region, service: service)
        return Crypto.hex(Crypto.hmacSHA256(key: key, data: Array(stringToSign.utf8)))
    }
}
