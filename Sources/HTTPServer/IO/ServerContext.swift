import Synchronization

/// What every worker shares: immutable configuration and callbacks, plus the two
/// pieces of cross-thread state (the connection budget and the shutdown flag).
final class ServerContext {
    let configuration: HTTPServerConfiguration
    let limits: HTTPParserLimits
    let handler: (HTTPRequest, Responder) -> Void
    let errorResponse: (Int, String) -> HTTPResponse
    let workerStarted: ((WorkerLoop) -> Void)?
    let budget: ConnectionBudget
    /// Read on every response so one that was in the handler when shutdown began still says `Connection: close`.
    let shuttingDown = Atomic<Bool>(false)
    /// How often timeouts are checked: a fraction of the shortest timeout, so one fires at most ~25% late.
    let sweepInterval: Double

    init(configuration: HTTPServerConfiguration, handler: @escaping (HTTPRequest, Responder) -> Void,
         errorResponse: @escaping (Int, String) -> HTTPResponse, workerStarted: ((WorkerLoop) -> Void)?) {
        self.configuration = configuration
        self.limits = configuration.parserLimits
        self.handler = handler
        self.errorResponse = errorResponse
        self.workerStarted = workerStarted
        self.budget = ConnectionBudget(limit: configuration.maxConnections)
        let shortest = min(configuration.headerTimeoutSeconds, configuration.bodyTimeoutSeconds,
                           configuration.idleTimeoutSeconds)
        self.sweepInterval = min(0.25, max(0.01, shortest / 4))
    }

    var isShuttingDown: Bool { shuttingDown.load(ordering: .acquiring) }
}
