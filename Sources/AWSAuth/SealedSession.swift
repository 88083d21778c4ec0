// The session a temporary credential stands for, carried inside its own session
// token so verifying a request needs no lookup. The access key id is in the sealed
// plaintext: mint must check it equals the AKID that signed the request.
import BrokerCore

public struct SealedSession: Equatable, Sendable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var accountID: String
    public var roleArn: String
    public var roleID: String
    public var roleName: String
    public var sessionName: String
    public var subject: String
    public var subjectType: String
    public var issuer: String
    public var providerArn: String
    public var sourceIdentity: String?
    public var tags: [SessionTag]
    public var transitiveTagKeys: [String]
    /// Unix seconds.
    public var issuedAt: Int64
    public var expiration: Int64

    public init(accessKeyID: String, secretAccessKey: String, accountID: String, roleArn: String, roleID: String,
                roleName: String, sessionName: String, subject: String, subjectType: String, issuer: String,
                providerArn: String, sourceIdentity: String? = nil, tags: [SessionTag] = [],
                transitiveTagKeys: [String] = [], issuedAt: Int64, expiration: Int64) {
        self.accessKeyID = accessKeyID; self.secretAccessKey = secretAccessKey; self.accountID = accountID
        self.roleArn = roleArn; self.roleID = roleID; self.roleName = roleName; self.sessionName = sessionName
        self.subject = subject; self.subjectType = subjectType; self.issuer = issuer; self.providerArn = providerArn
        self.sourceIdentity = sourceIdentity; self.tags = tags; self.transitiveTagKeys = transitiveTagKeys
        self.issuedAt = issuedAt; self.expiration = expiration
    }
}

/// Seals sessions into AWS-style session tokens and opens them again. New tokens use
/// the current key; every configured key opens, so keys rotate without logging anyone out.
public struct SessionSealer: Sendable {
    private let sealer: TokenSealer
    private static let formatVersion: UInt8 = 1
    private static let maxField = 2048
    private static let maxTags = 64

    public init(keys: [AESGCMKey], currentKeyID: String) throws {
        sealer = try TokenSealer(keys: keys, currentKeyID: currentKeyID, purpose: "session")
    }

    public func seal(_ s: SealedSession) -> String {
        var w = WireWriter(capacity: 512)
        w.u8(SessionSealer.formatVersion)
        for field in [s.accessKeyID, s.secretAccessKey, s.accountID, s.roleArn, s.roleID, s.roleName, s.sessionName,
                      s.subject, s.subjectType, s.issuer, s.providerArn] { w.string(field) }
        w.optionalString(s.sourceIdentity)
        w.pairs(s.tags.map { ($0.key, $0.value) })
        w.strings(s.transitiveTagKeys)
        w.i64(s.issuedAt)
        w.i64(s.expiration)
        return sealer.seal(w.bytes)
    }

    /// nil: not base64, oversize, unknown key, tampered or truncated, or a payload that does not decode.
    public func open(_ token: String) -> SealedSession? {
        guard let plain = sealer.open(token) else { return nil }
        var r = WireReader(plain)
        let m = SessionSealer.maxField
        do {
            guard try r.u8("version") == SessionSealer.formatVersion else { return nil }
            var f: [String] = []
            for name in ["accessKeyID", "secretAccessKey", "accountID", "roleArn", "roleID", "roleName", "sessionName",
                         "subject", "subjectType", "issuer", "providerArn"] {
                f.append(try r.string(name, max: m))
            }
            let source = try r.optionalString("sourceIdentity", max: m)
            let tags = try r.pairs("tags", maxCount: SessionSealer.maxTags, maxLength: m).map { SessionTag(key: $0.0, value: $0.1) }
            let transitive = try r.strings("transitiveTagKeys", maxCount: SessionSealer.maxTags, maxLength: m)
            let issued = try r.i64("issuedAt"), expiration = try r.i64("expiration")
            try r.finish()
            return SealedSession(accessKeyID: f[0], secretAccessKey: f[1], accountID: f[2], roleArn: f[3], roleID: f[4],
                                 roleName: f[5], sessionName: f[6], subject: f[7], subjectType: f[8], issuer: f[9],
                                 providerArn: f[10], sourceIdentity: source, tags: tags, transitiveTagKeys: transitive,
                                 issuedAt: issued, expiration: expiration)
        } catch {
            return nil
        }
    }
}
