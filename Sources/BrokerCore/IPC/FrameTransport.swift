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

    public func writeAll(_ bytes: [UInt8], timeoutMillis: UInt64) throws {
        let deadline = monotonicMillis() + timeoutMillis
        var off = 0
        try bytes.withUnsafeBytes { buf in
            while off < buf.count {
                let n = send(fd, buf.baseAddress! + off, buf.count - off, Int32(MSG_NOSIGNAL))
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
