import Foundation
import XCTest
@testable import HTTPServer

/// Accepted behaviour over real loopback sockets: keep-alive, close, pipelining, bodies, 100-continue.
final class ServerProtocolTests: ServerTestCase {
    func testKeepAliveServesSeveralRequestsOnOneConnection() throws {
        let server = try startServer()
        let client = try RawClient(port: server.boundPort)
        for i in 0..<3 {
            client.send("GET /k\(i)?x=\(i) HTTP/1.1\r\nHost: t\r\n\r\n")
            let r = try client.readResponse()
            XCTAssertEqual(r.status, 200)
            XCTAssertTrue(r.text.hasPrefix("GET /k\(i) x=\(i) 0 w"), r.text)
            XCTAssertNil(r.header("Connection"))
            XCTAssertNotNil(r.header("Date"))
            XCTAssertEqual(r.header("Content-Length"), "\(r.body.count)")
        }
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let server = try startServer()
        let client = try RawClient(port: server.boundPort)
        client.send("GET /1 HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "POST /2 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
                    + "POST /3 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"
                    + "GET /4 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        let texts = try (0..<4).map { _ in try client.readResponse().text }
        XCTAssertTrue(texts[0].hasPrefix("GET /1  0"))
        XCTAssertTrue(texts[1].hasPrefix("POST /2  3"))
        XCTAssertTrue(texts[2].hasPrefix("POST /3  2"))
        XCTAssertTrue(texts[3].hasPrefix("GET /4  0"))
        XCTAssertTrue(client.isClosedByServer())
    }

    func testManyPipelinedRequestsWithLargeResponsesStayInOrderUnderBackpressure() throws {
        let big = [UInt8](repeating: 0x78, count: 16 * 1024)
        let server = try startServer(handler: { request in
            HTTPResponse(status: 200, headers: [("X-Path", request.path)], body: big)
        })
        let client = try RawClient(port: server.boundPort)
        // 8 MB of responses queued before the client reads any: the server must stop and resume, not drop or reorder.
        client.send((0..<500).map { "GET /\($0) HTTP/1.1\r\nHost: t\r\n\r\n" }.joined())
        for i in 0..<500 {
            let r = try client.readResponse()
            XCTAssertEqual(r.header("X-Path"), "/\(i)")
            XCTAssertEqual(r.body.count, big.count)
        }
    }

    func testConnectionCloseIsHonoured() throws {
        let server = try startServer()
        let client = try RawClient(port: server.boundPort)
        client.send("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        let r = try client.readResponse()
        XCTAssertEqual(r.header("Connection"), "close")
        XCTAssertTrue(client.isClosedByServer())
    }

    func testHTTP10ClosesUnlessKeepAliveRequested() throws {
        let server = try startServer()
        let plain = try RawClient(port: server.boundPort)
        plain.send("GET /a HTTP/1.0\r\n\r\n")
        XCTAssertEqual(try plain.readResponse().header("Connection"), "close")
        XCTAssertTrue(plain.isClosedByServer())

        let keep = try RawClient(port: server.boundPort)
        for _ in 0..<2 {
            keep.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let r = try keep.readResponse()
            XCTAssertEqual(r.status, 200)
            XCTAssertEqual(r.header("Connection"), "keep-alive")
        }
    }

    func testLargeChunkedBodyArrivingInPiecesIsDechunked() throws {
        var received: [UInt8] = []
        let lock = NSLock()
        let server = try startServer(handler: { request in
            lock.lock(); received = request.body; lock.unlock()
            return HTTPResponse(status: 200)
        })
        let client = try RawClient(port: server.boundPort)
        let payload = (0..<150_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        client.send("POST /saml HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        var offset = 0
        while offset < payload.count {
            let n = min(40_000, payload.count - offset)
            client.send(String(n, radix: 16) + ";ext=1\r\n")
            client.send(Array(payload[offset..<(offset + n)]) + Array("\r\n".utf8))
            offset += n
        }
        client.send("0\r\nTrailer-A: x\r\n\r\n")
        XCTAssertEqual(try client.readResponse().status, 200)
        lock.lock(); defer { lock.unlock() }
        XCTAssertEqual(received, payload)
    }

    func testExpectContinueIsAnsweredBeforeBody() throws {
        let server = try startServer()
        let client = try RawClient(port: server.boundPort)
        client.send("POST /c HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        let interim = try client.readResponse()
        XCTAssertEqual(interim.status, 100)
        client.send("body")
        let final = try client.readResponse()
        XCTAssertEqual(final.status, 200)
        XCTAssertTrue(final.text.hasPrefix("POST /c  4"))
    }

    func testHeadResponseCarriesLengthButNoBody() throws {
        let server = try startServer(handler: { _ in HTTPResponse(status: 200, body: Array("12345".utf8)) })
        let client = try RawClient(port: server.boundPort)
        client.send("HEAD / HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n")
        // Read the HEAD response's head only: its Content-Length describes a body that is not sent.
        var head = try client.readResponseHeadOnly()
        XCTAssertEqual(head.header("Content-Length"), "5")
        head = try client.readResponse()
        XCTAssertEqual(head.text, "12345", "the next response must start right after the HEAD response's head")
    }

    func testRequestCarriesRemoteAddressAndBothWorkersServe() throws {
        let server = try startServer()
        var workers = Set<String>()
        var clients: [RawClient] = []
        for _ in 0..<4 {
            let client = try RawClient(port: server.boundPort)
            clients.append(client)
            client.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            let text = try client.readResponse().text
            workers.insert(String(text.split(separator: " ").last ?? ""))
        }
        XCTAssertEqual(workers, ["w0", "w1"], "connections are dealt round-robin over the workers")
        var remote = ""
        let second = try startServer(handler: { r in remote = r.remoteAddress; return HTTPResponse(status: 204) })
        let c = try RawClient(port: second.boundPort)
        c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try c.readResponse().status, 204)
        XCTAssertEqual(remote, "127.0.0.1")
    }

    func testHandlerHeaderInjectionBecomes500AndFramingHeadersAreServerOwned() throws {
        let server = try startServer(handler: { request in
            if request.path == "/inject" {
                return HTTPResponse(status: 200, headers: [("X-A", "v\r\nSet-Cookie: evil")])
            }
            return HTTPResponse(status: 200, headers: [("Content-Length", "999"), ("Transfer-Encoding", "chunked")],
                                body: Array("ok".utf8))
        })
        let client = try RawClient(port: server.boundPort)
        client.send("GET /inject HTTP/1.1\r\nHost: t\r\n\r\n")
        let r = try client.readResponse()
        XCTAssertEqual(r.status, 500)
        XCTAssertNil(r.header("Set-Cookie"))
        let other = try RawClient(port: server.boundPort)
        other.send("GET /framing HTTP/1.1\r\nHost: t\r\n\r\n")
        let ok = try other.readResponse()
        XCTAssertEqual(ok.header("Content-Length"), "2")
        XCTAssertNil(ok.header("Transfer-Encoding"))
        XCTAssertEqual(ok.text, "ok")
    }

    func testSecondServerOnSamePortFailsToBind() throws {
        let server = try startServer()
        var configuration = HTTPServerConfiguration()
        configuration.port = server.boundPort
        let clash = HTTPServer(configuration: configuration, handler: { _ in HTTPResponse(status: 200) },
                               errorResponse: { s, _ in HTTPResponse(status: s) })
        XCTAssertThrowsError(try clash.start()) { error in
            guard case HTTPServerError.bindFailed(_, let port, let e) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(port, server.boundPort)
            XCTAssertEqual(e, EADDRINUSE)
        }
        var bad = HTTPServerConfiguration()
        bad.host = "localhost"
        XCTAssertThrowsError(try HTTPServer(configuration: bad, handler: { _ in HTTPResponse(status: 200) },
                                            errorResponse: { s, _ in HTTPResponse(status: s) }).start())
    }
}

extension RawClient {
    func readResponseHeadOnly() throws -> Response {
        var r = try readResponse(skipBody: true)
        r.body = []
        return r
    }
}
