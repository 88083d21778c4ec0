// A role's trust policy (AssumeRolePolicyDocument): parsed and checked once when an
// admin writes it, evaluated for every federation request. A value type, so it can be
// cached and evaluated from many threads.

public struct TrustPolicy: Sendable, Equatable {
    public let version: String
    /// Characters other than whitespace: what IAM's 2,048-character trust-policy quota counts (mint enforces it).
    public let nonWhitespaceLength: Int
    let statements: [Statement]

    /// Throws `PolicyError` (-> MalformedPolicyDocument) naming the first failed check.
    ///
    /// Deliberate choices: `Version` is required; `NotPrincipal` is refused (trust
    /// policies should list who may assume, not who may not); `NotAction` is supported;
    /// `Resource`/`NotResource` are refused as IAM does for trust policies; policy
    /// variables (`${...}`) are refused rather than matched literally; duplicate JSON
    /// keys are refused.
    public static func parse(_ json: String) throws -> TrustPolicy {
        let parsed = try PolicyParser.parse(json)
        let length = json.unicodeScalars.reduce(0) { n, s in
            s == " " || s == "\t" || s == "\n" || s == "\r" ? n : n + 1
        }
        return TrustPolicy(version: parsed.version, nonWhitespaceLength: length, statements: parsed.statements)
    }

    /// Explicit Deny wins; otherwise at least one matching Allow; otherwise implicit deny.
    public func evaluate(_ request: PolicyRequest) -> PolicyDecision {
        var allowed = false
        var closestMiss: String?
        for s in statements {
            guard s.principal.matches(federated: request.federatedPrincipal), s.action.matches(request.action) else { continue }
            if let failure = ConditionEvaluator.firstFailure(s.conditions, request.context) {
                if s.effect == .allow && closestMiss == nil {
                    closestMiss = "Statement \(s.label) allows \(request.action) for \(request.federatedPrincipal), but \(failure)."
                }
                continue
            }
            if s.effect == .deny {
                return .explicitDeny("Statement \(s.label) denies \(request.action) for \(request.federatedPrincipal).")
            }
            allowed = true
        }
        if allowed { return .allow }
        return .implicitDeny(closestMiss ?? "No statement allows \(request.action) for principal \(request.federatedPrincipal).")
    }

    /// Statement count, for admin listings and tests.
    public var statementCount: Int { statements.count }
}
