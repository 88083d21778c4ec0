import BrokerCore

/// Why a SAML Response was refused: the check, and a message an admin can act on
/// ("<check>: <what failed> (expected ..., found ...)"). Never carries the assertion.
public struct SAMLRejection: Error, AWSErrorConvertible, Equatable, CustomStringConvertible {
    /// How the failure reads to the client; chosen where the rejection is made,
    /// turned into an AWS code only in `awsError`.
    enum Outcome: Equatable, Sendable {
        case invalid          // the assertion is wrong
        case expired          // it was right once; it is too late now
        case denied           // valid, but does not grant what was asked
        case badRequest       // the request parameters are malformed
    }

    public let check: SAMLCheck
    public let message: String
    public let assertionID: String?
    let outcome: Outcome

    init(_ check: SAMLCheck, _ detail: String, outcome: Outcome? = nil, assertionID: String? = nil) {
        self.check = check
        self.message = "\(check.rawValue): \(detail)"
        self.assertionID = assertionID
        self.outcome = outcome ?? SAMLRejection.defaultOutcome(check)
    }

    func with(assertionID: String?) -> SAMLRejection {
        guard self.assertionID == nil, let id = assertionID else { return self }
        return SAMLRejection(check: check, message: message, assertionID: id, outcome: outcome)
    }

    private init(check: SAMLCheck, message: String, assertionID: String?, outcome: Outcome) {
        self.check = check; self.message = message; self.assertionID = assertionID; self.outcome = outcome
    }

    private static func defaultOutcome(_ check: SAMLCheck) -> Outcome {
        switch check {
        case .request: return .badRequest
        case .rolePair: return .denied
        case .notOnOrAfter: return .expired
        default: return .invalid
        }
    }

    /// The one mapping to the wire (aws-wire.md §2.5).
    public var awsError: AWSError {
        switch outcome {
        case .invalid: return AWSError(.invalidIdentityToken, message)
        case .expired:
            if check == .issueInstant {
                return AWSError(.expiredTokenException, "Token must be redeemed within the allowed time of issuance; \(message)")
            }
            return AWSError(.expiredTokenException, message)
        case .denied: return AWSError(.accessDenied, "Not authorized to perform sts:AssumeRoleWithSAML; \(message)")
        case .badRequest: return AWSError(.validationError, message)
        }
    }

    public var description: String { message }
}
