import CXMLSec

/// The shape every accepted document has: a samlp:Response root whose one direct
/// child saml:Assertion is what we read, and signatures only directly under those two.
struct ResponseLayout {
    let root: XMLNodePtr
    let responseID: String
    let assertion: XMLNodePtr
    let assertionID: String
    /// Every ds:Signature in the document (each a direct child of root or assertion).
    let signatures: [XMLNodePtr]
}

/// Steps 2b–3: resource caps, then the structural rules that defeat signature
/// wrapping (threats §C1) before any cryptography runs: one pass over the tree,
/// iterative so depth cannot exhaust the stack.
enum StructureScan {
    static func scan(_ document: XMLDocumentHandle, limits: SAMLValidationLimits, trace: CheckTrace?) throws -> ResponseLayout {
        guard let root = document.root else { throw SAMLRejection(.structure, "document has no root element") }
        guard root.isElement("Response", XMLNamespace.samlProtocol) else {
            throw SAMLRejection(.structure, "root element is \(MessageText.quote(root.qualifiedDescription)), expected {\(XMLNamespace.samlProtocol)}Response")
        }
        var assertions: [XMLNodePtr] = []
        var signatures: [XMLNodePtr] = []
        var idCounts: [String: Int] = [:]
        var elements = 0, maxSeenDepth = 0, samlAttributes = 0, samlAttributeValues = 0

        var node: XMLNodePtr? = root
        var depth = 1
        while let n = node {
            if n.pointee.type == XML_ELEMENT_NODE {
                elements += 1
                maxSeenDepth = max(maxSeenDepth, depth)
                guard elements <= limits.maxElements else {
                    throw SAMLRejection(.limits, "more than \(limits.maxElements) elements")
                }
                guard depth <= limits.maxDepth else {
                    throw SAMLRejection(.limits, "elements nested deeper than \(limits.maxDepth) levels")
                }
                try inspectAttributes(n, limits: limits, idCounts: &idCounts)
                try classify(n, root: root, assertions: &assertions, signatures: &signatures)
                if n.isElement("Attribute", XMLNamespace.samlAssertion) { samlAttributes += 1 }
                if n.isElement("AttributeValue", XMLNamespace.samlAssertion) { samlAttributeValues += 1 }
                if let child = n.pointee.children {
                    node = child
                    depth += 1
                    continue
                }
            }
            // Next sibling, or climb until an ancestor has one.
            var cursor: XMLNodePtr? = n
            node = nil
            while let c = cursor, c != root {
                if let next = c.pointee.next { node = next; break }
                cursor = c.pointee.parent
                depth -= 1
            }
        }
        guard samlAttributes <= limits.maxAttributes else {
            throw SAMLRejection(.limits, "\(samlAttributes) saml:Attribute elements (limit \(limits.maxAttributes))")
        }
        guard samlAttributeValues <= limits.maxAttributeValues else {
            throw SAMLRejection(.limits, "\(samlAttributeValues) saml:AttributeValue elements (limit \(limits.maxAttributeValues))")
        }
        trace?.pass(.limits, "\(elements) elements, depth \(maxSeenDepth), \(samlAttributes) attributes, \(samlAttributeValues) attribute values")

        guard assertions.count == 1, let assertion = assertions.first else {
            throw SAMLRejection(.structure, "expected exactly one saml:Assertion as a direct child of the Response, found \(assertions.count)")
        }
        if let dup = idCounts.first(where: { $0.value > 1 }) {
            throw SAMLRejection(.duplicateID, "ID \(MessageText.quote(dup.key)) appears \(dup.value) times; every ID must be unique")
        }
        guard let responseID = root.samlID, IDSyntax.isValid(responseID, maxLength: limits.maxIDLength) else {
            throw SAMLRejection(.structure, "Response/@ID missing or not an XML name (found \(MessageText.quote(root.samlID ?? "")))")
        }
        guard let assertionID = assertion.samlID, IDSyntax.isValid(assertionID, maxLength: limits.maxIDLength) else {
            throw SAMLRejection(.structure, "Assertion/@ID missing or not an XML name (found \(MessageText.quote(assertion.samlID ?? "")))")
        }
        trace?.pass(.structure, "samlp:Response with one direct-child saml:Assertion, \(signatures.count) signature(s) in allowed places")
        trace?.pass(.duplicateID, "all ID values unique")
        try registerIDs(document, root: root, assertion: assertion)
        return ResponseLayout(root: root, responseID: responseID, assertion: assertion, assertionID: assertionID, signatures: signatures)
    }

    private static func inspectAttributes(_ n: XMLNodePtr, limits: SAMLValidationLimits, idCounts: inout [String: Int]) throws {
        var count = 0
        var attr = n.pointee.properties
        while let a = attr {
            count += 1
            guard count <= limits.maxAttributesPerElement else {
                throw SAMLRejection(.limits, "element \(MessageText.quote(n.localName)) has more than \(limits.maxAttributesPerElement) attributes")
            }
            // Every attribute spelled like an ID counts for uniqueness, whatever the
            // element: xmlsec and other consumers may treat any of them as one.
            if a.pointee.ns == nil, let name = a.pointee.name, isIDName(name) {
                let value = n.attribute(swiftString(name)) ?? ""
                idCounts[value, default: 0] += 1
            }
            attr = a.pointee.next
        }
    }

    /// "ID", "Id" or "id", read in place (runs for every attribute of the document).
    private static func isIDName(_ p: UnsafePointer<xmlChar>) -> Bool {
        (p[0] == 0x49 && (p[1] == 0x44 || p[1] == 0x64) && p[2] == 0) || (p[0] == 0x69 && p[1] == 0x64 && p[2] == 0)
    }

    private static func classify(_ n: XMLNodePtr, root: XMLNodePtr, assertions: inout [XMLNodePtr], signatures: inout [XMLNodePtr]) throws {
        // Compared in place: building a Swift String per element was a measurable share of validation.
        guard let href = n.pointee.ns?.pointee.href else { return }
        if cEquals(href, XMLNamespace.samlProtocol) {
            if n != root, n.hasLocalName("Response") {
                throw SAMLRejection(.structure, "a samlp:Response is nested inside \(MessageText.quote(n.parentElement?.localName ?? "?")); only the root may be a Response")
            }
        } else if cEquals(href, XMLNamespace.samlAssertion) {
            if n.hasLocalName("EncryptedAssertion") {
                throw SAMLRejection(.structure, "encrypted assertions are not supported yet (expected a plain saml:Assertion)")
            }
            if n.hasLocalName("Assertion") {
                guard n.pointee.parent == UnsafeMutablePointer<xmlNode>(root) else {
                    throw SAMLRejection(.structure, "a saml:Assertion sits inside \(MessageText.quote(n.parentElement?.localName ?? "?")); assertions are accepted only as direct children of the Response")
                }
                assertions.append(n)
            }
        } else if cEquals(href, XMLNamespace.dsig) {
            if n.hasLocalName("Signature") {
                let parent = n.parentElement
                let allowed = parent == root || (parent?.isElement("Assertion", XMLNamespace.samlAssertion) == true && parent?.pointee.parent == root)
                guard allowed else {
                    throw SAMLRejection(.structure, "a ds:Signature sits inside \(MessageText.quote(parent?.localName ?? "?")); signatures are accepted only directly under the Response or the Assertion")
                }
                signatures.append(n)
            }
        }
    }

    /// IDs are registered by us, only for the two elements a Reference may name,
    /// never from a DTD or other attributes (threats §C3).
    private static func registerIDs(_ document: XMLDocumentHandle, root: XMLNodePtr, assertion: XMLNodePtr) throws {
        for element in [root, assertion] {
            let ok: Bool = "ID".withCString { name in
                let xname = UnsafeRawPointer(name).assumingMemoryBound(to: xmlChar.self)
                guard let attr = xmlHasNsProp(element, xname, nil), let value = xmlGetNoNsProp(element, xname) else { return false }
                defer { xmlFree(value) }
                return xmlAddID(nil, document.doc, value, attr) != nil
            }
            guard ok else { throw SAMLRejection(.duplicateID, "could not register the ID of \(element.localName)") }
        }
    }
}
