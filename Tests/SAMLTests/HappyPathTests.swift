import BrokerCore
import Foundation
import XCTest
@testable import SAML

final class HappyPathTests: XCTestCase {
    static var fixture: SAMLFixture!
    var f: SAMLFixture { Self.fixture }

    override class func setUp() { fixture = try? SAMLFixture() }
    override class func tearDown() { fixture?.remove(); fixture = nil }
    override func setUpWithError() throws { try XCTSkipIf(Self.fixture == nil, "fixture setup failed") }

    func testSignedAssertionIsAcceptedWithEveryClaimField() throws {
        let xml = try f.xml {
            $0.tags = [("Team", "blue"), ("CostCenter", "42")]
            $0.transitiveTagKeys = ["Team"]
            $0.sourceIdentity = "alice@example.com"
            $0.sessionDuration = 1800
            $0.sessionNotOnOrAfter = SAMLFixture.now + 3600
            $0.extraAttributes = [("urn:oid:1.3.6.1.4.1.5923.1.1.1.1", ["staff", "member"]), ("urn:oid:2.5.4.3", ["Alice"])]
        }
        let claim = try XCTUnwrap(assertAccepted(try f.validate(xml: xml)))
        XCTAssertEqual(claim.providerName, "corp")
        XCTAssertEqual(claim.issuer, SAMLFixture.entityID)
        XCTAssertEqual(claim.subject, "alice@example.com")
        XCTAssertEqual(claim.subjectFormat, ProviderPolicy.emailAddressFormat)
        XCTAssertEqual(claim.recipient, SAMLFixture.acs)
        XCTAssertEqual(claim.audiences, [SAMLFixture.acs])
        XCTAssertEqual(claim.issueInstant, SAMLFixture.now)
        XCTAssertEqual(claim.notOnOrAfter, SAMLFixture.now + 300)
        XCTAssertEqual(claim.rolePairs, [RolePair(roleArn: SAMLFixture.roleArn, principalArn: SAMLFixture.providerArn)])
        XCTAssertEqual(claim.roleSessionName, "alice")
        XCTAssertEqual(claim.sessionDuration, 1800)
        XCTAssertEqual(claim.sessionNotOnOrAfter, SAMLFixture.now + 3600)
        XCTAssertEqual(claim.principalTags, [SessionTag(key: "Team", value: "blue"), SessionTag(key: "CostCenter", value: "42")])
        XCTAssertEqual(claim.transitiveTagKeys, ["Team"])
        XCTAssertEqual(claim.sourceIdentity, "alice@example.com")
        XCTAssertEqual(claim.conditionKeys.map(\.0), ["saml:edupersonaffiliation", "saml:cn"])
        XCTAssertEqual(claim.conditionKeys.first?.1, ["staff", "member"])
        XCTAssertFalse(claim.assertionID.isEmpty)
    }

    func testSignedResponseOnlyIsAccepted() throws {
        assertAccepted(try f.validate(xml: try f.xml { $0.sign = .response }))
    }

    func testBothSignaturesAreAccepted() throws {
        assertAccepted(try f.validate(xml: try f.xml { $0.sign = .both }))
    }

    func testSignatureWithoutKeyInfoIsAccepted() throws {
        assertAccepted(try f.validate(xml: try f.xml { $0.includeCertificate = false }))
    }

    func testSeveralRolesAndReversedPairOrder() throws {
        let second = "arn:aws:iam::123456789012:role/path/Admin"
        let xml = try f.xml {
            $0.roles = [(SAMLFixture.roleArn, SAMLFixture.providerArn), (second, SAMLFixture.providerArn)]
            $0.reversedRolePairs = true
        }
        let claim = try XCTUnwrap(assertAccepted(try f.validate(xml: xml, roleArn: second)))
        XCTAssertEqual(claim.rolePairs.map(\.roleArn), [SAMLFixture.roleArn, second])
        XCTAssertEqual(claim.rolePairs.map(\.principalArn), [SAMLFixture.providerArn, SAMLFixture.providerArn])
    }

    func testRoleValuesWithSpacesAreTrimmed() throws {
        let spaced = try f.signer.signedResponseXML(f.spec { $0.roles = [(" " + SAMLFixture.roleArn, SAMLFixture.providerArn + " ")] })
        assertAccepted(try f.validate(xml: spaced))
    }

    func testRolloverEitherMetadataCertificateVerifies() throws {
        let trust = try f.trust(certificates: [f.attacker.certificateDER, f.signer.certificateDER])
        assertAccepted(try f.validate(xml: try f.xml(), trust: trust))
        assertAccepted(try f.validate(xml: try f.xml { $0.includeCertificate = false }, trust: trust))
        let byOther = try f.attacker.signedResponseXML(f.spec())
        assertAccepted(try f.validate(xml: byOther, trust: trust))
    }

    func testLineWrappedBase64IsAccepted() throws {
        let b64 = Base64Input.encode(Array(try f.xml().utf8))
        var wrapped = ""
        for (i, c) in b64.enumerated() { if i > 0 && i % 76 == 0 { wrapped += "\r\n" }; wrapped.append(c) }
        let r = f.validator.validate(samlAssertion: wrapped, principalArn: SAMLFixture.providerArn, roleArn: SAMLFixture.roleArn,
                                     trust: try f.trust(), now: SAMLFixture.now)
        assertAccepted(r)
    }

    func testSpaceDamagedBase64IsAccepted() throws {
        var b64 = ""
        var attempts = 0
        repeat {   // a response whose base64 contains '+' (random IDs make this vary)
            b64 = Base64Input.encode(Array(try f.xml().utf8))
            attempts += 1
        } while !b64.contains("+") && attempts < 50
        XCTAssertTrue(b64.contains("+"))
        let damaged = b64.replacingOccurrences(of: "+", with: " ")
        let r = f.validator.validate(samlAssertion: damaged, principalArn: SAMLFixture.providerArn, roleArn: SAMLFixture.roleArn,
                                     trust: try f.trust(), now: SAMLFixture.now)
        assertAccepted(r)
    }

    func testConsoleModeWithoutRoleOrPrincipalListsPairs() throws {
        let r = f.validator.validate(samlAssertion: try f.signer.signedResponse(f.spec()), principalArn: "", roleArn: "",
                                     trust: try f.trust(), now: SAMLFixture.now)
        XCTAssertEqual(try XCTUnwrap(assertAccepted(r)).rolePairs.count, 1)
    }

    func testClockSkewToleratesSlightlyFutureIssueInstant() throws {
        let xml = try f.xml { $0.issueInstant = SAMLFixture.now + 30; $0.notBefore = SAMLFixture.now + 30 }
        assertAccepted(try f.validate(xml: xml))
    }

    func testConcurrentValidationWithSharedTrustStore() throws {
        let trust = try f.trust()
        let responses = try (0..<8).map { _ in try f.signer.signedResponse(f.spec()) }
        let validator = f.validator
        let lock = NSLock()
        var failures = 0
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for i in 0..<50 {
                let r = validator.validate(samlAssertion: responses[(i + worker) % responses.count], principalArn: SAMLFixture.providerArn,
                                           roleArn: SAMLFixture.roleArn, trust: trust, now: SAMLFixture.now)
                if case .failure = r { lock.lock(); failures += 1; lock.unlock() }
            }
        }
        XCTAssertEqual(failures, 0)
    }

    func testExplainRecordsEveryStepAndTheClaim() throws {
        let xml = try f.xml()
        let explanation = f.validator.explain(document: Array(xml.utf8), providerName: nil, trust: try f.trust(), now: SAMLFixture.now)
        XCTAssertNotNil(explanation.claim)
        XCTAssertTrue(explanation.steps.allSatisfy(\.passed))
        for check in [SAMLCheck.doctype, .structure, .signature, .audience, .recipient, .nameID, .rolePair] where check != .rolePair {
            XCTAssertTrue(explanation.steps.contains { $0.check == check }, "missing step \(check.rawValue)")
        }
        XCTAssertTrue(explanation.render().contains("RESULT: accepted"))

        let b64 = try f.signer.signedResponse(f.spec { $0.audience = "https://elsewhere.example" })
        let bad = f.validator.explain(document: Array(b64.utf8), providerName: "corp", trust: try f.trust(), now: SAMLFixture.now)
        XCTAssertNil(bad.claim)
        XCTAssertEqual(bad.failure?.check, .audience)
        XCTAssertTrue(bad.render().contains("FAIL  audience"))
    }
}
