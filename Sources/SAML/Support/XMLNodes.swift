import CXMLSec
import Glibc

typealias XMLNodePtr = UnsafeMutablePointer<xmlNode>

/// Namespace URIs the validator compares against (exact strings). StaticString:
/// compared in place with libxml2's strings, no bridging per comparison.
enum XMLNamespace {
    static let samlProtocol: StaticString = "urn:oasis:names:tc:SAML:2.0:protocol"
    static let samlAssertion: StaticString = "urn:oasis:names:tc:SAML:2.0:assertion"
    static let dsig: StaticString = "http://www.w3.org/2000/09/xmldsig#"
    static let metadata: StaticString = "urn:oasis:names:tc:SAML:2.0:metadata"
    static let xml: StaticString = "http://www.w3.org/XML/1998/namespace"
    /// Exclusive C14N's URI, also the namespace of its InclusiveNamespaces element.
    static let excC14N: StaticString = "http://www.w3.org/2001/10/xml-exc-c14n#"
}

/// What an identity-bearing element contains. Anything but exactly one text node
/// (or nothing) is refused, never concatenated: that is the comment-injection
/// defence (threats §C2).
enum ElementText {
    case text(String)
    case empty
    case mixed(String)   // why: comment, CDATA, PI, child element, entity reference
}

/// A libxml2 string equal to a literal, compared in place. (The String version
/// bridged through withCString for every element of every document: ~5 % of the
/// validator's own instructions.)
@inline(__always)
func cEquals(_ p: UnsafePointer<xmlChar>?, _ s: StaticString) -> Bool {
    guard let p = p else { return false }
    let n = s.utf8CodeUnitCount
    return strncmp(UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self),
                   UnsafeRawPointer(s.utf8Start).assumingMemoryBound(to: CChar.self), n) == 0 && p[n] == 0
}

func swiftString(_ p: UnsafePointer<xmlChar>?) -> String {
    guard let p = p else { return "" }
    return String(cString: UnsafeRawPointer(p).assumingMemoryBound(to: CChar.self))
}

extension UnsafeMutablePointer where Pointee == xmlNode {
    var isElementNode: Bool { pointee.type == XML_ELEMENT_NODE }

    func isElement(_ localName: StaticString, _ namespace: StaticString) -> Bool {
        guard pointee.type == XML_ELEMENT_NODE, cEquals(pointee.name, localName) else { return false }
        guard let ns = pointee.ns else { return false }
        return cEquals(ns.pointee.href, namespace)
    }

    func hasLocalName(_ localName: StaticString) -> Bool { cEquals(pointee.name, localName) }

    var localName: String { swiftString(pointee.name) }
    var namespaceURI: String? { pointee.ns.map { swiftString($0.pointee.href) } }
    /// `{namespace}local` for messages.
    var qualifiedDescription: String {
        if let ns = namespaceURI { return "{\(ns)}\(localName)" }
        return localName
    }

    var parentElement: XMLNodePtr? {
        guard let p = pointee.parent, p.pointee.type == XML_ELEMENT_NODE else { return nil }
        return p
    }

    /// Direct child elements in document order.
    var childElements: [XMLNodePtr] {
        var out: [XMLNodePtr] = []
        var c = pointee.children
        while let n = c {
            if n.pointee.type == XML_ELEMENT_NODE { out.append(n) }
            c = n.pointee.next
        }
        return out
    }

    func children(_ localName: StaticString, _ namespace: StaticString) -> [XMLNodePtr] {
        var out: [XMLNodePtr] = []
        var c = pointee.children
        while let n = c {
            if n.isElement(localName, namespace) { out.append(n) }
            c = n.pointee.next
        }
        return out
    }

    /// Value of an attribute without namespace, nil when absent.
    func attribute(_ name: String) -> String? {
        guard let attr = name.withCString({ xmlHasNsProp(self, UnsafeRawPointer($0).assumingMemoryBound(to: xmlChar.self), nil) }) else {
            return nil
        }
        // Without a DTD every attribute value is a single text node (libxml2 has
        // already replaced character and predefined entity references).
        guard let first = attr.pointee.children else { return "" }
        if first.pointee.next == nil, first.pointee.type == XML_TEXT_NODE {
            return swiftString(first.pointee.content)
        }
        guard let joined = xmlNodeListGetString(pointee.doc, first, 1) else { return "" }
        defer { xmlFree(joined) }
        return swiftString(joined)
    }

    /// The element's content for identity data: a single text node or nothing.
    var singleText: ElementText {
        guard let first = pointee.children else { return .empty }
        if first.pointee.next != nil {
            return .mixed("content split into several nodes (comment, CDATA or child element)")
        }
        switch first.pointee.type {
        case XML_TEXT_NODE: return .text(swiftString(first.pointee.content))
        case XML_COMMENT_NODE: return .mixed("a comment")
        case XML_CDATA_SECTION_NODE: return .mixed("a CDATA section")
        case XML_PI_NODE: return .mixed("a processing instruction")
        case XML_ELEMENT_NODE: return .mixed("a child element")
        default: return .mixed("an unexpected node type")
        }
    }

    /// ID attribute of a SAML protocol/assertion element.
    var samlID: String? { attribute("ID") }
}
