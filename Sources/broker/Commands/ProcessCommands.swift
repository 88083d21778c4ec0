// `broker gate` and `broker mint`: each process on its own, as systemd runs them.
import Foundation
import Gate
import Mint
import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

enum GateCommand {
    static func run(_ argv: [String]) throws {
        let (s, _) = try BrokerSettings.parse(argv)
        var c = GateConfiguration(mintSocketPath: s.socketPath, publicURL: s.publicURL)
        c.http.host = s.listenHost
        c.http.port = s.listenPort
        c.http.workerCount = s.workers
        c.http.maxBodyBytes = s.maxBodyBytes
        c.http.maxConnections = s.maxConnections
        c.dropInMode = s.dropIn
        c.trustForwardedFor = s.trustForwardedFor
        try GateProcess.run(c)
    }
}

enum MintCommand {
    static func configuration(_ s: BrokerSettings) -> MintConfiguration {
        let sp = GateConfiguration.serviceProvider(publicURL: s.publicURL, dropInMode: s.dropIn)
        var bootstrap: (accessKeyID: String, secretAccessKey: String)?
        let env = ProcessInfo.processInfo.environment
        if let id = env["BROKER_ADMIN_ACCESS_KEY_ID"], let secret = env["BROKER_ADMIN_SECRET_ACCESS_KEY"], !id.isEmpty, !secret.isEmpty {
            bootstrap = (id, secret)
        }
        return MintConfiguration(
            dataDirectory: s.dataDirectory, certsDirectory: s.certsDirectory, socketPath: s.socketPath,
            allowedPeerUIDs: s.gateUIDs.isEmpty ? [getuid()] : s.gateUIDs, accountID: s.accountID,
            acsURLs: sp.acsURLs, audiences: sp.audiences,
            metadataDirectory: s.metadataDirectory, rolesFile: s.rolesFile, bootstrapAdminKey: bootstrap)
    }

    static func run(_ argv: [String]) throws {
        let (s, _) = try BrokerSettings.parse(argv)
        let config = configuration(s)
        signal(SIGPIPE, SIG_IGN)
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM); sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        let service = try MintService(configuration: config)
        let server = try MintServer(service: service, configuration: config)
        // The stop signal is taken on its own thread; the accept loop runs here
        // and returns once shutdown() has drained it.
        let stopSignals = signals
        let waiter = Thread {
            var set = stopSignals
            var received: Int32 = 0
            sigwait(&set, &received)
            server.shutdown()
        }
        waiter.start()
        print("mint: serving \(server.listeningOn)")
        fflush(stdout)
        try server.run()
    }
}
