import XCTest
import AWSAuth

/// X-Amz-Content-SHA256 is honoured as botocore does, but never lets a body go unsigned.
final class SigV4PayloadHashTests: XCTestCase {
    let now: Int64 = 1_714_566_896
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    func signed(body: [UInt8], contentHash: String?) -> SigV4Request {
        var base: [(String, String)] = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        if let contentHash { base.append(("X-Amz-Content-SHA256", contentHash)) }
        let added = SigV4.sign(method: "POST", path: "/", rawQuery: "", headers: base, body: body,
                               accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret, sessionToken: nil,
                               region: "us-east-1", service: "iam", now: now, host: "iam.amazonaws.com")
        return SigV4Request(method: "POST", path: "/", rawQuery: "", headers: base + added, body: body)
    }

    func check(_ r: SigV4Request) throws {
        try SigV4.verify(r, authorization: try SigV4.parse(r), secretAccessKey: secret, expectedService: "iam",
                         allowedRegions: ["us-east-1"], now: now)
    }

    func testMatchingContentHashVerifies() throws {
        let body = Array("Action=ListRoles&Version=2010-05-08".utf8)
        XCTAssertNoThrow(try check(signed(body: body, contentHash: Crypto.sha256Hex(body))))
    }

    func testContentHashThatDoesNotMatchBodyIsRejected() throws {
        let body = Array("Action=ListRoles&Version=2010-05-08".utf8)
        var r = signed(body: body, contentHash: Crypto.sha256Hex(body))
        r.body = Array("Action=DeleteRole&Version=2010-05-08&RoleName=x".utf8)
        XCTAssertThrowsError(try check(r)) { error in
            XCTAssertEqual(error as? SigV4Error, .signatureDoesNotMatch("The provided 'x-amz-content-sha256' header does not match what was computed."))
        }
    }

    func testUnsignedPayloadAcceptedOnlyForEmptyBody() throws {
        XCTAssertNoThrow(try check(signed(body: [], contentHash: "UNSIGNED-PAYLOAD")))
        var r = signed(body: [], contentHash: "UNSIGNED-PAYLOAD")
        r.body = Array("Action=CreateRole".utf8)
        XCTAssertThrowsError(try check(r)) { error in
            XCTAssertEqual(error as? SigV4Error, .signatureDoesNotMatch("x-amz-content-sha256 UNSIGNED-PAYLOAD is accepted only with an empty body."))
        }
    }
}
