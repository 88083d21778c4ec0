// The gate process: the HTTP server wired to GateService, stopped by SIGTERM or
// SIGINT with a drain so in-flight requests finish.
#if canImport(Glibc)
import Glibc
#endif
import HTTPServer

public enum GateProcess {
    public static func run(_ configuration: GateConfiguration, drainSeconds: Double = 10) throws {
        let service = GateService(configuration: configuration)
        let server = HTTPServer(configuration: configuration.http,
                                handler: { service.handle($0, responder: $1) },
                                errorResponse: { service.httpError(status: $0, message: $1) },
                                workerStarted: { service.workerStarted($0) })
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM); sigaddset(&signals, SIGINT)
        // Block before starting worker threads so they inherit the mask and only
        // this thread receives the stop signal.
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)
        try server.start()
        print("gate: listening on \(configuration.http.host):\(server.boundPort)")
        fflush(stdout)
        var received: Int32 = 0
        sigwait(&signals, &received)
        print("gate: draining (signal \(received))")
        fflush(stdout)
        server.shutdown(gracePeriodSeconds: drainSeconds)
    }
}
