// AssumeRoleWithSAML on mint's side: re-check the claim, evaluate the role's trust
// policy, claim the assertion in the replay cache (last, so a refused request
// does not burn the assertion), then issue and seal the session.
import AWSAuth
import BrokerCore
import TrustPolicy

/// An exchange that passed every check before the replay claim.
struct PendingExchange {
    let exchange: SAMLExchange
    let checked: CheckedExchange
    let nameQualifier: String
    let now: Int64
    var event: AuditEvent
    let claim: ReplayClaim
}

extension MintService {
    func handleExchange(_ x: SAMLExchange) -> CallResult { handleExchanges([x])[0] }

    /// Exchanges that arrived together: each is checked on its own, then all that
    /// passed are claimed together (one journal write), then each is issued. Results
    /// and audit events are what handling them one after another gives.
    func handleExchanges(_ exchanges: [SAMLExchange]) -> [CallResult] {
        var results = [CallResult?](repeating: nil, count: exchanges.count)
        var pending: [(index: Int, exchange: PendingExchange)] = []
        for (i, x) in exchanges.enumerated() {
            switch prepareExchange(x) {
            case .success(let p): pending.append((i, p))
            case .failure(let r): results[i] = r.result
            }
        }
        guard !pending.isEmpty else { return results.map { $0! } }
        let claimed: Result<[Bool], Error> = Result { try replay.claimAll(pending.map(\.exchange.claim)) }
        for (n, (i, p)) in pending.enumerated() {
            results[i] = finishExchange(p, claimed: claimed.map { $0[n] })
        }
        return results.map { $0! }
    }

    /// A refusal already audited, as a Result's failure.
    struct Refused: Error { let result: CallResult }

    /// Every check before the claim: mint's re-check of the claim, then the role's trust policy.
    func prepareExchange(_ x: SAMLExchange) -> Result<PendingExchange, Refused> {
        let now = clock()
        maybePurgeReplay(now: now)
        let snap = snapshot
        let nameQualifier = NameQualifier.compute(issuer: x.claim.issuer, accountID: configuration.accountID,
                                                  providerName: x.claim.providerName)
        var event = AuditEvent(time: now, service: .sts, eventName: "AssumeRoleWithSAML", region: configuration.region, context: x.context)
        event.readOnly = true
        event.userIdentity = samlUserIdentity(x.claim, nameQualifier: nameQualifier)
        event.requestParameters = exchangeAuditParameters(x)
        event.recipientAccountID = configuration.accountID
        do {
            let checked = try SAMLExchangeChecks(configuration: configuration, snapshot: snap, now: now).run(x)
            try evaluateTrustPolicy(x, checked, nameQualifier: nameQualifier)
            return .success(PendingExchange(exchange: x, checked: checked, nameQualifier: nameQualifier, now: now, event: event,
                                            claim: replayClaim(x.claim, checked, now: now)))
        } catch {
            return .failure(Refused(result: refuse(&event, error)))
        }
    }

    /// Issues the session once the claim is in (or refuses: replay, or the replay store failed).
    func finishExchange(_ p: PendingExchange, claimed: Result<Bool, Error>) -> CallResult {
        var event = p.event
        let x = p.exchange
        do {
            guard try claimed.get() else { throw replayRefusal(x.claim, p.checked) }
            let issued = issueSession(x, p.checked, now: p.now)
            event.responseElements = issued.audit
            event.resources = exchangeResources(x)
            audit.append(event)
            return .success(action: "AssumeRoleWithSAML", service: .sts,
                            resultXML: resultXML(x, p.checked, issued.session, issued.token, nameQualifier: p.nameQualifier))
        } catch {
            return refuse(&event, error)
        }
    }

    private func refuse(_ event: inout AuditEvent, _ error: Error) -> CallResult {
        let wire = MintError.wire(error)
        event.error = wire
        audit.append(event)
        return .failure(service: .sts, error: wire)
    }

    // MARK: trust policy

    func evaluateTrustPolicy(_ x: SAMLExchange, _ checked: CheckedExchange, nameQualifier: String) throws {
        guard let policy = checked.role.policy else {
            throw MintError.accessDenied("\(SAMLExchangeChecks.denied) (trust policy: the role's stored trust policy does not parse)")
        }
        let c = x.claim
        var ctx = ConditionContext()
        ctx.set("saml:aud", [c.recipient])
        ctx.set("saml:sub", [c.subject])
        ctx.set("saml:sub_type", [SubjectType.from(format: c.subjectFormat)])
        ctx.set("saml:iss", [c.issuer])
        ctx.set("saml:namequalifier", [nameQualifier])
        ctx.set("saml:doc", ["\(configuration.accountID)/\(checked.provider.name)"])
        for (k, v) in c.conditionKeys { ctx.set(k, v) }
        ctx.set("sts:RoleSessionName", [c.roleSessionName])
        if let s = c.sourceIdentity { ctx.set("sts:SourceIdentity", [s]) }
        if !c.transitiveTagKeys.isEmpty { ctx.set("sts:TransitiveTagKeys", c.transitiveTagKeys) }
        for t in c.principalTags { ctx.set("aws:RequestTag/\(t.key)", [t.value]) }
        if !c.principalTags.isEmpty { ctx.set("aws:TagKeys", c.principalTags.map(\.key)) }
        ctx.set("aws:FederatedProvider", [checked.providerArn])

        var actions = ["sts:AssumeRoleWithSAML"]
        if !c.principalTags.isEmpty { actions.append("sts:TagSession") }
        if c.sourceIdentity != nil { actions.append("sts:SetSourceIdentity") }
        for action in actions {
            let decision = policy.evaluate(PolicyRequest(federatedPrincipal: checked.providerArn, action: action, context: ctx))
            switch decision {
            case .allow: continue
            case .explicitDeny(let reason), .implicitDeny(let reason):
                throw MintError.accessDenied("\(SAMLExchangeChecks.denied) (trust policy: \(action): \(reason))")
            }
        }
    }

    // MARK: replay

    /// Per role by default, per assertion when the provider is strict; the entry
    /// lives until the assertion could no longer be accepted anyway.
    func replayClaim(_ c: SAMLClaim, _ checked: CheckedExchange, now: Int64) -> ReplayClaim {
        ReplayClaim(issuer: c.issuer, assertionID: c.assertionID, issued: c.issueInstant,
                    scope: checked.providerPolicy.strictReplay ? "*" : checked.role.arn,
                    expires: c.notOnOrAfter + checked.providerPolicy.clockSkewSeconds, now: now)
    }

    func replayRefusal(_ c: SAMLClaim, _ checked: CheckedExchange) -> MintError {
        MintError.invalidIdentityToken("replay: assertion \(AuditEvent.cap(c.assertionID, 128)) was already exchanged"
            + (checked.providerPolicy.strictReplay ? "" : " for role \(checked.role.arn)"))
    }

    // MARK: issue

    func issueSession(_ x: SAMLExchange, _ checked: CheckedExchange, now: Int64) -> (session: SealedSession, token: String, audit: JSONText) {
        let c = x.claim
        let session = SealedSession(accessKeyID: CredentialFormat.newAccessKeyID(prefix: "ASIA"),
                                    secretAccessKey: CredentialFormat.newSecretAccessKey(),
                                    accountID: configuration.accountID, roleArn: checked.role.arn,
                                    roleID: checked.role.record.roleID, roleName: checked.role.record.name,
                                    sessionName: c.roleSessionName, subject: c.subject,
                                    subjectType: SubjectType.from(format: c.subjectFormat), issuer: c.issuer,
                                    providerArn: checked.providerArn, sourceIdentity: c.sourceIdentity,
                                    tags: c.principalTags, transitiveTagKeys: c.transitiveTagKeys,
                                    issuedAt: now, expiration: now + checked.durationSeconds)
        let token = sealer.seal(session)
        var creds = JSONText()
        creds.string("accessKeyId", session.accessKeyID)
        creds.string("expiration", ISO8601.format(session.expiration))
        var user = JSONText()
        user.string("assumedRoleId", session.assumedRoleID)
        user.string("arn", session.assumedRoleArn)
        var audit = JSONText()
        audit.object("credentials", creds)
        audit.object("assumedRoleUser", user)
        audit.int("packedPolicySize", Int64(checked.packedPolicySize))
        audit.string("subject", c.subject)
        audit.string("subjectType", session.subjectType)
        audit.string("issuer", c.issuer)
        audit.string("audience", c.recipient)
        audit.string("sourceIdentity", c.sourceIdentity)
        return (session, token, audit)
    }

    /// AssumeRoleWithSAMLResult in AWS's element order (aws-wire.md §2.2).
    func resultXML(_ x: SAMLExchange, _ checked: CheckedExchange, _ s: SealedSession, _ token: String, nameQualifier: String) -> String {
        var r = XMLText(capacity: 1024 + token.utf8.count)
        r.raw("<Credentials>")
        r.generatedElement("AccessKeyId", s.accessKeyID)
        r.generatedElement("SecretAccessKey", s.secretAccessKey)
        r.generatedElement("SessionToken", token)
        r.generatedElement("Expiration", ISO8601.format(s.expiration))
        r.raw("</Credentials><AssumedRoleUser>")
        r.element("AssumedRoleId", s.assumedRoleID)
        r.element("Arn", s.assumedRoleArn)
        r.raw("</AssumedRoleUser>")
        r.element("PackedPolicySize", String(checked.packedPolicySize))
        r.element("Subject", x.claim.subject)
        r.element("SubjectType", s.subjectType)
        r.element("Issuer", x.claim.issuer)
        r.element("Audience", x.claim.recipient)
        r.element("NameQualifier", nameQualifier)
        if let si = x.claim.sourceIdentity { r.element("SourceIdentity", si) }
        return r.string
    }

    // MARK: audit

    func samlUserIdentity(_ c: SAMLClaim, nameQualifier: String) -> JSONText {
        var j = JSONText()
        j.string("type", "SAMLUser")
        j.string("principalId", "\(nameQualifier):\(AuditEvent.cap(c.subject))")
        j.string("userName", AuditEvent.cap(c.subject))
        j.string("identityProvider", nameQualifier)
        return j
    }

    /// Never the assertion itself: its ID and the claim's non-secret fields.
    func exchangeAuditParameters(_ x: SAMLExchange) -> JSONText {
        var p = JSONText()
        p.string("sAMLAssertionID", AuditEvent.cap(x.claim.assertionID, 128))
        p.string("roleSessionName", AuditEvent.cap(x.claim.roleSessionName, 64))
        p.string("sourceIdentity", x.claim.sourceIdentity.map { AuditEvent.cap($0, 64) })
        if !x.claim.principalTags.isEmpty {
            var tags = JSONText()
            for t in x.claim.principalTags.prefix(50) { tags.string(AuditEvent.cap(t.key, 128), AuditEvent.cap(t.value)) }
            p.object("principalTags", tags)
        }
        if !x.claim.transitiveTagKeys.isEmpty { p.strings("transitiveTagKeys", x.claim.transitiveTagKeys.prefix(50).map { AuditEvent.cap($0, 128) }) }
        p.string("roleArn", AuditEvent.cap(x.roleArn))
        p.string("principalArn", AuditEvent.cap(x.principalArn))
        p.int("durationSeconds", x.durationSeconds)
        p.string("policy", x.policy.map { AuditEvent.cap($0, 512) })
        if !x.policyArns.isEmpty { p.strings("policyArns", x.policyArns.map { AuditEvent.cap($0) }) }
        return p
    }

    func exchangeResources(_ x: SAMLExchange) -> [JSONText] {
        var role = JSONText()
        role.string("ARN", x.roleArn); role.string("accountId", configuration.accountID); role.string("type", "AWS::IAM::Role")
        var provider = JSONText()
        provider.string("ARN", x.principalArn); provider.string("accountId", configuration.accountID); provider.string("type", "AWS::IAM::SAMLProvider")
        return [role, provider]
    }
}
