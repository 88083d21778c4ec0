// The one error type of the SigV4 layer, mapped once to the AWS codes clients key on.
import BrokerCore

public enum SigV4Error: Error, AWSErrorConvertible, Equatable, Sendable {
    /// No Authorization header and no X-Amz-Algorithm query parameter.
    case missingAuthenticationToken
    /// The authentication is present but malformed or incomplete; the text names what is missing.
    case incompleteSignature(String)
    /// The signature, the scope or the time window did not check out; the text says which.
    case signatureDoesNotMatch(String)
    /// A presigned request past its X-Amz-Expires.
    case requestExpired(String)
    /// Unknown access key id or a session token that does not belong to it (raised by the key lookup in mint).
    case invalidClientTokenId
    /// The signing credentials themselves have expired (raised by mint after opening the session).
    case expiredToken

    public static let mismatchMessage = "The request signature we calculated does not match the signature you provided. "
        + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

    public var awsError: AWSError {
        switch self {
        case .missingAuthenticationToken:
            return AWSError(.missingAuthenticationToken, "Request is missing Authentication Token")
        case .incompleteSignature(let m): return AWSError(.incompleteSignature, m)
        case .signatureDoesNotMatch(let m): return AWSError(.signatureDoesNotMatch, m)
        case .requestExpired(let m): return AWSError(.requestExpired, m)
        case .invalidClientTokenId:
            return AWSError(.invalidClientTokenId, "The security token included in the request is invalid.")
        case .expiredToken:
            return AWSError(.expiredToken, "The security token included in the request is expired")
        }
    }
}
