// mint's own re-check of everything gate sent with an AssumeRoleWithSAML claim.
// gate parsed and verified the assertion, but a compromised gate must not be able
// to mint credentials for a role, provider, audience or time the store and the
// configuration do not allow. Each check throws the error AWS would, naming what
// was expected and what was found. Order follows aws-wire.md §2.5.
import BrokerCore

/// `arn:aws:iam::<12 digits>:<resource>` split into account and resource.
private func splitIAMArn(_ arn: String) -> (account: String, resource: Substring)? {
    let prefix = "arn:aws:iam::"
    guard arn.hasPrefix(prefix) else { return nil }
    let rest = arn.dropFirst(prefix.utf8.count)
    guard let colon = rest.firstIndex(of: ":") else { return nil }
    let account = String(rest[..<colon])
    guard ParsedRoleArn.isAccount(account) else { return nil }
    return (account, rest[rest.index(after: colon)...])
}

struct ParsedRoleArn: Equatable {
    var account: String
    var path: String
    var name: String

    /// `arn:aws:iam::<12 digits>:role/<path/><name>`
    init?(_ arn: String) {
        guard let (acct, resource) = splitIAMArn(arn), resource.hasPrefix("role/") else { return nil }
        let full = resource.dropFirst(5)
        guard let slash = full.lastIndex(of: "/") else {
            account = acct; path = "/"; name = String(full)
            guard !name.isEmpty else { return nil }
            return
        }
        name = String(full[full.index(after: slash)...])
        path = "/" + full[..<full.index(after: slash)]
        account = acct
        guard !name.isEmpty, CharacterClasses.isValidPath(path) else { return nil }
    }

    static func isAccount(_ s: String) -> Bool { s.utf8.count == 12 && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
}

struct ParsedProviderArn: Equatable {
    var account: String
    var name: String

    /// `arn:aws:iam::<12 digits>:saml-provider/<name>`
    init?(_ arn: String) {
        guard let (acct, resource) = splitIAMArn(arn), resource.hasPrefix("saml-provider/") else { return nil }
        let n = String(resource.dropFirst("saml-provider/".utf8.count))
        guard !n.isEmpty, n.utf8.count <= 128, CharacterClasses.all(n, CharacterClasses.isProviderNameChar) else { return nil }
        account = acct; name = n
    }
}

/// What the checks established, for issuing.
struct CheckedExchange {
    var role: CachedRole
    var provider: SAMLProviderRecord
    var providerPolicy: ProviderPolicy
    var providerArn: String
    var durationSeconds: Int64
    var packedPolicySize: Int
}

struct SAMLExchangeChecks {
    let configuration: MintConfiguration
    let snapshot: MintSnapshot
    let now: Int64

    static let denied = "Not authorized to perform sts:AssumeRoleWithSAML"
    static let maxConditionKeys = 64
    static let maxConditionValues = 256
    static let maxSessionPolicy = 2048
    /// Year 5138: far beyond any real assertion, far below Int64 overflow.
    static let latestTime: Int64 = 100_000_000_000

    func run(_ x: SAMLExchange) throws -> CheckedExchange {
        try checkParameterShapes(x)
        let (roleArn, principal) = try checkArns(x)
        let provider = try checkProvider(x, principal)
        let policy = ProviderPolicyTags.policy(from: provider.tags)
        try checkAudience(x.claim)
        try checkTimes(x.claim, policy)
        try checkSubject(x.claim, policy)
        try checkRolePair(x)
        try checkSessionAttributes(x.claim)
        let role = try checkRole(x, roleArn)
        let duration = try SessionDuration.seconds(requested: x.durationSeconds, roleMaximum: role.record.maxSessionDuration,
                                                   sessionDurationAttribute: x.claim.sessionDuration,
                                                   sessionNotOnOrAfter: x.claim.sessionNotOnOrAfter, now: now)
        let packed = try checkSessionPolicy(x)
        return CheckedExchange(role: role, provider: provider, providerPolicy: policy,
                               providerArn: ARNs.samlProvider(account: configuration.accountID, name: provider.name),
                               durationSeconds: duration, packedPolicySize: packed)
    }

    /// §2.1 shapes: ValidationError in AWS's constraint form.
    func checkParameterShapes(_ x: SAMLExchange) throws {
        var check = ConstraintCheck()
        check.length(x.roleArn, "roleArn", min: 20, max: 2048)
        check.length(x.principalArn, "principalArn", min: 20, max: 2048)
        if let d = x.durationSeconds {
            _ = check.integer(String(d), "durationSeconds", min: SessionDuration.minimum, max: SessionDuration.maximum)
        }
        if let p = x.policy {
            check.length(p, "policy", min: 1, max: Int.max)
            check.pattern(p, "policy", CharacterClasses.policyPattern) { CharacterClasses.all($0, CharacterClasses.isPolicyChar) }
        }
        check.count(x.policyArns.count, "policyArns", max: 10)
        for (i, a) in x.policyArns.prefix(10).enumerated() { check.length(a, "policyArns.\(i + 1).member.arn", min: 20, max: 2048) }
        try check.check()
    }

    /// §2.5 #2: well-formed ARNs, provider in the role's account, role in ours.
    func checkArns(_ x: SAMLExchange) throws -> (ParsedRoleArn, ParsedProviderArn) {
        guard let role = ParsedRoleArn(x.roleArn) else { throw MintError.validation("Request ARN is invalid") }
        guard let principal = ParsedProviderArn(x.principalArn) else { throw MintError.validation("Principal ARN is invalid") }
        guard principal.account == role.account else {
            throw MintError.validation("Principal exists outside the account of the Role being assumed.")
        }
        guard role.account == configuration.accountID else {
            throw MintError.accessDenied("\(SAMLExchangeChecks.denied) (role account \(role.account) is not this broker's account \(configuration.accountID))")
        }
        return (role, principal)
    }

    /// §2.5 #3, #7: the provider exists, is the one gate verified against, and issued the assertion.
    func checkProvider(_ x: SAMLExchange, _ principal: ParsedProviderArn) throws -> SAMLProviderRecord {
        guard let p = snapshot.providers[principal.name] else {
            throw MintError.invalidIdentityToken("Specified provider doesn't exist. (no SAML provider named \(principal.name))")
        }
        guard x.claim.providerName == p.name else {
            throw MintError.invalidIdentityToken("The assertion was verified for provider '\(AuditEvent.cap(x.claim.providerName, 128))' but PrincipalArn names '\(p.name)'.")
        }
        guard x.claim.issuer == p.entityID else {
            throw MintError.invalidIdentityToken("Issuer not present in specified provider (expected entityID '\(AuditEvent.cap(p.entityID))', found '\(AuditEvent.cap(x.claim.issuer))').")
        }
        return p
    }

    /// §2.5 #8, #9: Recipient is one of our ACS URLs; an Audience is ours.
    func checkAudience(_ c: SAMLClaim) throws {
        guard configuration.acsURLs.contains(c.recipient) else {
            throw MintError.invalidIdentityToken("Recipient '\(AuditEvent.cap(c.recipient))' is not this broker's ACS URL (expected one of: \(configuration.acsURLs.joined(separator: ", "))).")
        }
        guard c.audiences.contains(where: configuration.audiences.contains) else {
            let found = c.audiences.prefix(5).map { AuditEvent.cap($0) }.joined(separator: ", ")
            throw MintError.invalidIdentityToken("Response does not contain the required audience (expected one of: \(configuration.audiences.joined(separator: ", ")); found: \(found.isEmpty ? "none" : found)).")
        }
    }

    /// §2.5 #11, #12 against mint's own clock, with the provider's skew.
    func checkTimes(_ c: SAMLClaim, _ p: ProviderPolicy) throws {
        // Bounded first, so no arithmetic below can overflow on a hostile value.
        let sane: ClosedRange<Int64> = 0...SAMLExchangeChecks.latestTime
        for (name, t) in [("IssueInstant", c.issueInstant), ("NotOnOrAfter", c.notOnOrAfter),
                          ("SessionNotOnOrAfter", c.sessionNotOnOrAfter ?? 0)] where !sane.contains(t) {
            throw MintError.invalidIdentityToken("\(name) \(t) is outside the supported time range.")
        }
        let skew = p.clockSkewSeconds
        guard c.notOnOrAfter + skew > now else {
            throw MintError.assertionExpired("Response has expired: NotOnOrAfter \(ISO8601.format(c.notOnOrAfter)) plus \(skew)s skew is not after now \(ISO8601.format(now)).")
        }
        guard c.issueInstant - skew <= now else {
            throw MintError.invalidIdentityToken("IssueInstant \(ISO8601.format(c.issueInstant)) is in the future (now \(ISO8601.format(now)), skew \(skew)s).")
        }
        guard c.issueInstant + p.maxAssertionAgeSeconds + skew >= now else {
            throw MintError.assertionExpired("Token must be redeemed within \(p.maxAssertionAgeSeconds) seconds of issuance (IssueInstant \(ISO8601.format(c.issueInstant)), now \(ISO8601.format(now)), skew \(skew)s).")
        }
    }

    /// §2.5 #10 and the provider's NameID policy.
    func checkSubject(_ c: SAMLClaim, _ p: ProviderPolicy) throws {
        guard !c.subject.isEmpty else { throw MintError.accessDenied("\(SAMLExchangeChecks.denied) (the assertion has no NameID)") }
        guard p.nameIDFormats.contains(c.subjectFormat) else {
            throw MintError.invalidIdentityToken("NameID Format '\(AuditEvent.cap(c.subjectFormat))' is not accepted by this provider (accepted: \(p.nameIDFormats.joined(separator: " "))).")
        }
    }

    /// §2.5 #13: the Role attribute must grant exactly this (role, provider) pair.
    func checkRolePair(_ x: SAMLExchange) throws {
        guard x.claim.rolePairs.contains(where: { $0.roleArn == x.roleArn && $0.principalArn == x.principalArn }) else {
            throw MintError.accessDenied("\(SAMLExchangeChecks.denied) (the assertion's Role attribute does not contain the pair \(x.roleArn),\(x.principalArn))")
        }
    }

    /// §2.3: RoleSessionName, SourceIdentity, session tags, condition keys.
    func checkSessionAttributes(_ c: SAMLClaim) throws {
        guard CharacterClasses.isValidSessionName(c.roleSessionName) else {
            throw MintError.invalidIdentityToken("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}")
        }
        if let s = c.sourceIdentity {
            guard CharacterClasses.isValidSessionName(s), !s.lowercased().hasPrefix("aws:") else {
                throw MintError.invalidIdentityToken("Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with \"aws:\"")
            }
        }
        if let d = c.sessionDuration, !(SessionDuration.minimum...SessionDuration.maximum).contains(d) {
            throw MintError.invalidIdentityToken("SessionDuration attribute \(d) must be from \(SessionDuration.minimum) to \(SessionDuration.maximum) seconds.")
        }
        guard c.principalTags.count <= IAMTags.maxTags else {
            throw MintError.invalidIdentityToken("The assertion carries \(c.principalTags.count) session tags; at most \(IAMTags.maxTags) are allowed.")
        }
        var keys = Set<String>()
        for t in c.principalTags {
            let kn = t.key.unicodeScalars.count, vn = t.value.unicodeScalars.count
            guard (1...128).contains(kn), CharacterClasses.all(t.key, CharacterClasses.isTagChar) else {
                throw MintError.invalidIdentityToken("Session tag key '\(AuditEvent.cap(t.key, 128))' must be 1-128 characters of \(CharacterClasses.tagPattern).")
            }
            guard vn <= 256, CharacterClasses.all(t.value, CharacterClasses.isTagChar) else {
                throw MintError.invalidIdentityToken("Session tag '\(t.key)' value must be at most 256 characters of \(CharacterClasses.tagPattern).")
            }
            guard keys.insert(t.key.lowercased()).inserted else {
                throw MintError.invalidIdentityToken("Session tag key '\(t.key)' appears more than once (keys are case-insensitive).")
            }
        }
        for k in c.transitiveTagKeys where !keys.contains(k.lowercased()) {
            throw MintError.invalidIdentityToken("Transitive tag key '\(AuditEvent.cap(k, 128))' is not one of the session tags.")
        }
        guard c.conditionKeys.count <= SAMLExchangeChecks.maxConditionKeys,
              c.conditionKeys.allSatisfy({ $0.0.hasPrefix("saml:") && $0.0.utf8.count <= 128 && $0.1.count <= SAMLExchangeChecks.maxConditionValues }) else {
            throw MintError.invalidIdentityToken("The assertion's saml:* attributes exceed the broker's limits (\(SAMLExchangeChecks.maxConditionKeys) keys, \(SAMLExchangeChecks.maxConditionValues) values each).")
        }
    }

    /// §2.5 #15: the role exists with exactly this (case-sensitive) name and path.
    func checkRole(_ x: SAMLExchange, _ arn: ParsedRoleArn) throws -> CachedRole {
        guard let role = snapshot.role(named: arn.name), role.record.name == arn.name, role.arn == x.roleArn else {
            throw MintError.accessDenied("\(SAMLExchangeChecks.denied) (no role \(x.roleArn))")
        }
        return role
    }

    /// §2.5 #17: the session policy is JSON and fits; returns PackedPolicySize (percent).
    func checkSessionPolicy(_ x: SAMLExchange) throws -> Int {
        var used = x.policyArns.reduce(0) { $0 + $1.utf8.count }
        for t in x.claim.principalTags { used += t.key.utf8.count + t.value.utf8.count }
        if let p = x.policy {
            guard p.unicodeScalars.count <= SAMLExchangeChecks.maxSessionPolicy else {
                throw MintError.packedPolicyTooLarge("Policy is \(p.unicodeScalars.count) characters; the limit is \(SAMLExchangeChecks.maxSessionPolicy).")
            }
            if let reason = JSONSyntax.objectError(p) {
                throw MintError.malformedPolicyDocument("Policy is not a JSON object: \(reason)")
            }
            used += p.utf8.count
        }
        // Our packing: plaintext policy + policy ARNs + tags against the 2048-character budget.
        let percent = (used * 100 + SAMLExchangeChecks.maxSessionPolicy - 1) / SAMLExchangeChecks.maxSessionPolicy
        guard percent <= 100 else {
            throw MintError.packedPolicyTooLarge("Session policy, policy ARNs and session tags use \(percent)% of the packed size limit.")
        }
        return percent
    }
}
