import BrokerCore
#if canImport(Glibc)
import Glibc
#endif

/// Step 7: the AWS attributes (aws-wire.md §2.3), with AWS's own messages where
/// AWS documents them.
struct AWSAttributes {
    static let prefix = "https://aws.amazon.com/SAML/Attributes/"
    static let role = prefix + "Role"
    static let roleSessionName = prefix + "RoleSessionName"
    static let sessionDuration = prefix + "SessionDuration"
    static let principalTagPrefix = prefix + "PrincipalTag:"
    static let transitiveTagKeys = prefix + "TransitiveTagKeys"
    static let sourceIdentity = prefix + "SourceIdentity"

    let attributes: [(name: String, values: [String])]
    let trace: CheckTrace?

    func values(_ name: String) -> [String]? { attributes.first { $0.name == name }?.values }

    /// All pairs this provider vouches for; the requested pair must be among them
    /// unless `requestedRole` is empty (console chooser: the caller picks later).
    func rolePairs(provider: SAMLProviderAnchor, requestedRole: String) throws -> [RolePair] {
        guard let raw = values(AWSAttributes.role), !raw.isEmpty else {
            throw SAMLRejection(.roleAttribute, "required attribute \(AWSAttributes.role) is missing or has no value")
        }
        var pairs: [RolePair] = []
        for value in raw {
            let parts = value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false)
                .map { trimmedSpaces($0) }
            guard parts.count == 2, let a = AttributeARN.parse(parts[0]), let b = AttributeARN.parse(parts[1]) else {
                throw SAMLRejection(.roleAttribute, "Role value \(MessageText.quote(value)) is not \"roleArn,providerArn\" with two well-formed ARNs")
            }
            switch (a, b) {
            case (.role(let r), .samlProvider(let p)), (.samlProvider(let p), .role(let r)):
                pairs.append(RolePair(roleArn: r, principalArn: p))
            default:
                throw SAMLRejection(.roleAttribute, "Role value \(MessageText.quote(value)) must pair one role ARN with one saml-provider ARN")
            }
        }
        // Only pairs naming the verifying provider: an IdP may not vouch for roles
        // through someone else's provider.
        let mine = pairs.filter { $0.principalArn == provider.arn }
        trace?.pass(.roleAttribute, "\(pairs.count) pair(s), \(mine.count) naming provider \(provider.name)")
        if requestedRole.isEmpty {
            guard !mine.isEmpty else {
                throw SAMLRejection(.rolePair, "no Role value names provider \(MessageText.quote(provider.arn))")
            }
            return mine
        }
        guard mine.contains(where: { $0.roleArn == requestedRole }) else {
            let present = pairs.map { "\(AttributeARN.roleName($0.roleArn)) via \(AttributeARN.roleName($0.principalArn))" }
            throw SAMLRejection(.rolePair, "role \(MessageText.quote(AttributeARN.roleName(requestedRole))) with provider \(MessageText.quote(provider.name)) is not in the assertion's Role attribute (present: \(MessageText.list(present)))")
        }
        trace?.pass(.rolePair, "\(requestedRole) with \(provider.arn)")
        return mine
    }

    func roleSessionName() throws -> String {
        guard let v = values(AWSAttributes.roleSessionName), !v.isEmpty else {
            throw SAMLRejection(.roleSessionName, "RoleSessionName is required in AuthnResponse")
        }
        guard v.count == 1, AWSAttributes.isSessionNameLike(v[0]) else {
            throw SAMLRejection(.roleSessionName, "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64} (found \(v.count == 1 ? MessageText.quote(v[0]) : "\(v.count) values"))")
        }
        trace?.pass(.roleSessionName, v[0])
        return v[0]
    }

    func sessionDuration() throws -> Int64? {
        guard let v = values(AWSAttributes.sessionDuration) else { return nil }
        guard v.count == 1, v[0].utf8.count <= 6, v[0].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let d = Int64(v[0]), (900...43200).contains(d) else {
            throw SAMLRejection(.sessionDuration, "SessionDuration must be one integer from 900 to 43200 (found \(MessageText.list(v)))")
        }
        trace?.pass(.sessionDuration, "\(d)s")
        return d
    }

    /// Byte-wise prefix test: Sequence.starts(with:) walked UTF8View one element at a
    /// time through its iterator, for every attribute name of every response.
    static func hasBytePrefix(_ s: String, _ prefix: String) -> Bool {
        var s = s, prefix = prefix
        return s.withUTF8 { a in
            prefix.withUTF8 { p in a.count >= p.count && (p.isEmpty || memcmp(a.baseAddress!, p.baseAddress!, p.count) == 0) }
        }
    }

    func principalTags() throws -> [SessionTag] {
        var tags: [SessionTag] = []
        var seen: Set<String> = []
        let prefix = AWSAttributes.principalTagPrefix.utf8
        for (name, values) in attributes where AWSAttributes.hasBytePrefix(name, AWSAttributes.principalTagPrefix) {
            // Byte offsets: the prefix is ASCII, and Character-wise dropFirst walked graphemes.
            let key = String(Substring(name.utf8.dropFirst(prefix.count)))
            guard !key.isEmpty, key.unicodeScalars.count <= 128, AWSAttributes.isTagText(key) else {
                throw SAMLRejection(.principalTags, "tag key \(MessageText.quote(key)) must be 1 to 128 characters of [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]")
            }
            guard values.count == 1, values[0].unicodeScalars.count <= 256, values[0].isEmpty || AWSAttributes.isTagText(values[0]) else {
                throw SAMLRejection(.principalTags, "tag \(MessageText.quote(key)) must have exactly one value of at most 256 characters of [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@] (found \(values.count) value(s))")
            }
            guard seen.insert(key.lowercased()).inserted else {
                throw SAMLRejection(.principalTags, "tag key \(MessageText.quote(key)) appears twice (keys are case-insensitive)")
            }
            tags.append(SessionTag(key: key, value: values[0]))
        }
        guard tags.count <= 50 else {
            throw SAMLRejection(.principalTags, "\(tags.count) session tags (at most 50)")
        }
        if !tags.isEmpty { trace?.pass(.principalTags, tags.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")) }
        return tags
    }

    func transitiveTagKeys(tags: [SessionTag]) throws -> [String] {
        guard let keys = values(AWSAttributes.transitiveTagKeys) else { return [] }
        let known = Set(tags.map { $0.key.lowercased() })
        for k in keys where !known.contains(k.lowercased()) {
            throw SAMLRejection(.transitiveTagKeys, "transitive tag key \(MessageText.quote(k)) is not one of the session tag keys \(MessageText.list(tags.map(\.key)))")
        }
        trace?.pass(.transitiveTagKeys, MessageText.list(keys))
        return keys
    }

    func sourceIdentity() throws -> String? {
        guard let v = values(AWSAttributes.sourceIdentity) else { return nil }
        guard v.count == 1, AWSAttributes.isSessionNameLike(v[0]), !v[0].lowercased().hasPrefix("aws:") else {
            throw SAMLRejection(.sourceIdentity, "Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with \"aws:\" (found \(MessageText.list(v)))")
        }
        trace?.pass(.sourceIdentity, v[0])
        return v[0]
    }

    // MARK: character classes

    static func isSessionNameLike(_ s: String) -> Bool {
        let b = s.utf8
        guard b.count >= 2, b.count <= 64 else { return false }
        return b.allSatisfy { c in
            switch c {
            case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F, 0x2B, 0x3D, 0x2C, 0x2E, 0x40, 0x2D: return true
            default: return false
            }
        }
    }

    /// `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`
    static func isTagText(_ s: String) -> Bool {
        // ASCII fast path (nearly every real tag); Unicode categories only when needed.
        var ascii = true
        for c in s.utf8 {
            if c >= 0x80 { ascii = false; break }
            let ok = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A)
                || c == 0x20 || c == 0x5F || c == 0x2E || c == 0x3A || c == 0x2F || c == 0x3D || c == 0x2B
                || c == 0x2D || c == 0x40
            if !ok { return false }
        }
        if ascii { return true }
        return s.unicodeScalars.allSatisfy { u in
            switch u.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                 .spaceSeparator, .lineSeparator, .paragraphSeparator,
                 .decimalNumber, .letterNumber, .otherNumber:
                return true
            default:
                return "_.:/=+-@".unicodeScalars.contains(u)
            }
        }
    }
}

/// The part of a Role value between commas, without surrounding spaces, tabs and line breaks.
private func trimmedSpaces(_ bytes: Substring.UTF8View.SubSequence) -> String {
    func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0A }
    var s = bytes[...]
    while let f = s.first, isSpace(f) { s = s.dropFirst() }
    while let l = s.last, isSpace(l) { s = s.dropLast() }
    return String(Substring(s))
}
