extension DevIdP {
    /// Everything a development IdP puts in a samlp:Response. Defaults describe a
    /// valid response for `now`; tests change one field to build one failure.
    public struct ResponseSpec {
        public enum Signing: Sendable { case assertion, response, both, none }
        public enum Algorithm: Sendable { case rsaSHA256, rsaPSSSHA256, rsaSHA1 }

        public var issuer: String
        public var destination: String?
        public var recipient: String
        public var audience: String
        public var nameID: String
        /// nil omits the Format attribute.
        public var nameIDFormat: String?
        public var roles: [(roleArn: String, providerArn: String)]
        /// Write Role values as "provider,role" instead of "role,provider".
        public var reversedRolePairs: Bool
        public var sessionName: String?
        public var sessionDuration: Int?
        public var sessionNotOnOrAfter: Int64?
        public var tags: [(key: String, value: String)]
        public var transitiveTagKeys: [String]
        public var sourceIdentity: String?
        public var issueInstant: Int64
        public var notBefore: Int64?
        public var notOnOrAfter: Int64
        public var bearerNotOnOrAfter: Int64
        public var assertionID: String
        public var responseID: String
        public var statusCode: String
        public var sign: Signing
        public var algorithm: Algorithm
        /// Put the signer's certificate in each signature's KeyInfo.
        public var includeCertificate: Bool
        public var extraAttributes: [(name: String, values: [String])]

        public init(issuer: String, acsURL: String, audience: String? = nil,
                    roles: [(roleArn: String, providerArn: String)], nameID: String = "alice@example.com",
                    sessionName: String? = "alice", now: Int64, lifetime: Int64 = 300) {
            self.issuer = issuer
            self.destination = acsURL
            self.recipient = acsURL
            self.audience = audience ?? acsURL
            self.nameID = nameID
            self.nameIDFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
            self.roles = roles
            self.reversedRolePairs = false
            self.sessionName = sessionName
            self.sessionDuration = nil
            self.sessionNotOnOrAfter = nil
            self.tags = []
            self.transitiveTagKeys = []
            self.sourceIdentity = nil
            self.issueInstant = now
            self.notBefore = now - 5
            self.notOnOrAfter = now + lifetime
            self.bearerNotOnOrAfter = now + lifetime
            self.assertionID = DevIdP.randomID()
            self.responseID = DevIdP.randomID()
            self.statusCode = "urn:oasis:names:tc:SAML:2.0:status:Success"
            self.sign = .assertion
            self.algorithm = .rsaSHA256
            self.includeCertificate = true
            self.extraAttributes = []
        }
    }
}
