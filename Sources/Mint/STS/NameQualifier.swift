// NameQualifier = Base64(SHA1(Issuer ‖ AccountId ‖ "/" ‖ ProviderName)) (aws-wire.md §2.7):
// with Subject it names a federated user stably across sessions.
import AWSAuth

enum NameQualifier {
    static func compute(issuer: String, accountID: String, providerName: String) -> String {
        Crypto.base64(Crypto.sha1(Array((issuer + accountID + "/" + providerName).utf8)))
    }
}

enum SubjectType {
    static let saml2Prefix = "urn:oasis:names:tc:SAML:2.0:nameid-format:"

    /// Only the SAML 2.0 nameid-format prefix is stripped; any other URI is returned unchanged.
    static func from(format: String) -> String {
        format.hasPrefix(saml2Prefix) ? String(format.dropFirst(saml2Prefix.utf8.count)) : format
    }
}
