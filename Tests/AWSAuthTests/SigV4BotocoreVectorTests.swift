import XCTest
import AWSAuth

/// The verifier accepts what botocore signs, and the signer produces botocore's signatures.
final class SigV4BotocoreVectorTests: XCTestCase {
    var vectors: [SigV4Vector] = []

    override func setUpWithError() throws {
        vectors = try SigV4Vector.load()
        XCTAssertEqual(vectors.count, 5)
    }

    func verify(_ v: SigV4Vector, _ request: SigV4Request, secret: String? = nil, now: Int64? = nil,
                service: String? = nil, regions: [String] = []) throws {
        let auth = try SigV4.parse(request)
        try SigV4.verify(request, authorization: auth, secretAccessKey: secret ?? v.secretAccessKey,
                         expectedService: service ?? v.service, allowedRegions: regions, now: now ?? v.now)
    }

    func testEveryVectorParsesAndVerifies() throws {
        for v in vectors {
            let auth = try SigV4.parse(v.request)
            XCTAssertEqual(auth.accessKeyID, v.accessKeyID, v.name)
            XCTAssertEqual(auth.region, v.region, v.name)
            XCTAssertEqual(auth.service, v.service, v.name)
            XCTAssertEqual(auth.scopeDate, "20240501", v.name)
            XCTAssertEqual(auth.requestTime, v.now, v.name)
            XCTAssertEqual(auth.signature, v.signature, v.name)
            XCTAssertEqual(auth.securityToken, v.sessionToken, v.name)
            XCTAssertEqual(auth.presigned, v.presigned, v.name)
            XCTAssertEqual(auth.expiresSeconds, v.expires, v.name)
            XCTAssertNoThrow(try verify(v, v.request, regions: [v.region]), v.name)
        }
    }

    func testSignReproducesBotocoreAuthorizationHeader() throws {
        for v in vectors where !v.presigned {
            let added = SigV4.sign(method: v.method, path: v.path, rawQuery: v.rawQuery, headers: v.inputHeaders,
                                   body: Array(v.body.utf8), accessKeyID: v.accessKeyID, secretAccessKey: v.secretAccessKey,
                                   sessionToken: v.sessionToken, region: v.region, service: v.service, now: v.now)
            XCTAssertEqual(added.first { $0.0 == "Authorization" }?.1, v.authorization, v.name)
            XCTAssertEqual(added.first { $0.0 == "X-Amz-Date" }?.1, "20240501T123456Z", v.name)
            XCTAssertEqual(added.first { $0.0 == "X-Amz-Security-Token" }?.1, v.sessionToken, v.name)
        }
    }

    func testPresignReproducesBotocoreSignatureAndVerifies() throws {
        for v in vectors where v.presigned {
            let query = SigV4.presign(method: v.method, host: v.host, path: v.path, query: v.presignQuery,
                                      accessKeyID: v.accessKeyID, secretAccessKey: v.secretAccessKey,
                                      sessionToken: v.sessionToken, region: v.region, service: v.service,
                                      now: v.now, expires: v.expires ?? 0)
            XCTAssertTrue(query.hasSuffix("&X-Amz-Signature=" + v.signature), v.name)
            let request = SigV4Request(method: v.method, path: v.path, rawQuery: query, headers: [("Host", v.host)], body: [])
            XCTAssertNoThrow(try verify(v, request), v.name)
        }
    }

    func testSignOutputVerifies() throws {
        let body = Array("Action=GetCallerIdentity&Version=2011-06-15".utf8)
        let base = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        let added = SigV4.sign(method: "POST", path: "/", rawQuery: "", headers: base, body: body,
                               accessKeyID: "ASIAAAAAAAAAAAAAAAAA", secretAccessKey: "secret/secret+secret",
                               sessionToken: "tok+en/==", region: "us-east-1", service: "sts", now: 1_700_000_000,
                               host: "localhost:9000")
        XCTAssertEqual(added.first?.0, "Host")
        let request = SigV4Request(method: "POST", path: "/", rawQuery: "", headers: base + added, body: body)
        let auth = try SigV4.parse(request)
        XCTAssertEqual(auth.securityToken, "tok+en/==")
        XCTAssertEqual(auth.signedHeaders, ["content-type", "host", "x-amz-date", "x-amz-security-token"])
        XCTAssertNoThrow(try SigV4.verify(request, authorization: auth, secretAccessKey: "secret/secret+secret",
                                          expectedService: "sts", allowedRegions: ["us-east-1"], now: 1_700_000_000))
    }

    // MARK: one-byte changes

    func assertMismatch(_ v: SigV4Vector, _ request: SigV4Request, secret: String? = nil,
                        file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try verify(v, request, secret: secret), file: file, line: line) { error in
            XCTAssertEqual(error as? SigV4Error, .signatureDoesNotMatch(SigV4Error.mismatchMessage), file: file, line: line)
            XCTAssertEqual((error as? SigV4Error)?.awsError.code.httpStatus, 403, file: file, line: line)
        }
    }

    func testOneByteChangeToBodyFails() throws {
        for v in vectors where !v.body.isEmpty {
            var r = v.request
            r.body[r.body.count - 1] ^= 0x01
            assertMismatch(v, r)
        }
    }

    func testOneByteChangeToSignedHeaderFails() throws {
        for v in vectors {
            var r = v.request
            r.headers = r.headers.map { $0.0.lowercased() == "host" ? ($0.0, $0.1 + "x") : $0 }
            assertMismatch(v, r)
        }
    }

    func testOneByteChangeToQueryFails() throws {
        for v in vectors where !v.rawQuery.isEmpty {
            var r = v.request
            r.rawQuery = r.rawQuery.replacingOccurrences(of: "Version=2011-06-15", with: "Version=2011-06-16")
            XCTAssertNotEqual(r.rawQuery, v.rawQuery)
            assertMismatch(v, r)
        }
    }

    func testOneByteChangeToSecretFails() throws {
        for v in vectors {
            assertMismatch(v, v.request, secret: String(v.secretAccessKey.dropLast()) + "X")
        }
    }

    func testMethodChangeFails() throws {
        let v = try XCTUnwrap(vectors.first { $0.method == "POST" })
        var r = v.request
        r.method = "PUT"
        assertMismatch(v, r)
    }

    func testUnsignedAmzHeaderIsRejected() throws {
        for v in vectors {
            var r = v.request
            r.headers.append(("X-Amz-Meta-Extra", "1"))
            XCTAssertThrowsError(try verify(v, r)) { error in
                guard case .signatureDoesNotMatch(let m)? = error as? SigV4Error else { return XCTFail("\(error)") }
                XCTAssertTrue(m.contains("'x-amz-meta-extra' is present but not signed"), m)
            }
        }
    }

    // MARK: time window

    func testTwentyMinutesOldRequestIsExpiredWithAWSMessage() throws {
        let v = try XCTUnwrap(vectors.first { $0.name == "sts-get-caller-identity-post" })
        XCTAssertThrowsError(try verify(v, v.request, now: v.now + 20 * 60)) { error in
            XCTAssertEqual(error as? SigV4Error, .signatureDoesNotMatch(
                "Signature expired: 20240501T123456Z is now earlier than 20240501T123956Z (20240501T125456Z - 15 min.)"))
        }
        // Exactly at the edge of the window still verifies.
        XCTAssertNoThrow(try verify(v, v.request, now: v.now + 15 * 60))
    }

    func testFutureRequestIsNotYetCurrent() throws {
        let v = try XCTUnwrap(vectors.first { $0.name == "sts-get-caller-identity-post" })
        XCTAssertThrowsError(try verify(v, v.request, now: v.now - 20 * 60)) { error in
            XCTAssertEqual(error as? SigV4Error, .signatureDoesNotMatch(
                "Signature not yet current: 20240501T123456Z is still later than 20240501T122956Z (20240501T121456Z + 15 min.)"))
        }
    }

    func testPresignedURLExpiresAfterXAmzExpires() throws {
        let v = try XCTUnwrap(vectors.first { $0.presigned })
        XCTAssertNoThrow(try verify(v, v.request, now: v.now + 900))
        XCTAssertThrowsError(try verify(v, v.request, now: v.now + 901)) { error in
            guard case .requestExpired(let m)? = error as? SigV4Error else { return XCTFail("\(error)") }
            XCTAssertTrue(m.contains("X-Amz-Expires 900"), m)
            XCTAssertEqual((error as? SigV4Error)?.awsError.code, .requestExpired)
        }
    }

    // MARK: scope

    func testWrongServiceRegionAndDateScope() throws {
        let v = try XCTUnwrap(vectors.first { $0.name == "sts-get-caller-identity-post" })
        XCTAssertThrowsError(try verify(v, v.request, service: "iam")) { error in
            XCTAssertEqual(error as? SigV4Error, .signatureDoesNotMatch("Credential should be scoped to correct service: 'iam'. "))
        }
        XCTAssertThrowsError(try verify(v, v.request, regions: ["eu-west-1"])) { error in
            XCTAssertEqual(error as? SigV4Error, .signatureDoesNotMatch("Credential should be scoped to a valid region, not 'us-east-1'. "))
        }
        var r = v.request
        r.headers = r.headers.map { $0.0 == "Authorization" ? ($0.0, $0.1.replacingOccurrences(of: "/20240501/", with: "/20240430/")) : $0 }
        XCTAssertThrowsError(try verify(v, r)) { error in
            XCTAssertEqual(error as? SigV4Error, .signatureDoesNotMatch(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
                    + "'20240430' != '20240501', from '20240501T123456Z'."))
        }
    }

    func testBadRegionSyntaxRejectedWhenAnyRegionAllowed() throws {
        let v = try XCTUnwrap(vectors.first { $0.name == "sts-get-caller-identity-post" })
        var r = v.request
        r.headers = r.headers.map { $0.0 == "Authorization" ? ($0.0, $0.1.replacingOccurrences(of: "/us-east-1/", with: "/US_EAST/")) : $0 }
        XCTAssertThrowsError(try verify(v, r)) { error in
            XCTAssertEqual(error as? SigV4Error, .signatureDoesNotMatch("Credential should be scoped to a valid region, not 'US_EAST'. "))
        }
    }
}
