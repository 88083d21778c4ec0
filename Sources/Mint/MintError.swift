// mint's one error type. Every check in mint throws one of these; `awsError` is the
// single place they become wire errors. Messages name the failed check and what was
// expected vs found, and never carry a secret.
import BrokerCore

enum MintError: Error, AWSErrorConvertible, Equatable {
    /// Shape constraints, AWS's "N validation error(s) detected: …" form.
    case constraints([String])
    /// Other ValidationError texts (durations, ARNs).
    case validation(String)
    case noSuchEntity(String)
    case entityAlreadyExists(String)
    case limitExceeded(String)
    case invalidInput(String)
    case malformedPolicyDocument(String)
    case packedPolicyTooLarge(String)
    case deleteConflict(String)
    case accessDenied(String)
    case invalidIdentityToken(String)
    /// The SAML input expired (ExpiredTokenException, 400).
    case assertionExpired(String)
    /// The signing credentials expired (ExpiredToken, 403).
    case credentialsExpired
    /// Unknown access key, missing/bad session token.
    case invalidClientTokenID
    case missingAction
    case invalidAction(String)
    case missingParameter(String)
    case invalidParameterValue(String)
    /// Another layer's error, already mapped by that layer's own conversion.
    case from(AWSError)

    var awsError: AWSError {
        switch self {
        case .constraints(let v):
            let n = v.count
            return AWSError(.validationError, "\(n) validation error\(n == 1 ? "" : "s") detected: " + v.joined(separator: "; "))
        case .validation(let m): return AWSError(.validationError, m)
        case .noSuchEntity(let m): return AWSError(.noSuchEntity, m)
        case .entityAlreadyExists(let m): return AWSError(.entityAlreadyExists, m)
        case .limitExceeded(let m): return AWSError(.limitExceeded, m)
        case .invalidInput(let m): return AWSError(.invalidInput, m)
        case .malformedPolicyDocument(let m): return AWSError(.malformedPolicyDocument, m)
        case .packedPolicyTooLarge(let m): return AWSError(.packedPolicyTooLarge, m)
        case .deleteConflict(let m): return AWSError(.deleteConflict, m)
        case .accessDenied(let m): return AWSError(.accessDenied, m)
        case .invalidIdentityToken(let m): return AWSError(.invalidIdentityToken, m)
        case .assertionExpired(let m): return AWSError(.expiredTokenException, m)
        case .credentialsExpired: return AWSError(.expiredToken, "The security token included in the request is expired")
        case .invalidClientTokenID: return AWSError(.invalidClientTokenId, "The security token included in the request is invalid.")
        case .missingAction: return AWSError(.missingAction, "The request must contain the parameter Action.")
        case .invalidAction(let m): return AWSError(.invalidAction, m)
        case .missingParameter(let m): return AWSError(.missingParameter, m)
        case .invalidParameterValue(let m): return AWSError(.invalidParameterValue, m)
        case .from(let e): return e
        }
    }

    /// Any error thrown inside mint, as a wire error. Unknown error types are
    /// internal faults and say so without leaking their description.
    static func wire(_ error: Error) -> AWSError {
        if let e = error as? AWSErrorConvertible { return e.awsError }
        if let e = error as? AWSError { return e }
        return AWSError(.serviceFailure, "Internal failure in mint.")
    }
}

/// Collects shape-constraint violations the way AWS reports them, all at once.
struct ConstraintCheck {
    private(set) var violations: [String] = []

    private static func echo(_ v: String) -> String {
        v.unicodeScalars.count > 256 ? String(String.UnicodeScalarView(v.unicodeScalars.prefix(256))) + "..." : v
    }

    private mutating func fail(_ value: String?, _ member: String, _ constraint: String) {
        let shown = value.map { "'\(Self.echo($0))'" } ?? "null"
        violations.append("Value \(shown) at '\(member)' failed to satisfy constraint: \(constraint)")
    }

    /// Required member: reports null and returns false when absent.
    @discardableResult
    mutating func required(_ value: String?, _ member: String) -> Bool {
        if value == nil { fail(nil, member, "Member must not be null"); return false }
        return true
    }

    mutating func length(_ value: String?, _ member: String, min: Int, max: Int) {
        guard let v = value else { return }
        let n = v.unicodeScalars.count
        if n < min { fail(v, member, "Member must have length greater than or equal to \(min)") }
        else if n > max { fail(v, member, "Member must have length less than or equal to \(max)") }
    }

    mutating func pattern(_ value: String?, _ member: String, _ shown: String, _ ok: (String) -> Bool) {
        guard let v = value, !v.isEmpty else { return }
        if !ok(v) { fail(v, member, "Member must satisfy regular expression pattern: \(shown)") }
    }

    /// Parses an integer member and checks its range; nil when absent or invalid.
    mutating func integer(_ value: String?, _ member: String, min: Int64, max: Int64) -> Int64? {
        guard let v = value else { return nil }
        guard let n = Int64(v) else { fail(v, member, "Member must be an integer"); return nil }
        if n < min { fail(v, member, "Member must have value greater than or equal to \(min)"); return nil }
        if n > max { fail(v, member, "Member must have value less than or equal to \(max)"); return nil }
        return n
    }

    mutating func count(_ n: Int, _ member: String, max: Int) {
        if n > max { violations.append("Value at '\(member)' failed to satisfy constraint: Member must have length less than or equal to \(max)") }
    }

    func check() throws {
        if !violations.isEmpty { throw MintError.constraints(violations) }
    }
}
