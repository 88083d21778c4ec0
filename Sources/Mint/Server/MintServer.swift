// mint's socket server: accept, check the peer's uid, then one thread per
// connection reading frames and answering them through MintService. Any frame
// that does not decode closes that connection without a reply (the protocol has
// no error frame on purpose: a confused or hostile peer learns nothing).
import BrokerCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class MintServer {
    public static let maxConnections = 64
    /// Once a frame has started, the rest must arrive within this.
    static let frameTimeoutMillis: UInt64 = 10_000
    static let replyTimeoutMillis: UInt64 = 10_000

    private let service: MintService
    private let listenFD: Int32
    private let socketPath: String?
    private let allowedUIDs: Set<UInt32>
    private let lock = NSLock()
    private var stopping = false
    private var connections: Set<Int32> = []
    private let finished = DispatchGroup()
    /// Signalled once shutdown() has drained connections and the audit log, so run()
    /// (whose return ends the process) never returns before that.
    private let shutdownComplete = DispatchSemaphore(value: 0)

    public init(service: MintService, configuration: MintConfiguration) throws {
        self.service = service
        allowedUIDs = Set(configuration.allowedPeerUIDs)
        if let fd = try UnixListener.activatedDescriptor() {
            listenFD = fd; socketPath = nil
        } else {
            listenFD = try UnixListener.bind(path: configuration.socketPath)
            socketPath = configuration.socketPath
        }
    }

    /// Where mint listens, for its startup line.
    public var listeningOn: String { socketPath ?? "the socket systemd passed (LISTEN_FDS, fd \(listenFD))" }

    private var isStopping: Bool { lock.lock(); defer { lock.unlock() }; return stopping }

    /// Blocks until `shutdown()`.
    public func run() throws {
        defer { close(listenFD) }
        while !isStopping {
            var p = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, 200)
            if r <= 0 { continue }
            let fd = accept(listenFD, nil, nil)
            if fd < 0 { continue }
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            guard let uid = UnixListener.peerUID(fd), allowedUIDs.contains(uid) else { close(fd); continue }
            lock.lock()
            let admit = !stopping && connections.count < MintServer.maxConnections
            if admit { connections.insert(fd); finished.enter() }
            lock.unlock()
            guard admit else { close(fd); continue }
            let t = Thread { [weak self] in self?.serve(fd) }
            t.stackSize = 512 * 1024
            t.start()
        }
        shutdownComplete.wait()
        shutdownComplete.signal()
    }

    private func serve(_ fd: Int32) {
        defer {
            lock.lock(); connections.remove(fd); lock.unlock()
            close(fd)
            finished.leave()
        }
        // One blocking recv(2) into a buffer kept across requests usually yields a
        // whole frame, or several when gate pipelines. Requests that arrived together
        // are handled together (their replay claims share one journal write) and their
        // replies go out together: one send(2), and one wake-up of gate's worker.
        var reader = FrameReader()
        let connection = FrameTransport(fd: fd)
        while !isStopping {
            var requests: [MintRequest] = []
            var broken = false
            do {
                // Idle between requests without limit; a started frame must complete in time.
                let first = try reader.readFrame(fd: fd, timeoutMillis: MintServer.frameTimeoutMillis, idleMillis: nil)
                requests.append(try MintCodec.decodeRequest(type: first.type, payload: first.payload))
                while requests.count < MintServer.maxBatchedRequests, let next = try reader.nextBufferedFrame() {
                    requests.append(try MintCodec.decodeRequest(type: next.type, payload: next.payload))
                }
            } catch {
                // A frame that does not decode ends the connection, after the good ones before it are answered.
                broken = true
            }
            if !requests.isEmpty {
                var replies: [UInt8] = []
                for reply in service.handleBatch(requests) { replies.append(contentsOf: MintCodec.encode(reply)) }
                do { try connection.writeAll(replies, timeoutMillis: MintServer.replyTimeoutMillis) } catch { return }
            }
            if broken { return }
        }
    }

    /// Requests handled as one batch at most (bounds the replies held back).
    static let maxBatchedRequests = 16

    /// Stops accepting, lets in-flight requests finish, closes every connection and
    /// removes the socket file.
    public func shutdown() {
        lock.lock()
        let already = stopping
        stopping = true
        // Wakes threads idle in readFrame; a thread mid-request still writes its reply.
        for fd in connections { Glibc.shutdown(fd, Int32(SHUT_RD)) }
        lock.unlock()
        guard !already else { return }
        finished.wait()
        if let p = socketPath { unlink(p) }
        service.audit.flush()
        shutdownComplete.signal()
    }
}
