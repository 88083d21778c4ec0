// Blocking frame I/O on a Unix stream socket with a deadline, shared by gate's
// client and mint's server. A peer that stalls past the deadline, sends a bad
// header or closes mid-frame ends the exchange with an error; nothing waits forever.
#if canImport(Glibc)
import Glibc
#endif

public enum TransportError: Error, Equatable, Sendable {
    case closed
    case timedOut
    case io(Int32)
    case protocolViolation(String)
}

public struct FrameTransport {
    public let fd: Int32

    public init(fd: Int32) { self.fd = fd }

    private func wait(events: Int16, deadline: UInt64) throws {
        while true {
            let now = monotonicMillis()
            guard now < deadline else { throw TransportError.timedOut }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let r = poll(&p, 1, Int32(min(deadline - now, 60_000)))
            if r > 0 { return }
            if r < 0 && errno != EINTR { throw TransportError.io(errno) }
        }
    }

    func waitReadable(deadline: UInt64) throws { try wait(events: Int16(POLLIN), deadline: deadline) }

    /// Bounds every blocking send and recv on `fd` (SO_SNDTIMEO / SO_RCVTIMEO), so a
    /// blocking socket can skip the poll before each call and still never hang: a
    /// call that times out reports EAGAIN, and the callers here check their deadline.
    public static func setTimeouts(fd: Int32, millis: UInt64) throws {
        var tv = timeval(tv_sec: Int(millis / 1000), tv_usec: Int(millis % 1000) * 1000)
        for option in [SO_RCVTIMEO, SO_SNDTIMEO] {
            guard setsockopt(fd, SOL_SOCKET, option, &tv, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
                throw TransportError.io(errno)
            }
        }
    }

    /// Every byte, or an error once `timeoutMillis` passed: each send is non-blocking
    /// (MSG_DONTWAIT) and waits in poll with the deadline, so a peer that stops reading
    /// cannot hold the caller, whatever the socket's own mode and timeouts.
    public func writeAll(_ bytes: [UInt8], timeoutMillis: UInt64) throws {
        let deadline = monotonicMillis() + timeoutMillis
        var off = 0
        try bytes.withUnsafeBytes { buf in
            while off < buf.count {
                let n = send(fd, buf.baseAddress! + off, buf.count - off, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                if n > 0 { off += n; continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { try wait(events: Int16(POLLOUT), deadline: deadline); continue }
                if n < 0 && errno == EINTR { continue }
                throw n == 0 ? TransportError.closed : TransportError.io(errno)
            }
        }
    }

    private func readExactly(_ count: Int, deadline: UInt64) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var off = 0
        try out.withUnsafeMutableBytes { buf in
            while off < count {
                let n = recv(fd, buf.baseAddress! + off, count - off, 0)
                if n > 0 { off += n; continue }
                if n == 0 { throw TransportError.closed }
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { try wait(events: Int16(POLLIN), deadline: deadline); continue }
                throw TransportError.io(errno)
            }
        }
        return out
    }

    /// Reads one frame. `idleMillis` bounds the wait for its first byte (nil: wait
    /// indefinitely, as mint does between requests); `timeoutMillis` bounds the rest.
    public func readFrame(timeoutMillis: UInt64, idleMillis: UInt64? = nil) throws -> (type: UInt8, payload: [UInt8]) {
        if let idle = idleMillis {
            try wait(events: Int16(POLLIN), deadline: monotonicMillis() + idle)
        } else {
            while true {
                var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                let r = poll(&p, 1, -1)
                if r > 0 { break }
                if r < 0 && errno != EINTR { throw TransportError.io(errno) }
            }
        }
        let deadline = monotonicMillis() + timeoutMillis
        let header = try readExactly(MintProtocol.headerSize, deadline: deadline)
        let (type, length): (UInt8, Int)
        do { (type, length) = try MintCodec.parseHeader(header) } catch {
            throw TransportError.protocolViolation("bad frame header: \(error)")
        }
        return (type, try readExactly(length, deadline: deadline))
    }
}

public func monotonicMillis() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec) / 1_000_000
}

/// Incoming frames on one end of the gate↔mint socket: mint's request loop, gate's
/// blocking client, and (non-blocking) gate's pipelined link. One recv(2) into a
/// buffer kept across calls usually yields the whole frame, or several:
/// FrameTransport.readFrame's poll + recv(header) + recv(payload) made the hop cost
/// three syscalls where one does. Same limits as FrameTransport: the header is
/// checked by MintCodec.parseHeader (magic, version, size cap) before any payload is
/// buffered, the first byte must arrive within `idleMillis` (nil: no limit, as mint
/// idles between requests), and a frame once started must complete within
/// `timeoutMillis` of its first byte.
public struct FrameReader {
    /// Bytes in start..<end are read from the socket but not yet returned.
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private let baseCapacity: Int

    public init(capacity: Int = 64 * 1024) {
        baseCapacity = max(1, capacity)
        buffer = [UInt8](repeating: 0, count: baseCapacity)
    }

    /// Bytes received beyond the frames returned so far.
    public var bufferedCount: Int { end - start }

    /// Forgets anything buffered: call when the connection it came from is closed.
    public mutating func reset() {
        start = 0; end = 0
        if buffer.count > baseCapacity { buffer = [UInt8](repeating: 0, count: baseCapacity) }
    }

    /// The next frame on `fd`. On a blocking socket the first recv blocks, so its
    /// receive timeout (SO_RCVTIMEO, see FrameTransport.setTimeouts) must be set for
    /// the idle bound to hold: a timed-out recv reports EAGAIN and the deadline is
    /// then checked here. Later recvs of a started frame poll first, against the
    /// frame's own deadline.
    public mutating func readFrame(fd: Int32, timeoutMillis: UInt64, idleMillis: UInt64?) throws -> (type: UInt8, payload: [UInt8]) {
        let now = monotonicMillis()
        var deadline = bufferedCount > 0 ? now + timeoutMillis : idleMillis.map { now + $0 } ?? UInt64.max
        var started = bufferedCount > 0
        while true {
            var needed = MintProtocol.headerSize
            if bufferedCount >= MintProtocol.headerSize {
                let (type, length) = try header()
                needed = MintProtocol.headerSize + length
                if bufferedCount >= needed {
                    let payload = Array(buffer[(start + MintProtocol.headerSize)..<(start + needed)])
                    start += needed
                    if start == end { reset() }
                    return (type, payload)
                }
            }
            try fill(fd: fd, atLeast: needed, deadline: deadline, pollFirst: started)
            if !started { started = true; deadline = monotonicMillis() + timeoutMillis }
        }
    }

    // MARK: Non-blocking use (gate's event loops)

    /// Whether a whole frame is buffered (false when its header is malformed: reading it reports that).
    public var hasCompleteFrame: Bool {
        guard bufferedCount >= MintProtocol.headerSize, let (_, length) = try? header() else { return false }
        return bufferedCount >= MintProtocol.headerSize + length
    }

    /// The next complete frame already buffered, if any.
    public mutating func nextBufferedFrame() throws -> (type: UInt8, payload: [UInt8])? {
        guard bufferedCount >= MintProtocol.headerSize else { return nil }
        let (type, length) = try header()
        let needed = MintProtocol.headerSize + length
        guard bufferedCount >= needed else { return nil }
        let payload = Array(buffer[(start + MintProtocol.headerSize)..<(start + needed)])
        start += needed
        if start == end { reset() }
        return (type, payload)
    }

    /// One recv(2) of whatever a non-blocking `fd` holds. False when it held nothing
    /// (EAGAIN); throws when the peer closed or the socket failed.
    public mutating func receiveAvailable(fd: Int32) throws -> Bool {
        var needed = MintProtocol.headerSize
        if bufferedCount >= MintProtocol.headerSize { needed = MintProtocol.headerSize + (try header()).1 }
        makeRoom(frameSize: max(needed, bufferedCount + 1))
        while true {
            let (e, room) = (end, buffer.count - end)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + e, room, Int32(MSG_DONTWAIT)) }
            if n > 0 { end += n; return true }
            if n == 0 { throw TransportError.closed }
            let err = errno
            if err == EINTR { continue }
            if err == EAGAIN || err == EWOULDBLOCK { return false }
            throw TransportError.io(err)
        }
    }

    private func header() throws -> (UInt8, Int) {
        do { return try MintCodec.parseHeader(Array(buffer[start..<(start + MintProtocol.headerSize)])) } catch {
            throw TransportError.protocolViolation("bad frame header: \(error)")
        }
    }

    /// Makes room for `frameSize` bytes from `start`, then reads what is available
    /// (at least one byte).
    private mutating func fill(fd: Int32, atLeast frameSize: Int, deadline: UInt64, pollFirst: Bool) throws {
        makeRoom(frameSize: frameSize)
        let t = FrameTransport(fd: fd)
        if pollFirst { try t.waitReadable(deadline: deadline) }
        while true {
            let (e, room) = (end, buffer.count - end)
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + e, room, 0) }
            if n > 0 { end += n; return }
            if n == 0 { throw TransportError.closed }
            let err = errno
            if err == EINTR { continue }
            // A receive timeout ran out, or the socket is non-blocking: wait for the rest of the deadline.
            if err == EAGAIN || err == EWOULDBLOCK { try t.waitReadable(deadline: deadline); continue }
            throw TransportError.io(err)
        }
    }

    /// Moves buffered bytes to the front when a frame of `frameSize` would not fit
    /// after them, and grows the buffer for a frame larger than it.
    private mutating func makeRoom(frameSize: Int) {
        if start > 0 && start + frameSize > buffer.count {
            let (s, e) = (start, end)
            buffer.withUnsafeMutableBytes { b in
                guard let base = b.baseAddress else { return }
                memmove(base, base + s, e - s)
            }
            end -= start; start = 0
        }
        if frameSize > buffer.count {
            // parseHeader capped the size at MintProtocol.maxFrame.
            buffer.append(contentsOf: repeatElement(0, count: frameSize - buffer.count))
        }
    }
}
