// One accepted connection's frame I/O, tuned for mint's request loop: a single
// blocking recv(2) into a reusable buffer usually yields a whole frame, and a
// reply goes out with one send(2). FrameTransport's poll-then-recv-header-then-
// recv-payload cost three syscalls per request where one does; measured under
// wrk, syscalls and wakeups were over half of mint's CPU per signed call.
// Same limits as FrameTransport: a started frame must complete within the frame
// timeout, a reply must be taken within the reply timeout, headers are checked by
// MintCodec.parseHeader (magic, version, size cap) before any payload is buffered.
import BrokerCore
#if canImport(Glibc)
import Glibc
#endif

struct FrameConnection {
    let fd: Int32
    /// Allocated once (grown only for a frame larger than it); bytes in start..<end are unread.
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private static let baseCapacity = 64 * 1024

    init(fd: Int32) {
        self.fd = fd
        buffer = [UInt8](repeating: 0, count: FrameConnection.baseCapacity)
    }

    private var buffered: Int { end - start }

    /// The next frame. Waits without limit for its first byte (mint idles between
    /// requests), then at most `timeoutMillis` for the rest.
    mutating func readFrame(timeoutMillis: UInt64) throws -> (type: UInt8, payload: [UInt8]) {
        var deadline: UInt64? = buffered > 0 ? monotonicMillis() + timeoutMillis : nil
        while true {
            var needed = MintProtocol.headerSize
            if buffered >= MintProtocol.headerSize {
                let header = Array(buffer[start..<(start + MintProtocol.headerSize)])
                let (type, length): (UInt8, Int)
                do { (type, length) = try MintCodec.parseHeader(header) } catch {
                    throw TransportError.protocolViolation("bad frame header: \(error)")
                }
                needed = MintProtocol.headerSize + length
                if buffered >= needed {
                    let payload = Array(buffer[(start + MintProtocol.headerSize)..<(start + needed)])
                    start += needed
                    if start == end { releaseLargeBuffer() }
                    return (type, payload)
                }
            }
            try fill(atLeast: needed, deadline: deadline)
            if deadline == nil { deadline = monotonicMillis() + timeoutMillis }
        }
    }

    /// After an unusually large frame, back to the base size so idle connections stay small.
    private mutating func releaseLargeBuffer() {
        start = 0; end = 0
        if buffer.count > FrameConnection.baseCapacity {
            buffer = [UInt8](repeating: 0, count: FrameConnection.baseCapacity)
        }
    }

    /// Makes room for a frame of `frameSize` bytes from `start`, then reads what is
    /// available (at least one byte), blocking; with a deadline, polls first.
    private mutating func fill(atLeast frameSize: Int, deadline: UInt64?) throws {
        if start > 0 && start + frameSize > buffer.count {
            buffer.withUnsafeMutableBytes { b in
                guard let base = b.baseAddress else { return }
                memmove(base, base + start, end - start)
            }
            end -= start; start = 0
        }
        if frameSize > buffer.count {
            // parseHeader capped the size at MintProtocol.maxFrame.
            buffer.append(contentsOf: repeatElement(0, count: frameSize - buffer.count))
        }
        if let d = deadline { try wait(events: Int16(POLLIN), deadline: d) }
        let room = buffer.count - end
        var n = 0
        repeat {
            n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + end, room, 0) }
        } while n < 0 && errno == EINTR
        if n == 0 { throw TransportError.closed }
        if n < 0 { throw TransportError.io(errno) }
        end += n
    }

    /// The whole reply, or an error once `timeoutMillis` passed without it all going out.
    func writeAll(_ bytes: [UInt8], timeoutMillis: UInt64) throws {
        let deadline = monotonicMillis() + timeoutMillis
        try bytes.withUnsafeBytes { buf in
            guard let base = buf.baseAddress else { return }
            var off = 0
            while off < buf.count {
                let n = send(fd, base + off, buf.count - off, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
                if n > 0 { off += n; continue }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { try wait(events: Int16(POLLOUT), deadline: deadline); continue }
                throw n == 0 ? TransportError.closed : TransportError.io(errno)
            }
        }
    }

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
}
