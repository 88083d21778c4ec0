// The settings `up`, `gate` and `mint` share, with the embedded defaults a
// newcomer gets by running `broker up` with no options.
import Foundation

struct BrokerSettings {
    static let valuedFlags: Set<String> = [
        "listen", "data", "certs", "metadata", "roles", "public-url", "account-id", "socket",
        "max-body", "workers", "gate-uid", "max-connections",
    ]
    static let booleanFlags: Set<String> = ["drop-in", "trust-forwarded-for"]

    var listenHost: String
    var listenPort: Int
    var dataDirectory: String
    var certsDirectory: String
    var metadataDirectory: String
    var rolesFile: String
    var publicURL: String
    var accountID: String
    var socketPath: String
    var maxBodyBytes: Int
    var workers: Int
    var maxConnections: Int
    var dropIn: Bool
    var trustForwardedFor: Bool
    var gateUIDs: [UInt32]

    init(_ a: Arguments) throws {
        (listenHost, listenPort) = try parseListen(a.string("listen", default: "127.0.0.1:8080"))
        dataDirectory = absolutePath(a.string("data", default: "data"))
        certsDirectory = absolutePath(a.string("certs", default: "certs"))
        metadataDirectory = absolutePath(a.string("metadata", default: "metadata"))
        rolesFile = absolutePath(a.string("roles", default: "roles.json"))
        let hostForURL = listenHost.contains(":") ? "[\(listenHost)]" : listenHost
        publicURL = a.string("public-url", default: "http://\(hostForURL):\(listenPort)")
        guard publicURL.hasPrefix("http://") || publicURL.hasPrefix("https://") else {
            throw UsageError("--public-url must start with http:// or https://")
        }
        accountID = a.string("account-id", default: "123456789012")
        guard accountID.count == 12, accountID.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw UsageError("--account-id must be 12 digits")
        }
        socketPath = absolutePath(a.string("socket", default: dataDirectory + "/mint.sock"))
        maxBodyBytes = try a.int("max-body", default: 2 * 1024 * 1024)
        guard (64 * 1024...20 * 1024 * 1024).contains(maxBodyBytes) else { throw UsageError("--max-body must be 65536..20971520") }
        // One worker per core. Workers no longer wait for mint (the link is pipelined),
        // so an extra worker only preempts validations mid-way: on 2 cores, 2 workers
        // ran AssumeRoleWithSAML 2-8 % faster than 3 (gate CPU per exchange 169-171
        // vs 179-198 µs), while 3 did signed calls up to ~5 % faster — the SAML
        // exchange, the expensive one, decides (`broker bench --workers N`).
        workers = try a.int("workers", default: ProcessInfo.processInfo.activeProcessorCount)
        guard (1...64).contains(workers) else { throw UsageError("--workers must be 1..64") }
        maxConnections = try a.int("max-connections", default: 1024)
        guard (1...100_000).contains(maxConnections) else { throw UsageError("--max-connections must be 1..100000") }
        dropIn = a.flag("drop-in")
        trustForwardedFor = a.flag("trust-forwarded-for")
        gateUIDs = try a.all("gate-uid").map {
            guard let u = UInt32($0) else { throw UsageError("--gate-uid must be a numeric uid") }
            return u
        }
    }

    static func parse(_ argv: [String]) throws -> (BrokerSettings, Arguments) {
        let a = try Arguments(argv, valued: valuedFlags, booleans: booleanFlags)
        guard a.positional.isEmpty else { throw UsageError("unexpected argument '\(a.positional[0])'") }
        return (try BrokerSettings(a), a)
    }

    /// Flags that reproduce these settings in a child process.
    func childArguments(for role: String) -> [String] {
        var args = ["--data", dataDirectory, "--socket", socketPath, "--public-url", publicURL]
        if dropIn { args.append("--drop-in") }
        switch role {
        case "gate":
            args += ["--listen", "\(listenHost):\(listenPort)", "--max-body", String(maxBodyBytes),
                     "--workers", String(workers), "--max-connections", String(maxConnections)]
            if trustForwardedFor { args.append("--trust-forwarded-for") }
        default:
            args += ["--certs", certsDirectory, "--metadata", metadataDirectory, "--roles", rolesFile, "--account-id", accountID]
            for u in gateUIDs { args += ["--gate-uid", String(u)] }
        }
        return args
    }
}

func helpText(for command: String) -> String {
    switch command {
    case "up", "gate", "mint":
        return """
        broker \(command) [options]
          --listen HOST:PORT       where gate listens (default 127.0.0.1:8080)
          --data DIR               store, audit log, admin credentials, mint socket (default ./data)
          --certs DIR              mint's keys, generated on first start (default ./certs)
          --metadata DIR           every *.xml is loaded as a SAML provider named after the file (default ./metadata)
          --roles FILE             declarative roles, loaded if present (default ./roles.json)
          --public-url URL         external base URL; ACS URL and SP entity id are <URL>/saml (default http://<listen>)
          --account-id ID          12-digit account id in ARNs (default 123456789012)
          --socket PATH            mint's Unix socket (default <data>/mint.sock)
          --max-body BYTES         largest request body gate accepts (default 2097152)
          --workers N              gate's HTTP worker threads (default: one per core)
          --max-connections N      gate's connection cap (default 1024)
          --gate-uid UID           (mint) uid allowed to connect; repeatable (default: mint's own uid)
          --drop-in                also accept AWS's ACS URL and audiences
          --trust-forwarded-for    take the client address from X-Forwarded-For (only behind your proxy)
          --config FILE            `name = value` lines for any option above; flags win
        environment: BROKER_ADMIN_ACCESS_KEY_ID / BROKER_ADMIN_SECRET_ACCESS_KEY register a bootstrap admin key.
        """
    case "admin":
        return AdminCommand.help
    case "explain":
        return ExplainCommand.help
    case "dev-idp":
        return DevIdPCommand.help
    case "bench":
        return BenchCommand.help
    default:
        return usage
    }
}
