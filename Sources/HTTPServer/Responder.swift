/// Answers one request. A handler calls `respond` exactly once, on the worker
/// thread that runs it: either before returning (a synchronous answer) or later,
/// from a callback of a source it watches on that worker's `WorkerLoop` — the
/// worker then serves its other connections meanwhile instead of blocking.
/// Requests pipelined behind a deferred one wait for it, so answers keep their order.
/// A second call, or a call after the connection closed, does nothing.
public struct Responder {
    let worker: Worker
    let connection: Connection
    let serial: UInt64

    public func respond(_ response: HTTPResponse) {
        worker.complete(connection, serial: serial, with: response)
    }
}

/// A worker's event loop as handlers see it: descriptors of their own (gate's
/// socket to mint) are watched in the same epoll set as the HTTP connections,
/// so their callbacks run on the worker thread, between requests.
public final class WorkerLoop {
    /// Weak: whatever holds the loop (gate's link to mint) may outlive the server;
    /// the calls below then do nothing.
    private weak var worker: Worker?
    /// 0..<workerCount, as `HTTPRequest.workerIndex`.
    public let index: Int

    init(worker: Worker) {
        self.worker = worker
        self.index = worker.index
    }

    public static let readable = Linux.EPOLLIN
    public static let writable = Linux.EPOLLOUT

    /// Calls `handler(events)` on this worker whenever `fd` is ready for `events`
    /// (errors and hang-ups are always reported). Replaces an earlier watch of `fd`.
    @discardableResult
    public func watch(_ fd: Int32, events: UInt32, handler: @escaping (UInt32) -> Void) -> Bool {
        worker?.watch(fd, events: events, handler: handler) ?? false
    }

    /// Changes the events of a watched descriptor.
    @discardableResult
    public func update(_ fd: Int32, events: UInt32) -> Bool {
        guard let worker else { return false }
        return epollControl(worker.epollFD, Linux.EPOLL_CTL_MOD, fd, events: events)
    }

    /// Stops watching `fd`; call before closing it.
    public func unwatch(_ fd: Int32) { worker?.unwatch(fd) }

    /// Called at the end of every pass of the worker's loop, after the events one
    /// epoll_wait returned (and any sweep) were handled: output a handler queued
    /// meanwhile can go out in one write instead of one per request.
    public var onPassEnd: (() -> Void)? {
        get { worker?.passEndHook }
        set { worker?.passEndHook = newValue }
    }

    /// Called on every timeout sweep (a few times a second) with the monotonic time in seconds.
    public var onSweep: ((Double) -> Void)? {
        get { worker?.sweepHook }
        set { worker?.sweepHook = newValue }
    }
}
