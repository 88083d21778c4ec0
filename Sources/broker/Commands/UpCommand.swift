// `broker up`: the supervisor. Starts mint, waits until its socket answers,
// starts gate, restarts a child that dies (with backoff), and on SIGTERM/SIGINT
// drains gate first (so in-flight requests finish) and then stops mint.
import Foundation
import Gate
import BrokerCore
#if canImport(Glibc)
import Glibc
#endif

enum UpCommand {
    static func run(_ argv: [String]) throws {
        let (s, _) = try BrokerSettings.parse(argv)
        try FileManager.default.createDirectory(atPath: s.dataDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try FileManager.default.createDirectory(atPath: s.certsDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let supervisor = Supervisor(settings: s)
        try supervisor.run()
    }
}

final class Supervisor {
    private let settings: BrokerSettings
    private let executable: String
    private var children: [String: pid_t] = [:]
    private var restartDelay: [String: Double] = ["mint": 0.1, "gate": 0.1]
    private var startedAt: [String: Double] = [:]
    private var pendingRestart: [String: Double] = [:]

    init(settings: BrokerSettings) {
        self.settings = settings
        self.executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    private func now() -> Double { Double(monotonicMillis()) / 1000 }

    private func spawn(_ role: String) throws {
        let args = [executable, role] + settings.childArguments(for: role)
        var pid: pid_t = 0
        var cargs = args.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        // Children start with default signal dispositions and an empty mask, so
        // their own sigwait loops receive SIGTERM.
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        var none = sigset_t(); sigemptyset(&none)
        var all = sigset_t(); sigfillset(&all)
        posix_spawnattr_setsigmask(&attr, &none)
        posix_spawnattr_setsigdefault(&attr, &all)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        defer { posix_spawnattr_destroy(&attr) }
        let r = posix_spawn(&pid, executable, nil, &attr, &cargs, environ)
        guard r == 0 else { throw UsageError("cannot start \(role): \(String(cString: strerror(r)))") }
        children[role] = pid
        startedAt[role] = now()
        try? "\(pid)\n".write(toFile: settings.dataDirectory + "/\(role).pid", atomically: true, encoding: .utf8)
    }

    /// Polls until `ready` holds or the deadline passes; bounded.
    private func waitUntil(seconds: Double, _ ready: () -> Bool) -> Bool {
        let deadline = now() + seconds
        while now() < deadline {
            if ready() { return true }
            reapChildren()
            usleep(50_000)
        }
        return false
    }

    private func mintAnswers() -> Bool {
        let c = MintClient(socketPath: settings.socketPath, timeoutMillis: 1000)
        if case .pong? = try? c.call(.ping) { return true }
        return false
    }

    private func gateAnswers() -> Bool {
        let fd = socket(settings.listenHost.contains(":") ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return connectTCP(fd: fd, host: settings.listenHost, port: settings.listenPort)
    }

    private var exitedRoles: [String] = []

    private func reapChildren() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { return }
            for (role, p) in children where p == pid {
                children[role] = nil
                exitedRoles.append(role)
                print("broker: \(role) (pid \(pid)) exited with status \(status)")
                fflush(stdout)
            }
        }
    }

    func run() throws {
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM); sigaddset(&signals, SIGINT); sigaddset(&signals, SIGCHLD)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        signal(SIGPIPE, SIG_IGN)

        try spawn("mint")
        guard waitUntil(seconds: 60, mintAnswers) else {
            stopAll()
            throw UsageError("mint did not start (see its messages above)")
        }
        try spawn("gate")
        guard waitUntil(seconds: 30, gateAnswers) else {
            stopAll()
            throw UsageError("gate did not start listening on \(settings.listenHost):\(settings.listenPort)")
        }
        exitedRoles.removeAll()
        print("broker: listening on \(settings.publicURL.hasPrefix("http://\(settings.listenHost)") ? settings.publicURL : "http://\(settings.listenHost):\(settings.listenPort)")")
        print("broker: SAML ACS URL and SP entity id: \(GateConfiguration.serviceProvider(publicURL: settings.publicURL, dropInMode: false).acsURLs[0])")
        print("broker: admin credentials in \(settings.dataDirectory)/admin-credentials")
        fflush(stdout)

        var timeout = timespec(tv_sec: 0, tv_nsec: 200_000_000)
        while true {
            var info = siginfo_t()
            let sig = sigtimedwait(&signals, &info, &timeout)
            if sig == SIGTERM || sig == SIGINT {
                print("broker: stopping (draining gate, then mint)")
                fflush(stdout)
                stopAll()
                return
            }
            reapChildren()
            superviseRestarts()
        }
    }

    /// Restarts dead children with exponential backoff (100 ms doubling to 5 s;
    /// reset once a child has stayed up for 30 s).
    private func superviseRestarts() {
        for role in exitedRoles where pendingRestart[role] == nil {
            if let started = startedAt[role], now() - started > 30 { restartDelay[role] = 0.1 }
            let delay = restartDelay[role] ?? 0.1
            pendingRestart[role] = now() + delay
            restartDelay[role] = min(delay * 2, 5)
            print("broker: restarting \(role) in \(String(format: "%.1f", delay)) s")
            fflush(stdout)
        }
        exitedRoles.removeAll()
        for (role, at) in pendingRestart where now() >= at {
            pendingRestart[role] = nil
            do { try spawn(role) } catch {
                print("broker: \(error)"); exitedRoles.append(role)
            }
        }
    }

    private func stop(_ role: String, graceSeconds: Double) {
        guard let pid = children[role] else { return }
        kill(pid, SIGTERM)
        let deadline = now() + graceSeconds
        while now() < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { children[role] = nil; return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        children[role] = nil
    }

    private func stopAll() {
        stop("gate", graceSeconds: 15)
        stop("mint", graceSeconds: 10)
        for role in ["gate", "mint"] { try? FileManager.default.removeItem(atPath: settings.dataDirectory + "/\(role).pid") }
    }
}
