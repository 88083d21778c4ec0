// SigV4 verification with mint's key lookup. Admin keys come from an in-memory
// table (no SQLite on the hot path); temporary keys are self-contained: the session
// token is opened with the sealing keys and must name the very key that signed.
import AWSAuth
import BrokerCore

struct CallerAuthenticator {
    let sealer: SessionSealer
    let adminSecrets: [String: String]

    /// Verifies `request` for the service its action belongs to. `expectedService`
    /// nil (unknown action): the scope's own service if it is sts or iam.
    func authenticate(_ request: SigV4Request, expectedService: AWSService?, now: Int64) throws -> Caller {
        let auth = try SigV4.parse(request)
        let service = expectedService?.signingName ?? (auth.service == "iam" ? "iam" : "sts")
        let key = auth.accessKeyID
        if key.hasPrefix("ASIA") {
            guard let token = auth.securityToken, !token.isEmpty, token.utf8.count <= 16 * 1024,
                  let session = sealer.open(token),
                  Crypto.constantTimeEqual(Array(session.accessKeyID.utf8), Array(key.utf8)) else {
                throw MintError.invalidClientTokenID
            }
            guard session.expiration > now else { throw MintError.credentialsExpired }
            try SigV4.verify(request, authorization: auth, secretAccessKey: session.secretAccessKey,
                             expectedService: service, allowedRegions: [], now: now)
            return .session(session)
        }
        guard let secret = adminSecrets[key] else { throw MintError.invalidClientTokenID }
        try SigV4.verify(request, authorization: auth, secretAccessKey: secret,
                         expectedService: service, allowedRegions: [], now: now)
        return .admin(accessKeyID: key)
    }
}
