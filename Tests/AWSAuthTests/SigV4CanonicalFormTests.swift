import XCTest
import AWSAuth

/// Canonicalisation rules that make a re-framed but equivalent request still verify.
final class SigV4CanonicalFormTests: XCTestCase {
    let now: Int64 = 1_714_566_896
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

    func signedRequest(_ headers: [(String, String)], query: String = "") -> SigV4Request {
        let added = SigV4.sign(method: "GET", path: "/", rawQuery: query, headers: headers, body: [],
                               accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: secret, sessionToken: nil,
                               region: "us-east-1", service: "sts", now: now, host: "localhost")
        return SigV4Request(method: "GET", path: "/", rawQuery: query, headers: headers + added, body: [])
    }

    func verify(_ r: SigV4Request) throws {
        try SigV4.verify(r, authorization: try SigV4.parse(r), secretAccessKey: secret, expectedService: "sts",
                         allowedRegions: [], now: now)
    }

    func testHeaderWhitespaceIsTrimmedAndCollapsed() throws {
        var r = signedRequest([("X-Custom", "a b c")])
        r.headers = r.headers.map { $0.0 == "X-Custom" ? ($0.0, "  a \t  b   c  ") : $0 }
        XCTAssertNoThrow(try verify(r))
        r.headers = r.headers.map { $0.0 == "X-Custom" ? ($0.0, "ab c") : $0 }
        XCTAssertThrowsError(try verify(r))
    }

    func testHeaderNamesAreCaseInsensitive() throws {
        var r = signedRequest([("X-Custom", "v")])
        r.headers = r.headers.map { ($0.0.uppercased(), $0.1) }
        XCTAssertNoThrow(try verify(r))
    }

    func testRepeatedHeadersAreJoinedInOrder() throws {
        let r = signedRequest([("X-Custom", "one"), ("X-Custom", "two")])
        XCTAssertNoThrow(try verify(r))
        var swapped = r
        swapped.headers = r.headers.map { $0.0 == "X-Custom" ? ($0.0, $0.1 == "one" ? "two" : "one") : $0 }
        XCTAssertThrowsError(try verify(swapped))
    }

    func testQueryOrderAndEncodingAreNormalised() throws {
        let r = signedRequest([], query: "b=2&a=1&c=x%20y")
        var reordered = r
        reordered.rawQuery = "a=1&c=x+y&b=2"   // same pairs, other order, space as '+'
        XCTAssertNoThrow(try verify(reordered))
        var literalPlus = r
        literalPlus.rawQuery = "a=1&c=x%2By&b=2"  // an encoded '+' is a plus, not a space
        XCTAssertThrowsError(try verify(literalPlus))
    }
}
