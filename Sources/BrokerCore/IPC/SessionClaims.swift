// The typed values gate hands to mint. No XML, no token, no raw assertion ever
// crosses the socket: only what the validator proved, as plain fields, each of
// which mint checks again against its own limits and its own store.

/// One `roleArn,providerArn` pair from the SAML Role attribute, already put in order.
public struct RolePair: Equatable, Sendable {
    public var roleArn: String
    public var principalArn: String
    public init(roleArn: String, principalArn: String) { self.roleArn = roleArn; self.principalArn = principalArn }
}

public struct SessionTag: Equatable, Sendable {
    public var key: String
    public var value: String
    public init(key: String, value: String) { self.key = key; self.value = value }
}

/// What a verified SAML Response says, read only from the node its signature covered.
public struct SAMLClaim: Equatable, Sendable {
    /// Name of the provider (IAM SAML provider) whose metadata certificate verified the signature.
    public var providerName: String
    /// Assertion Issuer (equal to the provider's entityID).
    public var issuer: String
    /// NameID text and its Format URI (the SAML 1.1 `unspecified` URI when absent).
    public var subject: String
    public var subjectFormat: String
    /// Bearer SubjectConfirmationData/@Recipient: AWS's `Audience` response field and `saml:aud`.
    public var recipient: String
    /// AudienceRestriction/Audience values.
    public var audiences: [String]
    public var assertionID: String
    /// Unix seconds.
    public var issueInstant: Int64
    /// The earliest NotOnOrAfter among Conditions and the bearer confirmation (unix seconds):
    /// the replay-cache entry lives until this plus the provider's skew.
    public var notOnOrAfter: Int64
    public var rolePairs: [RolePair]
    public var roleSessionName: String
    /// SessionDuration attribute, seconds.
    public var sessionDuration: Int64?
    /// AuthnStatement/@SessionNotOnOrAfter, unix seconds.
    public var sessionNotOnOrAfter: Int64?
    public var principalTags: [SessionTag]
    public var transitiveTagKeys: [String]
    public var sourceIdentity: String?
    /// Multi-valued `saml:*` condition keys mapped from well-known attributes (aws-wire.md §5.5),
    /// key names lower-cased without the `[]` suffix, e.g. ("saml:edupersonaffiliation", ["staff"]).
    public var conditionKeys: [(String, [String])]

    public init(providerName: String, issuer: String, subject: String, subjectFormat: String,
                recipient: String, audiences: [String], assertionID: String, issueInstant: Int64,
                notOnOrAfter: Int64, rolePairs: [RolePair], roleSessionName: String,
                sessionDuration: Int64? = nil, sessionNotOnOrAfter: Int64? = nil,
                principalTags: [SessionTag] = [], transitiveTagKeys: [String] = [],
                sourceIdentity: String? = nil, conditionKeys: [(String, [String])] = []) {
        self.providerName = providerName; self.issuer = issuer; self.subject = subject
        self.subjectFormat = subjectFormat; self.recipient = recipient; self.audiences = audiences
        self.assertionID = assertionID; self.issueInstant = issueInstant; self.notOnOrAfter = notOnOrAfter
        self.rolePairs = rolePairs; self.roleSessionName = roleSessionName
        self.sessionDuration = sessionDuration; self.sessionNotOnOrAfter = sessionNotOnOrAfter
        self.principalTags = principalTags; self.transitiveTagKeys = transitiveTagKeys
        self.sourceIdentity = sourceIdentity; self.conditionKeys = conditionKeys
    }

    public static func == (a: SAMLClaim, b: SAMLClaim) -> Bool {
        a.providerName == b.providerName && a.issuer == b.issuer && a.subject == b.subject
            && a.subjectFormat == b.subjectFormat && a.recipient == b.recipient && a.audiences == b.audiences
            && a.assertionID == b.assertionID && a.issueInstant == b.issueInstant && a.notOnOrAfter == b.notOnOrAfter
            && a.rolePairs == b.rolePairs && a.roleSessionName == b.roleSessionName
            && a.sessionDuration == b.sessionDuration && a.sessionNotOnOrAfter == b.sessionNotOnOrAfter
            && a.principalTags == b.principalTags && a.transitiveTagKeys == b.transitiveTagKeys
            && a.sourceIdentity == b.sourceIdentity
            && a.conditionKeys.map(\.0) == b.conditionKeys.map(\.0) && a.conditionKeys.map(\.1) == b.conditionKeys.map(\.1)
    }
}

/// Per-provider validation policy. Stored by mint with the provider (set through
/// IAM tags with the `broker:` prefix), read by gate with the trust anchors.
public struct ProviderPolicy: Equatable, Sendable {
    /// Accepted NameID Format URIs. Default: emailAddress only.
    public var nameIDFormats: [String]
    /// Symmetric clock skew applied to every time bound, seconds (0...300).
    public var clockSkewSeconds: Int64
    /// Maximum age of IssueInstant at redemption, seconds.
    public var maxAssertionAgeSeconds: Int64
    /// Accept RSA-SHA1 / SHA-1 digests (off unless the admin opts in).
    public var allowSHA1: Bool
    /// One exchange per assertion overall instead of one per role.
    public var strictReplay: Bool

    public static let emailAddressFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"

    public init(nameIDFormats: [String] = [ProviderPolicy.emailAddressFormat], clockSkewSeconds: Int64 = 60,
                maxAssertionAgeSeconds: Int64 = 300, allowSHA1: Bool = false, strictReplay: Bool = false) {
        self.nameIDFormats = nameIDFormats; self.clockSkewSeconds = clockSkewSeconds
        self.maxAssertionAgeSeconds = maxAssertionAgeSeconds; self.allowSHA1 = allowSHA1; self.strictReplay = strictReplay
    }
}

/// A SAML provider's public trust anchors, as gate needs them to verify signatures.
public struct SAMLProviderAnchor: Equatable, Sendable {
    public var name: String
    public var arn: String
    public var entityID: String
    /// DER of every signing certificate in the uploaded metadata (rollover: any may sign).
    public var signingCertificatesDER: [[UInt8]]
    public var policy: ProviderPolicy

    public init(name: String, arn: String, entityID: String, signingCertificatesDER: [[UInt8]], policy: ProviderPolicy) {
        self.name = name; self.arn = arn; self.entityID = entityID
        self.signingCertificatesDER = signingCertificatesDER; self.policy = policy
    }
}
