// A small, strict flag parser: `--name value`, `--name=value`, boolean `--flag`,
// repeatable flags. Unknown flags are errors, so a typo never silently falls
// back to a default. A config file (`--config FILE`, lines `name = value`)
// supplies defaults that flags override.
import Foundation

struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

struct Arguments {
    private var values: [String: [String]] = [:]
    private(set) var positional: [String] = []

    /// `valued`: flags taking a value; `booleans`: flags taking none.
    init(_ argv: [String], valued: Set<String>, booleans: Set<String> = []) throws {
        var i = 0
        while i < argv.count {
            let a = argv[i]
            i += 1
            guard a.hasPrefix("--") else { positional.append(a); continue }
            var name = String(a.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...]); name = String(name[..<eq])
            }
            if booleans.contains(name) {
                guard inline == nil || inline == "true" || inline == "false" else { throw UsageError("--\(name) takes no value") }
                values[name, default: []].append(inline ?? "true")
            } else if valued.contains(name) || name == "config" {
                if let v = inline { values[name, default: []].append(v); continue }
                guard i < argv.count else { throw UsageError("--\(name) needs a value") }
                values[name, default: []].append(argv[i]); i += 1
            } else {
                throw UsageError("unknown option --\(name)")
            }
        }
        if let file = values["config"]?.last {
            try loadConfig(file, valued: valued, booleans: booleans)
        }
    }

    private mutating func loadConfig(_ path: String, valued: Set<String>, booleans: Set<String>) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw UsageError("cannot read config file \(path)") }
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let eq = line.firstIndex(of: "=") else { throw UsageError("\(path):\(n + 1): expected name = value") }
            let name = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            guard valued.contains(name) || booleans.contains(name) else { throw UsageError("\(path):\(n + 1): unknown setting \(name)") }
            if values[name] == nil { values[name] = [value] }   // flags win over the file
        }
    }

    func string(_ name: String) -> String? { values[name]?.last }
    func string(_ name: String, default d: String) -> String { values[name]?.last ?? d }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func flag(_ name: String) -> Bool { values[name]?.last == "true" }

    func int(_ name: String, default d: Int) throws -> Int {
        guard let v = values[name]?.last else { return d }
        guard let n = Int(v) else { throw UsageError("--\(name) must be a whole number, not '\(v)'") }
        return n
    }
}

/// "127.0.0.1:8080" -> ("127.0.0.1", 8080); loopback-safe defaults.
func parseListen(_ s: String) throws -> (String, Int) {
    guard let colon = s.lastIndex(of: ":"), let port = Int(s[s.index(after: colon)...]), (0...65535).contains(port) else {
        throw UsageError("--listen must be HOST:PORT, not '\(s)'")
    }
    var host = String(s[..<colon])
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    return (host.isEmpty ? "127.0.0.1" : host, port)
}

func absolutePath(_ p: String) -> String {
    if p.hasPrefix("/") { return p }
    return FileManager.default.currentDirectoryPath + "/" + p
}
