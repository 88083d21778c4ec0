import Foundation
import XCTest
@testable import HTTPServer

/// Framing attacks and limits over real sockets: each gets its status, the connection is
/// closed, nothing after the bad request is handled, and other connections keep working.
final class ServerRefusalTests: ServerTestCase {
    private func assertRefusedAndServerStillServes(_ server: HTTPServer, _ request: String, status: Int,
                                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let before = handled.all.count
        let attacker = try RawClient(port: server.boundPort)
        attacker.send(request + "GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n")
        let r = try attacker.readResponse()
        XCTAssertEqual(r.status, status, r.text, file: file, line: line)
        XCTAssertEqual(r.header("X-Server-Error"), "1", "rendered by errorResponse", file: file, line: line)
        XCTAssertEqual(r.header("Connection"), "close", file: file, line: line)
        XCTAssertTrue(attacker.isClosedByServer(), "connection must close after a refusal", file: file, line: line)
        XCTAssertEqual(handled.all.count, before, "no request on the refused connection reaches the handler",
                       file: file, line: line)

        let bystander = try RawClient(port: server.boundPort)
        bystander.send("GET /fine HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try bystander.readResponse().status, 200, file: file, line: line)
    }

    func testFramingAttacksAreRefused() throws {
        let server = try startServer()
        let attacks: [(String, Int)] = [
            ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcd", 400),
            ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4, 4\r\n\r\nabcd", 400),
            ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: -4\r\n\r\nabcd", 400),
            ("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 184467440737095516160\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501),
            ("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF1\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n b\r\n\r\n", 400),
            ("GET / HTTP/1.1\nHost: t\n\n", 400),
            ("GET / HTTP/1.1\r\nHost: t\rX: y\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\n: t\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: t\r\nX: a\u{01}\r\n\r\n", 400),
            ("GET /\0 HTTP/1.1\r\nHost: t\r\n\r\n", 400),
            ("G@T / HTTP/1.1\r\nHost: t\r\n\r\n", 400),
            ("GET http://t/ HTTP/1.1\r\nHost: t\r\n\r\n", 400),
            ("GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505),
            ("GET / HTTP/1.1\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: t\r\nExpect: something\r\n\r\n", 417),
        ]
        for (attack, status) in attacks {
            try assertRefusedAndServerStillServes(server, attack, status: status)
        }
    }

    func testBytesAfterARefusalAreNeverHandled() throws {
        let server = try startServer()
        let client = try RawClient(port: server.boundPort)
        client.send("GET /first HTTP/1.1\r\nHost: t\r\n\r\n" + "GET /bad HTTP/1.1\r\nHost: t\n\r\n" + "GET /after HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        XCTAssertEqual(try client.readResponse().status, 400)
        XCTAssertTrue(client.isClosedByServer())
        XCTAssertEqual(handled.all, ["/first"])
    }

    func testOversizeInputsGetTheirStatus() throws {
        let server = try startServer { c in
            c.maxBodyBytes = 1000
            c.maxRequestLineBytes = 100
            c.maxHeaderBytes = 500
            c.maxHeaderCount = 5
        }
        try assertRefusedAndServerStillServes(server, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1001\r\n\r\n", status: 413)
        try assertRefusedAndServerStillServes(
            server, "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n" + String(repeating: "a", count: 1000)
                + "\r\n1\r\n", status: 413)
        try assertRefusedAndServerStillServes(server, "GET /" + String(repeating: "a", count: 200) + " HTTP/1.1\r\n", status: 414)
        try assertRefusedAndServerStillServes(server, "GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 600), status: 431)
        try assertRefusedAndServerStillServes(server, "GET / HTTP/1.1\r\n" + String(repeating: "A: b\r\n", count: 6), status: 431)
    }

    func testBodyOfTheDefaultLimitHoldsALargeSAMLPost() throws {
        let server = try startServer()
        let body = "SAMLResponse=" + String(repeating: "PHNhbWxwOlJlc3BvbnNl", count: 6000)   // 120 kB
        let client = try RawClient(port: server.boundPort)
        client.send("POST /saml HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + "Content-Length: \(body.utf8.count)\r\n\r\n" + body)
        let r = try client.readResponse()
        XCTAssertEqual(r.status, 200)
        XCTAssertTrue(r.text.hasPrefix("POST /saml  \(body.utf8.count)"))
    }
}
