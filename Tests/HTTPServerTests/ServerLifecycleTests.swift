import Foundation
import XCTest
@testable import HTTPServer

/// Timeouts, the connection cap and graceful shutdown. Timeouts are configured short, and
/// tests wait for the server's reaction rather than asserting how long it took.
final class ServerLifecycleTests: ServerTestCase {
    func testSlowlorisHeaderGets408AndIsClosed() throws {
        let server = try startServer { c in c.headerTimeoutSeconds = 0.4 }
        let client = try RawClient(port: server.boundPort)
        let drip = Array("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ".utf8) + [UInt8](repeating: 0x61, count: 200)
        var sent = 0
        // One byte every 50 ms: always "making progress", never finishing the head.
        while sent < drip.count && !client.waitReadable(seconds: 0.05) {
            guard client.send([drip[sent]]) else { break }
            sent += 1
        }
        XCTAssertLessThan(sent, drip.count, "the server must cut the client off before it finishes dripping")
        let r = try client.readResponse()
        XCTAssertEqual(r.status, 408)
        XCTAssertTrue(client.isClosedByServer())
    }

    func testSlowBodyGets408() throws {
        let server = try startServer { c in c.bodyTimeoutSeconds = 0.3 }
        let client = try RawClient(port: server.boundPort)
        client.send("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nabc")
        let r = try client.readResponse()
        XCTAssertEqual(r.status, 408)
        XCTAssertTrue(client.isClosedByServer())
        XCTAssertEqual(handled.all, [])
    }

    func testSilentAndIdleConnectionsAreClosedWithoutResponse() throws {
        let server = try startServer { c in
            c.headerTimeoutSeconds = 0.2
            c.idleTimeoutSeconds = 0.3
        }
        let silent = try RawClient(port: server.boundPort)
        XCTAssertTrue(silent.isClosedByServer(), "a connection that never sends is closed after the header timeout")

        let idle = try RawClient(port: server.boundPort)
        idle.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try idle.readResponse().status, 200)
        XCTAssertTrue(idle.isClosedByServer(), "an idle keep-alive connection is closed after the idle timeout")
    }

    func testConnectionCapAnswers503AndFreesSlotsOnClose() throws {
        let server = try startServer { c in c.maxConnections = 2 }
        var held: [RawClient] = []
        for _ in 0..<2 {
            let c = try RawClient(port: server.boundPort)
            c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            XCTAssertEqual(try c.readResponse().status, 200)
            held.append(c)
        }
        let third = try RawClient(port: server.boundPort)
        let refused = try third.readResponse()
        XCTAssertEqual(refused.status, 503)
        XCTAssertTrue(third.isClosedByServer())

        held.removeFirst()   // closes one connection
        // The server learns of the close asynchronously: retry until a slot is free (bounded).
        var status = 0
        for _ in 0..<50 {
            let c = try RawClient(port: server.boundPort)
            c.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n")
            status = (try? c.readResponse().status) ?? 0
            if status == 200 { break }
            usleep(20_000)
        }
        XCTAssertEqual(status, 200)
    }

    func testGracefulShutdownFinishesInFlightRequestAndClosesIdleOnes() throws {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let server = try startServer(handler: { request in
            if request.path == "/slow" {
                entered.signal()
                release.wait()
            }
            return HTTPResponse(status: 200, body: Array(request.path.utf8))
        })
        let port = server.boundPort
        let idle = try RawClient(port: port)
        idle.send("GET /warm HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try idle.readResponse().status, 200)

        let busy = try RawClient(port: port)
        busy.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        entered.wait()

        let stopped = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            server.shutdown(gracePeriodSeconds: 5)
            stopped.signal()
        }
        XCTAssertTrue(idle.isClosedByServer(), "idle keep-alive connections close when shutdown begins")
        release.signal()
        let r = try busy.readResponse()
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.text, "/slow")
        XCTAssertEqual(r.header("Connection"), "close")
        XCTAssertTrue(busy.isClosedByServer())
        stopped.wait()
        XCTAssertThrowsError(try RawClient(port: port), "no longer accepting")
    }

    func testShutdownIsIdempotentAndStartTwiceFails() throws {
        let server = try startServer()
        XCTAssertThrowsError(try server.start()) { XCTAssertEqual($0 as? HTTPServerError, .alreadyStarted) }
        server.shutdown(gracePeriodSeconds: 0)
        server.shutdown(gracePeriodSeconds: 0)
    }

    func testInvalidConfigurationIsRefused() {
        var c = HTTPServerConfiguration()
        c.port = 0
        c.maxHeaderCount = 0
        let server = HTTPServer(configuration: c, handler: { _ in HTTPResponse(status: 200) },
                                errorResponse: { s, _ in HTTPResponse(status: s) })
        XCTAssertThrowsError(try server.start()) { error in
            guard case HTTPServerError.invalidConfiguration(let what) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(what.contains("maxHeaderCount"))
        }
    }
}
