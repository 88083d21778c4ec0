// The client side of SigV4, for the admin CLI, tests and the benchmark. It mirrors
// botocore (same signed-header selection, same query encoding) so a request we sign
// carries the same signature an AWS SDK would compute.

extension SigV4 {
    /// Headers botocore never signs: hop-by-hop or rewritten by proxies.
    static let unsignedHeaders: Set<String> = ["authorization", "connection", "expect", "keep-alive", "proxy-authenticate",
                                               "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
                                               "user-agent", "x-amzn-trace-id"]

    /// Returns the headers to add: Host (when missing from `headers` and `host` is given),
    /// X-Amz-Date, X-Amz-Security-Token (session credentials) and Authorization.
    /// `headers` must not already contain Authorization, X-Amz-Date or X-Amz-Security-Token.
    public static func sign(method: String, path: String, rawQuery: String, headers: [(String, String)], body: [UInt8],
                            accessKeyID: String, secretAccessKey: String, sessionToken: String?, region: String,
                            service: String, now: Int64, host: String? = nil) -> [(String, String)] {
        let amzDate = AmzDate.formatBasic(now)
        var added: [(String, String)] = []
        if let host, !headers.contains(where: { $0.0.lowercased() == "host" }) { added.append(("Host", host)) }
        added.append(("X-Amz-Date", amzDate))
        if let sessionToken { added.append(("X-Amz-Security-Token", sessionToken)) }

        let all = headers + added
        let request = SigV4Request(method: method, path: path, rawQuery: rawQuery, headers: all, body: body)
        let signed = Array(Set(all.map { $0.0.lowercased() }).subtracting(unsignedHeaders)).sorted()
        let payloadHash = request.header("x-amz-content-sha256") ?? Crypto.sha256Hex(body)
        let canonicalHeaders: String
        switch SigV4Canonical.headers(request, signed: signed) {
        case .success(let h): canonicalHeaders = h
        case .failure: canonicalHeaders = ""   // unreachable: every signed name came from `all`
        }
        let scope = "\(String(amzDate.prefix(8)))/\(region)/\(service)/aws4_request"
        let canonical = SigV4Canonical.request(method: method.uppercased(), uri: SigV4Canonical.uri(path),
                                               query: SigV4Canonical.query(rawQuery, excludingSignature: false),
                                               headers: canonicalHeaders, signedHeaders: signed, payloadHash: payloadHash)
        let toSign = SigV4Canonical.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical)
        let signature = SigV4Canonical.signature(secret: secretAccessKey, scopeDate: String(amzDate.prefix(8)),
                                                 region: region, service: service, stringToSign: toSign)
        added.append(("Authorization", "\(SigV4Canonical.algorithm) Credential=\(accessKeyID)/\(scope), "
            + "SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)"))
        return added
    }

    /// The complete query string of a presigned request (operation parameters first, then
    /// the X-Amz-* ones, X-Amz-Signature last), signing only `host`, as botocore does.
    public static func presign(method: String, host: String, path: String, query: [(String, String)], accessKeyID: String,
                               secretAccessKey: String, sessionToken: String?, region: String, service: String,
                               now: Int64, expires: Int64) -> String {
        let amzDate = AmzDate.formatBasic(now)
        let scope = "\(String(amzDate.prefix(8)))/\(region)/\(service)/aws4_request"
        var auth: [(String, String)] = [("X-Amz-Algorithm", SigV4Canonical.algorithm),
                                        ("X-Amz-Credential", "\(accessKeyID)/\(scope)"),
                                        ("X-Amz-Date", amzDate), ("X-Amz-Expires", String(expires)),
                                        ("X-Amz-SignedHeaders", "host")]
        if let sessionToken { auth.append(("X-Amz-Security-Token", sessionToken)) }
        let rawQuery = (query + auth).map { SigV4Encoding.encode($0.0) + "=" + SigV4Encoding.encode($0.1) }.joined(separator: "&")
        let canonical = SigV4Canonical.request(method: method.uppercased(), uri: SigV4Canonical.uri(path),
                                               query: SigV4Canonical.query(rawQuery, excludingSignature: true),
                                               headers: "host:\(SigV4Canonical.headerValue(host))\n", signedHeaders: ["host"],
                                               payloadHash: SigV4Canonical.emptyPayloadHash)
        let toSign = SigV4Canonical.stringToSign(amzDate: amzDate, scope: scope, canonicalRequest: canonical)
        let signature = SigV4Canonical.signature(secret: secretAccessKey, scopeDate: String(amzDate.prefix(8)),
                                                 region: region, service: service, stringToSign: toSign)
        return rawQuery + "&X-Amz-Signature=" + signature
    }
}
