// The one error type of the trust-policy layer: every rejection of a document at
// write time, mapped to IAM's MalformedPolicyDocument with the reason in the message.
import BrokerCore

public struct PolicyError: Error, Equatable, Sendable, AWSErrorConvertible, CustomStringConvertible {
    /// Which check failed, for tests and logs.
    public enum Check: String, Sendable {
        case size, json, nesting, duplicateKey, version, unknownField, statement, effect, sid
        case principal, action, condition, conditionOperator, conditionValue, prohibitedField
    }

    public let check: Check
    public let message: String

    public init(_ check: Check, _ message: String) { self.check = check; self.message = message }

    public var awsError: AWSError { AWSError(.malformedPolicyDocument, message) }
    public var description: String { message }
}
