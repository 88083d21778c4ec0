import CXMLSec
import Foundation
import XCTest
@testable import SAML

/// CXMLSec's exclusive c14n klass canonicalises "subtree minus enveloped signature"
/// by showing libxml2 the subtree as a document of its own instead of a node-set with
/// a visibility callback. Its output must be byte for byte what xmlsec's own klass
/// produces, on namespace layouts chosen to break a careless version, and the
/// document must come back untouched.
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

    private func counts() -> (subtree: Int, nodeSet: Int) {
        var s = 0, n = 0
        cxs_c14n_counts(&s, &n)
        return (s, n)
    }

    // MARK: - tests

    func testAssertionWithAncestorDeclaredNamespacesMatchesXmlsec() throws {
        let doc = try parse(Self.ancestorDeclared)
        let assertion = try element(doc, "Assertion"), signature = try element(doc, "Signature")
        let referenceTransform = try element(doc, "Transform")
        let start = counts()
        let plain = try XCTUnwrap(compare(doc, apex: assertion, excluded: signature))
        let listed = try XCTUnwrap(compare(doc, apex: assertion, excluded: signature, transform: referenceTransform))
        XCTAssertEqual(counts().subtree - start.subtree, 2, "both went the subtree way")
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
        XCTAssertEqual(counts().subtree - start.subtree, 1)
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
        XCTAssertEqual(counts().subtree - start.subtree, 2)
        XCTAssertEqual(counts().nodeSet, start.nodeSet)
        assertAccepted(try f.validate(xml: both))
        XCTAssertEqual(counts().subtree - start.subtree, 6)
        XCTAssertEqual(counts().nodeSet, start.nodeSet)
    }
}
