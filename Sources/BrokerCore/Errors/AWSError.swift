// The AWS error vocabulary. Every layer has its own error type; each maps to one
// of these codes exactly once, and the HTTP status and fault type are derived here
// so no call site chooses a status by hand.

public enum AWSErrorCode: String, Sendable, CaseIterable {
    // STS modelled
    case expiredTokenException = "ExpiredTokenException"
    case idpCommunicationError = "IDPCommunicationError"
    case idpRejectedClaim = "IDPRejectedClaim"
    case invalidIdentityToken = "InvalidIdentityToken"
    case malformedPolicyDocument = "MalformedPolicyDocument"
    case packedPolicyTooLarge = "PackedPolicyTooLarge"
    case regionDisabledException = "RegionDisabledException"
    // Common (unmodelled but real)
    case accessDenied = "AccessDenied"
    case validationError = "ValidationError"
    case expiredToken = "ExpiredToken"
    case invalidClientTokenId = "InvalidClientTokenId"
    case signatureDoesNotMatch = "SignatureDoesNotMatch"
    case incompleteSignature = "IncompleteSignature"
    case missingAuthenticationToken = "MissingAuthenticationToken"
    case requestExpired = "RequestExpired"
    case invalidAction = "InvalidAction"
    case missingAction = "MissingAction"
    case missingParameter = "MissingParameter"
    case invalidParameterValue = "InvalidParameterValue"
    case invalidParameterCombination = "InvalidParameterCombination"
    case malformedQueryString = "MalformedQueryString"
    case throttling = "Throttling"
    case internalFailure = "InternalFailure"
    case serviceUnavailable = "ServiceUnavailable"
    // IAM modelled
    case entityAlreadyExists = "EntityAlreadyExists"
    case limitExceeded = "LimitExceeded"
    case concurrentModification = "ConcurrentModification"
    case deleteConflict = "DeleteConflict"
    case noSuchEntity = "NoSuchEntity"
    case invalidInput = "InvalidInput"
    case unmodifiableEntity = "UnmodifiableEntity"
    case openIdIdpCommunicationError = "OpenIdIdpCommunicationError"
    case serviceFailure = "ServiceFailure"

    /// HTTP status per aws-wire.md §1.4.
    public var httpStatus: Int {
        switch self {
        case .idpRejectedClaim, .regionDisabledException, .accessDenied, .expiredToken,
             .invalidClientTokenId, .signatureDoesNotMatch, .missingAuthenticationToken:
            return 403
        case .malformedQueryString, .noSuchEntity:
            return 404
        case .entityAlreadyExists, .limitExceeded, .concurrentModification, .deleteConflict:
            return 409
        case .internalFailure, .serviceFailure:
            return 500
        case .serviceUnavailable:
            return 503
        default:
            return 400
        }
    }

    /// `Sender` for client faults, `Receiver` for server faults.
    public var faultType: String { httpStatus >= 500 ? "Receiver" : "Sender" }
}

/// An error ready for the wire: a code and a message that names the failed check.
/// Messages never contain secrets (assertions, tokens, secret keys).
public struct AWSError: Error, Equatable, Sendable, CustomStringConvertible {
    public let code: AWSErrorCode
    public let message: String

    public init(_ code: AWSErrorCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}

/// Implemented by each layer's own error type: the single place it becomes an AWS error.
public protocol AWSErrorConvertible: Error {
    var awsError: AWSError { get }
}
