import Foundation
import Glibc
import XCTest
@testable import HTTPServer

/// Handlers that answer later, from a descriptor watched on the worker's loop (as
/// gate answers once mint replies): the worker keeps serving other connections,
/// pipelined requests keep their order, and late or repeated answers go nowhere.
final class DeferredResponseTests: XCTestCase {
    /// A one-worker server: "/later" requests wait until `release()` writes to a pipe
    /// the worker watches; any other path is answered at once.
    final class Fixture: @unchecked Sendable {
        let server: HTTPServer
        private let lock = NSLock()
        private var pipeWriteFD: Int32 = -1
        private var waiting: [(Responder, String)] = []   // touched on the worker thread only

        init() throws {
            var configuration = HTTPServerConfiguration()
            configuration.port = 0
            configuration.workerCount = 1
            var fixture: Fixture?
            server = HTTPServer(configuration: configuration, handler: { request, responder in
                if request.path.hasPrefix("/later") {
                    fixture?.waiting.append((responder, request.path))
                } else if request.path == "/twice" {
                    responder.respond(Fixture.text("first"))
                    responder.respond(Fixture.text("second"))
                } else {
                    responder.respond(Fixture.text("now \(request.path)"))
                }
            }, errorResponse: { status, message in
                HTTPResponse(status: status, headers: [], body: Array(message.utf8), closeConnection: true)
            }, workerStarted: { loop in
                var fds: [Int32] = [0, 0]
                guard pipe(&fds) == 0 else { return }
                _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
                loop.watch(fds[0], events: WorkerLoop.readable) { _ in
                    var byte: UInt8 = 0
                    while read(fds[0], &byte, 1) == 1 {
                        guard let f = fixture, !f.waiting.isEmpty else { continue }
                        let (responder, path) = f.waiting.removeFirst()
                        responder.respond(Fixture.text("late \(path)"))
                    }
                }
                fixture?.setPipe(fds[1])
            })
            fixture = self
            try server.start()
        }

        static func text(_ s: String) -> HTTPResponse {
            HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array(s.utf8))
        }

        private func setPipe(_ fd: Int32) { lock.lock(); pipeWriteFD = fd; lock.unlock() }

        /// Lets the oldest waiting request be answered (from the test thread).
        func release() {
            for _ in 0..<200 {
                lock.lock(); let fd = pipeWriteFD; lock.unlock()
                if fd >= 0 { var b: UInt8 = 1; _ = write(fd, &b, 1); return }
                usleep(10_000)
            }
            XCTFail("worker never started")
        }

        func stop() { server.shutdown(gracePeriodSeconds: 0) }
    }

    func testOtherConnectionsAreServedWhileOneAwaitsItsAnswer() throws {
        let f = try Fixture()
        defer { f.stop() }
        let slow = try RawClient(port: f.server.boundPort)
        slow.send("GET /later/1 HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertFalse(slow.waitReadable(seconds: 0.2), "answered before the handler said so")
        let quick = try RawClient(port: f.server.boundPort)
        quick.send("GET /q HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try quick.readResponse().text, "now /q")
        f.release()
        XCTAssertEqual(try slow.readResponse().text, "late /later/1")
        // The connection stays usable after a deferred answer.
        slow.send("GET /again HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try slow.readResponse().text, "now /again")
    }

    func testPipelinedRequestsWaitBehindADeferredOne() throws {
        let f = try Fixture()
        defer { f.stop() }
        let client = try RawClient(port: f.server.boundPort)
        client.send("GET /later/a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\nGET /later/c HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertFalse(client.waitReadable(seconds: 0.2), "a request behind a deferred one was answered first")
        f.release()
        XCTAssertEqual(try client.readResponse().text, "late /later/a")
        XCTAssertEqual(try client.readResponse().text, "now /b")
        XCTAssertFalse(client.waitReadable(seconds: 0.2))
        f.release()
        XCTAssertEqual(try client.readResponse().text, "late /later/c")
    }

    /// A request sent while the one before it waits for its answer stays in the socket
    /// (the worker stops listening once it arrives) and is served after that answer.
    func testARequestArrivingDuringADeferredOneIsServedAfterIt() throws {
        let f = try Fixture()
        defer { f.stop() }
        let client = try RawClient(port: f.server.boundPort)
        client.send("GET /later/first HTTP/1.1\r\nHost: t\r\n\r\n")
        usleep(100_000)
        client.send("GET /second HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertFalse(client.waitReadable(seconds: 0.2), "the later request was answered before the deferred one")
        f.release()
        XCTAssertEqual(try client.readResponse().text, "late /later/first")
        XCTAssertEqual(try client.readResponse().text, "now /second")
    }

    func testAnAnswerForAClosedConnectionGoesNowhere() throws {
        let f = try Fixture()
        defer { f.stop() }
        do {
            let gone = try RawClient(port: f.server.boundPort)   // closed when this scope ends
            gone.send("GET /later/gone HTTP/1.1\r\nHost: t\r\n\r\n")
            usleep(100_000)
        }
        usleep(100_000)
        f.release()
        let next = try RawClient(port: f.server.boundPort)
        next.send("GET /alive HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try next.readResponse().text, "now /alive")
    }

    func testASecondAnswerIsIgnored() throws {
        let f = try Fixture()
        defer { f.stop() }
        let client = try RawClient(port: f.server.boundPort)
        client.send("GET /twice HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "first")
        client.send("GET /after HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(try client.readResponse().text, "now /after", "the second answer leaked into the next request")
    }
}
