// JSON text -> checked statements. Everything IAM would refuse at CreateRole /
// UpdateAssumeRolePolicy is refused here, with a message naming the field.
import Foundation

enum PolicyParser {
    static let maxDocumentLength = 131_072
    static let maxDepth = 16
    static let maxStatements = 256
    static let maxValues = 1024
    static let maxConditionKeyLength = 256
    static let versions = ["2012-10-17", "2008-10-17"]

    static func parse(_ json: String) throws -> (version: String, statements: [Statement]) {
        guard json.unicodeScalars.count <= maxDocumentLength else {
            throw PolicyError(.size, "Policy document is longer than \(maxDocumentLength) characters.")
        }
        let bytes = Array(json.utf8)
        try JSONShapeCheck.check(bytes, maxDepth: maxDepth)
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: Data(bytes), options: [])
        } catch {
            throw PolicyError(.json, "Syntax errors in policy: the document is not valid JSON.")
        }
        guard let doc = root as? [String: Any] else {
            throw PolicyError(.json, "Syntax errors in policy: the document must be a JSON object.")
        }
        for key in doc.keys.sorted() where !["Version", "Id", "Statement"].contains(key) {
            throw PolicyError(.unknownField, "Unknown field '\(key.prefix(64))' in policy document (allowed: Version, Id, Statement).")
        }
        guard let version = doc["Version"] as? String, versions.contains(version) else {
            throw PolicyError(.version, "Policy document must contain Version 2012-10-17 or 2008-10-17")
        }
        if let id = doc["Id"], !(id is String) { throw PolicyError(.unknownField, "Id must be a string.") }
        guard let raw = doc["Statement"] else { throw PolicyError(.statement, "Missing required field Statement") }
        let list: [Any]
        if let one = raw as? [String: Any] { list = [one] } else if let many = raw as? [Any] { list = many } else {
            throw PolicyError(.statement, "Statement must be an object or an array of objects.")
        }
        guard !list.isEmpty else { throw PolicyError(.statement, "Policy document must contain at least one Statement.") }
        guard list.count <= maxStatements else {
            throw PolicyError(.statement, "Policy document has \(list.count) statements; at most \(maxStatements) are accepted.")
        }
        var statements: [Statement] = []
        var sids = Set<String>()
        for (i, item) in list.enumerated() {
            guard let s = item as? [String: Any] else { throw PolicyError(.statement, "Statement #\(i + 1) must be a JSON object.") }
            let statement = try parseStatement(s, index: i)
            if let sid = statement.sid, !sid.isEmpty {
                guard sids.insert(sid).inserted else { throw PolicyError(.sid, "Statement IDs (SID) in a single policy must be unique: '\(sid)'.") }
            }
            statements.append(statement)
        }
        return (version, statements)
    }

    private static let statementFields: Set<String> = ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
                                                       "Condition", "Resource", "NotResource"]

    private static func parseStatement(_ s: [String: Any], index: Int) throws -> Statement {
        let where_ = "Statement #\(index + 1)"
        for key in s.keys.sorted() where !statementFields.contains(key) {
            throw PolicyError(.unknownField, "\(where_) has unknown field '\(key.prefix(64))'.")
        }
        // A trust policy's resource is the role itself; IAM refuses these fields here.
        for field in ["Resource", "NotResource"] where s[field] != nil {
            throw PolicyError(.prohibitedField, "Has prohibited field \(field)")
        }
        if s["NotPrincipal"] != nil {
            throw PolicyError(.principal, "\(where_): NotPrincipal is not supported in trust policies; name the allowed principals in Principal.")
        }
        var sid: String?
        if let raw = s["Sid"] {
            guard let text = raw as? String, text.utf8.count <= 128,
                  text.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0)) }) else {
                throw PolicyError(.sid, "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*")
            }
            sid = text
        }
        guard let effectText = s["Effect"] else { throw PolicyError(.effect, "Missing required field Effect") }
        guard let effectString = effectText as? String, let effect = Effect(rawValue: effectString) else {
            throw PolicyError(.effect, "Invalid effect: \(String(describing: effectText).prefix(64)) (expected Allow or Deny)")
        }
        guard let principalRaw = s["Principal"] else { throw PolicyError(.principal, "Missing required field Principal") }
        let principal = try parsePrincipal(principalRaw)
        let action: ActionSpec
        switch (s["Action"], s["NotAction"]) {
        case (nil, nil): throw PolicyError(.action, "Missing required field Action")
        case (.some, .some): throw PolicyError(.action, "\(where_) has both Action and NotAction; use one.")
        case (let a?, nil): action = ActionSpec(patterns: try parseActions(a), negated: false)
        case (nil, let n?): action = ActionSpec(patterns: try parseActions(n), negated: true)
        }
        let conditions = try s["Condition"].map(parseConditions) ?? []
        return Statement(index: index, sid: sid, effect: effect, principal: principal, action: action, conditions: conditions)
    }

    // MARK: principal

    private static func parsePrincipal(_ raw: Any) throws -> PrincipalSpec {
        if let text = raw as? String {
            guard text == "*" else { throw PolicyError(.principal, "Invalid principal in policy: \"\(text.prefix(256))\"") }
            return .anyone
        }
        guard let map = raw as? [String: Any], !map.isEmpty else {
            throw PolicyError(.principal, "Invalid principal in policy: Principal must be \"*\" or an object such as {\"Federated\": \"arn:aws:iam::123456789012:saml-provider/corp\"}.")
        }
        var out: [String: [String]] = [:]
        for (type, value) in map {
            guard ["Federated", "AWS", "Service", "CanonicalUser"].contains(type) else {
                throw PolicyError(.principal, "Invalid principal in policy: unknown principal type \"\(type.prefix(64))\" (expected Federated, AWS, Service or CanonicalUser).")
            }
            let values = try stringList(value) {
                PolicyError(.principal, "Invalid principal in policy: \"\(type)\" must be a string or an array of strings.")
            }
            for v in values where !validPrincipal(type: type, v) {
                throw PolicyError(.principal, "Invalid principal in policy: \"\(type)\":\"\(v.prefix(256))\"")
            }
            out[type] = values
        }
        return .typed(out)
    }

    static let builtInFederatedProviders: Set<String> = ["accounts.google.com", "cognito-identity.amazonaws.com",
                                                         "www.amazon.com", "graph.facebook.com"]

    private static func validPrincipal(type: String, _ v: String) -> Bool {
        guard !v.isEmpty, v.utf8.count <= 2048, !v.contains(" ") else { return false }
        switch type {
        case "Federated":
            return v == "*" || builtInFederatedProviders.contains(v) || isProviderArn(v, kind: "saml-provider")
                || isProviderArn(v, kind: "oidc-provider")
        case "AWS":
            return v == "*" || (v.count == 12 && v.allSatisfy(\.isNumber)) || v.hasPrefix("arn:")
        default:
            return true
        }
    }

    /// arn:<partition>:iam::<12 digits>:<kind>/<name>
    private static func isProviderArn(_ v: String, kind: String) -> Bool {
        let parts = v.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", !parts[1].isEmpty, parts[2] == "iam", parts[3].isEmpty,
              parts[4].count == 12, parts[4].allSatisfy({ $0.isASCII && $0.isNumber }),
              parts[5].hasPrefix(kind + "/") else { return false }
        let name = parts[5].dropFirst(kind.count + 1)
        guard !name.isEmpty else { return false }
        if kind == "saml-provider" {
            return name.count <= 128 && name.unicodeScalars.allSatisfy {
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "_.-".unicodeScalars.contains($0))
            }
        }
        return true
    }

    // MARK: action

    private static func parseActions(_ raw: Any) throws -> [String] {
        let values = try stringList(raw) { PolicyError(.action, "Action must be a string or an array of strings.") }
        for a in values where !validAction(a) {
            throw PolicyError(.action, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. Got '\(a.prefix(128))'.")
        }
        return values.map { $0.lowercased() }
    }

    private static func validAction(_ a: String) -> Bool {
        if a == "*" { return true }
        let parts = a.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, a.utf8.count <= 256 else { return false }
        return parts[0].unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-") }
            && parts[1].unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "*" || $0 == "?") }
    }

    // MARK: condition

    private static func parseConditions(_ raw: Any) throws -> [ConditionClause] {
        guard let block = raw as? [String: Any] else { throw PolicyError(.condition, "Condition must be a JSON object.") }
        var clauses: [ConditionClause] = []
        for opName in block.keys.sorted() {
            let op = try ConditionOperator.parse(opName)
            guard let keys = block[opName] as? [String: Any], !keys.isEmpty else {
                throw PolicyError(.condition, "Condition operator \(opName) must map condition keys to values.")
            }
            for key in keys.keys.sorted() {
                guard let colon = key.firstIndex(of: ":"), colon != key.startIndex, key.utf8.count <= maxConditionKeyLength else {
                    throw PolicyError(.condition, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. Got condition key '\(key.prefix(128))'.")
                }
                let values = try conditionValues(keys[key] as Any, op: op, key: key)
                clauses.append(ConditionClause(op: op, key: key.lowercased(), keyAsWritten: key, values: values))
            }
        }
        return clauses
    }

    private static func conditionValues(_ raw: Any, op: ConditionOperator, key: String) throws -> [String] {
        let items: [Any] = (raw as? [Any]) ?? [raw]
        guard !items.isEmpty else { throw PolicyError(.conditionValue, "Condition key '\(key)' under \(op.name) has no values.") }
        guard items.count <= maxValues else {
            throw PolicyError(.conditionValue, "Condition key '\(key)' under \(op.name) has more than \(maxValues) values.")
        }
        return try items.map { item in
            guard let text = scalarText(item) else {
                throw PolicyError(.conditionValue, "Condition values for '\(key)' under \(op.name) must be strings, numbers or booleans.")
            }
            if text.contains("${") {
                throw PolicyError(.conditionValue, "Policy variables such as '\(text.prefix(64))' are not supported in conditions.")
            }
            try checkType(text, op: op, key: key)
            return text
        }
    }

    private static func checkType(_ v: String, op: ConditionOperator, key: String) throws {
        let ok: Bool
        let expected: String
        if op.family.isNumeric { ok = ConditionValues.number(v) != nil; expected = "a number" }
        else if op.family.isDate { ok = ConditionValues.date(v) != nil; expected = "an ISO-8601 date or epoch seconds" }
        else if op.family == .bool || op.family == .null { ok = ConditionValues.bool(v) != nil; expected = "true or false" }
        else { ok = true; expected = "" }
        guard ok else {
            throw PolicyError(.conditionValue, "Invalid value '\(v.prefix(64))' for '\(key)' under \(op.name): expected \(expected).")
        }
    }

    /// Strings as they are; JSON numbers and booleans as their text ("42", "1.5", "true").
    private static func scalarText(_ item: Any) -> String? {
        if let s = item as? String { return s }
        if let n = item as? NSNumber {
            if String(cString: n.objCType) == "c" { return n.boolValue ? "true" : "false" }
            return n.stringValue
        }
        return nil
    }

    private static func stringList(_ raw: Any, _ error: () -> PolicyError) throws -> [String] {
        if let s = raw as? String { return [s] }
        guard let list = raw as? [Any], !list.isEmpty, list.count <= maxValues else { throw error() }
        return try list.map { guard let s = $0 as? String else { throw error() }; return s }
    }
}
