import BrokerCore
import Foundation
import XCTest
@testable import SAML

/// Keys, digests, algorithms, transforms and references (threats §C2, §C3, §C6).
final class SignatureAttackTests: XCTestCase {
    static var fixture: SAMLFixture!
    var f: SAMLFixture { Self.fixture }

    override class func setUp() { fixture = try? SAMLFixture() }
    override class func tearDown() { fixture?.remove(); fixture = nil }
    override func setUpWithError() throws { try XCTSkipIf(Self.fixture == nil, "fixture setup failed") }

    func testUnsignedResponseIsRefused() throws {
        assertRejected(try f.validate(xml: try f.xml { $0.sign = .none }), .signature, .invalidIdentityToken)
    }

    func testForeignKeyWithoutKeyInfoIsRefused() throws {
        let xml = try f.attacker.signedResponseXML(f.spec { $0.includeCertificate = false })
        assertRejected(try f.validate(xml: xml), .signature, .invalidIdentityToken)
    }

    func testEmbeddedAttackerCertificateIsRefusedWithFingerprints() throws {
        let xml = try f.attacker.signedResponseXML(f.spec())
        let r = assertRejected(try f.validate(xml: xml), .certificateMatch, .invalidIdentityToken)
        XCTAssertTrue(r?.message.contains(Fingerprint.sha256(f.signer.certificateDER)) == true)
        XCTAssertTrue(r?.message.contains(Fingerprint.sha256(f.attacker.certificateDER)) == true)
    }

    func testGenuineCertificateInKeyInfoButAttackerSignatureIsRefused() throws {
        // Attacker signs, then pastes the IdP's real certificate into KeyInfo.
        let genuine = Base64Input.encode(f.signer.certificateDER)
        let attackerCert = Base64Input.encode(f.attacker.certificateDER)
        let xml = try f.attacker.signedResponseXML(f.spec()).replacingOccurrences(of: attackerCert, with: genuine)
        assertRejected(try f.validate(xml: xml), .signature, .invalidIdentityToken)
    }

    func testDigestTamperIsRefused() throws {
        let xml = try f.xml().replacingOccurrences(of: "alice@example.com", with: "admin@example.com")
        assertRejected(try f.validate(xml: xml), .signature, .invalidIdentityToken)
    }

    func testSignatureValueTamperIsRefused() throws {
        let xml = try f.xml()
        let value = try XCTUnwrap(XMLText.element(xml, "<ds:SignatureValue>", "</ds:SignatureValue>"))
        var chars = Array(value)
        let i = "<ds:SignatureValue>".count + 10
        chars[i] = chars[i] == "A" ? "B" : "A"
        assertRejected(try f.validate(xml: xml.replacingOccurrences(of: value, with: String(chars))), .signature, .invalidIdentityToken)
    }

    func testCommentInNameIDIsRefusedEvenThoughSignatureStillVerifies() throws {
        // The attacker registered "alice@example.com.evil.com"; exclusive C14N drops comments, so the
        // signature over <!----> is unchanged and only the single-text-node rule stops the truncation.
        let xml = try f.xml { $0.nameID = "alice@example.com.evil.com" }
            .replacingFirst("alice@example.com.evil.com", with: "alice@example.com<!---->.evil.com")
        let r = assertRejected(try f.validate(xml: xml), .nameID, .invalidIdentityToken)
        XCTAssertTrue(r?.message.contains("single text node") == true)
    }

    func testXPathTransformIsRefused() throws {
        let xml = try f.xml().replacingFirst("http://www.w3.org/2000/09/xmldsig#enveloped-signature",
                                             with: "http://www.w3.org/TR/1999/REC-xpath-19991116")
        assertRejected(try f.validate(xml: xml), .transforms, .invalidIdentityToken)
    }

    func testXSLTTransformIsRefused() throws {
        let xml = try f.xml().replacingFirst("<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>",
            with: "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xslt-19991116\"><xsl:stylesheet xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\" version=\"1.0\"/></ds:Transform>")
        assertRejected(try f.validate(xml: xml), .transforms, .invalidIdentityToken)
    }

    func testThreeTransformsAreRefused() throws {
        let t = "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>"
        let xml = try f.xml().replacingFirst(t, with: t + t)
        assertRejected(try f.validate(xml: xml), .transforms, .invalidIdentityToken)
    }

    func testHMACSignatureMethodIsRefused() throws {
        let xml = try f.xml().replacingFirst("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", with: "http://www.w3.org/2000/09/xmldsig#hmac-sha1")
        let r = assertRejected(try f.validate(xml: xml), .signatureAlgorithm, .invalidIdentityToken)
        XCTAssertTrue(r?.message.contains("HMAC") == true)
    }

    func testRSASHA1IsRefusedWithoutOptInAndAcceptedWithIt() throws {
        let xml = try f.xml { $0.algorithm = .rsaSHA1 }
        assertRejected(try f.validate(xml: xml), .signatureAlgorithm, .invalidIdentityToken)
        let optIn = try f.trust(policy: ProviderPolicy(allowSHA1: true))
        assertAccepted(try f.validate(xml: xml, trust: optIn))
    }

    func testEmptyReferenceURIIsRefused() throws {
        let xml = try f.xml()
        let id = try XCTUnwrap(XMLText.id(of: try XCTUnwrap(XMLText.element(xml, "<saml:Assertion", ">"))))
        assertRejected(try f.validate(xml: xml.replacingFirst("URI=\"#\(id)\"", with: "URI=\"\"")), .reference, .invalidIdentityToken)
    }

    func testXPointerReferenceIsRefused() throws {
        let xml = try f.xml()
        let id = try XCTUnwrap(XMLText.id(of: try XCTUnwrap(XMLText.element(xml, "<saml:Assertion", ">"))))
        let attack = xml.replacingFirst("URI=\"#\(id)\"", with: "URI=\"#xpointer(id('\(id)'))\"")
        assertRejected(try f.validate(xml: attack), .reference, .invalidIdentityToken)
    }

    func testAssertionSignatureReferencingTheResponseIsRefused() throws {
        let xml = try f.xml()
        let assertionID = try XCTUnwrap(XMLText.id(of: try XCTUnwrap(XMLText.element(xml, "<saml:Assertion", ">"))))
        let responseID = try XCTUnwrap(XMLText.id(of: try XCTUnwrap(XMLText.element(xml, "<samlp:Response", ">"))))
        let attack = xml.replacingFirst("URI=\"#\(assertionID)\"", with: "URI=\"#\(responseID)\"")
        assertRejected(try f.validate(xml: attack), .reference, .invalidIdentityToken)
    }

    func testTwoReferencesAreRefused() throws {
        let xml = try f.xml()
        let reference = try XCTUnwrap(XMLText.element(xml, "<ds:Reference", "</ds:Reference>"))
        assertRejected(try f.validate(xml: xml.replacingFirst(reference, with: reference + reference)), .reference, .invalidIdentityToken)
    }

    func testHMACOutputLengthIsRefused() throws {
        let xml = try f.xml().replacingFirst("<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"/>",
            with: "<ds:SignatureMethod Algorithm=\"http://www.w3.org/2001/04/xmldsig-more#rsa-sha256\"><ds:HMACOutputLength>0</ds:HMACOutputLength></ds:SignatureMethod>")
        assertRejected(try f.validate(xml: xml), .signatureAlgorithm, .invalidIdentityToken)
    }

    func testProviderWithoutCertificatesFailsClosed() throws {
        assertRejected(try f.validate(xml: try f.xml(), trust: try f.trust(certificates: [])), .provider, .invalidIdentityToken)
        assertRejected(try f.validate(xml: try f.xml(), trust: try f.trust(certificates: [[1, 2, 3]])), .provider, .invalidIdentityToken)
    }

    func testSignedResponseWrappingUnsignedAssertionFromOtherIssuerIsRefused() throws {
        let xml = try f.xml { $0.sign = .response }
            .replacingOccurrences(of: "<saml:Issuer>\(SAMLFixture.entityID)</saml:Issuer><saml:Subject>", with: "<saml:Issuer>http://evil</saml:Issuer><saml:Subject>")
        assertRejected(try f.validate(xml: xml), .issuer, .invalidIdentityToken)
    }
}
