/// The gate's own SAML identity: what Destination/Recipient and Audience must say.
/// Compared as exact strings — never derived from the request's Host header
/// (threats §B5: reverse proxies make that lie).
public struct ServiceProviderSettings: Sendable, Equatable {
    /// Accepted Response/@Destination and bearer SubjectConfirmationData/@Recipient values.
    public var acsURLs: [String]
    /// Accepted AudienceRestriction/Audience values.
    public var audiences: [String]

    public init(acsURLs: [String], audiences: [String]) {
        self.acsURLs = acsURLs
        self.audiences = audiences
    }
}
