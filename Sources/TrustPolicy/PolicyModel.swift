// The checked form of a trust policy: what parsing proved, ready to evaluate.

enum Effect: String, Sendable { case allow = "Allow", deny = "Deny" }

/// `"Principal": "*"` or `{"Federated": [...], "AWS": [...], "Service": [...]}`.
enum PrincipalSpec: Sendable, Equatable {
    case anyone
    case typed([String: [String]])

    /// A federated request matches `*`, its own provider ARN under Federated, or a
    /// Federated/AWS wildcard. AWS and Service principals never name a federated caller.
    func matches(federated principal: String) -> Bool {
        switch self {
        case .anyone: return true
        case .typed(let map):
            if let f = map["Federated"], f.contains(principal) || f.contains("*") { return true }
            if let a = map["AWS"], a.contains("*") { return true }
            return false
        }
    }
}

/// `Action` (any pattern matches) or `NotAction` (no pattern matches). Patterns are lower-cased: actions are case-insensitive.
struct ActionSpec: Sendable, Equatable {
    let patterns: [String]
    let negated: Bool

    func matches(_ action: String) -> Bool {
        let a = action.lowercased()
        let hit = patterns.contains { Wildcard.matches($0, a) }
        return negated ? !hit : hit
    }
}

struct ConditionClause: Sendable, Equatable {
    let op: ConditionOperator
    /// Lower-cased: condition key names are case-insensitive.
    let key: String
    /// As written, for messages.
    let keyAsWritten: String
    /// Numbers and booleans from the JSON are kept as their text.
    let values: [String]
}

struct Statement: Sendable, Equatable {
    let index: Int
    let sid: String?
    let effect: Effect
    let principal: PrincipalSpec
    let action: ActionSpec
    let conditions: [ConditionClause]

    /// How messages name the statement: its Sid, else its position.
    var label: String { sid.map { "'\($0)'" } ?? "#\(index + 1)" }
}
