// Checking a parsed SigV4 authentication against the secret, in the order AWS does:
// scope, time window, what must be signed, then the signature itself (constant time).

extension SigV4 {
    /// - Parameters:
    ///   - allowedRegions: empty allows any syntactically valid region name.
    ///   - now: the server clock, unix seconds.
    public static func verify(_ request: SigV4Request, authorization a: SigV4Authorization, secretAccessKey: String,
                              expectedService: String, allowedRegions: [String], now: Int64) throws {
        try checkScope(a, expectedService: expectedService, allowedRegions: allowedRegions)
        try checkTime(a, now: now)
        try checkSignedHeaderCoverage(request, a)
        let payloadHash = try payloadHash(request)

        let canonical: [UInt8]
        switch SigV4Canonical.requestBytes(request, signed: a.signedHeaders, presigned: a.presigned, payloadHash: payloadHash) {
        case .success(let bytes): canonical = bytes
        case .failure(let missing):
            throw SigV4Error.signatureDoesNotMatch("Signed header '\(missing.name)' is not present in the request.")
        }
        let toSign = SigV4Canonical.stringToSignBytes(amzDate: a.amzDate, scopeDate: a.scopeDate, region: a.region,
                                                      service: a.service, canonicalRequest: canonical)
        let key = SigningKeyCache.shared.key(secret: secretAccessKey, date: a.scopeDate, region: a.region, service: a.service)
        var expected: [UInt8] = []
        expected.reserveCapacity(64)
        Crypto.appendHex(Crypto.hmacSHA256(key: key, data: toSign), to: &expected)
        guard Crypto.constantTimeEqual(expected, Array(a.signature.utf8)) else {
            throw SigV4Error.signatureDoesNotMatch(SigV4Error.mismatchMessage)
        }
    }

    private static func checkScope(_ a: SigV4Authorization, expectedService: String, allowedRegions: [String]) throws {
        let day = String(decoding: a.amzDate.utf8.prefix(8), as: UTF8.self)
        guard a.scopeDate == day else {
            throw SigV4Error.signatureDoesNotMatch("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
                + "from HTTP: '\(a.scopeDate)' != '\(day)', from '\(a.amzDate)'.")
        }
        guard a.service == expectedService else {
            throw SigV4Error.signatureDoesNotMatch("Credential should be scoped to correct service: '\(expectedService)'. ")
        }
        let regionOK = allowedRegions.isEmpty ? isRegionName(a.region) : allowedRegions.contains(a.region)
        guard regionOK else {
            throw SigV4Error.signatureDoesNotMatch("Credential should be scoped to a valid region, not '\(a.region)'. ")
        }
    }

    private static func checkTime(_ a: SigV4Authorization, now: Int64) throws {
        let skew = allowedSkewSeconds
        if a.requestTime > now + skew {
            throw SigV4Error.signatureDoesNotMatch("Signature not yet current: \(a.amzDate) is still later than "
                + "\(AmzDate.formatBasic(now + skew)) (\(AmzDate.formatBasic(now)) + 15 min.)")
        }
        if a.presigned, let expires = a.expiresSeconds {
            // A presigned URL lives for its own X-Amz-Expires, not for the 15-minute skew.
            if now > a.requestTime + expires {
                throw SigV4Error.requestExpired("Request has expired: X-Amz-Date \(a.amzDate) + X-Amz-Expires \(expires) s = "
                    + "\(AmzDate.formatBasic(a.requestTime + expires)) is earlier than now, \(AmzDate.formatBasic(now)).")
            }
            return
        }
        if a.requestTime < now - skew {
            throw SigV4Error.signatureDoesNotMatch("Signature expired: \(a.amzDate) is now earlier than "
                + "\(AmzDate.formatBasic(now - skew)) (\(AmzDate.formatBasic(now)) - 15 min.)")
        }
    }

    /// Host binds the request to this endpoint; the date header binds its time; any
    /// x-amz-* header (token, content hash, date) changes meaning, so all must be signed.
    private static func checkSignedHeaderCoverage(_ request: SigV4Request, _ a: SigV4Authorization) throws {
        // Linear scans, not a Set: a handful of names, and no hashing or allocation per request.
        let signed = a.signedHeaders
        guard signed.contains("host") else {
            throw SigV4Error.signatureDoesNotMatch("'Host' must be a signed header field; SignedHeaders was '\(a.signedHeaders.joined(separator: ";"))'.")
        }
        if !a.presigned {
            let dateHeader = request.header("x-amz-date") != nil ? "x-amz-date" : "date"
            guard signed.contains(dateHeader) else {
                throw SigV4Error.signatureDoesNotMatch("'\(dateHeader)' must be a signed header field.")
            }
        }
        for (name, _) in request.headers where hasAmzPrefix(name) {
            guard signed.contains(where: { SigV4Request.nameEquals(name, $0) }) else {
                throw SigV4Error.signatureDoesNotMatch("Header '\(name.lowercased())' is present but not signed; every x-amz-* header must be signed.")
            }
        }
    }

    /// `x-amz-` in any letter case.
    private static func hasAmzPrefix(_ name: String) -> Bool {
        var it = name.utf8.makeIterator()
        for expected in "x-amz-".utf8 {
            guard let c = it.next() else { return false }
            let lower = (c >= 0x41 && c <= 0x5a) ? c | 0x20 : c
            guard lower == expected else { return false }
        }
        return true
    }

    /// botocore puts X-Amz-Content-SHA256 verbatim into the canonical request. We also
    /// check it against the body: the Query API carries its parameters in the body, so a
    /// hash that is merely signed, or UNSIGNED-PAYLOAD on a non-empty body, would let
    /// anyone holding one signed request rewrite what it asks for.
    private static func payloadHash(_ request: SigV4Request) throws -> String {
        let declared = request.firstValue("x-amz-content-sha256")
        let actual = request.body.isEmpty ? SigV4Canonical.emptyPayloadHash : Crypto.sha256Hex(request.body)
        guard let value = declared.value else { return actual }
        guard declared.count == 1 else {
            throw SigV4Error.signatureDoesNotMatch("Only one x-amz-content-sha256 header is allowed.")
        }
        if value == "UNSIGNED-PAYLOAD" {
            guard request.body.isEmpty else {
                throw SigV4Error.signatureDoesNotMatch("x-amz-content-sha256 UNSIGNED-PAYLOAD is accepted only with an empty body.")
            }
            return value
        }
        guard value == actual else {
            throw SigV4Error.signatureDoesNotMatch("The provided 'x-amz-content-sha256' header does not match what was computed.")
        }
        return value
    }

    /// e.g. us-east-1, eu-central-2, us-gov-west-1: lower-case letters, digits, '-'.
    static func isRegionName(_ r: String) -> Bool {
        let u = Array(r.utf8)
        guard (1...32).contains(u.count), u.first != UInt8(ascii: "-"), u.last != UInt8(ascii: "-") else { return false }
        return u.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") }
    }
}
