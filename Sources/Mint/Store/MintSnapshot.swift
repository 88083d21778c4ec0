// The read side of mint's configuration, held in memory and swapped whole after
// every successful write. Hot paths (admin-key lookups, AssumeRoleWithSAML's
// provider and role lookups, trust-policy evaluation) read it without touching SQLite.
import BrokerCore
import TrustPolicy

struct CachedRole {
    let record: RoleRecord
    /// Parsed once per policy text; nil if the stored text no longer parses (then every assumption is denied).
    let policy: TrustPolicy?
    let arn: String
    /// The ListRoles sort and marker key.
    var lowerName: String { record.name.lowercased() }
    /// The role as ListRoles lists it (no tags), rendered once per snapshot rather than per call.
    var summaryXML: String = ""
}

struct MintSnapshot {
    var version: UInt64
    var providers: [String: SAMLProviderRecord]
    /// Keyed by lower-cased name: IAM role names are unique case-insensitively.
    var roles: [String: CachedRole]
    var adminSecrets: [String: String]
    var adminKeys: [AdminKeyRecord]
    /// `roles` ordered by lower-cased name, as ListRoles pages them.
    var sortedRoles: [CachedRole] = []

    static let empty = MintSnapshot(version: 1, providers: [:], roles: [:], adminSecrets: [:], adminKeys: [])

    func role(named name: String) -> CachedRole? { roles[name.lowercased()] }
}

enum ARNs {
    static func role(account: String, path: String, name: String) -> String { "arn:aws:iam::\(account):role\(path)\(name)" }
    static func samlProvider(account: String, name: String) -> String { "arn:aws:iam::\(account):saml-provider/\(name)" }
}
