/// Step 4: which provider's keys may verify this response. Chosen by the
/// requested PrincipalArn AND the Issuer together, so one IdP's keys can never
/// vouch for another's assertions (threats §C5 issuer confusion).
enum ProviderSelection {
    /// Issuer of an element: nil when absent, rejection when not a single text node.
    static func issuer(of element: XMLNodePtr, what: String, limits: SAMLValidationLimits) throws -> String? {
        let issuers = element.children("Issuer", XMLNamespace.samlAssertion)
        guard !issuers.isEmpty else { return nil }
        guard issuers.count == 1 else { throw SAMLRejection(.issuer, "\(what) has \(issuers.count) Issuer elements (expected one)") }
        switch issuers[0].singleText {
        case .text(let s) where !s.isEmpty && s.utf8.count <= limits.maxTextLength: return s
        case .mixed(let why): throw SAMLRejection(.issuer, "\(what) Issuer must be a single text node (found \(why))")
        default: throw SAMLRejection(.issuer, "\(what) Issuer is empty or too long")
        }
    }

    enum Request {
        case principalArn(String)     // AssumeRoleWithSAML: the caller named the provider
        case name(String)             // explain: the admin named it
        case byIssuer                 // explain / console flow: the one provider with that entityID
    }

    static func select(_ request: Request, layout: ResponseLayout, trust: SAMLTrustStore,
                       limits: SAMLValidationLimits, trace: CheckTrace?) throws -> (TrustedProvider, String) {
        guard let assertionIssuer = try issuer(of: layout.assertion, what: "Assertion", limits: limits) else {
            throw SAMLRejection(.issuer, "Assertion has no Issuer")
        }
        if let responseIssuer = try issuer(of: layout.root, what: "Response", limits: limits), responseIssuer != assertionIssuer {
            throw SAMLRejection(.issuer, "Response Issuer \(MessageText.quote(responseIssuer)) differs from Assertion Issuer \(MessageText.quote(assertionIssuer))")
        }
        let provider: TrustedProvider
        switch request {
        case .principalArn(let arn):
            guard let p = trust.provider(arn: arn) else {
                throw SAMLRejection(.provider, "Specified provider doesn't exist (PrincipalArn \(MessageText.quote(arn)))")
            }
            provider = p
        case .name(let name):
            guard let p = trust.provider(name: name) else {
                throw SAMLRejection(.provider, "no SAML provider named \(MessageText.quote(name))")
            }
            provider = p
        case .byIssuer:
            let matches = trust.providers(entityID: assertionIssuer)
            guard matches.count == 1, let p = matches.first else {
                throw SAMLRejection(.provider, matches.isEmpty
                    ? "no SAML provider has entityID \(MessageText.quote(assertionIssuer))"
                    : "\(matches.count) providers share entityID \(MessageText.quote(assertionIssuer)); name one")
            }
            provider = p
        }
        guard !provider.usableKeys.isEmpty else {
            throw SAMLRejection(.provider, "provider \(MessageText.quote(provider.anchor.name)) has no usable signing certificate; refusing every response (fail closed)")
        }
        trace?.pass(.provider, "\(provider.anchor.name) (\(provider.anchor.arn)), \(provider.usableKeys.count) signing certificate(s)")
        guard provider.anchor.entityID == assertionIssuer else {
            throw SAMLRejection(.issuer, "Issuer not present in specified provider: expected \(MessageText.quote(provider.anchor.entityID)) (provider \(provider.anchor.name)), found \(MessageText.quote(assertionIssuer))")
        }
        trace?.pass(.issuer, assertionIssuer)
        return (provider, assertionIssuer)
    }
}
