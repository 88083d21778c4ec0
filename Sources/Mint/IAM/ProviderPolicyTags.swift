// A SAML provider's validation policy lives in its IAM tags under the `broker:`
// prefix, so it is managed with the ordinary aws CLI. Values are validated when the
// tags are written; reading falls back to the default for anything absent.
import BrokerCore

enum ProviderPolicyTags {
    static let nameIDFormats = "broker:nameid-formats"
    static let clockSkew = "broker:clock-skew"
    static let maxAssertionAge = "broker:max-assertion-age"
    static let allowSHA1 = "broker:allow-sha1"
    static let replay = "broker:replay"
    static let known = [nameIDFormats, clockSkew, maxAssertionAge, allowSHA1, replay]

    /// Throws InvalidInput naming the tag and the accepted values.
    static func validate(_ tags: [ResourceTag]) throws {
        for t in tags {
            let key = t.key.lowercased()
            guard key.hasPrefix("broker:") else { continue }
            let v = t.value
            switch key {
            case nameIDFormats:
                let uris = v.split(separator: " ").map(String.init)
                guard !uris.isEmpty, uris.allSatisfy({ $0.hasPrefix("urn:") || $0.hasPrefix("http") }) else {
                    throw bad(t, "a space-separated list of NameID Format URIs")
                }
            case clockSkew:
                guard let n = Int64(v), (0...300).contains(n) else { throw bad(t, "an integer number of seconds from 0 to 300") }
            case maxAssertionAge:
                guard let n = Int64(v), (60...3600).contains(n) else { throw bad(t, "an integer number of seconds from 60 to 3600") }
            case allowSHA1:
                guard v == "true" || v == "false" else { throw bad(t, "true or false") }
            case replay:
                guard v == "per-role" || v == "strict" else { throw bad(t, "per-role or strict") }
            default:
                throw MintError.invalidInput("Unknown broker tag '\(AuditEvent.cap(t.key, 128))': expected one of \(known.joined(separator: ", ")).")
            }
        }
    }

    private static func bad(_ t: ResourceTag, _ expected: String) -> MintError {
        .invalidInput("Tag \(t.key) has value '\(AuditEvent.cap(t.value, 128))': expected \(expected).")
    }

    static func policy(from tags: [ResourceTag]) -> ProviderPolicy {
        var p = ProviderPolicy()
        for t in tags {
            switch t.key.lowercased() {
            case nameIDFormats:
                let uris = t.value.split(separator: " ").map(String.init)
                if !uris.isEmpty { p.nameIDFormats = uris }
            case clockSkew: if let n = Int64(t.value), (0...300).contains(n) { p.clockSkewSeconds = n }
            case maxAssertionAge: if let n = Int64(t.value), (60...3600).contains(n) { p.maxAssertionAgeSeconds = n }
            case allowSHA1: p.allowSHA1 = t.value == "true"
            case replay: p.strictReplay = t.value == "strict"
            default: break
            }
        }
        return p
    }
}
