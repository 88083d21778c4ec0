import BrokerCore
import Foundation
import XCTest
@testable import SAML

/// XSW1–XSW8 (threats §C1, SAML Raider numbering) and their relatives: every
/// variant must be refused before identity is read from an unsigned element.
final class WrappingAttackTests: XCTestCase {
    static var fixture: SAMLFixture!
    var f: SAMLFixture { Self.fixture }

    override class func setUp() { fixture = try? SAMLFixture() }
    override class func tearDown() { fixture?.remove(); fixture = nil }
    override func setUpWithError() throws { try XCTSkipIf(Self.fixture == nil, "fixture setup failed") }

    private func evilAssertion(from signedAssertion: String, newID: String) throws -> String {
        let sig = try XCTUnwrap(XMLText.element(signedAssertion, "<ds:Signature", "</ds:Signature>"))
        let oldID = try XCTUnwrap(XMLText.id(of: signedAssertion))
        return signedAssertion.replacingOccurrences(of: sig, with: "")
            .replacingOccurrences(of: "ID=\"\(oldID)\"", with: "ID=\"\(newID)\"")
            .replacingOccurrences(of: "alice@example.com", with: "admin@example.com")
    }

    func testXSW1OriginalResponseHiddenInsideSignature() throws {
        let xml = try f.xml { $0.sign = .response }
        let response = try XCTUnwrap(XMLText.element(xml, "<samlp:Response", "</samlp:Response>"))
        let sig = try XCTUnwrap(XMLText.element(response, "<ds:Signature", "</ds:Signature>"))
        let original = response.replacingOccurrences(of: sig, with: "")
        let evil = response.replacingOccurrences(of: "alice@example.com", with: "admin@example.com")
            .replacingFirst("ID=\"\(XMLText.id(of: response)!)\"", with: "ID=\"_evil\"")
            .replacingOccurrences(of: sig, with: sig.replacingOccurrences(of: "</ds:Signature>", with: original + "</ds:Signature>"))
        assertRejected(try f.validate(xml: evil), .structure, .invalidIdentityToken)
    }

    func testXSW2OriginalResponseAsSiblingBeforeSignature() throws {
        let xml = try f.xml { $0.sign = .response }
        let response = try XCTUnwrap(XMLText.element(xml, "<samlp:Response", "</samlp:Response>"))
        let sig = try XCTUnwrap(XMLText.element(response, "<ds:Signature", "</ds:Signature>"))
        let original = response.replacingOccurrences(of: sig, with: "")
        let evil = response.replacingOccurrences(of: "alice@example.com", with: "admin@example.com")
            .replacingFirst("ID=\"\(XMLText.id(of: response)!)\"", with: "ID=\"_evil\"")
            .replacingOccurrences(of: sig, with: original + sig)
        assertRejected(try f.validate(xml: evil), .structure, .invalidIdentityToken)
    }

    func testXSW3EvilAssertionBeforeSignedOne() throws {
        let xml = try f.xml()
        let signed = try XCTUnwrap(XMLText.element(xml, "<saml:Assertion", "</saml:Assertion>"))
        let attack = xml.replacingOccurrences(of: signed, with: try evilAssertion(from: signed, newID: "_evil") + signed)
        assertRejected(try f.validate(xml: attack), .structure, .invalidIdentityToken)
    }

    func testXSW4SignedAssertionNestedInEvilOne() throws {
        let xml = try f.xml()
        let signed = try XCTUnwrap(XMLText.element(xml, "<saml:Assertion", "</saml:Assertion>"))
        let evil = try evilAssertion(from: signed, newID: "_evil")
        let wrapped = evil.replacingOccurrences(of: "</saml:Assertion>", with: signed + "</saml:Assertion>")
        assertRejected(try f.validate(xml: xml.replacingOccurrences(of: signed, with: wrapped)), .structure, .invalidIdentityToken)
    }

    func testXSW5EditedAssertionWithUntouchedCopyAppended() throws {
        let xml = try f.xml()
        let signed = try XCTUnwrap(XMLText.element(xml, "<saml:Assertion", "</saml:Assertion>"))
        let sig = try XCTUnwrap(XMLText.element(signed, "<ds:Signature", "</ds:Signature>"))
        let edited = signed.replacingOccurrences(of: "alice@example.com", with: "admin@example.com")
            .replacingFirst("ID=\"\(XMLText.id(of: signed)!)\"", with: "ID=\"_evil\"")
        let copy = signed.replacingOccurrences(of: sig, with: "")
        let attack = xml.replacingOccurrences(of: signed, with: edited)
            .replacingOccurrences(of: "</samlp:Response>", with: copy + "</samlp:Response>")
        assertRejected(try f.validate(xml: attack), .structure, .invalidIdentityToken)
    }

    func testXSW6CopyHiddenInsideEvilAssertionsSignature() throws {
        let xml = try f.xml()
        let signed = try XCTUnwrap(XMLText.element(xml, "<saml:Assertion", "</saml:Assertion>"))
        let sig = try XCTUnwrap(XMLText.element(signed, "<ds:Signature", "</ds:Signature>"))
        let copy = signed.replacingOccurrences(of: sig, with: "")
        let edited = signed.replacingOccurrences(of: "alice@example.com", with: "admin@example.com")
            .replacingFirst("ID=\"\(XMLText.id(of: signed)!)\"", with: "ID=\"_evil\"")
            .replacingOccurrences(of: "</ds:Signature>", with: copy + "</ds:Signature>")
        assertRejected(try f.validate(xml: xml.replacingOccurrences(of: signed, with: edited)), .structure, .invalidIdentityToken)
    }

    func testXSW7EvilAssertionInExtensions() throws {
        let xml = try f.xml()
        let signed = try XCTUnwrap(XMLText.element(xml, "<saml:Assertion", "</saml:Assertion>"))
        let ext = "<samlp:Extensions>" + (try evilAssertion(from: signed, newID: "_evil")) + "</samlp:Extensions>"
        let attack = xml.replacingFirst("<samlp:Status>", with: ext + "<samlp:Status>")
        assertRejected(try f.validate(xml: attack), .structure, .invalidIdentityToken)
    }

    func testXSW8CopyInsideObjectOfSignature() throws {
        let xml = try f.xml()
        let signed = try XCTUnwrap(XMLText.element(xml, "<saml:Assertion", "</saml:Assertion>"))
        let sig = try XCTUnwrap(XMLText.element(signed, "<ds:Signature", "</ds:Signature>"))
        let copy = signed.replacingOccurrences(of: sig, with: "")
        let edited = signed.replacingOccurrences(of: "alice@example.com", with: "admin@example.com")
            .replacingOccurrences(of: "</ds:Signature>", with: "<ds:Object>" + copy + "</ds:Object></ds:Signature>")
        assertRejected(try f.validate(xml: xml.replacingOccurrences(of: signed, with: edited)), .structure, .invalidIdentityToken)
    }

    func testObjectElementInSignatureIsRefusedEvenWithoutAssertion() throws {
        let xml = try f.xml().replacingOccurrences(of: "</ds:Signature>", with: "<ds:Object>x</ds:Object></ds:Signature>")
        assertRejected(try f.validate(xml: xml), .structure, .invalidIdentityToken)
    }

    func testTwoAssertionsAreRefused() throws {
        let xml = try f.xml()
        let signed = try XCTUnwrap(XMLText.element(xml, "<saml:Assertion", "</saml:Assertion>"))
        let second = try f.signer.signedResponseXML(f.spec())
        let other = try XCTUnwrap(XMLText.element(second, "<saml:Assertion", "</saml:Assertion>"))
        assertRejected(try f.validate(xml: xml.replacingOccurrences(of: signed, with: signed + other)), .structure, .invalidIdentityToken)
    }

    func testAssertionInsideAdviceIsRefused() throws {
        let xml = try f.xml()
        let signed = try XCTUnwrap(XMLText.element(xml, "<saml:Assertion", "</saml:Assertion>"))
        let evil = try evilAssertion(from: signed, newID: "_evil")
        let attack = xml.replacingFirst("<saml:AudienceRestriction>", with: "<saml:Advice>" + evil + "</saml:Advice><saml:AudienceRestriction>")
        assertRejected(try f.validate(xml: attack), .structure, .invalidIdentityToken)
    }

    func testDuplicateIDOnAnotherElementIsRefused() throws {
        let xml = try f.xml()
        let assertionID = try XCTUnwrap(XMLText.id(of: try XCTUnwrap(XMLText.element(xml, "<saml:Assertion", ">"))))
        let attack = xml.replacingFirst("<samlp:Status>", with: "<samlp:Extensions><x:Thing xmlns:x=\"urn:x\" ID=\"\(assertionID)\"/></samlp:Extensions><samlp:Status>")
        assertRejected(try f.validate(xml: attack), .duplicateID, .invalidIdentityToken)
    }

    func testXmlIDAttributeIsRefused() throws {
        let attack = try f.xml().replacingFirst("<samlp:Status>", with: "<samlp:Status xml:id=\"_x\">")
        assertRejected(try f.validate(xml: attack), .structure, .invalidIdentityToken)
    }

    func testSignatureOutsideResponseOrAssertionIsRefused() throws {
        let xml = try f.xml()
        let sig = try XCTUnwrap(XMLText.element(xml, "<ds:Signature", "</ds:Signature>"))
        let attack = xml.replacingFirst("<saml:Subject>", with: "<saml:Subject>" + sig)
        assertRejected(try f.validate(xml: attack), .structure, .invalidIdentityToken)
    }

    func testEncryptedAssertionIsRefusedWithClearMessage() throws {
        let xml = try f.xml()
        let signed = try XCTUnwrap(XMLText.element(xml, "<saml:Assertion", "</saml:Assertion>"))
        let attack = xml.replacingOccurrences(of: signed, with: "<saml:EncryptedAssertion><x/></saml:EncryptedAssertion>")
        let r = assertRejected(try f.validate(xml: attack), .structure, .invalidIdentityToken)
        XCTAssertTrue(r?.message.contains("encrypted assertions are not supported yet") == true)
    }

    func testRootThatIsNotAResponseIsRefused() throws {
        let xml = try f.xml()
        let signed = try XCTUnwrap(XMLText.element(xml, "<saml:Assertion", "</saml:Assertion>"))
        let rooted = signed.replacingFirst("<saml:Assertion", with: "<saml:Assertion xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\"")
        assertRejected(try f.validate(xml: rooted), .structure, .invalidIdentityToken)
    }
}
