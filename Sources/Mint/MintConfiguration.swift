// Everything mint is told at start. Paths are created on first start.

public struct MintConfiguration {
    /// store.sqlite3 (WAL), audit.log, admin-credentials (0600).
    public var dataDirectory: String
    /// Session sealing keys and the key that encrypts admin secrets at rest (0600, created on first start).
    public var certsDirectory: String
    /// Unix socket (0600); or socket activation when LISTEN_FDS=1 and LISTEN_PID is this process.
    public var socketPath: String
    /// SO_PEERCRED check on every accepted connection; others are closed at once.
    public var allowedPeerUIDs: [UInt32]
    /// 12 digits.
    public var accountID: String
    /// The ACS URLs and audiences gate validates against; mint re-checks claims with them.
    public var acsURLs: [String]
    public var audiences: [String]
    /// Every *.xml here is loaded on start as a SAML provider named after the file.
    public var metadataDirectory: String?
    /// Declarative roles (JSON), loaded on start if the file exists.
    public var rolesFile: String?
    /// From BROKER_ADMIN_ACCESS_KEY_ID / BROKER_ADMIN_SECRET_ACCESS_KEY; (re)registered every start.
    public var bootstrapAdminKey: (accessKeyID: String, secretAccessKey: String)?
    public var region: String

    public init(dataDirectory: String, certsDirectory: String, socketPath: String, allowedPeerUIDs: [UInt32],
                accountID: String = "123456789012", acsURLs: [String], audiences: [String],
                metadataDirectory: String? = nil, rolesFile: String? = nil,
                bootstrapAdminKey: (accessKeyID: String, secretAccessKey: String)? = nil, region: String = "us-east-1") {
        self.dataDirectory = dataDirectory; self.certsDirectory = certsDirectory; self.socketPath = socketPath
        self.allowedPeerUIDs = allowedPeerUIDs; self.accountID = accountID; self.acsURLs = acsURLs
        self.audiences = audiences; self.metadataDirectory = metadataDirectory; self.rolesFile = rolesFile
        self.bootstrapAdminKey = bootstrapAdminKey; self.region = region
    }
}

/// Why mint refused to start: a message for the operator, naming the file and the problem.
public struct MintStartupError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "mint cannot start: \(message)" }
}
