// gate's end of the socket to mint. One client per HTTP worker thread, so no lock
// sits on the request path; a broken or missing mint costs one fast failure
// (connect refused) and the next request reconnects by itself.
#if canImport(Glibc)
import Glibc
#endif
import BrokerCore

public enum MintLinkError: Error, Equatable {
    /// mint is not reachable or broke the exchange: the caller answers ServiceUnavailable.
    case unavailable(String)
}

public final class MintClient {
    private let socketPath: String
    private let timeoutMillis: UInt64
    private var fd: Int32 = -1
    /// Kept across calls so a reply costs one recv(2) and no allocation for the buffer.
    private var reader = FrameReader()

    public init(socketPath: String, timeoutMillis: UInt64 = 10_000) {
        self.socketPath = socketPath
        self.timeoutMillis = timeoutMillis
    }

    deinit { disconnect() }

    private func disconnect() {
        if fd >= 0 { close(fd); fd = -1 }
        reader.reset()
    }

    private func connectIfNeeded() throws {
        if fd >= 0 { return }
        let s = try connectUnixSocket(path: socketPath, nonBlocking: false)
        do {
            // The socket stays blocking: send and recv go straight to the kernel, and
            // these timeouts keep the bounded wait a poll before each call used to give.
            try FrameTransport.setTimeouts(fd: s, millis: timeoutMillis)
        } catch {
            close(s)
            throw MintLinkError.unavailable("socket timeouts: \(error)")
        }
        fd = s
    }

    /// One request, one reply. A connection mint closed while idle (a restart)
    /// fails on write — Unix sockets report EPIPE at once — and is retried once on a
    /// fresh connection. A failure after the request went out is never retried:
    /// mint may have acted on it, and a request must not run twice.
    public func call(_ request: MintRequest) throws -> MintReply {
        let frame = MintCodec.encode(request)
        for attempt in 0..<2 {
            try connectIfNeeded()
            let t = FrameTransport(fd: fd)
            do {
                try t.writeAll(frame, timeoutMillis: timeoutMillis)
            } catch TransportError.io(let e) where attempt == 0 && (e == EPIPE || e == ECONNRESET) {
                disconnect()
                continue
            } catch TransportError.closed where attempt == 0 {
                disconnect()
                continue
            } catch {
                disconnect()
                throw MintLinkError.unavailable("mint exchange failed: \(error)")
            }
            do {
                let (type, payload) = try reader.readFrame(fd: fd, timeoutMillis: timeoutMillis, idleMillis: timeoutMillis)
                // mint answers each request exactly once; anything more means the
                // two ends disagree about the exchange, so start the next one afresh.
                if reader.bufferedCount > 0 { disconnect() }
                return try MintCodec.decodeReply(type: type, payload: payload)
            } catch {
                disconnect()
                throw MintLinkError.unavailable("mint exchange failed: \(error)")
            }
        }
        throw MintLinkError.unavailable("mint closed the connection")
    }
}
