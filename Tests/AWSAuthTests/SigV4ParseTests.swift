import XCTest
import BrokerCore
import AWSAuth

/// Malformed and missing authentication, reported with AWS's wording before any key lookup.
final class SigV4ParseTests: XCTestCase {
    let now: Int64 = 1_714_566_896  // 20240501T123456Z

    func request(_ authorization: String?, date: String? = "20240501T123456Z", query: String = "",
                 extra: [(String, String)] = []) -> SigV4Request {
        var h: [(String, String)] = [("Host", "sts.amazonaws.com")]
        if let date { h.append(("X-Amz-Date", date)) }
        if let authorization { h.append(("Authorization", authorization)) }
        return SigV4Request(method: "POST", path: "/", rawQuery: query, headers: h + extra, body: [])
    }

    func assertIncomplete(_ r: SigV4Request, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SigV4.parse(r), file: file, line: line) { error in
            XCTAssertEqual(error as? SigV4Error, .incompleteSignature(expected), file: file, line: line)
            XCTAssertEqual((error as? SigV4Error)?.awsError.code, .incompleteSignature, file: file, line: line)
            XCTAssertEqual((error as? SigV4Error)?.awsError.code.httpStatus, 400, file: file, line: line)
        }
    }

    func testNoAuthenticationIsMissingAuthenticationToken() {
        XCTAssertThrowsError(try SigV4.parse(request(nil, query: "Action=GetCallerIdentity"))) { error in
            XCTAssertEqual(error as? SigV4Error, .missingAuthenticationToken)
            XCTAssertEqual((error as? SigV4Error)?.awsError.code, .missingAuthenticationToken)
            XCTAssertEqual((error as? SigV4Error)?.awsError.code.httpStatus, 403)
        }
    }

    func testMissingCredential() {
        let h = "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=abcd"
        assertIncomplete(request(h), "Authorization header requires 'Credential' parameter. Authorization=\(h)")
    }

    func testMissingSignedHeadersAndSignature() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/sts/aws4_request"
        assertIncomplete(request(h), "Authorization header requires 'Signature' parameter. "
            + "Authorization header requires 'SignedHeaders' parameter. Authorization=\(h)")
    }

    func testMissingDate() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/sts/aws4_request, "
            + "SignedHeaders=host, Signature=abcd"
        assertIncomplete(request(h, date: nil), "Authorization header requires existence of either a 'X-Amz-Date' "
            + "or a 'Date' header. Authorization=\(h)")
    }

    func testEverythingMissingListsAllFourInAWSOrder() {
        let h = "AWS4-HMAC-SHA256 "
        assertIncomplete(request(h, date: nil), "Authorization header requires 'Credential' parameter. "
            + "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "
            + "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256")
    }

    func testMalformedDate() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=ab"
        assertIncomplete(request(h, date: "2024-05-01T12:34:56Z"), "Date must be in ISO-8601 'basic format'. "
            + "Got '2024-05-01T12:34:56Z'. See http://en.wikipedia.org/wiki/ISO_8601")
        assertIncomplete(request(h, date: "20240230T123456Z"), "Date must be in ISO-8601 'basic format'. "
            + "Got '20240230T123456Z'. See http://en.wikipedia.org/wiki/ISO_8601")
    }

    func testCredentialWithFourElements() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/sts, SignedHeaders=host, Signature=ab"
        assertIncomplete(request(h), "Credential must have exactly 5 slash-delimited elements, e.g. "
            + "keyid/date/region/service/term, got 'AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/sts'")
    }

    func testWrongTerminator() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/sts/aws5_request, SignedHeaders=host, Signature=ab"
        XCTAssertThrowsError(try SigV4.parse(request(h))) { error in
            XCTAssertEqual(error as? SigV4Error, .signatureDoesNotMatch(
                "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'."))
        }
    }

    func testUnsupportedAlgorithm() {
        assertIncomplete(request("AWS4-HMAC-SHA512 Credential=x"), "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512', expected 'AWS4-HMAC-SHA256'.")
    }

    func testBothMechanismsAtOnceRejected() {
        let h = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=ab"
        XCTAssertThrowsError(try SigV4.parse(request(h, query: "X-Amz-Algorithm=AWS4-HMAC-SHA256"))) { error in
            guard case .incompleteSignature(let m)? = error as? SigV4Error else { return XCTFail("\(error)") }
            XCTAssertTrue(m.hasPrefix("Only one auth mechanism allowed"), m)
        }
    }

    func testPresignedMissingParameters() {
        assertIncomplete(request(nil, date: nil, query: "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date=20240501T123456Z"),
                         "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', "
                            + "'X-Amz-SignedHeaders', 'X-Amz-Date'. Re-examine the query-string parameters.")
    }

    func testPresignedExpiresOverAWeekRejected() {
        let q = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240501%2Fus-east-1%2Fsts%2Faws4_request"
            + "&X-Amz-Date=20240501T123456Z&X-Amz-Expires=604801&X-Amz-SignedHeaders=host&X-Amz-Signature=ab"
        assertIncomplete(request(nil, date: nil, query: q), "X-Amz-Expires must be less than a week (in seconds) that is 604800, got 604801.")
    }

    func testPresignedDuplicateAuthParameterRejected() {
        let q = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240501%2Fus-east-1%2Fsts%2Faws4_request"
            + "&X-Amz-Date=20240501T123456Z&X-Amz-SignedHeaders=host&X-Amz-Signature=ab&X-Amz-Signature=cd"
        assertIncomplete(request(nil, date: nil, query: q), "Query-string parameter 'X-Amz-Signature' occurs more than once.")
    }

    func testHostMustBeSigned() throws {
        let h = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/sts/aws4_request, SignedHeaders=x-amz-date, Signature=ab"
        let r = request(h)
        let auth = try SigV4.parse(r)
        XCTAssertThrowsError(try SigV4.verify(r, authorization: auth, secretAccessKey: "s", expectedService: "sts",
                                              allowedRegions: [], now: now)) { error in
            guard case .signatureDoesNotMatch(let m)? = error as? SigV4Error else { return XCTFail("\(error)") }
            XCTAssertTrue(m.hasPrefix("'Host' must be a signed header field"), m)
        }
    }

    func testDateHeaderFormAccepted() throws {
        let h = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/sts/aws4_request, SignedHeaders=date;host, Signature=ab"
        let auth = try SigV4.parse(request(h, date: nil, extra: [("Date", "Wed, 01 May 2024 12:34:56 GMT")]))
        XCTAssertEqual(auth.requestTime, now)
        XCTAssertEqual(auth.amzDate, "20240501T123456Z")
    }

    func testOversizeAuthorizationRejectedWithoutCrash() {
        let h = "AWS4-HMAC-SHA256 Credential=" + String(repeating: "A", count: 10_000)
        XCTAssertThrowsError(try SigV4.parse(request(h)))
    }

    func testGarbageNeverCrashes() {
        let samples = ["AWS4-HMAC-SHA256 ,,,,", "AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=;;, Signature=",
                       "AWS4-HMAC-SHA256 Credential==, =, Signature", "AWS4-HMAC-SHA256 \u{0}\u{1}", ""]
        for s in samples { XCTAssertThrowsError(try SigV4.parse(request(s)), s) }
        XCTAssertThrowsError(try SigV4.parse(request(nil, query: "X-Amz-Algorithm=%ZZ&X-Amz-Date=%")))
    }
}
