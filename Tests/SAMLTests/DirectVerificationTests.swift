import BrokerCore
import CXMLSec
import Foundation
import XCTest
@testable import SAML

/// The verification path that canonicalises and checks signatures itself
/// (cxs_verify_enveloped) instead of running xmlsec's transform engine. The
/// signer here is xmlsec (DevIdP signs through it), so every acceptance below
/// is xmlsec's C14N/digest/signature agreeing with ours; the differential test
/// runs both verifiers on the same trees.
final class DirectVerificationTests: XCTestCase {
    static var fixture: SAMLFixture!
    var f: SAMLFixture { Self.fixture }

    override class func setUp() { fixture = try? SAMLFixture() }
    override class func tearDown() { fixture?.remove(); fixture = nil }
    override func setUpWithError() throws { try XCTSkipIf(Self.fixture == nil, "fixture setup failed") }

    static let excTransform = "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
    static let envelopedTransform = "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>"
    static let excMethod = "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"

    /// Signs a hand-edited template (signature on the Assertion) with xmlsec.
    private func signed(_ edit: (String) -> String) throws -> String {
        try f.signer.sign(template: edit(ResponseXML.build(f.spec())), includeCertificate: true)
    }

    private func inclusiveNamespaces(_ prefixes: String) -> String {
        "<ec:InclusiveNamespaces xmlns:ec=\"http://www.w3.org/2001/10/xml-exc-c14n#\" PrefixList=\"\(prefixes)\"/>"
    }

    func testInclusiveNamespacesPrefixListIsHonoured() throws {
        // xs is used only inside attribute values (xsi:type="xs:string"): exclusive C14N
        // renders xmlns:xs only because the PrefixList names it.
        let xml = try signed {
            $0.replacingFirst(Self.excTransform, with: "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\">\(inclusiveNamespaces("xs xsi"))</ds:Transform>")
                .replacingFirst(Self.excMethod, with: "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\">\(inclusiveNamespaces("ds #default"))</ds:CanonicalizationMethod>")
        }
        XCTAssertTrue(xml.contains("PrefixList=\"xs xsi\""))
        assertAccepted(try f.validate(xml: xml))
        // Dropping a prefix from the Reference's list changes what was digested.
        let r = assertRejected(try f.validate(xml: xml.replacingFirst("PrefixList=\"xs xsi\"", with: "PrefixList=\"xsi\"")),
                               .signature, .invalidIdentityToken)
        XCTAssertTrue(r?.message.contains("digest") == true, r?.message ?? "")
        // Editing the SignedInfo's list leaves the digest intact but breaks the signature value.
        let s = assertRejected(try f.validate(xml: xml.replacingFirst("PrefixList=\"ds #default\"", with: "PrefixList=\"ds\"")),
                               .signature, .invalidIdentityToken)
        XCTAssertTrue(s?.message.contains("signature value") == true, s?.message ?? "")
    }

    func testEnvelopedOnlyReferenceIsCanonicalisedWithInclusiveC14N() throws {
        // XML-DSig: a node-set left after the last transform becomes octets by C14N 1.0.
        let xml = try signed { $0.replacingFirst(Self.excTransform, with: "") }
        XCTAssertFalse(xml.contains("<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\""))
        assertAccepted(try f.validate(xml: xml))
        assertRejected(try f.validate(xml: xml.replacingOccurrences(of: "alice@example.com", with: "eve@example.com")),
                       .signature, .invalidIdentityToken)
    }

    func testInclusiveCanonicalizationMethodsForSignedInfoVerify() throws {
        for uri in ["http://www.w3.org/TR/2001/REC-xml-c14n-20010315", "http://www.w3.org/2006/12/xml-c14n11"] {
            let xml = try signed { $0.replacingFirst(Self.excMethod, with: "<ds:CanonicalizationMethod Algorithm=\"\(uri)\"/>") }
            assertAccepted(try f.validate(xml: xml))
        }
    }

    func testTransformsInAnotherOrderOrWithoutEnvelopedAreRefused() throws {
        let xml = try f.xml()
        let both = Self.envelopedTransform + Self.excTransform
        XCTAssertTrue(xml.contains(both))
        assertRejected(try f.validate(xml: xml.replacingFirst(both, with: Self.excTransform + Self.envelopedTransform)),
                       .transforms, .invalidIdentityToken)
        assertRejected(try f.validate(xml: xml.replacingFirst(both, with: Self.excTransform)), .transforms, .invalidIdentityToken)
        assertRejected(try f.validate(xml: xml.replacingFirst("<ds:Transforms>" + both + "</ds:Transforms>", with: "")),
                       .transforms, .invalidIdentityToken)
    }

    func testSignedInfoAlteredAfterSigningIsRefused() throws {
        // Same IDs and key, different NameID: its digest is right for its own content,
        // but the SignatureValue transplanted from the genuine response signed another SignedInfo.
        let genuine = try f.xml { $0.assertionID = "_a1"; $0.responseID = "_r1" }
        let forged = try f.xml { $0.assertionID = "_a1"; $0.responseID = "_r1"; $0.nameID = "eve@example.com" }
        assertAccepted(try f.validate(xml: forged))   // genuinely signed by the IdP: sanity
        let genuineValue = try XCTUnwrap(XMLText.element(genuine, "<ds:SignatureValue>", "</ds:SignatureValue>"))
        let forgedValue = try XCTUnwrap(XMLText.element(forged, "<ds:SignatureValue>", "</ds:SignatureValue>"))
        XCTAssertNotEqual(genuineValue, forgedValue)
        let r = assertRejected(try f.validate(xml: forged.replacingFirst(forgedValue, with: genuineValue)), .signature, .invalidIdentityToken)
        XCTAssertTrue(r?.message.contains("signature value") == true, r?.message ?? "")
    }

    func testDigestValueComputedOverOtherContentIsRefused() throws {
        // The DigestValue of another genuine assertion (same IDs, other NameID) does not
        // match this one: the digest is recomputed over the node we read, never trusted.
        let genuine = try f.xml { $0.assertionID = "_a1"; $0.responseID = "_r1" }
        let other = try f.xml { $0.assertionID = "_a1"; $0.responseID = "_r1"; $0.nameID = "eve@example.com" }
        let genuineDigest = try XCTUnwrap(XMLText.element(genuine, "<ds:DigestValue>", "</ds:DigestValue>"))
        let otherDigest = try XCTUnwrap(XMLText.element(other, "<ds:DigestValue>", "</ds:DigestValue>"))
        XCTAssertNotEqual(genuineDigest, otherDigest)
        let r = assertRejected(try f.validate(xml: genuine.replacingFirst(genuineDigest, with: otherDigest)), .signature, .invalidIdentityToken)
        XCTAssertTrue(r?.message.contains("Assertion reference digest does not match") == true, r?.message ?? "")
    }

    func testSignatureInsideAnotherElementIsNotVerifiedAgainstTheReferencedOne() {
        // The C layer refuses a signature that is not a direct child of the node handed
        // to it (the enveloped transform would otherwise leave it inside the digest).
        XMLRuntime.prepare()
        let xml = (try? f.xml()) ?? ""
        var doc: xmlDocPtr?
        let rc = xml.withCString { cxs_parse_hardened($0, Int32(strlen($0)), &doc) }
        XCTAssertEqual(rc, CXS_PARSE_OK)
        guard let d = doc else { return }
        let handle = XMLDocumentHandle(d)
        guard let root = handle.root, let assertion = root.children("Assertion", XMLNamespace.samlAssertion).first,
              let sig = assertion.children("Signature", XMLNamespace.dsig).first,
              let key = f.signer.certificateDER.withUnsafeBufferPointer({ cxs_public_key_from_certificate_der($0.baseAddress, Int32($0.count)) })
        else { return XCTFail("fixture shape") }
        defer { cxs_public_key_destroy(key) }
        var k: OpaquePointer? = key
        var matched: Int32 = -1
        XCTAssertEqual(withUnsafePointer(to: &k) { cxs_verify_enveloped(sig, assertion, $0, 1, 0, &matched) }, CXS_VERIFY_OK)
        XCTAssertEqual(matched, 0)
        XCTAssertEqual(withUnsafePointer(to: &k) { cxs_verify_enveloped(sig, root, $0, 1, 0, &matched) }, CXS_VERIFY_REFERENCE)
    }

    /// Both verifiers on the same trees: c14n-neutral edits (comments, unused namespace
    /// declarations, quote style, whitespace in tags) must pass both; content edits fail both.
    func testDirectVerifierAgreesWithXmlsec() throws {
        XMLRuntime.prepare()
        let original = try f.xml { $0.tags = [(key: "Team", value: "Blue")]; $0.sign = .both }
        guard let xmlsecKey = f.signer.certificateDER.withUnsafeBufferPointer({ cxs_key_from_certificate_der($0.baseAddress, Int32($0.count)) }),
              let directKey = f.signer.certificateDER.withUnsafeBufferPointer({ cxs_public_key_from_certificate_der($0.baseAddress, Int32($0.count)) })
        else { return XCTFail("keys did not load") }
        defer { cxs_key_destroy(xmlsecKey); cxs_public_key_destroy(directKey) }

        var state: UInt64 = 0x2545F4914F6CDD1D
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        let gaps = original.indices.filter { original[$0] == ">" }.map { original.index(after: $0) }
        let tagEnds = original.indices.filter { original[$0] == ">" && original[original.index(before: $0)] != "/" }
        var compared = 0, accepted = 0, rejected = 0, shapeRefused = 0
        for round in 0..<400 {
            var text = original
            var where_ = ""
            switch round % 6 {
            case 0:
                let at = gaps[next() % gaps.count]
                text.insert(contentsOf: "<!-- c -->", at: at)
                let from = text.index(at, offsetBy: -30, limitedBy: text.startIndex) ?? text.startIndex
                where_ = String(text[from..<at])
            case 1: let at = tagEnds[next() % tagEnds.count]; text.insert(contentsOf: " xmlns:unused=\"urn:x\"", at: at)
            case 2: let at = tagEnds[next() % tagEnds.count]; text.insert(contentsOf: " \n", at: at)
            case 3: let at = tagEnds[next() % tagEnds.count]; text.insert(contentsOf: " Extra=\"1\"", at: at)
            case 4:
                var bytes = Array(text.utf8)
                let i = next() % bytes.count
                bytes[i] = bytes[i] == UInt8(ascii: "a") ? UInt8(ascii: "b") : UInt8(ascii: "a")
                text = String(decoding: bytes, as: UTF8.self)
            default: text.insert(contentsOf: "\n  ", at: gaps[next() % gaps.count])
            }
            var docPtr: xmlDocPtr?
            guard text.withCString({ cxs_parse_hardened($0, Int32(strlen($0)), &docPtr) }) == CXS_PARSE_OK, let d = docPtr else { continue }
            let doc = XMLDocumentHandle(d)
            guard let layout = try? StructureScan.scan(doc, limits: SAMLValidationLimits(), trace: nil) else { continue }
            for sig in layout.signatures {
                // Compare on what the pipeline hands the verifier: the tree checks run first
                // (they refuse, e.g., a comment inside DigestValue, which xmlsec would skip).
                guard let parent = sig.parentElement,
                      (try? SignatureShapeCheck.check(sig, layout: layout, allowSHA1: false)) != nil else { shapeRefused += 1; continue }
                let uri = "#" + (parent == layout.root ? layout.responseID : layout.assertionID)
                let byXmlsec = cxs_verify_signature(sig, xmlsecKey, 0, uri) == CXS_VERIFY_OK
                var k: OpaquePointer? = directKey
                var matched: Int32 = -1
                let byDirect = withUnsafePointer(to: &k) { cxs_verify_enveloped(sig, parent, $0, 1, 0, &matched) } == CXS_VERIFY_OK
                XCTAssertEqual(byXmlsec, byDirect, "round \(round): xmlsec \(byXmlsec), direct \(byDirect) after \(where_)")
                compared += 1
                if byDirect { accepted += 1 } else { rejected += 1 }
            }
        }
        XCTAssertGreaterThan(compared, 500)
        XCTAssertGreaterThan(shapeRefused, 0)
        XCTAssertGreaterThan(accepted, 100, "c14n-neutral edits must verify")
        XCTAssertGreaterThan(rejected, 50, "content edits must not verify")
    }
}
