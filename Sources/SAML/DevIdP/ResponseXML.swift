import BrokerCore

/// Builds the unsigned samlp:Response text (with ds:Signature templates where the
/// spec asks for signatures). Text building, not a DOM: it is the fast path of
/// benchmark fixture generation.
enum ResponseXML {
    /// The one XML escaper the project has (also used for the Query API's XML).
    static func escape(_ s: String) -> String { AWSXML.escape(s) }

    static func signatureTemplate(referenceID: String, algorithm: DevIdP.ResponseSpec.Algorithm) -> String {
        let sha256 = "http://www.w3.org/2001/04/xmlenc#sha256"
        let (sig, digest) = switch algorithm {
        case .rsaSHA256: ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", sha256)
        case .rsaPSSSHA256: (SignatureAlgorithms.rsaPSSSHA256, sha256)
        case .rsaSHA1: ("http://www.w3.org/2000/09/xmldsig#rsa-sha1", "http://www.w3.org/2000/09/xmldsig#sha1")
        }
        return "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"><ds:SignedInfo>"
            + "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
            + "<ds:SignatureMethod Algorithm=\"\(sig)\"/>"
            + "<ds:Reference URI=\"#\(escape(referenceID))\"><ds:Transforms>"
            + "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
            + "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/></ds:Transforms>"
            + "<ds:DigestMethod Algorithm=\"\(digest)\"/><ds:DigestValue></ds:DigestValue></ds:Reference>"
            + "</ds:SignedInfo><ds:SignatureValue></ds:SignatureValue></ds:Signature>"
    }

    static func build(_ s: DevIdP.ResponseSpec) -> String {
        let t = XSDateTime.format
        var attrs = ""
        func attribute(_ name: String, _ values: [String]) {
            attrs += "<saml:Attribute Name=\"\(escape(name))\" NameFormat=\"urn:oasis:names:tc:SAML:2.0:attrname-format:uri\">"
            for v in values { attrs += "<saml:AttributeValue xsi:type=\"xs:string\">\(escape(v))</saml:AttributeValue>" }
            attrs += "</saml:Attribute>"
        }
        if !s.roles.isEmpty {
            attribute("https://aws.amazon.com/SAML/Attributes/Role",
                      s.roles.map { s.reversedRolePairs ? "\($0.providerArn),\($0.roleArn)" : "\($0.roleArn),\($0.providerArn)" })
        }
        if let n = s.sessionName { attribute("https://aws.amazon.com/SAML/Attributes/RoleSessionName", [n]) }
        if let d = s.sessionDuration { attribute("https://aws.amazon.com/SAML/Attributes/SessionDuration", [String(d)]) }
        for tag in s.tags { attribute("https://aws.amazon.com/SAML/Attributes/PrincipalTag:\(tag.key)", [tag.value]) }
        if !s.transitiveTagKeys.isEmpty { attribute("https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys", s.transitiveTagKeys) }
        if let si = s.sourceIdentity { attribute("https://aws.amazon.com/SAML/Attributes/SourceIdentity", [si]) }
        for extra in s.extraAttributes { attribute(extra.name, extra.values) }

        let responseSig = (s.sign == .response || s.sign == .both) ? signatureTemplate(referenceID: s.responseID, algorithm: s.algorithm) : ""
        let assertionSig = (s.sign == .assertion || s.sign == .both) ? signatureTemplate(referenceID: s.assertionID, algorithm: s.algorithm) : ""
        let destination = s.destination.map { " Destination=\"\(escape($0))\"" } ?? ""
        let format = s.nameIDFormat.map { " Format=\"\(escape($0))\"" } ?? ""
        let notBefore = s.notBefore.map { " NotBefore=\"\(t($0))\"" } ?? ""
        let sessionNotOnOrAfter = s.sessionNotOnOrAfter.map { " SessionNotOnOrAfter=\"\(t($0))\"" } ?? ""
        let issuer = "<saml:Issuer>\(escape(s.issuer))</saml:Issuer>"

        return "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\""
            + " ID=\"\(escape(s.responseID))\" Version=\"2.0\" IssueInstant=\"\(t(s.issueInstant))\"\(destination)>"
            + issuer + responseSig
            + "<samlp:Status><samlp:StatusCode Value=\"\(escape(s.statusCode))\"/></samlp:Status>"
            + "<saml:Assertion xmlns:xs=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
            + " ID=\"\(escape(s.assertionID))\" Version=\"2.0\" IssueInstant=\"\(t(s.issueInstant))\">"
            + issuer + assertionSig
            + "<saml:Subject><saml:NameID\(format)>\(escape(s.nameID))</saml:NameID>"
            + "<saml:SubjectConfirmation Method=\"urn:oasis:names:tc:SAML:2.0:cm:bearer\">"
            + "<saml:SubjectConfirmationData NotOnOrAfter=\"\(t(s.bearerNotOnOrAfter))\" Recipient=\"\(escape(s.recipient))\"/>"
            + "</saml:SubjectConfirmation></saml:Subject>"
            + "<saml:Conditions\(notBefore) NotOnOrAfter=\"\(t(s.notOnOrAfter))\">"
            + "<saml:AudienceRestriction><saml:Audience>\(escape(s.audience))</saml:Audience></saml:AudienceRestriction></saml:Conditions>"
            + "<saml:AuthnStatement AuthnInstant=\"\(t(s.issueInstant))\" SessionIndex=\"\(escape(s.assertionID))\"\(sessionNotOnOrAfter)>"
            + "<saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"
            + (attrs.isEmpty ? "" : "<saml:AttributeStatement>\(attrs)</saml:AttributeStatement>")
            + "</saml:Assertion></samlp:Response>"
    }
}
