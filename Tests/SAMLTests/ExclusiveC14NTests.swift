import CXMLSec
import Foundation
import XCTest
@testable import SAML

/// CXMLSec's exclusive c14n klass renders "subtree minus enveloped signature" with a
/// writer of its own (and leaves what that writer does not handle to libxml2, shown
/// the subtree as a document of its own) instead of libxml2 with a node-set and a
/// visibility callback. Its output must be byte for byte what xmlsec's own klass
/// produces — on namespace layouts chosen to break a careless version and on
/// thousands of generated documents — and the document must come back untouched.
final class ExclusiveC14NTests: XCTestCase {
    static var fixture: SAMLFixture!
    var f: SAMLFixture { Self.fixture }

    override class func setUp() { fixture = try? SAMLFixture() }
    override class func tearDown() { fixture?.remove(); fixture = nil }
    override func setUpWithError() throws {
        XCTAssertTrue(XMLRuntime.prepare())
        try XCTSkipIf(Self.fixture == nil, "fixture setup failed")
    }

    static let ds = "http://www.w3.org/2000/09/xmldsig#"
    static let exc = "http://www.w3.org/2001/10/xml-exc-c14n#"

    // MARK: - documents

    /// Namespaces the Assertion uses are declared only on the Response (outside the
    /// apex); xs appears only inside attribute values, so only a PrefixList renders it.
    static let ancestorDeclared = """
    <?xml version="1.0" encoding="UTF-8"?>
    <!-- before the root -->
    <?pi-before data?>
    <samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:unused="urn:unused" ID="r1" xml:lang="en">
      <saml:Issuer>idp</saml:Issuer>
      <saml:Assertion ID="a1" Version="2.0">
        <saml:Issuer>idp</saml:Issuer>
        <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="ds #default"/></ds:CanonicalizationMethod><ds:Reference URI="#a1"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="xs xsi"/></ds:Transform></ds:Transforms></ds:Reference></ds:SignedInfo><ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature>
        <saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">alice@example.com<!-- c --></saml:NameID></saml:Subject>
        <saml:AttributeStatement>
          <saml:Attribute Name="r"><saml:AttributeValue xsi:type="xs:string">a &amp; b &lt; c &gt; d "q" &#xD; &#x9;tab</saml:AttributeValue></saml:Attribute>
          <saml:Attribute Name="s" b="&quot;&#x9;&#xA;&#xD;&lt;&amp;" a="2"><saml:AttributeValue><![CDATA[<cdata & stuff>]]></saml:AttributeValue><?pi-inside x?></saml:Attribute>
        </saml:AttributeStatement>
      </saml:Assertion>
      <!-- after the assertion -->
    </samlp:Response>
    <!-- after the root -->
    """

    /// Default namespaces, an xmlns="" undeclaration, a prefix rebound to another URI
    /// deeper down, and namespaced attributes whose prefixes sort differently from their URIs.
    static let defaultsAndRebinding = """
    <Response xmlns="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:p="urn:first" xmlns:z="urn:a-sorts-first" ID="r1">
      <Assertion xmlns="urn:oasis:names:tc:SAML:2.0:assertion" ID="a1" z:attr="1" p:attr="2" plain="3">
        <Plain xmlns=""><Inner p:x="y"/></Plain>
        <p:Rebound xmlns:p="urn:second"><p:Deeper xmlns:p="urn:first" p:w="v"/></p:Rebound>
        <Other xml:space="preserve">  spaced  </Other>
        <ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo><ds:Reference URI="#a1"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms></ds:Reference></ds:SignedInfo></ds:Signature>
      </Assertion>
    </Response>
    """

    /// The signature as the first, only, or a nested child of the apex: each place
    /// takes a different branch when it is unlinked and put back.
    static func signaturePlacement(_ body: String) -> String {
        """
        <r:Root xmlns:r="urn:root" ID="a1">\(body)</r:Root>
        """
    }
    static let signatureElement = #"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>"#

    // MARK: - helpers

    private func parse(_ xml: String) throws -> XMLDocumentHandle {
        var doc: xmlDocPtr?
        let rc = xml.withCString { cxs_parse_hardened($0, Int32(strlen($0)), &doc) }
        XCTAssertEqual(rc, CXS_PARSE_OK)
        return XMLDocumentHandle(try XCTUnwrap(doc))
    }

    /// Elements in document order.
    private func elements(_ doc: XMLDocumentHandle) -> [XMLNodePtr] {
        var out: [XMLNodePtr] = []
        func walk(_ node: XMLNodePtr?) {
            var n = node
            while let cur = n {
                if cur.pointee.type == XML_ELEMENT_NODE { out.append(cur) }
                walk(cur.pointee.children)
                n = cur.pointee.next
            }
        }
        walk(doc.doc.pointee.children)
        return out
    }

    private func element(_ doc: XMLDocumentHandle, _ name: String, _ index: Int = 0) throws -> XMLNodePtr {
        let matches = elements(doc).filter { String(cString: $0.pointee.name) == name }
        XCTAssertGreaterThan(matches.count, index, "no \(name) #\(index)")
        return matches[index]
    }

    private func serialized(_ doc: XMLDocumentHandle) -> String {
        var mem: UnsafeMutablePointer<xmlChar>?
        var len: Int32 = 0
        xmlDocDumpMemory(doc.doc, &mem, &len)
        defer { xmlFree(mem) }
        return mem.map { String(cString: $0) } ?? ""
    }

    /// Both klasses' output for one selection; asserts they agree and the document is unchanged.
    @discardableResult
    private func compare(_ doc: XMLDocumentHandle, apex: XMLNodePtr, excluded: XMLNodePtr?,
                         transform: XMLNodePtr? = nil, file: StaticString = #filePath, line: UInt = #line) -> String? {
        let before = serialized(doc)
        var ours: UnsafeMutablePointer<xmlChar>?, theirs: UnsafeMutablePointer<xmlChar>?
        var oursLen: Int32 = 0, theirsLen: Int32 = 0
        let rc = cxs_c14n_compare_with_xmlsec(apex, excluded, transform, &ours, &oursLen, &theirs, &theirsLen)
        defer { xmlFree(ours); xmlFree(theirs) }
        XCTAssertEqual(rc, 0, file: file, line: line)
        guard rc == 0, let ours, let theirs else { return nil }
        let a = String(decoding: UnsafeBufferPointer(start: ours, count: Int(oursLen)), as: UTF8.self)
        let b = String(decoding: UnsafeBufferPointer(start: theirs, count: Int(theirsLen)), as: UTF8.self)
        XCTAssertEqual(a, b, "our exclusive c14n differs from xmlsec's", file: file, line: line)
        XCTAssertEqual(serialized(doc), before, "the document changed", file: file, line: line)
        return a
    }

    private func counts() -> (written: Int, subtree: Int, nodeSet: Int) {
        var w = 0, s = 0, n = 0
        cxs_c14n_counts(&w, &s, &n)
        return (w, s, n)
    }

    // MARK: - tests

    func testAssertionWithAncestorDeclaredNamespacesMatchesXmlsec() throws {
        let doc = try parse(Self.ancestorDeclared)
        let assertion = try element(doc, "Assertion"), signature = try element(doc, "Signature")
        let referenceTransform = try element(doc, "Transform")
        let start = counts()
        let plain = try XCTUnwrap(compare(doc, apex: assertion, excluded: signature))
        let listed = try XCTUnwrap(compare(doc, apex: assertion, excluded: signature, transform: referenceTransform))
        XCTAssertEqual(counts().written - start.written, 2, "our writer rendered both")
        XCTAssertEqual(counts().subtree, start.subtree)
        XCTAssertEqual(counts().nodeSet, start.nodeSet)

        // What the output must look like, independently of either implementation:
        // saml rendered at the apex, xs/xsi only when listed, the signature, comments,
        // xml:lang of the omitted Response and the unused namespace all gone.
        XCTAssertTrue(plain.hasPrefix(#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="a1" Version="2.0">"#), plain)
        XCTAssertFalse(plain.contains("xmlns:xs="))
        XCTAssertTrue(listed.hasPrefix(#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="a1""#), listed)
        for absent in ["Signature", "<!--", "xml:lang", "urn:unused", "pi-before"] {
            XCTAssertFalse(plain.contains(absent), absent)
        }
        XCTAssertTrue(plain.contains("a &amp; b &lt; c &gt; d \"q\" &#xD; \ttab"), plain)
        XCTAssertTrue(plain.contains(#"a="2" b="&quot;&#x9;&#xA;&#xD;&lt;&amp;""#), plain)
        XCTAssertTrue(plain.contains("&lt;cdata &amp; stuff&gt;</saml:AttributeValue><?pi-inside x?>"), plain)
        XCTAssertTrue(plain.hasSuffix("</saml:Assertion>"))
    }

    func testSignedInfoAndWholeResponseMatchXmlsec() throws {
        let doc = try parse(Self.ancestorDeclared)
        let signedInfo = try element(doc, "SignedInfo"), method = try element(doc, "CanonicalizationMethod")
        compare(doc, apex: signedInfo, excluded: nil)
        let si = try XCTUnwrap(compare(doc, apex: signedInfo, excluded: nil, transform: method))
        XCTAssertTrue(si.hasPrefix(#"<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:CanonicalizationMethod"#), si)
        // The document element as apex (a signed Response), with PIs and comments around it.
        let response = try element(doc, "Response"), signature = try element(doc, "Signature")
        let whole = try XCTUnwrap(compare(doc, apex: response, excluded: signature))
        XCTAssertTrue(whole.hasPrefix("<samlp:Response"), whole)
        XCTAssertFalse(whole.contains("pi-before"))
        XCTAssertTrue(whole.contains("xml:lang=\"en\""))
    }

    func testDefaultNamespacesUndeclarationAndRebindingMatchXmlsec() throws {
        let doc = try parse(Self.defaultsAndRebinding)
        let assertion = try element(doc, "Assertion"), signature = try element(doc, "Signature")
        let out = try XCTUnwrap(compare(doc, apex: assertion, excluded: signature))
        XCTAssertTrue(out.contains(#"<Plain xmlns="">"#), out)
        XCTAssertTrue(out.contains(#"<p:Rebound xmlns:p="urn:second"><p:Deeper xmlns:p="urn:first" p:w="v">"#), out)
        // Attributes sort by namespace URI: urn:a-sorts-first before urn:first.
        XCTAssertTrue(out.contains(#"plain="3" z:attr="1" p:attr="2""#), out)
        compare(doc, apex: try element(doc, "Plain"), excluded: nil)
        compare(doc, apex: try element(doc, "Deeper"), excluded: nil)
        compare(doc, apex: try element(doc, "Response"), excluded: signature)
    }

    func testSignatureFirstOnlyLastOrNestedIsLeftOutAndPutBack() throws {
        let s = Self.signatureElement
        for body in [s + "<r:a/>text", s, "<r:a/>" + s, "x<r:a>" + s + "</r:a>y", "<r:a/>\n" + s + "\n<r:b/>"] {
            let doc = try parse(Self.signaturePlacement(body))
            let out = try XCTUnwrap(compare(doc, apex: try element(doc, "Root"), excluded: try element(doc, "Signature")))
            XCTAssertFalse(out.contains("Signature"), body)
        }
    }

    func testSelectionsOutsideTheShapeTakeXmlsecsPath() throws {
        let doc = try parse(Self.defaultsAndRebinding)
        let start = counts()
        // The apex inside the left-out subtree renders nothing.
        let signature = try element(doc, "Signature")
        XCTAssertEqual(compare(doc, apex: try element(doc, "SignedInfo"), excluded: signature), "")
        XCTAssertEqual(counts().nodeSet - start.nodeSet, 1)
        // A left-out subtree beside the apex subtracts nothing: still the subtree way.
        compare(doc, apex: try element(doc, "Plain"), excluded: try element(doc, "Other"))
        XCTAssertEqual(counts().written - start.written, 1)
    }

    func testTooManyInclusivePrefixesAreRefused() throws {
        let prefixes = (0..<40).map { "p\($0)" }.joined(separator: " ")
        let doc = try parse("""
        <a ID="a1"><t xmlns:ec="\(Self.exc)"><ec:InclusiveNamespaces PrefixList="\(prefixes)"/></t></a>
        """)
        var ours: UnsafeMutablePointer<xmlChar>?, theirs: UnsafeMutablePointer<xmlChar>?
        var n1: Int32 = 0, n2: Int32 = 0
        XCTAssertEqual(cxs_c14n_compare_with_xmlsec(try element(doc, "a"), nil, try element(doc, "t"), &ours, &n1, &theirs, &n2), -2)
        xmlFree(ours); xmlFree(theirs)
    }

    func testValidationCanonicalisesBothPartsTheSubtreeWay() throws {
        // SignedInfo and the Reference: two canonicalisations, none through the node-set callback.
        // (Signing goes through the same klass, so the documents are made first.)
        let xml = try f.xml(), both = try f.xml { $0.sign = .both }
        let start = counts()
        assertAccepted(try f.validate(xml: xml))
        XCTAssertEqual(counts().written - start.written, 2)
        XCTAssertEqual(counts().subtree, start.subtree)
        XCTAssertEqual(counts().nodeSet, start.nodeSet)
        assertAccepted(try f.validate(xml: both))
        XCTAssertEqual(counts().written - start.written, 6)
        XCTAssertEqual(counts().subtree, start.subtree)
        XCTAssertEqual(counts().nodeSet, start.nodeSet)
    }

    // MARK: - what the writer leaves to libxml2

    func testEntityReferencesAreLeftToLibxml2() throws {
        // Unreachable through the hardened parse (no DTD); parsed without it to see the fallback work.
        func unhardened(_ xml: String) throws -> XMLDocumentHandle {
            XMLDocumentHandle(try XCTUnwrap(xml.withCString { xmlReadMemory($0, Int32(strlen($0)), nil, nil, 0) }))
        }
        // An attribute value holding an entity reference node (the parser substitutes
        // them; a tree built through the API can hold them): rendered by libxml2, as xmlsec's klass does.
        let doc = try unhardened(#"<!DOCTYPE r [<!ENTITY e "xy">]><r xmlns="urn:r" ID="a1"><c a="1"/></r>"#)
        let c = try element(doc, "c")
        xmlAddChild(UnsafeMutableRawPointer(c.pointee.properties!).assumingMemoryBound(to: xmlNode.self), xmlNewReference(doc.doc, "&e;"))
        let start = counts()
        XCTAssertNotNil(compare(doc, apex: c, excluded: nil))
        XCTAssertEqual(counts().subtree - start.subtree, 1, "left to libxml2")
        XCTAssertEqual(counts().written, start.written)
        // In element content libxml2 refuses to canonicalise, and so does the klass.
        let content = try unhardened(#"<!DOCTYPE r [<!ENTITY e "xy">]><r ID="a1"><d>&e;</d></r>"#)
        var ours: UnsafeMutablePointer<xmlChar>?, theirs: UnsafeMutablePointer<xmlChar>?
        var n1: Int32 = 0, n2: Int32 = 0
        XCTAssertEqual(cxs_c14n_compare_with_xmlsec(try element(content, "d"), nil, nil, &ours, &n1, &theirs, &n2), -1)
        xmlFree(ours); xmlFree(theirs)
        XCTAssertEqual(counts().subtree - start.subtree, 2)
    }

    func testRelativeNamespaceURIsFailAsLibxml2Fails() throws {
        // libxml2 refuses to canonicalise an element declaring a relative namespace URI.
        let doc = try parse(#"<r xmlns="urn:r" ID="a1"><c xmlns:p="relative/path" p:x="1"/></r>"#)
        let start = counts()
        var ours: UnsafeMutablePointer<xmlChar>?, theirs: UnsafeMutablePointer<xmlChar>?
        var n1: Int32 = 0, n2: Int32 = 0
        XCTAssertEqual(cxs_c14n_compare_with_xmlsec(try element(doc, "r"), nil, nil, &ours, &n1, &theirs, &n2), -1)
        xmlFree(ours); xmlFree(theirs)
        XCTAssertEqual(counts().subtree - start.subtree, 1, "left to libxml2, which failed")
        // The same URI as an absolute one is rendered by the writer.
        let fine = try parse(#"<r xmlns="urn:r" ID="a1"><c xmlns:p="urn:absolute" p:x="1"/></r>"#)
        let out = try XCTUnwrap(compare(fine, apex: try element(fine, "r"), excluded: nil))
        XCTAssertEqual(out, #"<r xmlns="urn:r" ID="a1"><c xmlns:p="urn:absolute" p:x="1"></c></r>"#)
    }

    // MARK: - generated documents

    /// Random documents built to reach the writer's corners: prefixes bound, rebound and
    /// shadowed at any depth, default namespaces declared and undeclared, namespaced and
    /// xml:* attributes whose prefixes sort unlike their URIs, every escaped character
    /// in text and attribute values, CDATA, comments and PIs; each canonicalised from a
    /// random apex, with a random descendant left out and a random PrefixList (including
    /// #default, unbound and absent prefixes). xmlsec's own klass is the reference.
    func testGeneratedDocumentsMatchXmlsec() throws {
        var rng = SplitMix64(seed: 0x5A4D_4C43_3134_4E21)
        let start = counts()
        var compared = 0
        for round in 0..<700 {
            var generator = GeneratedXML(rng: &rng)
            let xml = generator.document()
            let doc = try parse(xml)
            let all = elements(doc)
            for _ in 0..<3 {
                let apex = all[Int(rng.next() % UInt64(all.count))]
                let inside = all.filter { $0 != apex && isDescendant($0, of: apex) }
                let excluded = inside.isEmpty || rng.next() % 3 == 0 ? nil : inside[Int(rng.next() % UInt64(inside.count))]
                let pool = ["a", "b", "c", "ds", "#default", "xml", "unbound"]
                let listed = pool.filter { _ in rng.next() % 4 == 0 }
                let transform = listed.isEmpty && rng.next() % 2 == 0 ? nil : try inclusiveNamespaces(listed)
                let before = counts()
                let out = compare(doc, apex: apex, excluded: excluded, transform: transform?.node)
                XCTAssertNotNil(out, "round \(round): \(xml)")
                XCTAssertEqual(counts().written - before.written, 1, "round \(round): the writer rendered it")
                if out == nil || counts().written - before.written != 1 { return }
                compared += 1
            }
        }
        XCTAssertEqual(compared, 2100)
        XCTAssertEqual(counts().subtree, start.subtree)
    }

    private func isDescendant(_ node: XMLNodePtr, of ancestor: XMLNodePtr) -> Bool {
        var p = node.pointee.parent
        while let cur = p {
            if cur == ancestor { return true }
            p = cur.pointee.parent
        }
        return false
    }

    /// A ds:Transform holding `<ec:InclusiveNamespaces PrefixList="...">` (kept alive with its document).
    private func inclusiveNamespaces(_ prefixes: [String]) throws -> (doc: XMLDocumentHandle, node: XMLNodePtr) {
        let doc = try parse(#"<t xmlns:ec="\#(Self.exc)"><ec:InclusiveNamespaces PrefixList="\#(prefixes.joined(separator: " "))"/></t>"#)
        return (doc, try element(doc, "t"))
    }
}

/// Deterministic pseudo-random numbers (SplitMix64), so a failure names a reproducible case.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A well-formed, namespace-well-formed random document (see testGeneratedDocumentsMatchXmlsec).
struct GeneratedXML {
    var rng: SplitMix64
    init(rng: inout SplitMix64) { self.rng = SplitMix64(seed: rng.next()) }

    static let uris = ["urn:a", "urn:b", "urn:z-first", "http://example.com/ns?q=1", "urn:oasis:names:tc:SAML:2.0:assertion",
                       "urn:it's", "http://www.w3.org/2000/09/xmldsig#"]
    static let prefixes = ["a", "b", "c", "ds"]
    static let names = ["E", "Item", "x", "Z", "Assertion"]
    static let valuePieces = ["v", "&amp;", "&lt;", "&gt;", "&quot;", "'", "&#x9;", "&#xA;", "&#xD;", " ", "\u{e9}", "\t", "x y", "]]&gt;"]
    static let textPieces = ["t", "&amp;", "&lt;", "&gt;", "&#xD;", "\n", " ", "\u{e9}\u{20ac}", "]]&gt;", "\"'", "&#x9;"]

    mutating func pick<T>(_ items: [T]) -> T { items[Int(rng.next() % UInt64(items.count))] }
    mutating func chance(_ oneIn: UInt64) -> Bool { rng.next() % oneIn == 0 }

    mutating func document() -> String {
        "<?xml version=\"1.0\"?>\n" + element(depth: 0, scope: [:])
    }

    /// `scope`: prefix ("" for the default namespace) -> URI ("" when undeclared).
    mutating func element(depth: Int, scope outer: [String: String]) -> String {
        var scope = outer
        var declarations: [String] = []
        var declared = Set<String>()
        for _ in 0..<(chance(2) ? Int(rng.next() % 3) + 1 : 0) {
            let prefix = chance(3) ? "" : pick(Self.prefixes)
            guard declared.insert(prefix).inserted else { continue }
            let uri = prefix == "" && chance(3) ? "" : pick(Self.uris)
            scope[prefix] = uri
            declarations.append(prefix == "" ? "xmlns=\"\(uri)\"" : "xmlns:\(prefix)=\"\(uri)\"")
        }
        let bound = Self.prefixes.filter { scope[$0] != nil }
        let prefix = !bound.isEmpty && chance(2) ? pick(bound) + ":" : ""
        let name = prefix + pick(Self.names)

        var attributes: [String] = depth == 0 ? ["ID=\"a1\""] : []
        var expanded = Set(depth == 0 ? ["|ID"] : [String]())
        for _ in 0..<Int(rng.next() % 5) {
            let attrName: String, key: String
            switch rng.next() % 4 {
            case 0 where !bound.isEmpty:
                let p = pick(bound), local = pick(["x", "y", "ID"])
                (attrName, key) = ("\(p):\(local)", "\(scope[p]!)|\(local)")
            case 1:
                let local = pick(["lang", "space"])
                (attrName, key) = ("xml:\(local)", "xml|\(local)")
            default:
                let local = pick(["ID", "a", "b", "Z", "attr"])
                (attrName, key) = (local, "|\(local)")
            }
            guard expanded.insert(key).inserted else { continue }
            let value = (0..<Int(rng.next() % 4)).map { _ in pick(Self.valuePieces) }.joined()
            attributes.append("\(attrName)=\"\(value)\"")
        }
        // Attribute order in the source must not matter.
        for i in stride(from: attributes.count - 1, to: 0, by: -1) { attributes.swapAt(i, Int(rng.next() % UInt64(i + 1))) }

        var children = ""
        for _ in 0..<(depth < 4 ? Int(rng.next() % 5) : 0) {
            switch rng.next() % 8 {
            case 0, 1, 2: children += element(depth: depth + 1, scope: scope)
            case 3, 4: children += (0..<Int(rng.next() % 3) + 1).map { _ in pick(Self.textPieces) }.joined()
            case 5: children += "<![CDATA[<c> & \r\n ]]]]><![CDATA[>]]>"
            case 6: children += "<!-- comment \(depth) -->"
            default: children += chance(2) ? "<?pi some data?>" : "<?empty?>"
            }
        }
        let head = ([name] + declarations + attributes).joined(separator: " ")
        return children.isEmpty && chance(2) ? "<\(head)/>" : "<\(head)>\(children)</\(name)>"
    }
}
