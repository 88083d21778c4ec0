import BrokerCore
import CXMLSec

/// The whole pipeline, in the order ARCHITECTURE.md "Validation" prescribes.
/// Stateless and cheap to copy: one per gate, used from any thread.
public struct SAMLValidator: Sendable {
    public let settings: ServiceProviderSettings
    public let limits: SAMLValidationLimits

    public init(settings: ServiceProviderSettings, limits: SAMLValidationLimits = .init()) {
        self.settings = settings
        self.limits = limits
    }

    /// Full pipeline. `samlAssertion` is the SAMLAssertion parameter (base64 of the whole samlp:Response).
    /// `principalArn` selects the provider together with the Issuer (empty: the one provider whose
    /// entityID equals the Issuer). `roleArn` must be paired with it in the Role attribute (empty:
    /// console chooser — every pair naming the provider is returned and the caller must pick one of them).
    public func validate(samlAssertion: String, principalArn: String, roleArn: String,
                         trust: SAMLTrustStore, now: Int64) -> Result<SAMLClaim, SAMLRejection> {
        var assertionID: String?
        do {
            if let problem = RequestShape.problem(principalArn: principalArn, roleArn: roleArn) {
                throw SAMLRejection(.request, problem)
            }
            let bytes = try DocumentIntake.decodeParameter(samlAssertion, limits: limits, trace: nil)
            let selection: ProviderSelection.Request = principalArn.isEmpty ? .byIssuer : .principalArn(principalArn)
            // libxml2/xmlsec allocate from a per-thread region while one response is
            // handled (CXMLSec/XMLArena.c); the document is freed when run returns.
            cxs_arena_begin()
            defer { cxs_arena_end() }
            return .success(try run(bytes, selection: selection, roleArn: roleArn, trust: trust, now: now,
                                    trace: nil, assertionID: &assertionID))
        } catch let r as SAMLRejection {
            return .failure(r.with(assertionID: assertionID))
        } catch {
            return .failure(SAMLRejection(.xmlParse, "unexpected failure").with(assertionID: assertionID))
        }
    }

    /// Same pipeline, offline, recording every check (for `broker explain FILE`).
    /// `document` may be the XML or its base64; `providerName` nil = choose by Issuer.
    /// No Role pair is required (none was requested); all pairs naming the provider are listed.
    public func explain(document: [UInt8], providerName: String?, trust: SAMLTrustStore, now: Int64) -> SAMLExplanation {
        let trace = CheckTrace()
        var assertionID: String?
        do {
            let xml: [UInt8]
            if document.first(where: { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) }) == 0x3C {
                guard document.count <= limits.maxDecodedBytes else {
                    throw SAMLRejection(.size, "document is \(document.count) bytes (limit \(limits.maxDecodedBytes))")
                }
                trace.pass(.size, "\(document.count) bytes of XML (limit \(limits.maxDecodedBytes))")
                xml = document
            } else {
                xml = try DocumentIntake.decodeParameter(String(decoding: document, as: UTF8.self), limits: limits, trace: trace)
            }
            let selection: ProviderSelection.Request = providerName.map { .name($0) } ?? .byIssuer
            let claim = try run(xml, selection: selection, roleArn: "", trust: trust, now: now, trace: trace, assertionID: &assertionID)
            return SAMLExplanation(steps: trace.steps, claim: claim)
        } catch let r as SAMLRejection {
            trace.fail(r)
            return SAMLExplanation(steps: trace.steps, claim: nil)
        } catch {
            trace.fail(SAMLRejection(.xmlParse, "unexpected failure"))
            return SAMLExplanation(steps: trace.steps, claim: nil)
        }
    }

    private func run(_ xml: [UInt8], selection: ProviderSelection.Request, roleArn: String, trust: SAMLTrustStore,
                     now: Int64, trace: CheckTrace?, assertionID: inout String?) throws -> SAMLClaim {
        let document = try DocumentIntake.parse(xml, trace: trace)
        let layout = try StructureScan.scan(document, limits: limits, trace: trace)
        assertionID = layout.assertionID
        let (provider, issuer) = try ProviderSelection.select(selection, layout: layout, trust: trust, limits: limits, trace: trace)
        let policy = ProviderPolicyView(provider.anchor.policy)

        // Signatures: mandatory, each verified, at least one covering the Assertion
        // (a signed Response covers its one direct-child Assertion).
        guard !layout.signatures.isEmpty else {
            throw SAMLRejection(.signature, "neither the Response nor the Assertion is signed (a signature is mandatory)")
        }
        let shapes = try layout.signatures.map { try SignatureShapeCheck.check($0, layout: layout, allowSHA1: policy.allowSHA1) }
        for parent in [layout.root, layout.assertion] where shapes.filter({ $0.parent == parent }).count > 1 {
            throw SAMLRejection(.structure, "\(parent == layout.root ? "Response" : "Assertion") carries more than one ds:Signature")
        }
        trace?.pass(.certificateMatch, shapes.contains { !$0.embeddedCertificates.isEmpty }
            ? "KeyInfo certificate will be matched against metadata" : "no KeyInfo certificate; every metadata certificate will be tried")
        trace?.pass(.signatureAlgorithm, shapes.map { "\($0.signatureMethod) / \($0.digestMethod)" }.joined(separator: "; "))
        trace?.pass(.transforms, "enveloped-signature / exclusive C14N only")
        trace?.pass(.reference, shapes.map { $0.expectedURI }.joined(separator: ", "))
        var verifiedBy: [String] = []
        for shape in shapes {
            let key = try SignatureVerification.verify(shape, layout: layout, document: document, provider: provider)
            verifiedBy.append("\(shape.parent == layout.root ? "Response" : "Assertion") signed by SHA-256 \(key.fingerprint)")
        }
        trace?.pass(.signature, verifiedBy.joined(separator: "; "))
        let responseSigned = shapes.contains { $0.parent == layout.root }

        // Everything below reads only layout.root / layout.assertion: the nodes the
        // verified references named.
        let profile = ProfileChecks(settings: settings, policy: policy, limits: limits, now: now, trace: trace)
        try profile.status(layout.root)
        try profile.destination(layout.root, responseSigned: responseSigned)
        let (audiences, conditionsNotOnOrAfter) = try profile.conditions(layout.assertion)
        let subjects = layout.assertion.children("Subject", XMLNamespace.samlAssertion)
        guard subjects.count == 1 else {
            throw SAMLRejection(.nameID, "Assertion must contain exactly one Subject (found \(subjects.count))")
        }
        let (recipient, bearerNotOnOrAfter) = try profile.bearer(subjects[0])
        let notOnOrAfter = min(conditionsNotOnOrAfter ?? bearerNotOnOrAfter, bearerNotOnOrAfter)
        trace?.pass(.notOnOrAfter, "\(MessageText.time(notOnOrAfter)) > \(MessageText.time(now)) - \(policy.skew)s")
        let issueInstant = try profile.issueInstant(layout.assertion)
        let (subject, subjectFormat) = try SubjectCheck.nameID(subjects[0], policy: policy, limits: limits, trace: trace)

        let attributes = try AttributeStatementReader.read(layout.assertion, limits: limits)
        trace?.pass(.attributes, "\(attributes.count) attribute(s)")
        let aws = AWSAttributes(attributes: attributes, trace: trace)
        let pairs = try aws.rolePairs(provider: provider.anchor, requestedRole: roleArn)
        let sessionName = try aws.roleSessionName()
        let duration = try aws.sessionDuration()
        let sessionNotOnOrAfter = try sessionLimit(layout.assertion, profile: profile, now: now, trace: trace)
        let tags = try aws.principalTags()
        let transitive = try aws.transitiveTagKeys(tags: tags)
        let sourceIdentity = try aws.sourceIdentity()

        return SAMLClaim(providerName: provider.anchor.name, issuer: issuer, subject: subject, subjectFormat: subjectFormat,
                         recipient: recipient, audiences: audiences, assertionID: layout.assertionID,
                         issueInstant: issueInstant, notOnOrAfter: notOnOrAfter, rolePairs: pairs,
                         roleSessionName: sessionName, sessionDuration: duration, sessionNotOnOrAfter: sessionNotOnOrAfter,
                         principalTags: tags, transitiveTagKeys: transitive, sourceIdentity: sourceIdentity,
                         conditionKeys: ConditionKeyMapping.map(attributes))
    }

    /// AuthnStatement/@SessionNotOnOrAfter: the earliest one, which must still lie ahead.
    private func sessionLimit(_ assertion: XMLNodePtr, profile: ProfileChecks, now: Int64, trace: CheckTrace?) throws -> Int64? {
        var earliest: Int64?
        for statement in assertion.children("AuthnStatement", XMLNamespace.samlAssertion) {
            if let t = try profile.time(statement, "SessionNotOnOrAfter", check: .sessionNotOnOrAfter, what: "AuthnStatement") {
                earliest = min(earliest ?? t, t)
            }
        }
        if let t = earliest {
            guard t > now else {
                throw SAMLRejection(.sessionNotOnOrAfter, "AuthnStatement SessionNotOnOrAfter \(MessageText.time(t)) has passed (broker clock \(MessageText.time(now)))", outcome: .expired)
            }
            trace?.pass(.sessionNotOnOrAfter, MessageText.time(t))
        }
        return earliest
    }
}

/// Request-parameter shapes (aws-wire.md §2.5 row 1–2), checked before any decoding.
enum RequestShape {
    static func problem(principalArn: String, roleArn: String) -> String? {
        var errors: [String] = []
        if !principalArn.isEmpty, AttributeARN.parse(principalArn).map({ if case .samlProvider = $0 { return true }; return false }) != true {
            errors.append("Principal ARN is invalid (expected arn:aws:iam::<account>:saml-provider/<name>)")
        }
        if !roleArn.isEmpty, AttributeARN.parse(roleArn).map({ if case .role = $0 { return true }; return false }) != true {
            errors.append("Request ARN is invalid (expected arn:aws:iam::<account>:role/<name>)")
        }
        if errors.isEmpty, !principalArn.isEmpty, !roleArn.isEmpty,
           !AttributeARN.account(principalArn).utf8.elementsEqual(AttributeARN.account(roleArn).utf8) {
            errors.append("Principal exists outside the account of the Role being assumed.")
        }
        return errors.isEmpty ? nil : errors.joined(separator: "; ")
    }
}
