import Foundation
import Glibc

/// gate's network listener: a strict HTTP/1.1 server on non-blocking sockets, one epoll
/// loop per worker thread. See `HTTPServerConfiguration` for every limit it enforces
/// and `HTTPRequestError` for every request it refuses.
public final class HTTPServer {
    private let context: ServerContext
    private let lock = NSLock()
    private var workers: [Worker] = []
    private var threads: [Thread] = []
    private let finished = DispatchGroup()
    private var started = false
    private var stopped = false
    private var port = 0

    /// `handler` runs on the worker's thread and answers through its `Responder`, at once or
    /// later from a callback of a descriptor watched on that worker's `WorkerLoop`, which
    /// `workerStarted` receives on each worker thread before it serves anything.
    /// `errorResponse(status, message)` renders the responses the server itself generates (400/408/413/431/503 ...).
    public init(configuration: HTTPServerConfiguration,
                handler: @escaping (HTTPRequest, Responder) -> Void,
                errorResponse: @escaping (Int, String) -> HTTPResponse,
                workerStarted: ((WorkerLoop) -> Void)? = nil) {
        context = ServerContext(configuration: configuration, handler: handler, errorResponse: errorResponse,
                                workerStarted: workerStarted)
    }

    /// A handler that answers before it returns.
    public convenience init(configuration: HTTPServerConfiguration,
                            handler: @escaping (HTTPRequest) -> HTTPResponse,
                            errorResponse: @escaping (Int, String) -> HTTPResponse) {
        self.init(configuration: configuration, handler: { request, responder in responder.respond(handler(request)) },
                  errorResponse: errorResponse)
    }

    deinit { shutdown(gracePeriodSeconds: 0) }

    /// Binds and listens (SO_REUSEADDR), then starts the workers.
    public func start() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !started else { throw HTTPServerError.alreadyStarted }
        let configuration = context.configuration
        try configuration.validate()
        let listener = try ListeningSocket.open(host: configuration.host, port: configuration.port)
        var created: [Worker] = []
        do {
            for i in 0..<configuration.workerCount { created.append(try Worker(index: i, context: context)) }
            try created[0].attachListener(listener.fd)
        } catch {
            close(listener.fd)
            throw error
        }
        let mailboxes = created.map(\.mailbox)
        created[0].peers = mailboxes
        workers = created
        port = listener.port
        started = true
        for worker in created {
            finished.enter()
            let thread = Thread { [finished] in
                worker.run()
                finished.leave()
            }
            thread.name = "http-worker-\(worker.index)"
            thread.start()
            threads.append(thread)
        }
    }

    /// The port actually bound (useful with port 0). 0 before `start()`.
    public var boundPort: Int {
        lock.lock()
        defer { lock.unlock() }
        return port
    }

    /// Stops accepting, lets requests in progress finish (their responses carry `Connection: close`),
    /// closes idle keep-alive connections at once, and closes whatever remains when the grace period
    /// ends. Returns when every worker has stopped. Safe to call more than once; must not be called
    /// from inside the handler (it would wait for its own worker).
    public func shutdown(gracePeriodSeconds: Double) {
        lock.lock()
        guard started, !stopped else {
            lock.unlock()
            return
        }
        stopped = true
        let workers = self.workers
        lock.unlock()

        context.shuttingDown.store(true, ordering: .releasing)
        for worker in workers { worker.mailbox.post(.shutdown(gracePeriodSeconds: gracePeriodSeconds)) }
        finished.wait()
        // Connections worker 0 handed to a peer that had already stopped.
        for worker in workers {
            for case .adopt(let fd, _) in worker.mailbox.drain() {
                close(fd)
                context.budget.release()
            }
        }
        lock.lock()
        self.workers = []
        threads = []
        lock.unlock()
    }
}
