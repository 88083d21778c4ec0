/// Collects the Assertion's attributes as Name -> values. Every AttributeValue
/// must be a single text node or empty (comment-injection defence applies to
/// attributes too, threats §C2). Names are case-sensitive, as in AWS.
enum AttributeStatementReader {
    static func read(_ assertion: XMLNodePtr, limits: SAMLValidationLimits) throws -> [(name: String, values: [String])] {
        var order: [String] = []
        var values: [String: [String]] = [:]
        for statement in assertion.children("AttributeStatement", XMLNamespace.samlAssertion) {
            for attribute in statement.children("Attribute", XMLNamespace.samlAssertion) {
                guard let name = attribute.attribute("Name"), !name.isEmpty, name.utf8.count <= 512 else {
                    throw SAMLRejection(.attributes, "an Attribute has no Name (or one over 512 bytes)")
                }
                if values[name] == nil { order.append(name); values[name] = [] }
                for v in attribute.children("AttributeValue", XMLNamespace.samlAssertion) {
                    switch v.singleText {
                    case .text(let s):
                        guard s.utf8.count <= limits.maxTextLength else {
                            throw SAMLRejection(.attributes, "a value of attribute \(MessageText.quote(name)) is longer than \(limits.maxTextLength) bytes")
                        }
                        values[name, default: []].append(s)
                    case .empty:
                        values[name, default: []].append("")
                    case .mixed(let why):
                        throw SAMLRejection(.attributes, "a value of attribute \(MessageText.quote(name)) must be a single text node (found \(why))")
                    }
                }
            }
        }
        return order.map { ($0, values[$0] ?? []) }
    }
}
