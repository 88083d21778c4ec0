import BrokerCore
import Foundation
import Glibc
import HTTPServer
import XCTest
@testable import Gate

/// gate's pipelined link to mint, driven by a real HTTP worker loop, against a
/// scripted stand-in for mint on a Unix socket: replies complete the right HTTP
/// requests, a connection mint drops fails what was in flight and the next call
/// reconnects, a silent mint times out, an absent one fails at once.
final class MintPipelineTests: XCTestCase {
    /// What the stand-in does with each connection it accepts (by order of arrival).
    enum Behaviour { case answer, closeAfterFirstFrame, neverAnswer }

    final class FakeMint: @unchecked Sendable {
        let path: String
        private let listenFD: Int32
        private let behaviours: [Behaviour]
        private let lock = NSLock()
        private var accepted = 0
        private var framesSeen = 0
        private var open: [Int32] = []
        private var stopped = false

        init(behaviours: [Behaviour]) throws {
            path = "/tmp/fm-\(UUID().uuidString.prefix(8)).sock"
            self.behaviours = behaviours
            listenFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { buf in
                for (i, b) in path.utf8.enumerated() { buf[i] = b }
                buf[path.utf8.count] = 0
            }
            let rc = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listenFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            guard rc == 0, listen(listenFD, 16) == 0 else { throw TransportError.io(errno) }
            Thread { [self] in acceptLoop() }.start()
        }

        var frames: Int { lock.lock(); defer { lock.unlock() }; return framesSeen }

        private func acceptLoop() {
            while true {
                let fd = accept(listenFD, nil, nil)
                guard fd >= 0 else { return }
                lock.lock()
                if stopped { lock.unlock(); close(fd); return }
                let behaviour = behaviours[min(accepted, behaviours.count - 1)]
                accepted += 1
                open.append(fd)
                lock.unlock()
                Thread { [self] in serve(fd, behaviour) }.start()
            }
        }

        private func serve(_ fd: Int32, _ behaviour: Behaviour) {
            var reader = FrameReader()
            while let frame = try? reader.readFrame(fd: fd, timeoutMillis: 5000, idleMillis: nil) {
                lock.lock(); framesSeen += 1; lock.unlock()
                guard (try? MintCodec.decodeRequest(type: frame.type, payload: frame.payload)) != nil else { break }
                switch behaviour {
                case .answer:
                    try? FrameTransport(fd: fd).writeAll(MintCodec.encode(.pong(configVersion: 1)), timeoutMillis: 5000)
                case .closeAfterFirstFrame:
                    shutdown(fd, Int32(SHUT_RDWR))
                    return
                case .neverAnswer:
                    continue
                }
            }
        }

        func stop() {
            lock.lock(); stopped = true; let fds = open; lock.unlock()
            for fd in fds { shutdown(fd, Int32(SHUT_RDWR)) }
            shutdown(listenFD, Int32(SHUT_RDWR))
            close(listenFD)
            unlink(path)
        }
    }

    /// One worker; every request asks mint for a pong and answers "pong" or "503 <why>".
    private func startGate(mintPath: String, timeoutSeconds: Double = 10) throws -> HTTPServer {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.workerCount = 1
        final class Slot: @unchecked Sendable { var pipeline: MintPipeline? }
        let slot = Slot()
        let server = HTTPServer(configuration: configuration, handler: { _, responder in
            guard let pipeline = slot.pipeline else { return responder.respond(Self.text(500, "no pipeline")) }
            pipeline.call(.ping) { result in
                switch result {
                case .success(.pong): responder.respond(Self.text(200, "pong"))
                case .success: responder.respond(Self.text(500, "unexpected reply"))
                case .failure(.unavailable(let why)): responder.respond(Self.text(503, why))
                }
            }
        }, errorResponse: { status, message in Self.text(status, message) },
           workerStarted: { loop in slot.pipeline = MintPipeline(socketPath: mintPath, loop: loop, timeoutSeconds: timeoutSeconds) })
        try server.start()
        return server
    }

    private static func text(_ status: Int, _ body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/plain")], body: Array(body.utf8))
    }

    /// Sends `count` pipelined GETs on one connection (the last asks to close) and
    /// returns each response's status and body, in order.
    private func exchange(port: Int, count: Int) throws -> [(Int, String)] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw TransportError.io(errno) }
        let requests = (0..<count).map { i in
            "GET /\(i) HTTP/1.1\r\nHost: t\r\n" + (i == count - 1 ? "Connection: close\r\n" : "") + "\r\n"
        }.joined()
        _ = requests.withCString { send(fd, $0, strlen($0), 0) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            received.append(contentsOf: buffer[0..<n])
        }
        // Responses are "HTTP/1.1 <status> ...\r\n...Content-Length: n\r\n\r\n<body>".
        var out: [(Int, String)] = []
        var rest = Substring(String(decoding: received, as: UTF8.self))
        while let head = rest.range(of: "\r\n\r\n") {
            let headText = rest[..<head.lowerBound]
            let status = Int(headText.split(separator: " ")[1]) ?? 0
            let length = headText.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
            let body = rest[head.upperBound...].prefix(length)
            out.append((status, String(body)))
            rest = rest[head.upperBound...].dropFirst(length)
        }
        return out
    }

    func testRepliesCompletePipelinedRequestsOnSeveralConnections() throws {
        let mint = try FakeMint(behaviours: [.answer])
        defer { mint.stop() }
        let gate = try startGate(mintPath: mint.path)
        defer { gate.shutdown(gracePeriodSeconds: 0) }
        let results = NSLock()
        var all: [[(Int, String)]] = []
        DispatchQueue.concurrentPerform(iterations: 3) { _ in
            let r = (try? exchange(port: gate.boundPort, count: 4)) ?? []
            results.lock(); all.append(r); results.unlock()
        }
        XCTAssertEqual(all.count, 3)
        for r in all {
            XCTAssertEqual(r.map(\.0), [200, 200, 200, 200])
            XCTAssertEqual(r.map(\.1), ["pong", "pong", "pong", "pong"])
        }
        XCTAssertEqual(mint.frames, 12)
    }

    func testADroppedConnectionFailsWhatWasInFlightAndTheNextCallReconnects() throws {
        let mint = try FakeMint(behaviours: [.closeAfterFirstFrame, .answer])
        defer { mint.stop() }
        let gate = try startGate(mintPath: mint.path)
        defer { gate.shutdown(gracePeriodSeconds: 0) }
        let first = try exchange(port: gate.boundPort, count: 1)
        XCTAssertEqual(first.first?.0, 503)
        XCTAssertTrue(first.first?.1.contains("mint exchange failed") == true, "\(first)")
        let second = try exchange(port: gate.boundPort, count: 1)
        XCTAssertEqual(second.first?.0, 200, "the link did not reconnect: \(second)")
    }

    func testASilentMintTimesOut() throws {
        let mint = try FakeMint(behaviours: [.neverAnswer])
        defer { mint.stop() }
        let gate = try startGate(mintPath: mint.path, timeoutSeconds: 0.5)
        defer { gate.shutdown(gracePeriodSeconds: 0) }
        let started = Date()
        let r = try exchange(port: gate.boundPort, count: 1)
        XCTAssertEqual(r.first?.0, 503)
        XCTAssertTrue(r.first?.1.contains("did not answer") == true, "\(r)")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.5)
    }

    func testAnAbsentMintFailsAtOnce() throws {
        let gate = try startGate(mintPath: "/tmp/no-mint-\(UUID().uuidString.prefix(8)).sock")
        defer { gate.shutdown(gracePeriodSeconds: 0) }
        let r = try exchange(port: gate.boundPort, count: 2)
        XCTAssertEqual(r.map(\.0), [503, 503])
        XCTAssertTrue(r.first?.1.contains("connect") == true, "\(r)")
    }
}
