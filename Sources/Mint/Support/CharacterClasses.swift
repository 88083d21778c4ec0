// The character classes of the IAM/STS shape patterns, as predicates (no regex
// engine on the request path). Each names the pattern it implements.

enum CharacterClasses {
    /// `[\w+=,.@-]` — role names, session names, source identity.
    static func isRoleNameChar(_ c: Unicode.Scalar) -> Bool {
        isWord(c) || "+=,.@-".unicodeScalars.contains(c)
    }

    /// `[\w._-]` — SAML provider names.
    static func isProviderNameChar(_ c: Unicode.Scalar) -> Bool {
        isWord(c) || c == "." || c == "-"
    }

    /// `\w` in the AWS (Java) sense: ASCII letters, digits and underscore.
    static func isWord(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_"
    }

    /// `[\u0009\u000A\u000D\u0020-\u00FF]` — policy documents.
    static func isPolicyChar(_ c: Unicode.Scalar) -> Bool {
        c == "\t" || c == "\n" || c == "\r" || (c.value >= 0x20 && c.value <= 0xFF)
    }

    /// `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]` — descriptions.
    static func isDescriptionChar(_ c: Unicode.Scalar) -> Bool {
        c == "\t" || c == "\n" || c == "\r" || (c.value >= 0x20 && c.value <= 0x7E) || (c.value >= 0xA1 && c.value <= 0xFF)
    }

    /// `[\p{L}\p{Z}\p{N}_.:/=+\-@]` — tag keys and values.
    static func isTagChar(_ c: Unicode.Scalar) -> Bool {
        // ASCII first: tags are nearly always ASCII, and Unicode property lookups
        // were the largest Swift cost of an exchange in mint.
        if c.isASCII {
            return isWord(c) || c == " " || "_.:/=+-@".unicodeScalars.contains(c)
        }
        let p = c.properties
        if p.isAlphabetic || p.numericType != nil || p.isWhitespace && c.value != 0x09 && c.value != 0x0A && c.value != 0x0D { return true }
        return "_.:/=+-@".unicodeScalars.contains(c)
    }

    static let roleNamePattern = "[\\w+=,.@-]+"
    static let providerNamePattern = "[\\w._-]+"
    static let policyPattern = "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
    static let descriptionPattern = "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*"
    static let tagPattern = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*"
    static let pathPattern = "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"
    static let sessionNamePattern = "[a-zA-Z_0-9+=,.@-]{2,64}"

    static func all(_ s: String, _ ok: (Unicode.Scalar) -> Bool) -> Bool { s.unicodeScalars.allSatisfy(ok) }

    /// `/` or `/segments/` with printable ASCII in between.
    static func isValidPath(_ s: String) -> Bool {
        if s == "/" { return true }
        let u = Array(s.unicodeScalars)
        guard u.count >= 3, u.first == "/", u.last == "/" else { return false }
        return u.allSatisfy { $0.value >= 0x21 && $0.value <= 0x7E }
    }

    /// RoleSessionName / SourceIdentity: `[a-zA-Z_0-9+=,.@-]{2,64}`.
    static func isValidSessionName(_ s: String) -> Bool {
        let n = s.unicodeScalars.count
        return n >= 2 && n <= 64 && all(s, isRoleNameChar)
    }
}
