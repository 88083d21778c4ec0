import Glibc

/// One accepted TCP connection, owned by exactly one worker for its whole life, so none
/// of this state is shared between threads.
final class Connection {
    let fd: Int32
    let remoteAddress: String
    var parser: HTTPRequestParser

    /// Received bytes not yet consumed by the parser (a partial request, or pipelined ones).
    var inbound: [UInt8] = []
    /// Serialized responses not yet accepted by the kernel, from `outboundStart`.
    var outbound: [UInt8] = []
    var outboundStart = 0

    var requestsServed = 0
    /// When the first byte of the current request arrived; nil between requests.
    var requestStartedAt: Double?
    /// When the head of the current request was complete and its body began to be awaited.
    var bodyStartedAt: Double?
    /// When the connection last became idle (accepted, or its last response queued).
    var idleSince: Double
    var lastWriteProgress: Double
    var continueSent = false
    /// Parsing stopped because too much output was pending; buffered requests wait for the drain.
    var heldBackByOutput = false

    /// No further request is parsed; close (via lingering) once the output is written.
    var closeAfterFlush = false
    /// The peer sent FIN: no more bytes will arrive.
    var peerClosed = false
    /// Our side is shut down for writing and incoming bytes are discarded until EOF or `lingerDeadline`.
    var lingering = false
    var lingerDeadline = 0.0
    var lingerDiscarded = 0

    /// The request the handler has not answered yet (at most one: pipelined ones wait behind it).
    var pending: PendingRequest?
    /// Numbers requests, so a Responder of an earlier request cannot answer a later one.
    var requestSerial: UInt64 = 0
    /// True while the handler runs: an answer given then is written by the caller.
    var inHandler = false
    var answeredInHandler: HTTPResponse?
    /// The handler deferred its answer; nothing more is parsed until it comes.
    var awaitingResponse: Bool { pending != nil && !inHandler }

    /// The epoll event mask currently registered for `fd`.
    var registeredEvents: UInt32

    init(fd: Int32, remoteAddress: String, limits: HTTPParserLimits, now: Double, events: UInt32) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.parser = HTTPRequestParser(limits: limits)
        self.idleSince = now
        self.lastWriteProgress = now
        self.registeredEvents = events
    }

    var hasPendingOutput: Bool { outboundStart < outbound.count }
    var pendingOutputBytes: Int { outbound.count - outboundStart }

    /// Some bytes of a request have arrived and it has not been answered yet.
    var requestInProgress: Bool { requestStartedAt != nil || parser.phase != .awaitingRequest || !inbound.isEmpty }

    enum FlushResult { case drained, pending, failed }

    /// Writes as much pending output as the kernel takes without blocking.
    func flush(now: Double) -> FlushResult {
        while outboundStart < outbound.count {
            let written = outbound.withUnsafeBytes { raw -> Int in
                send(fd, raw.baseAddress! + outboundStart, raw.count - outboundStart, Int32(MSG_NOSIGNAL))
            }
            if written > 0 {
                outboundStart += written
                lastWriteProgress = now
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                return .pending
            } else {
                return .failed
            }
        }
        // Keep a small buffer for the next response; give large ones back so RSS stays flat.
        outbound.removeAll(keepingCapacity: outbound.capacity <= 16 * 1024)
        outboundStart = 0
        return .drained
    }
}

/// What writing a deferred answer needs to know about its request.
struct PendingRequest {
    let serial: UInt64
    let keepAlive: Bool
    let versionMinor: Int
    let headOnly: Bool
}
