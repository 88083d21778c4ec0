import BrokerCore
import Foundation
import XCTest
@testable import Mint
#if canImport(Glibc)
import Glibc
#endif

final class MintServerTests: XCTestCase {
    var h: MintHarness!
    var server: MintServer!
    var runner: Thread?
    let stopped = DispatchSemaphore(value: 0)

    override func setUpWithError() throws {
        // Short path: sun_path holds ~108 bytes.
        let root = "/tmp/mt-" + String(UUID().uuidString.prefix(8))
        h = try MintHarness(root: root)
        server = try MintServer(service: h.service, configuration: h.configuration)
        let s = server!, done = stopped
        runner = Thread { try? s.run(); done.signal() }
        runner?.start()
    }

    override func tearDown() {
        server.shutdown()
        stopped.wait()
        XCTAssertFalse(FileManager.default.fileExists(atPath: h.configuration.socketPath), "shutdown removes the socket")
        h.removeFiles()
    }

    private func connect(to socketPath: String? = nil) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let path = socketPath ?? h.configuration.socketPath
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in
            for (i, b) in path.utf8.enumerated() { buf[i] = b }
            buf[path.utf8.count] = 0
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else { close(fd); throw TransportError.io(errno) }
        return fd
    }

    private func ping(_ fd: Int32) throws -> MintReply {
        let t = FrameTransport(fd: fd)
        try t.writeAll(MintCodec.encode(MintRequest.ping), timeoutMillis: 5000)
        let frame = try t.readFrame(timeoutMillis: 5000, idleMillis: 5000)
        return try MintCodec.decodeReply(type: frame.type, payload: frame.payload)
    }

    func testSocketIsPrivate() {
        var st = stat()
        XCTAssertEqual(stat(h.configuration.socketPath, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
    }

    func testPingPongAndIdleConnectionsKeepWorking() throws {
        let fd = try connect()
        defer { close(fd) }
        guard case .pong = try ping(fd) else { return XCTFail("expected pong") }
        guard case .pong = try ping(fd) else { return XCTFail("expected pong on the same connection") }
    }

    func testGarbageFrameClosesConnectionAndServerKeepsServing() throws {
        let bad = try connect()
        defer { close(bad) }
        let t = FrameTransport(fd: bad)
        try t.writeAll(Array("GET / HTTP/1.1\r\n\r\n".utf8), timeoutMillis: 5000)
        XCTAssertThrowsError(try t.readFrame(timeoutMillis: 5000, idleMillis: 5000)) { e in
            // Closed without a reply: EOF, or a reset because our bytes were left unread.
            XCTAssertTrue([TransportError.closed, .io(ECONNRESET)].contains(e as? TransportError), "\(e)")
        }
        // A well-framed but unknown message type is closed too.
        let bad2 = try connect()
        defer { close(bad2) }
        let t2 = FrameTransport(fd: bad2)
        try t2.writeAll(MintCodec.frame(type: 0x7F, payload: []), timeoutMillis: 5000)
        XCTAssertThrowsError(try t2.readFrame(timeoutMillis: 5000, idleMillis: 5000))

        let good = try connect()
        defer { close(good) }
        guard case .pong = try ping(good) else { return XCTFail("expected pong after a bad peer") }
    }

    private func readReply(_ fd: Int32) throws -> MintReply {
        let frame = try FrameTransport(fd: fd).readFrame(timeoutMillis: 5000, idleMillis: 5000)
        return try MintCodec.decodeReply(type: frame.type, payload: frame.payload)
    }

    /// Two frames in one write: both are answered, in order.
    func testPipelinedFramesInOneWriteAreAllAnswered() throws {
        let fd = try connect()
        defer { close(fd) }
        let call = h.signedCall("GetCallerIdentity")
        try FrameTransport(fd: fd).writeAll(MintCodec.encode(.ping) + MintCodec.encode(.signedCall(call)), timeoutMillis: 5000)
        guard case .pong = try readReply(fd) else { return XCTFail("expected pong first") }
        guard case .callResult(_, .success(let action, _, _)) = try readReply(fd) else { return XCTFail("expected a call result") }
        XCTAssertEqual(action, "GetCallerIdentity")
    }

    /// Replies held back for a batch still go out when a later frame of the same
    /// read is bad; then the connection closes.
    func testRepliesBeforeABadFrameAreSentBeforeTheClose() throws {
        let fd = try connect()
        defer { close(fd) }
        let t = FrameTransport(fd: fd)
        try t.writeAll(MintCodec.encode(.ping) + MintCodec.encode(.ping) + MintCodec.frame(type: 0x7F, payload: []), timeoutMillis: 5000)
        for _ in 0..<2 { guard case .pong = try readReply(fd) else { return XCTFail("expected pong") } }
        XCTAssertThrowsError(try t.readFrame(timeoutMillis: 5000, idleMillis: 5000))
    }

    /// A peer whose uid (SO_PEERCRED) is not gate's is closed before any frame is
    /// read: this process connects to a mint that admits only another uid.
    func testPeerWithAnotherUIDIsClosedUnanswered() throws {
        let other = try MintHarness(root: "/tmp/mu-" + String(UUID().uuidString.prefix(8))) { c in
            c.allowedPeerUIDs = [getuid() &+ 1]
        }
        defer { other.removeFiles() }
        let strictServer = try MintServer(service: other.service, configuration: other.configuration)
        let done = DispatchSemaphore(value: 0)
        Thread { try? strictServer.run(); done.signal() }.start()
        defer { strictServer.shutdown(); done.wait() }

        // The kernel accepts the connection; mint then closes it.
        let fd = try connect(to: other.configuration.socketPath)
        defer { close(fd) }
        let t = FrameTransport(fd: fd)
        _ = try? t.writeAll(MintCodec.encode(.ping), timeoutMillis: 5000)
        XCTAssertThrowsError(try t.readFrame(timeoutMillis: 5000, idleMillis: 5000)) { e in
            XCTAssertTrue([TransportError.closed, .io(ECONNRESET), .io(EPIPE)].contains(e as? TransportError), "\(e)")
        }
        // gate's own uid is still served by the usual server.
        let good = try connect()
        defer { close(good) }
        guard case .pong = try ping(good) else { return XCTFail("expected pong") }
    }

    /// A frame trickled in byte by byte is reassembled.
    func testFrameSplitIntoSingleBytesIsReassembled() throws {
        let fd = try connect()
        defer { close(fd) }
        let t = FrameTransport(fd: fd)
        for b in MintCodec.encode(.signedCall(h.signedCall("GetCallerIdentity"))) { try t.writeAll([b], timeoutMillis: 5000) }
        guard case .callResult(_, .success) = try readReply(fd) else { return XCTFail("expected a call result") }
        guard case .pong = try ping(fd) else { return XCTFail("the connection keeps working") }
    }

    /// A frame larger than the connection's read buffer (64 KiB) is read whole.
    func testFrameLargerThanTheReadBufferIsReadWhole() throws {
        let fd = try connect()
        defer { close(fd) }
        let big = h.signedCall("ListRoles", [("PathPrefix", "/" + String(repeating: "a", count: 200_000) + "/")])
        try FrameTransport(fd: fd).writeAll(MintCodec.encode(.signedCall(big)), timeoutMillis: 5000)
        guard case .callResult(_, .failure(_, let error)) = try readReply(fd) else { return XCTFail("expected a refusal") }
        XCTAssertEqual(error.code, .validationError, "the 512-character PathPrefix limit, so the whole body was read")
        guard case .pong = try ping(fd) else { return XCTFail("the connection keeps working") }
    }

    /// A header announcing more than the frame cap closes the connection without buffering anything.
    func testOversizeHeaderClosesTheConnection() throws {
        let fd = try connect()
        defer { close(fd) }
        let t = FrameTransport(fd: fd)
        let n = UInt32(MintProtocol.maxFrame + 1)
        try t.writeAll([MintProtocol.magic.0, MintProtocol.magic.1, MintProtocol.version, MintRequestType.ping.rawValue,
                        UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)],
                       timeoutMillis: 5000)
        XCTAssertThrowsError(try t.readFrame(timeoutMillis: 5000, idleMillis: 5000))
    }
}
