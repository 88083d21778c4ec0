// Deciding a Condition block. All clauses must hold (operators AND, keys AND); for one
// key, any policy value may match (OR); a negated operator holds only if no value
// matches. Absent keys follow IAM: false for positive operators, true for negated ones
// and for ...IfExists, ForAllValues: vacuously true, ForAnyValue: false, Null tests presence.

enum ConditionEvaluator {
    /// nil when every clause holds, else a human explanation of the first that does not.
    static func firstFailure(_ clauses: [ConditionClause], _ context: ConditionContext) -> String? {
        for c in clauses where !holds(c, context) { return explain(c, context) }
        return nil
    }

    static func holds(_ c: ConditionClause, _ context: ConditionContext) -> Bool {
        let found = context.values(c.key) ?? []
        let present = !found.isEmpty
        if c.op.family == .null {
            return c.values.contains { ConditionValues.bool($0) == !present }
        }
        if !present {
            if c.op.ifExists { return true }
            switch c.op.qualifier {
            case .forAllValues: return true
            case .forAnyValue: return false
            case .none: return c.op.negated
            }
        }
        let matchesSome: (String) -> Bool = { v in c.values.contains { positiveMatch(c.op.family, found: v, policy: $0) } }
        switch c.op.qualifier {
        case .none:
            let any = found.contains(where: matchesSome)
            return c.op.negated ? !any : any
        case .forAnyValue:
            return c.op.negated ? found.contains { !matchesSome($0) } : found.contains(where: matchesSome)
        case .forAllValues:
            return c.op.negated ? found.allSatisfy { !matchesSome($0) } : found.allSatisfy(matchesSome)
        }
    }

    static func positiveMatch(_ family: OperatorFamily, found v: String, policy p: String) -> Bool {
        switch family {
        case .stringEquals, .binaryEquals: return v == p
        case .stringEqualsIgnoreCase: return v.lowercased() == p.lowercased()
        case .stringLike: return Wildcard.matches(p, v)
        case .bool: return ConditionValues.bool(v) != nil && ConditionValues.bool(v) == ConditionValues.bool(p)
        case .arnEquals, .arnLike: return arnMatches(pattern: p, arn: v)
        case .null: return false  // handled by holds()
        case .numericEquals, .numericLessThan, .numericLessThanEquals, .numericGreaterThan, .numericGreaterThanEquals:
            guard let a = ConditionValues.number(v), let b = ConditionValues.number(p) else { return false }
            return compare(family, a, b)
        case .dateEquals, .dateLessThan, .dateLessThanEquals, .dateGreaterThan, .dateGreaterThanEquals:
            guard let a = ConditionValues.date(v), let b = ConditionValues.date(p) else { return false }
            return compare(family, a, b)
        }
    }

    private static func compare(_ family: OperatorFamily, _ found: Double, _ policy: Double) -> Bool {
        switch family {
        case .numericEquals, .dateEquals: return found == policy
        case .numericLessThan, .dateLessThan: return found < policy
        case .numericLessThanEquals, .dateLessThanEquals: return found <= policy
        case .numericGreaterThan, .dateGreaterThan: return found > policy
        case .numericGreaterThanEquals, .dateGreaterThanEquals: return found >= policy
        default: return false
        }
    }

    /// ARNs compare component by component (six ':'-separated parts), each with IAM wildcards;
    /// IAM treats ArnEquals and ArnLike alike.
    static func arnMatches(pattern: String, arn: String) -> Bool {
        let p = pattern.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        let a = arn.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard p.count == 6, a.count == 6 else { return false }
        return zip(p, a).allSatisfy { Wildcard.matches(String($0), String($1)) }
    }

    private static func explain(_ c: ConditionClause, _ context: ConditionContext) -> String {
        let expected = c.values.map { "\"\($0.prefix(128))\"" }.joined(separator: ", ")
        guard let found = context.values(c.key), !found.isEmpty else {
            return "\(c.op.name) on '\(c.keyAsWritten)' failed: the key is absent from the request (expected [\(expected)])"
        }
        let shown = found.prefix(8).map { "\"\($0.prefix(128))\"" }.joined(separator: ", ")
        return "\(c.op.name) on '\(c.keyAsWritten)' failed: expected [\(expected)], found [\(shown)\(found.count > 8 ? ", ..." : "")]"
    }
}
