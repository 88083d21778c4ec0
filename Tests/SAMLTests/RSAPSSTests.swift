import BrokerCore
import Foundation
import XCTest
@testable import SAML

/// RSASSA-PSS (RFC 6931 sha256-rsa-MGF1): xmlsec 1.2 has no PSS, so the last
/// step is CXMLSec's own transform. It must accept what it should and nothing more;
/// signxml's PSS signatures are checked end to end (Tests/e2e).
final class RSAPSSTests: XCTestCase {
    static var fixture: SAMLFixture!
    var f: SAMLFixture { Self.fixture }

    override class func setUp() { fixture = try? SAMLFixture() }
    override class func tearDown() { fixture?.remove(); fixture = nil }
    override func setUpWithError() throws { try XCTSkipIf(Self.fixture == nil, "fixture setup failed") }

    private func pss(_ edit: (inout DevIdP.ResponseSpec) -> Void = { _ in }) throws -> String {
        try f.xml { $0.algorithm = .rsaPSSSHA256; edit(&$0) }
    }

    func testPSSSignedAssertionAndResponseAreAccepted() throws {
        let xml = try pss()
        XCTAssertTrue(xml.contains("<ds:SignatureMethod Algorithm=\"\(SignatureAlgorithms.rsaPSSSHA256)\"/>"))
        XCTAssertEqual(assertAccepted(try f.validate(xml: xml))?.subject, "alice@example.com")
        assertAccepted(try f.validate(xml: try pss { $0.sign = .response }))
        assertAccepted(try f.validate(xml: try pss { $0.sign = .both }))
    }

    func testPSSSignaturesAreRandomisedButEachVerifies() throws {
        // PSS salts every signature: the same document signed twice differs, and both verify.
        let spec = f.spec { $0.algorithm = .rsaPSSSHA256 }
        let a = try f.signer.signedResponseXML(spec), b = try f.signer.signedResponseXML(spec)
        XCTAssertNotEqual(XMLText.element(a, "<ds:SignatureValue>", "</ds:SignatureValue>"),
                          XMLText.element(b, "<ds:SignatureValue>", "</ds:SignatureValue>"))
        assertAccepted(try f.validate(xml: a))
        assertAccepted(try f.validate(xml: b))
    }

    func testPSSDigestTamperIsRefused() throws {
        let xml = try pss().replacingOccurrences(of: "alice@example.com", with: "admin@example.com")
        assertRejected(try f.validate(xml: xml), .signature, .invalidIdentityToken)
    }

    func testPSSSignatureValueTamperIsRefused() throws {
        let xml = try pss()
        let value = try XCTUnwrap(XMLText.element(xml, "<ds:SignatureValue>", "</ds:SignatureValue>"))
        var chars = Array(value)
        let i = "<ds:SignatureValue>".count + 10
        chars[i] = chars[i] == "A" ? "B" : "A"
        assertRejected(try f.validate(xml: xml.replacingOccurrences(of: value, with: String(chars))), .signature, .invalidIdentityToken)
    }

    func testPSSByAForeignKeyIsRefused() throws {
        let embedded = try f.attacker.signedResponseXML(f.spec { $0.algorithm = .rsaPSSSHA256 })
        assertRejected(try f.validate(xml: embedded), .certificateMatch, .invalidIdentityToken)
        let bare = try f.attacker.signedResponseXML(f.spec { $0.algorithm = .rsaPSSSHA256; $0.includeCertificate = false })
        assertRejected(try f.validate(xml: bare), .signature, .invalidIdentityToken)
    }

    /// Algorithm confusion both ways: the padding is bound to the URI the signer
    /// chose, so relabelling a signature never makes it verify.
    func testRelabelledAlgorithmIsRefused() throws {
        let rsa = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
        let pssAsPKCS1 = try pss().replacingFirst(SignatureAlgorithms.rsaPSSSHA256, with: rsa)
        assertRejected(try f.validate(xml: pssAsPKCS1), .signature, .invalidIdentityToken)
        let pkcs1AsPSS = try f.xml().replacingFirst(rsa, with: SignatureAlgorithms.rsaPSSSHA256)
        assertRejected(try f.validate(xml: pkcs1AsPSS), .signature, .invalidIdentityToken)
        let otherHash = try pss().replacingFirst(SignatureAlgorithms.rsaPSSSHA256, with: SignatureAlgorithms.rsaPSSSHA512)
        assertRejected(try f.validate(xml: otherHash), .signature, .invalidIdentityToken)
    }

    func testPSSVariantsOutsideTheAllowlistAreRefusedByName() throws {
        let sha1 = try pss().replacingFirst(SignatureAlgorithms.rsaPSSSHA256, with: "http://www.w3.org/2007/05/xmldsig-more#sha1-rsa-MGF1")
        let r1 = assertRejected(try f.validate(xml: sha1), .signatureAlgorithm, .invalidIdentityToken)
        XCTAssertTrue(r1?.message.contains("SHA-256/384/512 only") == true, r1?.message ?? "")
        let params = try pss().replacingFirst(SignatureAlgorithms.rsaPSSSHA256, with: "http://www.w3.org/2007/05/xmldsig-more#rsa-pss")
        let r2 = assertRejected(try f.validate(xml: params), .signatureAlgorithm, .invalidIdentityToken)
        XCTAssertTrue(r2?.message.contains("RSAPSSParams") == true, r2?.message ?? "")
    }
}
