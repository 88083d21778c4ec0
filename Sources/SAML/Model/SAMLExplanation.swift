import BrokerCore

/// Every check `explain` ran, in order, with what it found — for `broker explain FILE`.
public struct SAMLExplanation {
    public var steps: [(check: SAMLCheck, passed: Bool, detail: String)]
    public var claim: SAMLClaim?

    public init(steps: [(check: SAMLCheck, passed: Bool, detail: String)] = [], claim: SAMLClaim? = nil) {
        self.steps = steps
        self.claim = claim
    }

    public var passed: Bool { claim != nil }
    public var failure: (check: SAMLCheck, passed: Bool, detail: String)? { steps.first { !$0.passed } }

    public func render() -> String {
        var lines: [String] = []
        for step in steps {
            lines.append("\(step.passed ? "PASS" : "FAIL")  \(step.check.rawValue.padding(23))\(step.detail)")
        }
        if let c = claim {
            lines.append("")
            lines.append("RESULT: accepted")
            lines.append("  provider         \(c.providerName)")
            lines.append("  issuer           \(c.issuer)")
            lines.append("  subject          \(c.subject) (\(c.subjectFormat))")
            lines.append("  assertion id     \(c.assertionID)")
            lines.append("  roles            \(c.rolePairs.map { "\($0.roleArn) via \($0.principalArn)" }.joined(separator: "; "))")
            lines.append("  session name     \(c.roleSessionName)")
            if let d = c.sessionDuration { lines.append("  session duration \(d)s") }
            if !c.principalTags.isEmpty {
                lines.append("  tags             \(c.principalTags.map { "\($0.key)=\($0.value)" }.joined(separator: ", "))")
            }
            if let s = c.sourceIdentity { lines.append("  source identity  \(s)") }
            lines.append("  valid until      \(XSDateTime.format(c.notOnOrAfter))")
        } else {
            lines.append("")
            lines.append("RESULT: rejected")
        }
        return lines.joined(separator: "\n")
    }
}

private extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
