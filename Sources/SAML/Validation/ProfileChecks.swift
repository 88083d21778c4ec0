/// Step 6: SAML Web SSO profile rules, read only from the verified Response and
/// the one Assertion it holds (threats R0, §C5).
struct ProfileChecks {
    let settings: ServiceProviderSettings
    let policy: ProviderPolicyView
    let limits: SAMLValidationLimits
    let now: Int64
    let trace: CheckTrace?

    static let successStatus = "urn:oasis:names:tc:SAML:2.0:status:Success"
    static let bearerMethod = "urn:oasis:names:tc:SAML:2.0:cm:bearer"

    func status(_ root: XMLNodePtr) throws {
        let statuses = root.children("Status", XMLNamespace.samlProtocol)
        guard statuses.count == 1 else {
            throw SAMLRejection(.status, "Response must contain exactly one samlp:Status (found \(statuses.count))")
        }
        let codes = statuses[0].children("StatusCode", XMLNamespace.samlProtocol)
        let value = codes.count == 1 ? (codes[0].attribute("Value") ?? "") : ""
        guard value == ProfileChecks.successStatus else {
            throw SAMLRejection(.status, "top-level StatusCode is \(MessageText.quote(value)), expected \(MessageText.quote(ProfileChecks.successStatus))")
        }
        trace?.pass(.status, "Success")
    }

    func destination(_ root: XMLNodePtr, responseSigned: Bool) throws {
        guard let dest = root.attribute("Destination") else {
            if responseSigned {
                throw SAMLRejection(.destination, "a signed Response must carry Destination (expected one of \(MessageText.list(settings.acsURLs)))")
            }
            trace?.pass(.destination, "absent (allowed: the Response itself is not signed)")
            return
        }
        guard settings.acsURLs.contains(dest) else {
            throw SAMLRejection(.destination, "Response Destination is \(MessageText.quote(dest)), expected one of \(MessageText.list(settings.acsURLs))")
        }
        trace?.pass(.destination, dest)
    }

    /// Conditions (mandatory) with its time window and audiences. Returns (audiences, NotOnOrAfter).
    func conditions(_ assertion: XMLNodePtr) throws -> ([String], Int64?) {
        let all = assertion.children("Conditions", XMLNamespace.samlAssertion)
        guard all.count == 1 else {
            throw SAMLRejection(.conditions, "Assertion must contain exactly one Conditions element (found \(all.count))")
        }
        let conditions = all[0]
        trace?.pass(.conditions, "present")
        let notBefore = try time(conditions, "NotBefore", check: .notBefore, what: "Conditions")
        let notOnOrAfter = try time(conditions, "NotOnOrAfter", check: .notOnOrAfter, what: "Conditions")

        var audiences: [String] = []
        let restrictions = conditions.children("AudienceRestriction", XMLNamespace.samlAssertion)
        guard !restrictions.isEmpty else {
            throw SAMLRejection(.audience, "Conditions has no AudienceRestriction (expected one naming \(MessageText.list(settings.audiences)))")
        }
        // Several AudienceRestriction elements must ALL be satisfied (SAML core §2.5.1.4).
        for restriction in restrictions {
            var values: [String] = []
            for a in restriction.children("Audience", XMLNamespace.samlAssertion) {
                values.append(try text(a, check: .audience, what: "Audience"))
            }
            guard values.contains(where: settings.audiences.contains) else {
                throw SAMLRejection(.audience, "Response does not contain the required audience: expected one of \(MessageText.list(settings.audiences)), found \(MessageText.list(values))")
            }
            audiences += values
        }
        trace?.pass(.audience, MessageText.list(audiences))

        if let nb = notBefore {
            guard now + policy.skew >= nb else {
                throw SAMLRejection(.notBefore, "assertion not yet valid: Conditions NotBefore is \(MessageText.time(nb)), broker clock \(MessageText.time(now)) (skew \(policy.skew)s)")
            }
            trace?.pass(.notBefore, "\(MessageText.time(nb)) <= \(MessageText.time(now)) + \(policy.skew)s")
        } else {
            trace?.pass(.notBefore, "Conditions NotBefore absent")
        }
        if let na = notOnOrAfter {
            guard now - policy.skew < na else {
                throw SAMLRejection(.notOnOrAfter, "assertion expired: Conditions NotOnOrAfter is \(MessageText.time(na)), broker clock \(MessageText.time(now)) (skew \(policy.skew)s)")
            }
        }
        return (audiences, notOnOrAfter)
    }

    /// Exactly one bearer SubjectConfirmation with Recipient and NotOnOrAfter. Returns (recipient, NotOnOrAfter).
    func bearer(_ subject: XMLNodePtr) throws -> (String, Int64) {
        let bearers = subject.children("SubjectConfirmation", XMLNamespace.samlAssertion)
            .filter { $0.attribute("Method") == ProfileChecks.bearerMethod }
        guard bearers.count == 1 else {
            throw SAMLRejection(.bearer, "Subject must contain exactly one bearer SubjectConfirmation (Method \(ProfileChecks.bearerMethod)), found \(bearers.count)")
        }
        let data = bearers[0].children("SubjectConfirmationData", XMLNamespace.samlAssertion)
        guard data.count == 1 else {
            throw SAMLRejection(.bearer, "bearer SubjectConfirmation must contain one SubjectConfirmationData (found \(data.count))")
        }
        trace?.pass(.bearer, "one bearer SubjectConfirmation")
        guard let recipient = data[0].attribute("Recipient") else {
            throw SAMLRejection(.recipient, "SubjectConfirmationData has no Recipient (expected one of \(MessageText.list(settings.acsURLs)))")
        }
        guard settings.acsURLs.contains(recipient) else {
            throw SAMLRejection(.recipient, "SubjectConfirmationData Recipient is \(MessageText.quote(recipient)), expected one of \(MessageText.list(settings.acsURLs))")
        }
        trace?.pass(.recipient, recipient)
        if let nb = try time(data[0], "NotBefore", check: .notBefore, what: "SubjectConfirmationData"), now + policy.skew < nb {
            throw SAMLRejection(.notBefore, "SubjectConfirmationData NotBefore is \(MessageText.time(nb)), broker clock \(MessageText.time(now)) (skew \(policy.skew)s)")
        }
        guard let na = try time(data[0], "NotOnOrAfter", check: .notOnOrAfter, what: "SubjectConfirmationData") else {
            throw SAMLRejection(.bearer, "SubjectConfirmationData has no NotOnOrAfter")
        }
        guard now - policy.skew < na else {
            throw SAMLRejection(.notOnOrAfter, "assertion expired: SubjectConfirmationData NotOnOrAfter is \(MessageText.time(na)), broker clock \(MessageText.time(now)) (skew \(policy.skew)s)")
        }
        return (recipient, na)
    }

    func issueInstant(_ assertion: XMLNodePtr) throws -> Int64 {
        guard let raw = assertion.attribute("IssueInstant"), let t = XSDateTime.parse(raw) else {
            throw SAMLRejection(.issueInstant, "Assertion IssueInstant missing or not an xs:dateTime with a zone")
        }
        guard t <= now + policy.skew else {
            throw SAMLRejection(.issueInstant, "Assertion IssueInstant \(MessageText.time(t)) is in the future (broker clock \(MessageText.time(now)), skew \(policy.skew)s)")
        }
        guard now - t <= policy.maxAge + policy.skew else {
            throw SAMLRejection(.issueInstant, "Token must be redeemed within \(policy.maxAge) seconds of issuance: IssueInstant \(MessageText.time(t)), broker clock \(MessageText.time(now)) (skew \(policy.skew)s)", outcome: .expired)
        }
        trace?.pass(.issueInstant, "\(MessageText.time(t)), \(now - t)s old (limit \(policy.maxAge)s + \(policy.skew)s skew)")
        return t
    }

    // MARK: helpers

    func time(_ node: XMLNodePtr, _ name: String, check: SAMLCheck, what: String) throws -> Int64? {
        guard let raw = node.attribute(name) else { return nil }
        guard let t = XSDateTime.parse(raw) else {
            throw SAMLRejection(check, "\(what) \(name) \(MessageText.quote(raw)) is not an xs:dateTime with a zone")
        }
        return t
    }

    func text(_ node: XMLNodePtr, check: SAMLCheck, what: String) throws -> String {
        switch node.singleText {
        case .text(let s):
            guard s.utf8.count <= limits.maxTextLength else {
                throw SAMLRejection(check, "\(what) longer than \(limits.maxTextLength) bytes")
            }
            return s
        case .empty: return ""
        case .mixed(let why): throw SAMLRejection(check, "\(what) must be a single text node (found \(why))")
        }
    }
}

/// The parts of ProviderPolicy the checks use, clamped to sane bounds so a
/// misconfigured policy cannot disable a check (skew is at most 300 s).
struct ProviderPolicyView {
    let skew: Int64
    let maxAge: Int64
    let nameIDFormats: [String]
    let allowSHA1: Bool

    init(_ p: BrokerCorePolicy) {
        skew = min(max(p.clockSkewSeconds, 0), 300)
        maxAge = min(max(p.maxAssertionAgeSeconds, 0), 86_400)
        nameIDFormats = p.nameIDFormats
        allowSHA1 = p.allowSHA1
    }
}
