import XCTest
@testable import HTTPServer

final class RequestParserAcceptanceTests: XCTestCase {
    private func single(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ParsedRequest? {
        let (whole, trickled) = ParserHarness.runBothWays(text)
        XCTAssertNil(whole.error, "whole: \(String(describing: whole.error))", file: file, line: line)
        XCTAssertNil(trickled.error, "trickled: \(String(describing: trickled.error))", file: file, line: line)
        XCTAssertEqual(whole.requests.count, 1, file: file, line: line)
        XCTAssertEqual(trickled.requests.count, 1, file: file, line: line)
        XCTAssertEqual(whole.requests.first?.body, trickled.requests.first?.body, file: file, line: line)
        return whole.requests.first
    }

    func testSimpleGETSplitsTargetAndKeepsHeadersInOrder() throws {
        let r = try XCTUnwrap(single("GET /saml/acs?a=1&b=%20 HTTP/1.1\r\nHost: broker.example:8080\r\nX-One:  v1 \t\r\nx-two:v2\r\n\r\n"))
        XCTAssertEqual(r.method, "GET")
        XCTAssertEqual(r.target, "/saml/acs?a=1&b=%20")
        XCTAssertEqual(r.path, "/saml/acs")
        XCTAssertEqual(r.rawQuery, "a=1&b=%20")
        XCTAssertEqual(r.headers.map { $0.0 }, ["Host", "X-One", "x-two"])
        XCTAssertEqual(r.headers.map { $0.1 }, ["broker.example:8080", "v1", "v2"])
        XCTAssertTrue(r.keepAlive)
        XCTAssertEqual(r.body, [])
    }

    func testPathWithoutQueryHasEmptyRawQuery() throws {
        let r = try XCTUnwrap(single("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
        XCTAssertEqual(r.path, "/")
        XCTAssertEqual(r.rawQuery, "")
        let q = try XCTUnwrap(single("GET /x? HTTP/1.1\r\nHost: h\r\n\r\n"))
        XCTAssertEqual(q.path, "/x")
        XCTAssertEqual(q.rawQuery, "")
    }

    func testContentLengthBody() throws {
        let r = try XCTUnwrap(single("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nAction=Test"))
        XCTAssertEqual(String(decoding: r.body, as: UTF8.self), "Action=Test")
    }

    func testContentLengthWithLeadingZerosAndZeroLength() throws {
        XCTAssertEqual(try XCTUnwrap(single("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 003\r\n\r\nabc")).body.count, 3)
        XCTAssertEqual(try XCTUnwrap(single("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n")).body.count, 0)
    }

    func testChunkedBodyIsDechunkedWithExtensionsAndTrailers() throws {
        let text = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n"
            + "1 ; a ; b=\"q \\\" s\"\r\n,\r\n"
            + "00006\r\n world\r\n"
            + "0\r\nX-Trailer: ignored\r\n\r\n"
        let r = try XCTUnwrap(single(text))
        XCTAssertEqual(String(decoding: r.body, as: UTF8.self), "hello, world")
        XCTAssertFalse(r.headers.contains { $0.0 == "X-Trailer" }, "trailers must not become headers")
    }

    func testTransferEncodingIsCaseInsensitiveAndMayUseListSyntax() throws {
        let r = try XCTUnwrap(single("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,CHUNKED\r\n\r\n3\r\nabc\r\n0\r\n\r\n"))
        XCTAssertEqual(r.body, Array("abc".utf8))
    }

    func testPipelinedRequestsComeOutInOrder() {
        let text = "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
            + "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab"
            + "POST /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nc\r\n0\r\n\r\n"
            + "GET /4 HTTP/1.1\r\nHost: h\r\n\r\n"
        for result in [ParserHarness.run(text), ParserHarness.run(text, pieceSize: 1), ParserHarness.run(text, pieceSize: 7)] {
            XCTAssertNil(result.error)
            XCTAssertEqual(result.requests.map(\.path), ["/1", "/2", "/3", "/4"])
            XCTAssertEqual(result.requests.map(\.body), [[], Array("ab".utf8), Array("c".utf8), []])
            XCTAssertEqual(result.pending, 0)
        }
    }

    func testPartialRequestWaitsForMore() {
        let result = ParserHarness.run("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc")
        XCTAssertNil(result.error)
        XCTAssertEqual(result.requests.count, 0)
    }

    func testKeepAliveRules() throws {
        XCTAssertTrue(try XCTUnwrap(single("GET / HTTP/1.1\r\nHost: h\r\n\r\n")).keepAlive)
        XCTAssertFalse(try XCTUnwrap(single("GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n")).keepAlive)
        XCTAssertFalse(try XCTUnwrap(single("GET / HTTP/1.1\r\nHost: h\r\nConnection: te, close\r\n\r\n")).keepAlive)
        XCTAssertFalse(try XCTUnwrap(single("GET / HTTP/1.0\r\n\r\n")).keepAlive)
        let keep = try XCTUnwrap(single("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"))
        XCTAssertTrue(keep.keepAlive)
        XCTAssertEqual(keep.versionMinor, 0)
    }

    func testHTTP10NeedsNoHost() throws {
        XCTAssertEqual(try XCTUnwrap(single("GET /x HTTP/1.0\r\n\r\n")).path, "/x")
    }

    func testOneLeadingEmptyLineIsTolerated() throws {
        XCTAssertEqual(try XCTUnwrap(single("\r\nGET /x HTTP/1.1\r\nHost: h\r\n\r\n")).path, "/x")
    }

    func testEmptyHeaderValueAndUTF8ValueAccepted() throws {
        let r = try XCTUnwrap(single("GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\nX-Name: J\u{00FC}rgen\r\n\r\n"))
        XCTAssertEqual(r.headers[1].1, "")
        XCTAssertEqual(r.headers[2].1, "J\u{00FC}rgen")
    }

    func testExpectContinueIsSignalledWhileBodyIsAwaited() {
        var parser = HTTPRequestParser(limits: ParserHarness.defaultLimits)
        let head = Array("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8)
        let (consumed, outcome) = head.withUnsafeBufferPointer { parser.parse($0) }
        XCTAssertEqual(consumed, head.count)
        guard case .needMore = outcome else { return XCTFail("expected needMore, got \(outcome)") }
        XCTAssertEqual(parser.phase, .body)
        XCTAssertTrue(parser.expectsContinue)
        let body = Array("ok".utf8)
        let (_, done) = body.withUnsafeBufferPointer { parser.parse($0) }
        guard case .complete(let r) = done else { return XCTFail("expected complete, got \(done)") }
        XCTAssertEqual(r.body, body)
        XCTAssertFalse(parser.expectsContinue)
        XCTAssertEqual(parser.phase, .awaitingRequest)
    }

    func testBodyExactlyAtLimitIsAccepted() throws {
        let body = String(repeating: "a", count: 4096)
        XCTAssertEqual(try XCTUnwrap(single("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4096\r\n\r\n" + body)).body.count, 4096)
        let chunked = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n\(body.prefix(2048))\r\n800\r\n\(body.prefix(2048))\r\n0\r\n\r\n"
        XCTAssertEqual(try XCTUnwrap(single(chunked)).body.count, 4096)
    }
}
