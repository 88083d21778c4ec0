// FrameReader: gate's one-recv reply reader. The small-capacity cases force a
// frame to arrive over several recvs and the buffer to grow, which one recv of a
// normal reply never shows.
import XCTest
@testable import BrokerCore
#if canImport(Glibc)
import Glibc
#endif

final class FrameReaderTests: XCTestCase {
    private var fds: [Int32] = []

    override func setUpWithError() throws {
        var pair: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair), 0)
        fds = pair
    }

    override func tearDown() {
        for fd in fds where fd >= 0 { close(fd) }
    }

    private func send(_ bytes: [UInt8]) throws { try FrameTransport(fd: fds[1]).writeAll(bytes, timeoutMillis: 5000) }

    private func reply(_ r: MintReply, capacity: Int = 64 * 1024) throws -> (MintReply, FrameReader) {
        var reader = FrameReader(capacity: capacity)
        try send(MintCodec.encode(r))
        let (type, payload) = try reader.readFrame(fd: fds[0], timeoutMillis: 5000, idleMillis: 5000)
        return (try MintCodec.decodeReply(type: type, payload: payload), reader)
    }

    func testReadsAWholeReply() throws {
        let r = MintReply.callResult(configVersion: 4, .success(action: "GetCallerIdentity", service: .sts, resultXML: "<Arn>a</Arn>"))
        let (got, reader) = try reply(r)
        XCTAssertEqual(got, r)
        XCTAssertEqual(reader.bufferedCount, 0)
    }

    func testAFrameLargerThanTheBufferArrivesOverSeveralReadsAndGrowsIt() throws {
        let xml = String(repeating: "<Member>x</Member>", count: 2000)
        let r = MintReply.callResult(configVersion: 1, .success(action: "ListRoles", service: .iam, resultXML: xml))
        // 3 bytes: even the header takes more than one recv.
        XCTAssertEqual(try reply(r, capacity: 3).0, r)
    }

    func testBackToBackFramesComeOutInOrder() throws {
        var reader = FrameReader()
        try send(MintCodec.encode(MintReply.pong(configVersion: 1)) + MintCodec.encode(MintReply.pong(configVersion: 2)))
        for v in [UInt64(1), 2] {
            let (type, payload) = try reader.readFrame(fd: fds[0], timeoutMillis: 5000, idleMillis: 5000)
            XCTAssertEqual(try MintCodec.decodeReply(type: type, payload: payload), .pong(configVersion: v))
        }
        XCTAssertEqual(reader.bufferedCount, 0)
    }

    func testBadHeaderIsRejectedWithoutWaitingForAPayload() throws {
        var reader = FrameReader()
        // A length of 4 GiB - 1 behind a wrong magic: must fail on the header alone.
        try send([0x48, 0x54, 0x54, 0x50, 0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertThrowsError(try reader.readFrame(fd: fds[0], timeoutMillis: 5000, idleMillis: 5000)) { e in
            guard case TransportError.protocolViolation = e else { return XCTFail("got \(e)") }
        }
    }

    func testOversizedFrameIsRejectedBeforeBuffering() throws {
        var reader = FrameReader()
        let n = UInt32(MintProtocol.maxFrame + 1)
        try send([MintProtocol.magic.0, MintProtocol.magic.1, MintProtocol.version, MintReplyType.pong.rawValue,
                  UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)])
        XCTAssertThrowsError(try reader.readFrame(fd: fds[0], timeoutMillis: 5000, idleMillis: 5000)) { e in
            guard case TransportError.protocolViolation = e else { return XCTFail("got \(e)") }
        }
    }

    func testPeerClosingMidFrameIsAnError() throws {
        var reader = FrameReader()
        let frame = MintCodec.encode(MintReply.pong(configVersion: 9))
        try send(Array(frame.prefix(frame.count - 1)))
        close(fds[1]); fds[1] = -1
        XCTAssertThrowsError(try reader.readFrame(fd: fds[0], timeoutMillis: 5000, idleMillis: 5000)) { e in
            XCTAssertEqual(e as? TransportError, .closed)
        }
    }

    func testSilentPeerEndsInTimeoutThroughTheSocketReceiveTimeout() throws {
        var reader = FrameReader()
        try FrameTransport.setTimeouts(fd: fds[0], millis: 20)
        XCTAssertThrowsError(try reader.readFrame(fd: fds[0], timeoutMillis: 20, idleMillis: 20)) { e in
            XCTAssertEqual(e as? TransportError, .timedOut)
        }
    }

    func testStalledFrameEndsInTimeout() throws {
        var reader = FrameReader()
        let frame = MintCodec.encode(MintReply.pong(configVersion: 9))
        try send(Array(frame.prefix(5)))
        XCTAssertThrowsError(try reader.readFrame(fd: fds[0], timeoutMillis: 20, idleMillis: 5000)) { e in
            XCTAssertEqual(e as? TransportError, .timedOut)
        }
    }

    func testResetDropsBufferedBytes() throws {
        var reader = FrameReader()
        try send(MintCodec.encode(MintReply.pong(configVersion: 1)) + [MintProtocol.magic.0])
        _ = try reader.readFrame(fd: fds[0], timeoutMillis: 5000, idleMillis: 5000)
        XCTAssertEqual(reader.bufferedCount, 1)
        reader.reset()
        XCTAssertEqual(reader.bufferedCount, 0)
    }

    func testEncodedFramesCarryTheirTypeAndPayloadLength() throws {
        let call = SignedCall(context: RequestContext(requestID: "r", sourceIP: "127.0.0.1", userAgent: "ua"),
                              method: "POST", path: "/", rawQuery: "", headers: [("Host", "h"), ("X-Amz-Date", "d")],
                              body: Array("Action=GetCallerIdentity&Version=2011-06-15".utf8))
        for r in [MintRequest.ping, .signedCall(call)] {
            let frame = MintCodec.encode(r)
            let (type, length) = try MintCodec.parseHeader(Array(frame.prefix(MintProtocol.headerSize)))
            XCTAssertEqual(type, r.type.rawValue)
            XCTAssertEqual(length, frame.count - MintProtocol.headerSize)
            XCTAssertEqual(try MintCodec.decodeRequest(type: type, payload: Array(frame.dropFirst(MintProtocol.headerSize))), r)
        }
    }
}
