// What gate needs to know about itself. Everything here is public information:
// gate holds no secret.
import HTTPServer
import SAML

public struct GateConfiguration {
    public var http = HTTPServerConfiguration()
    public var mintSocketPath: String
    /// The externally visible base URL (scheme, host, port) — never derived from
    /// the request's Host header, so a proxy in front cannot confuse the checks.
    public var publicURL: String
    /// Also accept AWS's own ACS URL and audiences, so IdPs configured for AWS
    /// work unchanged (off by default: an assertion minted for AWS is not ours).
    public var dropInMode: Bool = false
    /// Trust the left-most X-Forwarded-For address (only behind our own proxy).
    public var trustForwardedFor: Bool = false

    public init(mintSocketPath: String, publicURL: String) {
        self.mintSocketPath = mintSocketPath
        self.publicURL = publicURL
    }

    public static let awsACSURLs = ["https://signin.aws.amazon.com/saml", "https://signin.aws.amazon.com/static/saml"]
    public static let awsAudiences = ["https://signin.aws.amazon.com/saml", "urn:amazon:webservices"]

    /// ACS URL and SP entity id both default to `<public-url>/saml`.
    public static func serviceProvider(publicURL: String, dropInMode: Bool) -> ServiceProviderSettings {
        let base = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
        let ours = base + "/saml"
        return ServiceProviderSettings(acsURLs: [ours] + (dropInMode ? awsACSURLs : []),
                                       audiences: [ours] + (dropInMode ? awsAudiences : []))
    }

    public var serviceProvider: ServiceProviderSettings {
        Self.serviceProvider(publicURL: publicURL, dropInMode: dropInMode)
    }
}
