import BrokerCore
import Foundation
import XCTest
@testable import SAML

/// Profile, time and attribute rules (threats §C5, §C8; aws-wire.md §2.3–2.5).
final class ProfileAttackTests: XCTestCase {
    static var fixture: SAMLFixture!
    var f: SAMLFixture { Self.fixture }
    let now = SAMLFixture.now

    override class func setUp() { fixture = try? SAMLFixture() }
    override class func tearDown() { fixture?.remove(); fixture = nil }
    override func setUpWithError() throws { try XCTSkipIf(Self.fixture == nil, "fixture setup failed") }

    /// Signs a hand-edited template (for shapes ResponseSpec cannot express).
    private func signedEditing(_ edit: (String) -> String, sign: DevIdP.ResponseSpec.Signing = .assertion) throws -> String {
        try f.signer.sign(template: edit(ResponseXML.build(f.spec { $0.sign = sign })), includeCertificate: true)
    }

    func testWrongAudience() throws {
        let r = assertRejected(try f.validate(xml: try f.xml { $0.audience = "https://signin.aws.amazon.com/saml" }), .audience, .invalidIdentityToken)
        XCTAssertTrue(r?.message.contains(SAMLFixture.acs) == true)
    }

    func testWrongRecipient() throws {
        assertRejected(try f.validate(xml: try f.xml { $0.recipient = "http://127.0.0.1:9999/saml" }), .recipient, .invalidIdentityToken)
    }

    func testWrongDestination() throws {
        assertRejected(try f.validate(xml: try f.xml { $0.destination = "http://127.0.0.1:9999/saml" }), .destination, .invalidIdentityToken)
    }

    func testMissingDestinationOnSignedResponse() throws {
        assertRejected(try f.validate(xml: try f.xml { $0.destination = nil; $0.sign = .response }), .destination, .invalidIdentityToken)
        assertAccepted(try f.validate(xml: try f.xml { $0.destination = nil; $0.sign = .assertion }))
    }

    func testWrongIssuer() throws {
        let r = assertRejected(try f.validate(xml: try f.xml { $0.issuer = "http://127.0.0.1:9000/other-idp" }), .issuer, .invalidIdentityToken)
        XCTAssertTrue(r?.message.contains(SAMLFixture.entityID) == true && r?.message.contains("other-idp") == true)
    }

    func testUnknownProvider() throws {
        assertRejected(try f.validate(xml: try f.xml(), principalArn: "arn:aws:iam::123456789012:saml-provider/nobody"), .provider, .invalidIdentityToken)
    }

    func testExpired() throws {
        let r = assertRejected(try f.validate(xml: try f.xml(), now: now + 400), .notOnOrAfter, .expiredTokenException)
        XCTAssertTrue(r?.message.contains(XSDateTime.format(now + 400)) == true, "message names the broker clock")
    }

    func testWithinSkewAfterExpiryIsAccepted() throws {
        assertAccepted(try f.validate(xml: try f.xml { $0.notOnOrAfter = now + 10; $0.bearerNotOnOrAfter = now + 10 }, now: now + 50))
    }

    func testNotYetValid() throws {
        assertRejected(try f.validate(xml: try f.xml { $0.notBefore = now + 600 }), .notBefore, .invalidIdentityToken)
    }

    func testTooOldIssueInstant() throws {
        let xml = try f.xml { $0.issueInstant = now - 3600; $0.notOnOrAfter = now + 300 }
        assertRejected(try f.validate(xml: xml), .issueInstant, .expiredTokenException)
    }

    func testFutureIssueInstant() throws {
        assertRejected(try f.validate(xml: try f.xml { $0.issueInstant = now + 3600; $0.notBefore = nil }), .issueInstant, .invalidIdentityToken)
    }

    func testMissingBearer() throws {
        let xml = try signedEditing { $0.replacingOccurrences(of: "urn:oasis:names:tc:SAML:2.0:cm:bearer", with: "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key") }
        assertRejected(try f.validate(xml: xml), .bearer, .invalidIdentityToken)
    }

    func testTwoBearers() throws {
        let xml = try signedEditing { t in
            let sc = XMLText.element(t, "<saml:SubjectConfirmation ", "</saml:SubjectConfirmation>")!
            return t.replacingOccurrences(of: sc, with: sc + sc)
        }
        assertRejected(try f.validate(xml: xml), .bearer, .invalidIdentityToken)
    }

    func testMissingConditions() throws {
        let xml = try signedEditing { t in t.replacingOccurrences(of: XMLText.element(t, "<saml:Conditions", "</saml:Conditions>")!, with: "") }
        assertRejected(try f.validate(xml: xml), .conditions, .invalidIdentityToken)
    }

    func testNonSuccessStatus() throws {
        assertRejected(try f.validate(xml: try f.xml { $0.statusCode = "urn:oasis:names:tc:SAML:2.0:status:Responder" }), .status, .invalidIdentityToken)
    }

    func testNameIDFormatNotAllowed() throws {
        assertRejected(try f.validate(xml: try f.xml { $0.nameIDFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient" }), .nameIDFormat, .invalidIdentityToken)
        assertRejected(try f.validate(xml: try f.xml { $0.nameIDFormat = nil }), .nameIDFormat, .invalidIdentityToken)
        let lenient = try f.trust(policy: ProviderPolicy(nameIDFormats: ["urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"]))
        let claim = assertAccepted(try f.validate(xml: try f.xml { $0.nameIDFormat = nil; $0.nameID = "alice" }, trust: lenient))
        XCTAssertEqual(claim?.subjectFormat, "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified")
    }

    func testMalformedEmailNameID() throws {
        for bad in ["alice", "alice@@example.com", "alice@localhost", "al ice@example.com", "@example.com", "alice@.example.com"] {
            assertRejected(try f.validate(xml: try f.xml { $0.nameID = bad }), .nameID, .invalidIdentityToken)
        }
    }

    func testRolePairNotInAssertionIsAccessDenied() throws {
        let r = assertRejected(try f.validate(xml: try f.xml(), roleArn: "arn:aws:iam::123456789012:role/Admin"), .rolePair, .accessDenied)
        XCTAssertTrue(r?.awsError.message.hasPrefix("Not authorized to perform sts:AssumeRoleWithSAML") == true)
        XCTAssertTrue(r?.message.contains("Developer") == true, "lists the role names present")
    }

    func testRolePairWithAnotherProviderIsAccessDenied() throws {
        let xml = try f.xml { $0.roles = [(SAMLFixture.roleArn, SAMLFixture.otherProviderArn)] }
        assertRejected(try f.validate(xml: xml), .rolePair, .accessDenied)
    }

    func testMalformedRoleValue() throws {
        assertRejected(try f.validate(xml: try f.xml { $0.roles = [(SAMLFixture.roleArn, "arn:aws:iam::123:saml-provider/x")] }), .roleAttribute, .invalidIdentityToken)
        assertRejected(try f.validate(xml: try f.xml { $0.roles = [] }), .roleAttribute, .invalidIdentityToken)
    }

    func testBadRoleSessionName() throws {
        let r = assertRejected(try f.validate(xml: try f.xml { $0.sessionName = "has space" }), .roleSessionName, .invalidIdentityToken)
        XCTAssertTrue(r?.message.contains("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}") == true)
        assertRejected(try f.validate(xml: try f.xml { $0.sessionName = "a" }), .roleSessionName, .invalidIdentityToken)
        let missing = assertRejected(try f.validate(xml: try f.xml { $0.sessionName = nil }), .roleSessionName, .invalidIdentityToken)
        XCTAssertTrue(missing?.message.contains("RoleSessionName is required in AuthnResponse") == true)
    }

    func testBadSessionDuration() throws {
        assertRejected(try f.validate(xml: try f.xml { $0.sessionDuration = 100 }), .sessionDuration, .invalidIdentityToken)
        assertRejected(try f.validate(xml: try f.xml { $0.sessionDuration = 50000 }), .sessionDuration, .invalidIdentityToken)
    }

    func testBadTags() throws {
        assertRejected(try f.validate(xml: try f.xml { $0.tags = [("Team", "a<b")] }), .principalTags, .invalidIdentityToken)
        assertRejected(try f.validate(xml: try f.xml { $0.tags = [("Team", String(repeating: "v", count: 257))] }), .principalTags, .invalidIdentityToken)
        assertRejected(try f.validate(xml: try f.xml { $0.tags = [("Team", "a"), ("team", "b")] }), .principalTags, .invalidIdentityToken)
        assertRejected(try f.validate(xml: try f.xml { $0.tags = (0..<51).map { ("K\($0)", "v") } }), .principalTags, .invalidIdentityToken)
        assertAccepted(try f.validate(xml: try f.xml { $0.tags = [("Équipe", "Zürich 1/2 @home")] }))
    }

    func testTransitiveKeyMustBeATag() throws {
        assertRejected(try f.validate(xml: try f.xml { $0.tags = [("Team", "a")]; $0.transitiveTagKeys = ["Other"] }), .transitiveTagKeys, .invalidIdentityToken)
    }

    func testBadSourceIdentity() throws {
        assertRejected(try f.validate(xml: try f.xml { $0.sourceIdentity = "aws:admin" }), .sourceIdentity, .invalidIdentityToken)
        assertRejected(try f.validate(xml: try f.xml { $0.sourceIdentity = "x" }), .sourceIdentity, .invalidIdentityToken)
    }

    func testPastSessionNotOnOrAfter() throws {
        assertRejected(try f.validate(xml: try f.xml { $0.sessionNotOnOrAfter = now - 10 }), .sessionNotOnOrAfter, .expiredTokenException)
    }

    func testCommentInAttributeValueIsRefused() throws {
        let xml = try f.xml { $0.tags = [("Team", "blueteam")] }.replacingFirst(">blueteam<", with: ">blue<!---->team<")
        assertRejected(try f.validate(xml: xml), .attributes, .invalidIdentityToken)
    }

    func testMalformedRequestArnsAreValidationErrors() throws {
        assertRejected(try f.validate(xml: try f.xml(), roleArn: "not-an-arn"), .request, .validationError)
        assertRejected(try f.validate(xml: try f.xml(), principalArn: SAMLFixture.roleArn), .request, .validationError)
        assertRejected(try f.validate(xml: try f.xml(), roleArn: "arn:aws:iam::999999999999:role/Developer"), .request, .validationError)
    }
}
