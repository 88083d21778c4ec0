// What mint asks of a trust policy: may this federated principal perform this action,
// given these condition keys?

public struct PolicyRequest: Sendable {
    /// e.g. arn:aws:iam::123456789012:saml-provider/corp
    public var federatedPrincipal: String
    /// e.g. sts:AssumeRoleWithSAML, sts:TagSession, sts:SetSourceIdentity.
    public var action: String
    public var context: ConditionContext

    public init(federatedPrincipal: String, action: String, context: ConditionContext = ConditionContext()) {
        self.federatedPrincipal = federatedPrincipal; self.action = action; self.context = context
    }
}

/// Condition keys and their values. Key names are case-insensitive (IAM rule); values are not.
public struct ConditionContext: Sendable, Equatable {
    private var storage: [String: [String]] = [:]

    public init() {}

    /// Single-valued keys pass one value. Setting a key again replaces it.
    public mutating func set(_ key: String, _ values: [String]) { storage[key.lowercased()] = values }

    /// nil when the key is absent.
    public func values(_ key: String) -> [String]? { storage[key.lowercased()] }
}

public enum PolicyDecision: Equatable, Sendable {
    case allow
    /// A Deny statement matched; the text names it.
    case explicitDeny(String)
    /// No Allow statement matched; the text names the closest miss.
    case implicitDeny(String)

    public var isAllowed: Bool { self == .allow }
}
