import XCTest
@testable import HTTPServer

/// Every framing ambiguity and malformation is refused with a named error and the status
/// the server will answer with, whether the bytes arrive at once or one at a time.
final class RequestParserRefusalTests: XCTestCase {
    private let host = "Host: h\r\n"

    private func assertRefused(_ text: String, _ expected: HTTPRequestError, status: Int? = nil,
                               limits: HTTPParserLimits = ParserHarness.defaultLimits,
                               file: StaticString = #filePath, line: UInt = #line) {
        let (whole, trickled) = ParserHarness.runBothWays(text, limits: limits)
        XCTAssertEqual(whole.error, expected, "whole", file: file, line: line)
        XCTAssertEqual(trickled.error, expected, "byte by byte", file: file, line: line)
        XCTAssertEqual(whole.requests.count, 0, "no request may be delivered", file: file, line: line)
        if let status = status { XCTAssertEqual(expected.status, status, file: file, line: line) }
    }

    // MARK: Line structure

    func testBareLFRefused() {
        assertRefused("GET / HTTP/1.1\nHost: h\n\n", .bareLF, status: 400)
        assertRefused("GET / HTTP/1.1\r\nHost: h\n\r\n", .bareLF)
        assertRefused("GET / HTTP/1.1\r\nHost: h\r\n\n", .bareLF)
    }

    func testBareCRRefused() {
        assertRefused("GET / HTTP/1.1\rHost: h\r\n\r\n", .bareCR, status: 400)
        assertRefused("GET / HTTP/1.1\r\nX: a\rb\r\n\(host)\r\n", .bareCR)
    }

    func testNULRefused() {
        assertRefused("GET /\0 HTTP/1.1\r\n\(host)\r\n", .nulByte, status: 400)
        assertRefused("GET / HTTP/1.1\r\nX: a\0b\r\n\(host)\r\n", .nulByte)
    }

    func testSecondLeadingEmptyLineRefused() {
        assertRefused("\r\n\r\nGET / HTTP/1.1\r\n\(host)\r\n", .malformedRequestLine("empty line"))
    }

    // MARK: Request line

    func testInvalidMethodRefused() {
        assertRefused("G(T / HTTP/1.1\r\n\(host)\r\n", .invalidMethod, status: 400)
        assertRefused("GE\u{7F}T / HTTP/1.1\r\n\(host)\r\n", .invalidMethod)
    }

    func testWhitespaceVariantsInRequestLineRefused() {
        assertRefused(" GET / HTTP/1.1\r\n\(host)\r\n", .malformedRequestLine("leading whitespace"))
        assertRefused("GET  / HTTP/1.1\r\n\(host)\r\n", .malformedRequestLine("expected one SP before request-target"))
        assertRefused("GET / HTTP/1.1 \r\n\(host)\r\n", .malformedRequestLine("unexpected whitespace after request-target"))
        assertRefused("GET\t/ HTTP/1.1\r\n\(host)\r\n", .invalidMethod)
        assertRefused("GET /\r\n\(host)\r\n", .malformedRequestLine("missing HTTP version"))
        assertRefused("GET\r\n\(host)\r\n", .malformedRequestLine("missing request-target"))
    }

    func testNonOriginFormTargetsRefused() {
        assertRefused("GET http://evil.example/ HTTP/1.1\r\n\(host)\r\n", .requestTargetNotOriginForm, status: 400)
        assertRefused("OPTIONS * HTTP/1.1\r\n\(host)\r\n", .requestTargetNotOriginForm)
        assertRefused("CONNECT h:443 HTTP/1.1\r\n\(host)\r\n", .requestTargetNotOriginForm)
    }

    func testBadTargetBytesRefused() {
        assertRefused("GET /a#frag HTTP/1.1\r\n\(host)\r\n", .invalidRequestTarget(byte: 0x23))
        assertRefused("GET /\u{01} HTTP/1.1\r\n\(host)\r\n", .invalidRequestTarget(byte: 0x01))
        assertRefused("GET /caf\u{E9} HTTP/1.1\r\n\(host)\r\n", .invalidRequestTarget(byte: 0xC3))
    }

    func testVersions() {
        assertRefused("GET / HTTP/2.0\r\n\(host)\r\n", .unsupportedHTTPVersion("HTTP/2.0"), status: 505)
        assertRefused("GET / HTTP/1.2\r\n\(host)\r\n", .unsupportedHTTPVersion("HTTP/1.2"), status: 505)
        assertRefused("GET / HTTP/0.9\r\n\(host)\r\n", .unsupportedHTTPVersion("HTTP/0.9"), status: 505)
        assertRefused("GET / http/1.1\r\n\(host)\r\n", .invalidHTTPVersion, status: 400)
        assertRefused("GET / HTTP/1.10\r\n\(host)\r\n", .invalidHTTPVersion)
        assertRefused("GET / HTTP/1\r\n\(host)\r\n", .invalidHTTPVersion)
    }

    func testRequestLineTooLongIs414() {
        let target = "/" + String(repeating: "a", count: 300)
        assertRefused("GET \(target) HTTP/1.1\r\n\(host)\r\n", .requestLineTooLong(limit: 256), status: 414)
        // Refused once the limit is passed, without waiting for the end of the line.
        let partial = ParserHarness.run("GET \(target)")
        XCTAssertEqual(partial.error, .requestLineTooLong(limit: 256))
    }

    // MARK: Header fields

    func testObsFoldRefused() {
        assertRefused("GET / HTTP/1.1\r\n\(host)X: a\r\n  b\r\n\r\n", .obsoleteLineFolding, status: 400)
        assertRefused("GET / HTTP/1.1\r\n\tX: a\r\n\(host)\r\n", .obsoleteLineFolding)
    }

    func testWhitespaceBeforeColonRefused() {
        assertRefused("GET / HTTP/1.1\r\nHost : h\r\n\r\n", .whitespaceBeforeColon, status: 400)
        assertRefused("POST / HTTP/1.1\r\n\(host)Content-Length\t: 1\r\n\r\na", .whitespaceBeforeColon)
    }

    func testBadHeaderNamesRefused() {
        assertRefused("GET / HTTP/1.1\r\n\(host): empty\r\n\r\n", .invalidHeaderName, status: 400)
        assertRefused("GET / HTTP/1.1\r\n\(host)X(y): v\r\n\r\n", .invalidHeaderName)
        assertRefused("GET / HTTP/1.1\r\n\(host)NoColon\r\n\r\n", .invalidHeaderName)
    }

    func testControlCharactersInValuesRefused() {
        assertRefused("GET / HTTP/1.1\r\n\(host)X-A: a\u{01}b\r\n\r\n", .invalidHeaderValue(name: "X-A"), status: 400)
        assertRefused("GET / HTTP/1.1\r\n\(host)X-A: a\u{7F}\r\n\r\n", .invalidHeaderValue(name: "X-A"))
        var bytes = Array("GET / HTTP/1.1\r\n\(host)X-A: ".utf8)
        bytes += [0xFF, 0xFE] + Array("\r\n\r\n".utf8)
        XCTAssertEqual(ParserHarness.run(bytes).error, .invalidHeaderValue(name: "X-A"), "invalid UTF-8")
    }

    func testHostRules() {
        assertRefused("GET / HTTP/1.1\r\n\r\n", .missingHost, status: 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a\r\nhost: a\r\n\r\n", .duplicateHost, status: 400)
        assertRefused("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", .invalidHost)
        assertRefused("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .invalidHost)
        assertRefused("GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", .duplicateHost)
    }

    func testTooManyHeadersIs431() {
        let headers = (0..<11).map { "X-\($0): v\r\n" }.joined()
        assertRefused("GET / HTTP/1.1\r\n\(host)\(headers)\r\n", .tooManyHeaders(limit: 10), status: 431)
    }

    func testHeaderSectionTooLargeIs431() {
        let big = "X-Big: " + String(repeating: "v", count: 1100) + "\r\n"
        assertRefused("GET / HTTP/1.1\r\n\(host)\(big)\r\n", .headerSectionTooLarge(limit: 1024), status: 431)
        let many = (0..<9).map { "X-\($0): " + String(repeating: "v", count: 120) + "\r\n" }.joined()
        assertRefused("GET / HTTP/1.1\r\n\(host)\(many)\r\n", .headerSectionTooLarge(limit: 1024))
    }

    func testUnsupportedExpectationIs417() {
        assertRefused("GET / HTTP/1.1\r\n\(host)Expect: 200-ok\r\n\r\n", .unsupportedExpectation, status: 417)
    }

    // MARK: Framing

    func testContentLengthWithTransferEncodingRefused() {
        assertRefused("POST / HTTP/1.1\r\n\(host)Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                      .contentLengthWithTransferEncoding, status: 400)
        assertRefused("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
                      .contentLengthWithTransferEncoding)
    }

    func testDuplicateOrListContentLengthRefused() {
        assertRefused("POST / HTTP/1.1\r\n\(host)Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
                      .duplicateContentLength, status: 400)
        assertRefused("POST / HTTP/1.1\r\n\(host)Content-Length: 3\r\ncontent-length: 4\r\n\r\nabcd", .duplicateContentLength)
        assertRefused("POST / HTTP/1.1\r\n\(host)Content-Length: 3, 3\r\n\r\nabc", .invalidContentLength)
    }

    func testMalformedContentLengthRefused() {
        for value in ["+3", "-3", "3a", "0x3", "", "3 3", "1.0", "99999999999999999999999"] {
            assertRefused("POST / HTTP/1.1\r\n\(host)Content-Length: \(value)\r\n\r\nabc", .invalidContentLength, status: 400)
        }
    }

    func testContentLengthAboveLimitIs413BeforeBodyArrives() {
        let result = ParserHarness.run("POST / HTTP/1.1\r\n\(host)Content-Length: 4097\r\n\r\n")
        XCTAssertEqual(result.error, .bodyTooLarge(limit: 4096))
        XCTAssertEqual(HTTPRequestError.bodyTooLarge(limit: 1).status, 413)
    }

    func testTransferEncodingOtherThanChunkedRefused() {
        assertRefused("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
                      .unsupportedTransferCoding, status: 501)
        assertRefused("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                      .unsupportedTransferCoding)
        assertRefused("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: gzip\r\n\r\n",
                      .invalidTransferEncoding("chunked must be the final coding"), status: 400)
        assertRefused("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked, gzip\r\n\r\n",
                      .invalidTransferEncoding("chunked must be the final coding"))
        assertRefused("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                      .invalidTransferEncoding("chunked applied more than once"))
        assertRefused("POST / HTTP/1.1\r\n\(host)Transfer-Encoding: xchunked\r\n\r\n",
                      .invalidTransferEncoding("chunked must be the final coding"))
        assertRefused("POST / HTTP/1.1\r\n\(host)Transfer-Encoding:\r\n\r\n", .invalidTransferEncoding("empty value"))
        assertRefused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .transferEncodingInHTTP10)
    }

    func testBadChunkSizesRefused() {
        let head = "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n"
        assertRefused(head + "g\r\n", .invalidChunkSize, status: 400)
        assertRefused(head + "\r\n", .invalidChunkSize)
        assertRefused(head + "-1\r\n", .invalidChunkSize)
        assertRefused(head + "0x5\r\n", .invalidChunkExtension)
        assertRefused(head + "5 \r\nhello\r\n0\r\n\r\n", .invalidChunkExtension)
        assertRefused(head + "10000000000000005\r\nhello\r\n0\r\n\r\n", .invalidChunkSize)
        assertRefused(head + "1001\r\n", .bodyTooLarge(limit: 4096), status: 413)
        assertRefused(head + "800\r\n" + String(repeating: "a", count: 2048) + "\r\n801\r\n", .bodyTooLarge(limit: 4096))
    }

    func testChunkDataMustEndWithCRLF() {
        let head = "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n"
        assertRefused(head + "3\r\nabcd\r\n0\r\n\r\n", .missingCRLFAfterChunkData, status: 400)
        assertRefused(head + "3\r\nabc\rX0\r\n\r\n", .missingCRLFAfterChunkData)
        assertRefused(head + "3\r\nabc\n0\r\n\r\n", .missingCRLFAfterChunkData)
    }

    func testChunkExtensionsAreBounded() {
        let head = "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n"
        assertRefused(head + "1;" + String(repeating: "e", count: 1100) + "\r\n", .chunkSizeLineTooLong(limit: 1024))
        let ext = ";" + String(repeating: "e", count: 300)
        let chunks = String(repeating: "1\(ext)\r\na\r\n", count: 4)
        assertRefused(head + chunks, .chunkExtensionsTooLarge(limit: 1024))
        assertRefused(head + "1;a=\"open\r\na\r\n", .invalidChunkExtension)
        assertRefused(head + "1;=v\r\na\r\n", .invalidChunkExtension)
    }

    func testTrailersAreValidatedAndBounded() {
        let head = "POST / HTTP/1.1\r\n\(host)Transfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n"
        assertRefused(head + " folded\r\n\r\n", .obsoleteLineFolding)
        assertRefused(head + "Bad Name: v\r\n\r\n", .whitespaceBeforeColon)
        let many = (0..<11).map { "T\($0): v\r\n" }.joined()
        assertRefused(head + many + "\r\n", .tooManyHeaders(limit: 10), status: 431)
    }

    func testNothingIsParsedAfterAnError() {
        let text = "GET /ok HTTP/1.1\r\n\(host)\r\n" + "GET /bad HTTP/1.1\nHost: h\r\n\r\n" + "GET /after HTTP/1.1\r\n\(host)\r\n"
        var parser = HTTPRequestParser(limits: ParserHarness.defaultLimits)
        var bytes = Array(text.utf8)
        var paths: [String] = []
        var failure: HTTPRequestError?
        for _ in 0..<5 {
            let (consumed, outcome) = bytes.withUnsafeBufferPointer { parser.parse($0) }
            bytes.removeFirst(consumed)
            if case .complete(let r) = outcome { paths.append(r.path) }
            if case .failed(let e) = outcome { failure = e }
        }
        XCTAssertEqual(paths, ["/ok"])
        XCTAssertEqual(failure, .bareLF)
        // Stays failed even when handed a perfectly good request.
        let good = Array("GET / HTTP/1.1\r\n\(host)\r\n".utf8)
        let (_, again) = good.withUnsafeBufferPointer { parser.parse($0) }
        guard case .failed = again else { return XCTFail("parser must stay failed, got \(again)") }
    }

    func testEveryRefusalNamesItsCheck() {
        let samples: [HTTPRequestError] = [.bareCR, .bareLF, .requestLineTooLong(limit: 8), .duplicateContentLength,
                                           .unsupportedHTTPVersion("HTTP/2.0"), .headerTimeout(seconds: 1)]
        for e in samples { XCTAssertFalse(e.description.isEmpty) }
        XCTAssertTrue(HTTPRequestError.requestLineTooLong(limit: 8192).description.contains("8192"))
        XCTAssertEqual(HTTPRequestError.headerTimeout(seconds: 1).status, 408)
    }
}
