import BrokerCore

/// Why uploaded IdP metadata was refused (IAM CreateSAMLProvider / UpdateSAMLProvider).
public struct MetadataError: Error, AWSErrorConvertible, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var awsError: AWSError { AWSError(.invalidInput, "Invalid SAML metadata document: \(message)") }
    public var description: String { message }
}
