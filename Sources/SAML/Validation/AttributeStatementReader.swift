/// Collects the Assertion's attributes as Name -> values. Every AttributeValue
/// must be a single text node or empty (comment-injection defence applies to
/// attributes too, threats §C2). Names are case-sensitive, as in AWS.
enum AttributeStatementReader {
    static func read(_ assertion: XMLNodePtr, limits: SAMLValidationLimits) throws -> [(name: String, values: [String])] {
        // One hash per attribute name (names are ~50-byte URIs): the index maps a
        // name to its place in `collected`, which keeps document order.
        var collected: [(name: String, values: [String])] = []
        var index: [String: Int] = [:]
        index.reserveCapacity(16)   // a typical assertion's attributes: no rehash while filling
        for statement in assertion.children("AttributeStatement", XMLNamespace.samlAssertion) {
            for attribute in statement.children("Attribute", XMLNamespace.samlAssertion) {
                guard let name = attribute.attribute("Name"), !name.isEmpty, name.utf8.count <= 512 else {
                    throw SAMLRejection(.attributes, "an Attribute has no Name (or one over 512 bytes)")
                }
                let slot: Int
                if let i = index[name] { slot = i } else {
                    slot = collected.count
                    index[name] = slot
                    collected.append((name, []))
                }
                for v in attribute.children("AttributeValue", XMLNamespace.samlAssertion) {
                    switch v.singleText {
                    case .text(let s):
                        guard s.utf8.count <= limits.maxTextLength else {
                            throw SAMLRejection(.attributes, "a value of attribute \(MessageText.quote(name)) is longer than \(limits.maxTextLength) bytes")
                        }
                        collected[slot].values.append(s)
                    case .empty:
                        collected[slot].values.append("")
                    case .mixed(let why):
                        throw SAMLRejection(.attributes, "a value of attribute \(MessageText.quote(name)) must be a single text node (found \(why))")
                    }
                }
            }
        }
        return collected
    }
}
