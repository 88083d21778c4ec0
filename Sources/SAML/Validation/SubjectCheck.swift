/// NameID rules (threats §C2, ARCHITECTURE "NameID format"): one NameID, a
/// single text node, a Format the provider accepts, and for emailAddress a
/// well-formed address.
enum SubjectCheck {
    static let unspecifiedFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    static let emailFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"

    static func nameID(_ subject: XMLNodePtr, policy: ProviderPolicyView, limits: SAMLValidationLimits, trace: CheckTrace?) throws -> (String, String) {
        let ids = subject.children("NameID", XMLNamespace.samlAssertion)
        guard ids.count == 1 else {
            throw SAMLRejection(.nameID, "Subject must contain exactly one NameID (found \(ids.count); EncryptedID/BaseID are not supported)")
        }
        let format = ids[0].attribute("Format") ?? unspecifiedFormat
        guard policy.nameIDFormats.contains(format) else {
            throw SAMLRejection(.nameIDFormat, "NameID Format is \(MessageText.quote(format)), expected one of \(MessageText.list(policy.nameIDFormats))")
        }
        trace?.pass(.nameIDFormat, format)
        let value: String
        switch ids[0].singleText {
        case .text(let s): value = s
        case .empty: throw SAMLRejection(.nameID, "NameID is empty")
        case .mixed(let why): throw SAMLRejection(.nameID, "NameID must be a single text node (found \(why))")
        }
        guard value.utf8.count <= min(limits.maxTextLength, 1024) else {
            throw SAMLRejection(.nameID, "NameID longer than \(min(limits.maxTextLength, 1024)) bytes")
        }
        if format == emailFormat, let problem = EmailAddress.problem(value) {
            throw SAMLRejection(.nameID, "NameID \(MessageText.quote(value)) is not a well-formed email address: \(problem)")
        }
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw SAMLRejection(.nameID, "NameID contains control characters")
        }
        trace?.pass(.nameID, value)
        return (value, format)
    }
}

/// A deliberately narrow address grammar: what IdPs emit for real users
/// (ASCII local@domain.tld). Anything fancier is refused, not normalised.
enum EmailAddress {
    static func problem(_ s: String) -> String? {
        let b = Array(s.utf8)
        guard b.count >= 3, b.count <= 254 else { return "length must be 3 to 254 (found \(b.count))" }
        let ats = b.indices.filter { b[$0] == 0x40 }
        guard ats.count == 1, let at = ats.first else { return "expected exactly one @ (found \(ats.count))" }
        let local = b[..<at], domain = b[(at + 1)...]
        guard !local.isEmpty, local.count <= 64 else { return "local part must be 1 to 64 characters" }
        let localSpecials = Set("!#$%&'*+/=?^_`{|}~.-".utf8)
        for c in local where !(isAlnum(c) || localSpecials.contains(c)) {
            return "character \(MessageText.quote(String(decoding: [c], as: UTF8.self))) not allowed in the local part"
        }
        guard local.first != 0x2E, local.last != 0x2E, !hasDoubleDot(local) else { return "local part has a misplaced dot" }
        let labels = domain.split(separator: 0x2E, omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return "domain must contain a dot" }
        for label in labels {
            guard !label.isEmpty, label.count <= 63 else { return "domain has an empty or over-long label" }
            guard label.first != 0x2D, label.last != 0x2D else { return "domain label starts or ends with '-'" }
            for c in label where !(isAlnum(c) || c == 0x2D) {
                return "character \(MessageText.quote(String(decoding: [c], as: UTF8.self))) not allowed in the domain"
            }
        }
        return nil
    }

    private static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
    }

    private static func hasDoubleDot(_ s: ArraySlice<UInt8>) -> Bool {
        var prev: UInt8 = 0
        for c in s { if c == 0x2E && prev == 0x2E { return true }; prev = c }
        return false
    }
}
