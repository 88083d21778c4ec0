// `broker bench`: starts a broker of its own on loopback and measures it with
// wrk (the load generator no one on the team wrote), printing figures with the
// peer in the same run where one is installed (moto's STS mock).
import Foundation
import BrokerCore
import AWSAuth
import Gate
import SAML
#if canImport(Glibc)
import Glibc
#endif

enum BenchCommand {
    static let help = """
    broker bench [--duration SECONDS] [--connections N] [--saml-responses N] [--workers N] [--skip-saml] [--skip-signed] [--skip-peer]
    broker bench --validate-only [--iterations N]
      Starts its own broker on a free loopback port (temporary data, certs, dev IdP), then measures:
        - gate->mint hop: ping round trips over the Unix socket (p50/p99)
        - signed GetCallerIdentity and ListRoles with wrk -t1 -cN (pre-signed once, replayed within 15 min)
        - AssumeRoleWithSAML with N distinct freshly signed responses (RSA-2048, SHA-256)
        - single-thread SAML validate-only
        - RSS of gate and mint before and after each load
        - moto (if installed) answering the same signed GetCallerIdentity and SAML requests, as the peer
      --validate-only runs just the single-thread validation loop (no broker, no wrk): for profilers.
      Needs wrk (Debian package wrk).
    """

    static func run(_ argv: [String]) throws {
        let a = try Arguments(argv, valued: ["duration", "connections", "saml-responses", "workers", "iterations"],
                              booleans: ["skip-saml", "skip-peer", "skip-signed", "validate-only"])
        if a.flag("validate-only") {
            let iterations = try a.int("iterations", default: 20_000)
            guard (1...1_000_000).contains(iterations) else { throw UsageError("--iterations 1..1000000") }
            printValidateOnly(SAMLBenchmark.validateOnly(iterations: iterations))
            return
        }
        let duration = try a.int("duration", default: 10)
        let connections = try a.int("connections", default: 16)
        let samlCount = try a.int("saml-responses", default: 60_000)
        guard (1...600).contains(duration), (1...1000).contains(connections), (100...2_000_000).contains(samlCount) else {
            throw UsageError("--duration 1..600, --connections 1..1000, --saml-responses 100..2000000")
        }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else { throw UsageError("wrk is not installed (apt-get install wrk)") }
        let bench = try BenchBroker.start(extraArguments: a.string("workers").map { ["--workers", $0] } ?? [])
        defer { bench.stop() }
        print("broker bench: broker at \(bench.url), \(ProcessInfo.processInfo.activeProcessorCount) cores, wrk -t1 -c\(connections) -d\(duration)s")
        print(bench.rssLine("after start"))

        // On an idle VM the hop is dominated by waking a sleeping vCPU; under load
        // (the case that matters) it is the socket round trip itself. Print both.
        let hop = bench.measureHop(iterations: 20_000)
        print(String(format: "gate->mint hop, idle machine (ping over the Unix socket, 1 client): p50 %.1f µs, p99 %.1f µs", hop.p50, hop.p99))

        let signedActions = a.flag("skip-signed") ? [] : [("GetCallerIdentity", "GetCallerIdentity", AWSService.sts), ("ListRoles", "ListRoles", AWSService.iam)]
        for (name, action, service) in signedActions {
            let script = try bench.signedScript(action: action, service: service)
            let sampled = HopSample()
            let sampling = name == "GetCallerIdentity" && duration >= 3
            if sampling {
                Thread {
                    usleep(1_000_000)   // let wrk ramp up first
                    sampled.finish(bench.measureHop(iterations: 1_000, pauseMicros: 500))
                }.start()
            }
            let cpu = bench.cpuSeconds()
            let r = try Wrk.run(url: bench.url + "/", script: script, connections: connections, seconds: duration,
                                serverCPU: { bench.cpuSeconds().gate })
            print(r.line(name))
            print(bench.cpuLine(from: cpu, requests: r.requests, wrkSeconds: r.cpuSeconds))
            if sampling, let l = sampled.wait() {
                print(String(format: "gate->mint hop during that load (ping beside gate's own calls): p50 %.1f µs, p99 %.1f µs", l.p50, l.p99))
            }
            print(bench.rssLine("after \(name)"))
        }

        var samlScript: String?
        if !a.flag("skip-saml") {
            let started = Date()
            // Signing runs at ~4,000 responses/s here: more than a few minutes' worth
            // would be expired when sent, so long runs let the provider accept older ones.
            let longRun = samlCount > 600_000
            if longRun { try bench.allowAssertionAge(seconds: 3600) }
            let bodies = try bench.samlBodies(count: samlCount, lifetime: longRun ? 3600 : 300, removeOnceRead: longRun)
            samlScript = longRun ? nil : bodies   // a long run's bodies are gone once sent
            print(String(format: "generated %d distinct signed SAML responses (%.0f bytes of XML each on average) in %.1f s",
                         samlCount, bench.averageResponseBytes, Date().timeIntervalSince(started)))
            // Each response is sent once unless the run outlasts them (replays are then refused:
            // non-2xx): the run is cut to what lasts at 12,000 exchanges/s.
            let seconds = max(1, min(duration, samlCount / 12_000))
            let cpu = bench.cpuSeconds()
            let sampler = RSSSampler(bench: bench, every: 20, enabled: seconds >= 40)
            let r = try Wrk.run(url: bench.url + "/", script: bodies, connections: connections, seconds: seconds,
                                serverCPU: { bench.cpuSeconds().gate })
            sampler.stop()
            print(r.line("AssumeRoleWithSAML"))
            if r.requests > samlCount {
                print("  \(r.requests - samlCount) requests re-sent a response already exchanged (the run outlasted the \(samlCount) distinct ones): "
                      + "their non-2xx are the replay cache refusing them; use a larger --saml-responses")
            }
            print(bench.cpuLine(from: cpu, requests: r.requests, wrkSeconds: r.cpuSeconds))
            print(bench.rssLine("after AssumeRoleWithSAML"))
            printValidateOnly(SAMLBenchmark.validateOnly(iterations: 20_000))
        }

        if !a.flag("skip-peer") {
            if let peer = try? MotoPeer.start() {
                defer { peer.stop() }
                let script = try bench.signedScript(action: "GetCallerIdentity", service: .sts, port: peer.port)
                if let r = try? Wrk.run(url: "http://127.0.0.1:\(peer.port)/", script: script, connections: connections, seconds: min(duration, 5)) {
                    print(r.line("peer: moto GetCallerIdentity"))
                }
                // The same signed responses; moto checks neither signature nor replay.
                if let bodies = samlScript,
                   let r = try? Wrk.run(url: "http://127.0.0.1:\(peer.port)/", script: bodies, connections: connections, seconds: min(duration, 5)) {
                    print(r.line("peer: moto AssumeRoleWithSAML"))
                } else if samlScript == nil && !a.flag("skip-saml") {
                    print("peer: moto AssumeRoleWithSAML skipped (runs of more than 600,000 responses do not keep them)")
                }
            } else {
                print("peer: moto not installed (pip install 'moto[server]') — skipped")
            }
        }
    }
}

/// Ours beside the C floor measured in the same run (alternating rounds).
private func printValidateOnly(_ v: SAMLBenchmark.Measurement) {
    print(String(format: "SAML validate-only, single thread: %.0f responses/s (%.0f per CPU second), %d iterations, %d bytes of XML",
                 v.perSecond, v.perCPUSecond, v.iterations, v.responseBytes))
    if v.floorPerCPUSecond > 0 {
        print(String(format: "  C floor in the same run (libxml2 parse + libxmlsec1 verify with the broker's RSA and exclusive-c14n transforms, shared key, no checks): %.0f per CPU second; ours = %.0f %% of it",
                     v.floorPerCPUSecond, 100 * v.perCPUSecond / v.floorPerCPUSecond))
    }
}

/// Prints gate's and mint's RSS every `every` seconds during a long run (flat or growing?).
final class RSSSampler: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    init(bench: BenchBroker, every: Int, enabled: Bool) {
        guard enabled else { finished.signal(); return }
        Thread { [done, finished] in
            var elapsed = 0
            while done.wait(timeout: .now() + .seconds(every)) == .timedOut {
                elapsed += every
                print(bench.rssLine("at \(elapsed) s"))
                fflush(stdout)
            }
            finished.signal()
        }.start()
    }

    func stop() {
        done.signal()
        _ = finished.wait(timeout: .now() + 5)
    }
}

/// The hop figures a sampler thread measured while wrk ran.
final class HopSample: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var value: (p50: Double, p99: Double)?
    private let lock = NSLock()

    func finish(_ v: (p50: Double, p99: Double)) {
        lock.lock(); value = v; lock.unlock()
        done.signal()
    }

    /// Waits for the sampler (bounded: it takes ~1.6 s); nil if it did not finish.
    func wait() -> (p50: Double, p99: Double)? {
        guard done.wait(timeout: .now() + 10) == .success else { return nil }
        lock.lock(); defer { lock.unlock() }
        return value
    }
}

/// A wrk run and the figures it printed.
struct WrkResult {
    var requestsPerSecond: Double
    var p50: String
    var p99: String
    var requests: Int
    var non2xx: Int
    var errors: String
    /// wrk's own CPU time (user + system), seconds: the load generator shares the cores.
    var cpuSeconds: Double

    func line(_ name: String) -> String {
        String(format: "%@: %.0f req/s, p50 %@, p99 %@, %d requests, %d non-2xx%@", name, requestsPerSecond, p50, p99,
               requests, non2xx, errors.isEmpty ? "" : ", socket errors: \(errors)")
    }
}

enum Wrk {
    /// `serverCPU` (CPU seconds so far of a server process that is idle until requests
    /// come: gate, not mint with its background checkpoints) tells when the load
    /// began: wrk's CPU before that went into its script's init (loading the SAML
    /// requests), not into load, and is left out of `cpuSeconds`.
    static func run(url: String, script: String, connections: Int, seconds: Int,
                    serverCPU: (() -> Double)? = nil) throws -> WrkResult {
        // wrk is the only child this process reaps while it runs, so the growth of the
        // children's resource usage is wrk's whole CPU time.
        let before = childrenCPUSeconds()
        let initCPU = InitCPU()
        let out = try runProcess("/usr/bin/wrk", ["-t1", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script, url]) { p in
            guard let serverCPU else { return }
            let pid = p.processIdentifier
            Thread {
                let idle = serverCPU()
                // Polled every 10 ms, for at most the script's init plus the run.
                var polls = 0
                while p.isRunning && polls < (seconds + 120) * 100 {
                    if serverCPU() - idle > 0.005 { initCPU.set(processCPUSeconds(pid)); return }
                    usleep(10_000)
                    polls += 1
                }
            }.start()
        }
        var r = WrkResult(requestsPerSecond: 0, p50: "?", p99: "?", requests: 0, non2xx: 0, errors: "",
                          cpuSeconds: childrenCPUSeconds() - before - initCPU.get())
        for raw in out.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let f = line.split(separator: " ", omittingEmptySubsequences: true)
            if line.hasPrefix("Requests/sec:"), f.count >= 2 { r.requestsPerSecond = Double(f[1]) ?? 0 }
            if line.hasPrefix("50%"), f.count >= 2 { r.p50 = String(f[1]) }
            if line.hasPrefix("99%"), f.count >= 2 { r.p99 = String(f[1]) }
            if line.contains("requests in"), let n = Int(f[0]) { r.requests = n }
            if line.hasPrefix("Non-2xx"), let n = Int(f.last ?? "") { r.non2xx = n }
            if line.hasPrefix("Socket errors:") { r.errors = String(line.dropFirst(14)).trimmingCharacters(in: .whitespaces) }
        }
        return r
    }
}

/// wrk's CPU seconds when the load began (0 until known).
private final class InitCPU: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0.0
    func set(_ v: Double) { lock.lock(); value = v; lock.unlock() }
    func get() -> Double { lock.lock(); defer { lock.unlock() }; return value }
}

/// user+system CPU seconds of a live process (from /proc/<pid>/stat; 0 if it is gone).
func processCPUSeconds(_ pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return 0 }
    // Fields after the command name: state is field 3, utime 14, stime 15.
    let f = stat[stat.index(after: close)...].split(separator: " ")
    guard f.count > 12, let u = Double(f[11]), let s = Double(f[12]) else { return 0 }
    return (u + s) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

private func childrenCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Runs a program to its end and returns what it printed; `started` sees it running.
@discardableResult
func runProcess(_ path: String, _ args: [String], environment: [String: String]? = nil,
                started: (Process) -> Void = { _ in }) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = args
    if let environment { p.environment = environment }
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    try p.run()
    started(p)
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

func freeLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    return Int(UInt16(bigEndian: addr.sin_port))
}

/// moto's server, the Python STS/IAM mock, as the peer figure.
final class MotoPeer {
    let port: Int
    private let process: Process

    static func start() throws -> MotoPeer {
        let check = try runProcess("/usr/bin/env", ["python3", "-c", "import moto.server, flask"])
        guard check.isEmpty else { throw UsageError("moto server not installed") }
        return try MotoPeer()
    }

    private init() throws {
        port = freeLoopbackPort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", String(port)]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        for _ in 0..<100 {
            if (try? client.request(method: "GET", path: "/", headers: [("Host", "127.0.0.1")], body: [])) != nil { return }
            usleep(100_000)
        }
        process.terminate()
        throw UsageError("moto did not start")
    }

    func stop() { process.terminate(); process.waitUntilExit() }
}
