// Condition operator names decomposed into what they compare, whether they are
// negated, and the IfExists / ForAnyValue: / ForAllValues: modifiers.

enum OperatorFamily: Sendable, Equatable {
    case stringEquals, stringEqualsIgnoreCase, stringLike
    case numericEquals, numericLessThan, numericLessThanEquals, numericGreaterThan, numericGreaterThanEquals
    case dateEquals, dateLessThan, dateLessThanEquals, dateGreaterThan, dateGreaterThanEquals
    case bool, binaryEquals, arnEquals, arnLike, null

    var isNumeric: Bool {
        switch self {
        case .numericEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan, .numericGreaterThanEquals: return true
        default: return false
        }
    }

    var isDate: Bool {
        switch self {
        case .dateEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals: return true
        default: return false
        }
    }
}

enum SetQualifier: Sendable, Equatable { case none, forAnyValue, forAllValues }

struct ConditionOperator: Sendable, Equatable {
    /// As written in the policy, for messages.
    let name: String
    let family: OperatorFamily
    /// True for the Not operators: the condition holds only if no value matches.
    let negated: Bool
    let ifExists: Bool
    let qualifier: SetQualifier

    private static let base: [String: (OperatorFamily, Bool)] = [
        "StringEquals": (.stringEquals, false), "StringNotEquals": (.stringEquals, true),
        "StringEqualsIgnoreCase": (.stringEqualsIgnoreCase, false), "StringNotEqualsIgnoreCase": (.stringEqualsIgnoreCase, true),
        "StringLike": (.stringLike, false), "StringNotLike": (.stringLike, true),
        "NumericEquals": (.numericEquals, false), "NumericNotEquals": (.numericEquals, true),
        "NumericLessThan": (.numericLessThan, false), "NumericLessThanEquals": (.numericLessThanEquals, false),
        "NumericGreaterThan": (.numericGreaterThan, false), "NumericGreaterThanEquals": (.numericGreaterThanEquals, false),
        "DateEquals": (.dateEquals, false), "DateNotEquals": (.dateEquals, true),
        "DateLessThan": (.dateLessThan, false), "DateLessThanEquals": (.dateLessThanEquals, false),
        "DateGreaterThan": (.dateGreaterThan, false), "DateGreaterThanEquals": (.dateGreaterThanEquals, false),
        "Bool": (.bool, false), "BinaryEquals": (.binaryEquals, false),
        "ArnEquals": (.arnEquals, false), "ArnNotEquals": (.arnEquals, true),
        "ArnLike": (.arnLike, false), "ArnNotLike": (.arnLike, true),
        "Null": (.null, false),
    ]

    /// Operator names are matched exactly, as IAM does: a typo must not silently become another operator.
    static func parse(_ name: String) throws -> ConditionOperator {
        var rest = Substring(name)
        var qualifier = SetQualifier.none
        if rest.hasPrefix("ForAnyValue:") { qualifier = .forAnyValue; rest = rest.dropFirst("ForAnyValue:".count) }
        else if rest.hasPrefix("ForAllValues:") { qualifier = .forAllValues; rest = rest.dropFirst("ForAllValues:".count) }
        var ifExists = false
        if rest.hasSuffix("IfExists") { ifExists = true; rest = rest.dropLast("IfExists".count) }
        guard let (family, negated) = base[String(rest)] else {
            throw PolicyError(.conditionOperator, "Unknown condition operator: \(name.prefix(128))")
        }
        if family == .null && (ifExists || qualifier != .none) {
            throw PolicyError(.conditionOperator, "Condition operator \(name.prefix(128)) is invalid: Null takes no IfExists or set qualifier.")
        }
        return ConditionOperator(name: name, family: family, negated: negated, ifExists: ifExists, qualifier: qualifier)
    }
}
