// AWS's constraint checks for request parameters, reported in AWS's own words:
// "N validation error(s) detected: Value '…' at 'roleArn' failed to satisfy
// constraint: …" (aws-wire.md §1.5). Sensitive values are echoed as '***'.
import BrokerCore

public struct ParameterRules {
    private var violations: [String] = []

    public init() {}

    private static func lowerCamel(_ name: String) -> String {
        // AWS lower-cases the leading capital run: SAMLAssertion -> sAMLAssertion is what the
        // serializer would give for the first letter only; match that.
        guard let f = name.first else { return name }
        return f.lowercased() + name.dropFirst()
    }

    private mutating func add(_ value: String, _ name: String, _ constraint: String, sensitive: Bool) {
        let shown = sensitive ? "***" : String(value.prefix(256))
        violations.append("Value '\(shown)' at '\(Self.lowerCamel(name))' failed to satisfy constraint: \(constraint)")
    }

    /// A required parameter that is absent: AWS reports it as a null member.
    public mutating func required(_ value: String?, _ name: String) {
        if value == nil {
            violations.append("Value null at '\(Self.lowerCamel(name))' failed to satisfy constraint: Member must not be null")
        }
    }

    public mutating func length(_ value: String?, _ name: String, min: Int, max: Int, sensitive: Bool = false) {
        guard let v = value else { return }
        // AWS counts characters; counting scalars of a 100,000-character assertion
        // is a walk, so decide from the UTF-8 length when it settles the answer
        // (scalars <= bytes <= 4 * scalars).
        let bytes = v.utf8.count
        if bytes <= max && bytes >= 4 * min { return }
        let n = v.unicodeScalars.count
        if n < min { add(v, name, "Member must have length greater than or equal to \(min)", sensitive: sensitive) }
        if n > max { add(v, name, "Member must have length less than or equal to \(max)", sensitive: sensitive) }
    }

    /// Returns the integer, or records a violation.
    public mutating func integer(_ value: String?, _ name: String, min: Int64, max: Int64) -> Int64? {
        guard let v = value else { return nil }
        guard let n = Int64(v) else {
            add(v, name, "Member must be a number", sensitive: false); return nil
        }
        if n < min { add(v, name, "Member must have value greater than or equal to \(min)", sensitive: false); return nil }
        if n > max { add(v, name, "Member must have value less than or equal to \(max)", sensitive: false); return nil }
        return n
    }

    public mutating func count(_ values: [String], _ name: String, max: Int) {
        if values.count > max {
            violations.append("Value at '\(Self.lowerCamel(name))' failed to satisfy constraint: Member must have length less than or equal to \(max)")
        }
    }

    public func check() throws {
        guard !violations.isEmpty else { return }
        let n = violations.count
        throw AWSError(.validationError, "\(n) validation error\(n == 1 ? "" : "s") detected: " + violations.joined(separator: "; "))
    }
}

public func requireParameter(_ p: QueryParameters, _ name: String) throws -> String {
    guard let v = p[name] else {
        throw AWSError(.missingParameter, "The request must contain the parameter \(name).")
    }
    return v
}
