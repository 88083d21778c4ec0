import XCTest
@testable import HTTPServer

final class ResponseSerializerTests: XCTestCase {
    private func render(_ r: HTTPResponse, close: Bool = false, http10KeepAlive: Bool = false, headOnly: Bool = false) -> String {
        var serializer = ResponseSerializer()
        var out: [UInt8] = []
        serializer.append(r, to: &out, close: close, http10KeepAlive: http10KeepAlive, headOnly: headOnly)
        return String(decoding: out, as: UTF8.self)
    }

    func testFramingIsWrittenByTheServer() {
        let text = render(HTTPResponse(status: 200, headers: [("Content-Type", "text/xml"), ("content-length", "1")],
                                       body: Array("<a/>".utf8)), close: true)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 4\r\nDate: "))
        XCTAssertTrue(text.hasSuffix(" GMT\r\nConnection: close\r\n\r\n<a/>"))
        XCTAssertFalse(text.contains("content-length: 1"))
    }

    func testNoBodyStatusesAndHead() {
        XCTAssertFalse(render(HTTPResponse(status: 204, body: [1])).contains("Content-Length"))
        let head = render(HTTPResponse(status: 200, body: Array("abc".utf8)), headOnly: true)
        XCTAssertTrue(head.contains("Content-Length: 3\r\n"))
        XCTAssertTrue(head.hasSuffix("\r\n\r\n"))
        XCTAssertTrue(render(HTTPResponse(status: 200), http10KeepAlive: true).contains("Connection: keep-alive\r\n"))
    }

    func testHandlerDateIsKept() {
        let text = render(HTTPResponse(status: 200, headers: [("Date", "x")]))
        XCTAssertEqual(text.components(separatedBy: "Date:").count, 2)
    }

    func testDefects() {
        XCTAssertNil(ResponseSerializer.defect(in: HTTPResponse(status: 404, headers: [("X", "a\tb")])))
        XCTAssertNotNil(ResponseSerializer.defect(in: HTTPResponse(status: 200, headers: [("X", "a\r\nY: b")])))
        XCTAssertNotNil(ResponseSerializer.defect(in: HTTPResponse(status: 200, headers: [("X Y", "a")])))
        XCTAssertNotNil(ResponseSerializer.defect(in: HTTPResponse(status: 101)))
    }

    func testIMFFixdate() {
        XCTAssertEqual(String(decoding: HTTPDateCache.format(784111777), as: UTF8.self), "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n")
    }

    func testRequestHeaderLookupIsCaseInsensitive() {
        let r = HTTPRequest(method: "GET", target: "/p?q=1", headers: [("X-Amz-Date", "1"), ("x-amz-date", "2")])
        XCTAssertEqual(r.header("x-AMZ-date"), "1")
        XCTAssertNil(r.header("x-amz-dat"))
        XCTAssertEqual(r.path, "/p")
        XCTAssertEqual(r.rawQuery, "q=1")
    }
}
