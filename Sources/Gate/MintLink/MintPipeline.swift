// gate's end of the socket to mint for one HTTP worker, driven by that worker's
// event loop. A request is written and the worker goes on serving its other
// connections; the reply arrives as an event on the same loop and completes the
// HTTP response. mint answers every request exactly once and in order, so replies
// are matched first-in, first-out, and several requests can be in flight on one
// connection — mint then finds the next frame already waiting instead of sleeping
// between requests. Frames are not written one by one: the requests of one pass of
// the worker's loop go out together at its end (one send(2), and mint reads them
// in one recv and commits their replay claims together). (MintClient, the blocking
// one-at-a-time form, remains for rare calls made outside a request: the trust
// anchors refetch, `broker up`.)
#if canImport(Glibc)
import Glibc
#endif
import BrokerCore
import HTTPServer

final class MintPipeline {
    typealias Completion = (Result<MintReply, MintLinkError>) -> Void

    private let socketPath: String
    private let loop: WorkerLoop
    private let timeoutSeconds: Double
    private var fd: Int32 = -1
    private var reader = FrameReader()
    private var outbound: [UInt8] = []
    private var outboundStart = 0
    private var watchingWrites = false
    /// Frames were queued in this pass of the loop; `onPassEnd` writes them.
    private var flushDue = false
    /// Bytes went out since the connection last had nothing in flight. Until then a
    /// connection found dead (mint restarted and closed it) is replaced and what is
    /// queued re-sent; after, never: mint may have acted on it, and a request must not run twice.
    private var wroteSinceIdle = false
    /// Callers whose replies are due, oldest first (from `head`).
    private var waiting: [(deadline: Double, completion: Completion)] = []
    private var head = 0

    /// Beyond these, mint is not keeping up: refuse at once instead of queueing without bound.
    static let maxInFlight = 4096
    static let maxUnsentBytes = 16 << 20

    init(socketPath: String, loop: WorkerLoop, timeoutSeconds: Double = 10) {
        self.socketPath = socketPath
        self.loop = loop
        self.timeoutSeconds = timeoutSeconds
        loop.onSweep = { [weak self] now in self?.expire(now: now) }
        loop.onPassEnd = { [weak self] in self?.flushQueued() }
    }

    deinit { if fd >= 0 { loop.unwatch(fd); close(fd) } }

    private var inFlight: Int { waiting.count - head }

    /// Queues `request` (written at the end of this pass of the loop); `completion`
    /// runs on this worker exactly once — at once if mint cannot be reached,
    /// otherwise with its reply or on failure or timeout.
    func call(_ request: MintRequest, completion: @escaping Completion) {
        guard inFlight < MintPipeline.maxInFlight, outbound.count - outboundStart < MintPipeline.maxUnsentBytes else {
            completion(.failure(.unavailable("too many requests waiting for mint")))
            return
        }
        if fd < 0 {
            do { try connect() } catch let e as MintLinkError {
                completion(.failure(e))
                return
            } catch {
                completion(.failure(.unavailable("connect: \(error)")))
                return
            }
        }
        outbound.append(contentsOf: MintCodec.encode(request))
        waiting.append((monotonicSeconds() + timeoutSeconds, completion))
        flushDue = true
    }

    /// Writes the frames queued in this pass of the loop.
    private func flushQueued() {
        guard flushDue, fd >= 0 else { return }
        flushDue = false
        guard let failure = flush() else { return }
        if !wroteSinceIdle {
            // Nothing of what is queued reached mint: move it to a new connection, once.
            let queued = Array(outbound[outboundStart...])
            disconnect()
            do {
                try connect()
                outbound = queued
                if flush() == nil { return }
            } catch {}
        }
        fail(failure)
    }

    // MARK: Socket

    private func connect() throws {
        let s = try connectUnixSocket(path: socketPath, nonBlocking: true)
        guard loop.watch(s, events: WorkerLoop.readable, handler: { [weak self] events in self?.ready(events) }) else {
            close(s)
            throw MintLinkError.unavailable("epoll: errno \(errno)")
        }
        fd = s
        watchingWrites = false
        wroteSinceIdle = false
    }

    private func disconnect() {
        if fd >= 0 {
            loop.unwatch(fd)
            close(fd)
            fd = -1
        }
        reader.reset()
        outbound.removeAll(keepingCapacity: outbound.capacity <= 64 * 1024)
        outboundStart = 0
        watchingWrites = false
    }

    /// Writes what the socket takes now; nil unless the connection failed.
    private func flush() -> MintLinkError? {
        while outboundStart < outbound.count {
            let n = outbound.withUnsafeBytes { raw in
                send(fd, raw.baseAddress! + outboundStart, raw.count - outboundStart, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if n > 0 { outboundStart += n; wroteSinceIdle = true; continue }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                if !watchingWrites { watchingWrites = loop.update(fd, events: WorkerLoop.readable | WorkerLoop.writable) }
                return nil
            }
            return .unavailable("mint exchange failed: send errno \(n < 0 ? errno : 0)")
        }
        outbound.removeAll(keepingCapacity: outbound.capacity <= 64 * 1024)
        outboundStart = 0
        if watchingWrites { watchingWrites = !loop.update(fd, events: WorkerLoop.readable) }
        return nil
    }

    // MARK: Events

    private func ready(_ events: UInt32) {
        if events & WorkerLoop.writable != 0, let failure = flush() {
            fail(failure)
            return
        }
        guard events & ~WorkerLoop.writable != 0 else { return }
        do {
            while try reader.receiveAvailable(fd: fd) {
                while let (type, payload) = try reader.nextBufferedFrame() {
                    let reply = try MintCodec.decodeReply(type: type, payload: payload)
                    guard head < waiting.count else {
                        throw TransportError.protocolViolation("mint sent a reply nobody asked for")
                    }
                    let completion = waiting[head].completion
                    head += 1
                    if head == waiting.count {
                        waiting.removeAll(keepingCapacity: true); head = 0
                        if outboundStart == outbound.count { wroteSinceIdle = false }
                    }
                    // May re-enter `call` (the next pipelined HTTP request): state is settled first.
                    completion(.success(reply))
                    if fd < 0 { return }
                }
            }
        } catch {
            fail(.unavailable("mint exchange failed: \(error)"))
        }
    }

    /// A reply overdue: the connection can no longer be trusted to pair replies with requests.
    private func expire(now: Double) {
        guard head < waiting.count, waiting[head].deadline <= now else { return }
        fail(.unavailable("mint did not answer within \(Int(timeoutSeconds)) s"))
    }

    /// Ends the connection and fails everything in flight on it.
    private func fail(_ error: MintLinkError) {
        let failed = waiting[head...].map(\.completion)
        waiting.removeAll()
        head = 0
        disconnect()
        for completion in failed { completion(.failure(error)) }
    }
}

private func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
