import Glibc

/// One event-loop thread: its own epoll set, its own connections, its own buffers.
/// A connection never changes worker, so requests are parsed, handled and answered
/// on one thread with no hand-offs. Worker 0 also owns the listening socket and deals
/// new connections round-robin, which spreads a burst of keep-alive connections
/// evenly over the cores (SO_REUSEPORT hashing or EPOLLEXCLUSIVE wake-ups do not).
final class Worker {
    let index: Int
    let context: ServerContext
    let mailbox: WorkerMailbox
    /// Every worker's mailbox, for worker 0 to hand out connections.
    var peers: [WorkerMailbox] = []
    var listenFD: Int32?

    let epollFD: Int32
    var connections: [Int32: Connection] = [:]
    var serializer = ResponseSerializer()
    let readBuffer: UnsafeMutableBufferPointer<UInt8>
    static let readBufferSize = 32 * 1024

    var now: Double = monotonicSeconds()
    private var nextSweep = 0.0
    private var nextPeer = 0
    private var acceptPausedUntil: Double?
    var draining = false
    private var graceDeadline = 0.0
    /// Descriptors handlers watch through `WorkerLoop` (gate's socket to mint).
    private var watchers: [Int32: (UInt32) -> Void] = [:]
    var sweepHook: ((Double) -> Void)?
    /// Runs at the end of every pass of the loop (WorkerLoop.onPassEnd).
    var passEndHook: (() -> Void)?

    static let readable = Linux.EPOLLIN
    static let writable = Linux.EPOLLOUT

    init(index: Int, context: ServerContext) throws {
        self.index = index
        self.context = context
        self.mailbox = try WorkerMailbox()
        try Linux.requireAll()
        epollFD = Linux.epoll_create1!(Linux.EPOLL_CLOEXEC)
        guard epollFD >= 0 else { throw HTTPServerError.systemCallFailed(call: "epoll_create1", errno: errno) }
        readBuffer = .allocate(capacity: Worker.readBufferSize)
        guard register(mailbox.eventFD, events: Worker.readable) else {
            throw HTTPServerError.systemCallFailed(call: "epoll_ctl(eventfd)", errno: errno)
        }
    }

    deinit {
        close(epollFD)
        readBuffer.deallocate()
    }

    func attachListener(_ fd: Int32) throws {
        guard register(fd, events: Worker.readable) else {
            throw HTTPServerError.systemCallFailed(call: "epoll_ctl(listener)", errno: errno)
        }
        listenFD = fd
    }

    // MARK: Loop

    func run() {
        let capacity: Int32 = 256
        let events = EpollEvents(capacity: capacity)
        defer { events.deallocate() }
        let wait = Linux.epoll_wait!
        context.workerStarted?(WorkerLoop(worker: self))
        nextSweep = monotonicSeconds() + context.sweepInterval
        while true {
            let waitMs = max(0, Int32(((nextSweep - monotonicSeconds()) * 1000).rounded(.up)))
            let count = wait(epollFD, events.raw, capacity, waitMs)
            now = monotonicSeconds()
            if count > 0 {
                for i in 0..<Int(count) {
                    dispatch(fd: events.fd(at: i), events: events.events(at: i))
                }
            }
            if now >= nextSweep {
                sweepHook?(now)
                sweepTimeouts()
                nextSweep = now + context.sweepInterval
            }
            passEndHook?()
            // Lingering connections have had their last response written; they do not hold up shutdown.
            if draining && (now >= graceDeadline || connections.values.allSatisfy(\.lingering)) { break }
        }
        for connection in Array(connections.values) {
            // Take what the peer already sent so close() sends FIN after our response, not a reset.
            _ = recv(connection.fd, readBuffer.baseAddress!, readBuffer.count, Int32(MSG_DONTWAIT))
            closeConnection(connection)
        }
        if let fd = listenFD { close(fd); listenFD = nil }
    }

    private func dispatch(fd: Int32, events: UInt32) {
        if fd == mailbox.eventFD {
            for command in mailbox.drain() { perform(command) }
        } else if fd == listenFD {
            acceptConnections()
        } else if let watcher = watchers[fd] {
            watcher(events)
        } else if let connection = connections[fd] {
            if events & (Linux.EPOLLERR | Linux.EPOLLHUP) != 0 && events & Worker.readable == 0 {
                closeConnection(connection)
            } else if events & Worker.writable != 0 {
                connectionWritable(connection)
            } else if connection.awaitingResponse {
                // Bytes behind a request whose answer is not out yet: leave them in the
                // socket (backpressure) and stop listening until the answer goes.
                setInterest(connection, 0)
            } else {
                connectionReadable(connection)
            }
        }
    }

    private func perform(_ command: WorkerMailbox.Command) {
        switch command {
        case .adopt(let fd, let remote):
            adopt(fd: fd, remoteAddress: remote)
        case .shutdown(let grace):
            beginDraining(grace: grace)
        }
    }

    // MARK: Accepting (worker 0)

    private func acceptConnections() {
        guard let listener = listenFD else { return }
        // Bounded so a connection flood cannot starve the requests already in hand.
        for _ in 0..<64 {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Linux.accept4!(listener, $0, &length, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors: stop polling the listener for a moment instead of spinning on it.
                    _ = epollControl(epollFD, Linux.EPOLL_CTL_DEL, listener, events: 0)
                    acceptPausedUntil = now + 0.1
                    return
                default: return
                }
            }
            guard context.budget.tryAcquire() else {
                refuseOverCapacity(fd)
                continue
            }
            var one: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            let remote = socketAddressString(address)
            let target = nextPeer
            nextPeer = (nextPeer + 1) % max(1, peers.count)
            if target == index || peers.isEmpty {
                adopt(fd: fd, remoteAddress: remote)
            } else {
                peers[target].post(.adopt(fd: fd, remoteAddress: remote))
            }
        }
    }

    /// Over the connection cap: say so (one small write into an empty socket buffer
    /// cannot block) and close, so the client sees 503 rather than a reset.
    private func refuseOverCapacity(_ fd: Int32) {
        let limit = context.configuration.maxConnections
        var response = context.errorResponse(503, "server is at its connection limit (\(limit))")
        if ResponseSerializer.defect(in: response) != nil { response = builtInErrorResponse(503, "connection limit") }
        var bytes: [UInt8] = []
        serializer.append(response, to: &bytes, close: true, http10KeepAlive: false, headOnly: false)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress!, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        shutdown(fd, Int32(SHUT_WR))
        // Read what the client already sent so close() does not turn into a reset that destroys our answer.
        _ = recv(fd, readBuffer.baseAddress!, readBuffer.count, Int32(MSG_DONTWAIT))
        close(fd)
    }

    private func adopt(fd: Int32, remoteAddress: String) {
        // Accepted just before the listener closed: no request of it has been read, so it is idle.
        guard !draining else {
            close(fd)
            context.budget.release()
            return
        }
        let connection = Connection(fd: fd, remoteAddress: remoteAddress, limits: context.limits, now: now,
                                    events: Worker.readable)
        guard register(fd, events: Worker.readable) else {
            close(fd)
            context.budget.release()
            return
        }
        connections[fd] = connection
    }

    // MARK: Timeouts and shutdown

    private func sweepTimeouts() {
        if let until = acceptPausedUntil, now >= until, let listener = listenFD {
            acceptPausedUntil = nil
            _ = register(listener, events: Worker.readable)
        }
        let configuration = context.configuration
        var expired: [(Connection, HTTPRequestError?)] = []
        for connection in connections.values {
            if connection.lingering {
                if now >= connection.lingerDeadline { expired.append((connection, nil)) }
            } else if connection.awaitingResponse {
                // The handler's own deadline (gate's mint timeout) bounds this wait.
                continue
            } else if connection.hasPendingOutput {
                // The peer stopped reading: nothing more we can tell it.
                if now - connection.lastWriteProgress >= configuration.idleTimeoutSeconds { expired.append((connection, nil)) }
            } else if let bodyStart = connection.bodyStartedAt {
                if now - bodyStart >= configuration.bodyTimeoutSeconds {
                    expired.append((connection, .bodyTimeout(seconds: configuration.bodyTimeoutSeconds)))
                }
            } else if let headStart = connection.requestStartedAt {
                if now - headStart >= configuration.headerTimeoutSeconds {
                    expired.append((connection, .headerTimeout(seconds: configuration.headerTimeoutSeconds)))
                }
            } else {
                // A fresh connection gets the header timeout to send its first byte; a used one the idle timeout.
                let limit = connection.requestsServed == 0 ? configuration.headerTimeoutSeconds
                                                           : configuration.idleTimeoutSeconds
                if now - connection.idleSince >= limit { expired.append((connection, nil)) }
            }
        }
        for (connection, error) in expired {
            if let error = error {
                queueErrorResponse(error, on: connection)
                afterProgress(connection)
            } else {
                closeConnection(connection)
            }
        }
    }

    private func beginDraining(grace: Double) {
        guard !draining else { return }
        draining = true
        graceDeadline = now + max(0, grace)
        if let fd = listenFD {
            _ = epollControl(epollFD, Linux.EPOLL_CTL_DEL, fd, events: 0)
            close(fd)
            listenFD = nil
        }
        for connection in Array(connections.values) where isIdle(connection) { closeConnection(connection) }
    }

    func isIdle(_ connection: Connection) -> Bool {
        !connection.lingering && !connection.hasPendingOutput && !connection.requestInProgress && !connection.awaitingResponse
    }

    // MARK: Watched descriptors

    func watch(_ fd: Int32, events: UInt32, handler: @escaping (UInt32) -> Void) -> Bool {
        let op = watchers[fd] == nil ? Linux.EPOLL_CTL_ADD : Linux.EPOLL_CTL_MOD
        guard epollControl(epollFD, op, fd, events: events) else { return false }
        watchers[fd] = handler
        return true
    }

    func unwatch(_ fd: Int32) {
        guard watchers.removeValue(forKey: fd) != nil else { return }
        _ = epollControl(epollFD, Linux.EPOLL_CTL_DEL, fd, events: 0)
    }

    // MARK: epoll bookkeeping

    @discardableResult
    func register(_ fd: Int32, events: UInt32) -> Bool {
        epollControl(epollFD, Linux.EPOLL_CTL_ADD, fd, events: events)
    }

    func setInterest(_ connection: Connection, _ events: UInt32) {
        guard connection.registeredEvents != events else { return }
        if epollControl(epollFD, Linux.EPOLL_CTL_MOD, connection.fd, events: events) {
            connection.registeredEvents = events
        } else {
            closeConnection(connection)
        }
    }

    func closeConnection(_ connection: Connection) {
        guard connections.removeValue(forKey: connection.fd) != nil else { return }
        // close() also removes the descriptor from the epoll set: nothing else holds a duplicate of it.
        close(connection.fd)
        context.budget.release()
    }
}

/// Used when the caller's `errorResponse` itself produced an unsendable response.
func builtInErrorResponse(_ status: Int, _ message: String) -> HTTPResponse {
    HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")],
                 body: Array(message.utf8), closeConnection: true)
}
