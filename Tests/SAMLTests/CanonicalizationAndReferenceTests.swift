import BrokerCore
import CXMLSec
import Foundation
import XCTest
@testable import SAML

/// Canonicalisation and reference details of signature verification: prefix
/// lists, C14N variants, transform order, and SignatureValue / DigestValue
/// transplanted from another genuinely signed document.
final class CanonicalizationAndReferenceTests: XCTestCase {
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
        XCTAssertTrue(r?.message.contains("does not match") == true, r?.message ?? "")
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
        XCTAssertTrue(r?.message.contains("digest or signature value does not match") == true, r?.message ?? "")
    }
}
