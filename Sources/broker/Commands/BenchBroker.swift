// The broker a benchmark runs against: its own temporary data, certs and dev
// IdP, on a free loopback port, stopped (SIGTERM, then SIGKILL) when done.
import Foundation
import BrokerCore
import AWSAuth
import Gate
import SAML
#if canImport(Glibc)
import Glibc
#endif

final class BenchBroker {
    let directory: String
    let port: Int
    let url: String
    private let process: Process
    private let accessKeyID = "AKIABENCHBENCHBENCH1"
    private let secret = "benchbenchbenchbenchbenchbenchbenchbench"
    private let accountID = "123456789012"
    private var providerArn: String { "arn:aws:iam::\(accountID):saml-provider/dev-idp" }
    private(set) var averageResponseBytes: Double = 0

    static func start(extraArguments: [String] = []) throws -> BenchBroker { try BenchBroker(extraArguments: extraArguments) }

    private init(extraArguments: [String]) throws {
        var template = Array("/tmp/broker-bench-XXXXXX".utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else { throw UsageError("mkdtemp failed") }
        directory = String(cString: dir)
        for sub in ["data", "certs/dev-idp", "metadata"] {
            try FileManager.default.createDirectory(atPath: "\(directory)/\(sub)", withIntermediateDirectories: true)
        }
        try DevIdP.initialize(keyPath: "\(directory)/certs/dev-idp/key.pem", certificatePath: "\(directory)/certs/dev-idp/cert.pem",
                              metadataPath: "\(directory)/metadata/dev-idp.xml", entityID: "urn:broker:bench-idp")
        let roles = """
        {"roles":[{"name":"bench","maxSessionDuration":43200,"assumeRolePolicyDocument":{"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::\(accountID):saml-provider/dev-idp"},
           "Action":["sts:AssumeRoleWithSAML","sts:TagSession"]}]}}]}
        """
        try roles.write(toFile: "\(directory)/roles.json", atomically: true, encoding: .utf8)
        port = freeLoopbackPort()
        url = "http://127.0.0.1:\(port)"
        process = Process()
        process.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        process.arguments = ["up", "--listen", "127.0.0.1:\(port)", "--data", "\(directory)/data", "--certs", "\(directory)/certs",
                             "--metadata", "\(directory)/metadata", "--roles", "\(directory)/roles.json", "--account-id", accountID] + extraArguments
        var env = ProcessInfo.processInfo.environment
        env["BROKER_ADMIN_ACCESS_KEY_ID"] = accessKeyID
        env["BROKER_ADMIN_SECRET_ACCESS_KEY"] = secret
        process.environment = env
        let log = FileHandle(forWritingAtPath: "\(directory)/broker.log") ?? {
            _ = FileManager.default.createFile(atPath: "\(directory)/broker.log", contents: nil)
            return FileHandle(forWritingAtPath: "\(directory)/broker.log")!
        }()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        for _ in 0..<600 {
            if let r = try? client.request(method: "GET", path: "/healthz", headers: [("Host", "127.0.0.1")], body: []), r.status == 200 { return }
            guard process.isRunning else { break }
            usleep(100_000)
        }
        let text = (try? String(contentsOfFile: "\(directory)/broker.log", encoding: .utf8)) ?? ""
        stop()
        throw UsageError("the broker did not come up:\n\(text)")
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            for _ in 0..<200 where process.isRunning { usleep(50_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func rss(_ role: String) -> String {
        guard let pid = try? String(contentsOfFile: "\(directory)/data/\(role).pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return "?" }
        let kb = Double(line.split(separator: " ").dropFirst().first ?? "") ?? 0
        return String(format: "%.1f MiB", kb / 1024)
    }

    func rssLine(_ when: String) -> String { "RSS \(when): gate \(rss("gate")), mint \(rss("mint"))" }

    /// user+system CPU seconds of gate and mint so far (from /proc/<pid>/stat).
    func cpuSeconds() -> (gate: Double, mint: Double) {
        func read(_ role: String) -> Double {
            guard let pid = try? String(contentsOfFile: "\(directory)/data/\(role).pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                  let n = Int32(pid) else { return 0 }
            return processCPUSeconds(n)
        }
        return (read("gate"), read("mint"))
    }

    /// CPU microseconds per request spent in gate, in mint and in wrk between two readings.
    func cpuLine(from a: (gate: Double, mint: Double), requests: Int, wrkSeconds: Double) -> String {
        let b = cpuSeconds()
        let n = Double(max(1, requests))
        return String(format: "  CPU per request: gate %.0f µs, mint %.0f µs, wrk %.0f µs", (b.gate - a.gate) * 1e6 / n,
                      (b.mint - a.mint) * 1e6 / n, wrkSeconds * 1e6 / n)
    }

    func measureHop(iterations: Int, pauseMicros: UInt32 = 0) -> (p50: Double, p99: Double) {
        let client = MintClient(socketPath: "\(directory)/data/mint.sock")
        var samples: [Double] = []
        samples.reserveCapacity(iterations)
        for _ in 0..<iterations {
            var t0 = timespec(), t1 = timespec()
            clock_gettime(CLOCK_MONOTONIC, &t0)
            _ = try? client.call(.ping)
            clock_gettime(CLOCK_MONOTONIC, &t1)
            samples.append(Double(t1.tv_sec - t0.tv_sec) * 1e6 + Double(t1.tv_nsec - t0.tv_nsec) / 1e3)
            if pauseMicros > 0 { usleep(pauseMicros) }
        }
        samples.sort()
        return (samples[samples.count / 2], samples[samples.count * 99 / 100])
    }

    private func lua(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A wrk script replaying one request signed now (valid for 15 minutes).
    func signedScript(action: String, service: AWSService, port: Int? = nil) throws -> String {
        let host = "127.0.0.1:\(port ?? self.port)"
        let body = "Action=\(action)&Version=\(service.apiVersion)"
        let base: [(String, String)] = [("Host", host), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        let signed = SigV4.sign(method: "POST", path: "/", rawQuery: "", headers: base, body: Array(body.utf8), accessKeyID: accessKeyID,
                                secretAccessKey: secret, sessionToken: nil, region: "us-east-1", service: service.signingName,
                                now: Int64(Date().timeIntervalSince1970))
        var s = "wrk.method = \"POST\"\nwrk.body = \(lua(body))\n"
        for (k, v) in base + signed where k.lowercased() != "host" { s += "wrk.headers[\(lua(k))] = \(lua(v))\n" }
        let path = "\(directory)/\(action).lua"
        try s.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Lets the bench's provider accept assertions up to `seconds` after their
    /// IssueInstant (the `broker:max-assertion-age` tag, set the admin's way: a signed
    /// IAM TagSAMLProvider). A long run's responses are all signed before the load
    /// starts — 1.4 million take ~6 minutes on this machine — so its first ones would
    /// be past the default 5 minutes by the time they are sent.
    func allowAssertionAge(seconds: Int) throws {
        let body = "Action=TagSAMLProvider&Version=\(AWSService.iam.apiVersion)&SAMLProviderArn=\(percentEncodeRFC3986(providerArn))"
            + "&Tags.member.1.Key=\(percentEncodeRFC3986("broker:max-assertion-age"))&Tags.member.1.Value=\(seconds)"
        let base: [(String, String)] = [("Host", "127.0.0.1:\(port)"), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        let signed = SigV4.sign(method: "POST", path: "/", rawQuery: "", headers: base, body: Array(body.utf8), accessKeyID: accessKeyID,
                                secretAccessKey: secret, sessionToken: nil, region: "us-east-1", service: AWSService.iam.signingName,
                                now: Int64(Date().timeIntervalSince1970))
        let r = try LoopbackHTTPClient(host: "127.0.0.1", port: port).request(method: "POST", path: "/", headers: base + signed, body: Array(body.utf8))
        guard r.status == 200 else { throw UsageError("TagSAMLProvider for the bench's provider failed (HTTP \(r.status)): \(String(decoding: r.body, as: UTF8.self))") }
    }

    /// Distinct, freshly signed responses, one request body per line, and a wrk
    /// script that sends each once (cycling only if the run outlasts them). Each is
    /// valid for `lifetime` seconds. `removeOnceRead`: the script deletes the file once
    /// wrk has read it (it can run once) — a million-response run holds ~9 KB a request
    /// in wrk's heap, and the same again in the page cache crowds the machine's memory.
    func samlBodies(count: Int, lifetime: Int64 = 300, removeOnceRead: Bool = false) throws -> String {
        let roleArn = "arn:aws:iam::\(accountID):role/bench"
        let acs = url + "/saml"
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        var chunks = [[String]](repeating: [], count: workers)
        var sizes = [Int](repeating: 0, count: workers)
        let failure = NSLock()
        var firstError: Error?
        DispatchQueue.concurrentPerform(iterations: workers) { w in
            do {
                let signer = try DevIdP.Signer(keyPEMPath: "\(directory)/certs/dev-idp/key.pem",
                                               certificatePEMPath: "\(directory)/certs/dev-idp/cert.pem")
                var local: [String] = []
                var bytes = 0
                let n = count / workers + (w < count % workers ? 1 : 0)
                local.reserveCapacity(n)
                for i in 0..<n {
                    var spec = DevIdP.ResponseSpec(issuer: "urn:broker:bench-idp", acsURL: acs, audience: acs,
                                                   roles: [(roleArn, providerArn)], nameID: "user\(w)-\(i)@bench.example",
                                                   sessionName: "bench\(w)-\(i)", now: Int64(Date().timeIntervalSince1970),
                                                   lifetime: lifetime)
                    // The same shape as SAMLBenchmark's ~6 KB document: six tags and two
                    // directory attributes, as a real IdP sends them.
                    spec.tags = (0..<6).map { (key: "Tag\($0)", value: "value-\(i)-\($0)") }
                    spec.extraAttributes = [(name: "urn:oid:2.5.4.3", values: ["User \(w)-\(i)"]),
                                            (name: "urn:oid:1.3.6.1.4.1.5923.1.1.1.1", values: ["staff", "member", "employee"])]
                    let b64 = try signer.signedResponse(spec)
                    bytes += b64.utf8.count * 3 / 4
                    local.append("Action=AssumeRoleWithSAML&Version=2011-06-15&RoleArn=\(percentEncodeRFC3986(roleArn))&PrincipalArn=\(percentEncodeRFC3986(providerArn))&SAMLAssertion=\(percentEncodeRFC3986(b64))")
                }
                failure.lock(); chunks[w] = local; sizes[w] = bytes; failure.unlock()
            } catch {
                failure.lock(); firstError = firstError ?? error; failure.unlock()
            }
        }
        if let e = firstError { throw e }
        averageResponseBytes = Double(sizes.reduce(0, +)) / Double(max(1, count))
        let bodiesPath = "\(directory)/saml-bodies.txt"
        _ = FileManager.default.createFile(atPath: bodiesPath, contents: nil)
        let h = FileHandle(forWritingAtPath: bodiesPath)!
        // Interleaved, so responses go out in the order they were signed: worker after
        // worker, a long run reached the second worker's first responses when they
        // were minutes old, and refused them as expired (175,127 of a 1.2-million run).
        for i in 0..<(chunks.map(\.count).max() ?? 0) {
            for c in chunks where i < c.count { h.write(Data((c[i] + "\n").utf8)) }
        }
        h.closeFile()
        // Requests are formatted once, before the timed run: formatting an 8 KB
        // string per request made wrk's LuaJIT heap churn (page clearing) and cost
        // the load generator ~200 µs of CPU per request on this 2-core machine —
        // CPU the broker under test then did not get.
        let script = """
        local requests = {}
        local i = 0
        -- init runs in each load thread (wrk -t1: one) after wrk has set the Host header.
        init = function(args)
          local headers = { ["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8" }
          for line in io.lines(\(lua(bodiesPath))) do requests[#requests + 1] = wrk.format("POST", "/", headers, line) end
          \(removeOnceRead ? "os.remove(\(lua(bodiesPath)))" : "")
        end
        request = function()
          i = i + 1
          if i > #requests then i = 1 end
          return requests[i]
        end
        """
        let path = "\(directory)/saml.lua"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
