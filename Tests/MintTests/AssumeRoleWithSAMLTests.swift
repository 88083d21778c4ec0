import AWSAuth
import BrokerCore
import XCTest
@testable import Mint

final class AssumeRoleWithSAMLTests: XCTestCase {
    var h: MintHarness!
    override func setUpWithError() throws {
        h = try MintHarness()
        h.createProvider()
        h.createRole()
    }
    override func tearDown() { h.removeFiles() }

    func testNameQualifierWorkedExample() {
        XCTAssertEqual(NameQualifier.compute(issuer: "https://example.com/saml", accountID: "123456789012", providerName: "MySAMLIdP"),
                       "1uAJanUnBc2XeUkHURMht+xam2c=")
    }

    func testSubjectTypeStripsOnlyTheSAML2Prefix() {
        XCTAssertEqual(SubjectType.from(format: "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"), "transient")
        XCTAssertEqual(SubjectType.from(format: ProviderPolicy.emailAddressFormat), ProviderPolicy.emailAddressFormat)
    }

    func testSuccessFieldsInAWSOrder() throws {
        var claim = h.claim()
        claim.sourceIdentity = nil
        let xml = try XCTUnwrap(h.exchange(claim).xml)
        let key = try XCTUnwrap(xmlValue(xml, "AccessKeyId"))
        XCTAssertTrue(key.hasPrefix("ASIA")); XCTAssertEqual(key.count, 20)
        XCTAssertEqual(xmlValue(xml, "SecretAccessKey")?.count, 40)
        XCTAssertFalse((xmlValue(xml, "SessionToken") ?? "").isEmpty)
        XCTAssertEqual(xmlValue(xml, "Expiration"), ISO8601.format(h.clock.now + 3600))
        XCTAssertEqual(xmlValue(xml, "Arn"), "arn:aws:sts::123456789012:assumed-role/dev/alice")
        XCTAssertTrue(xmlValue(xml, "AssumedRoleId")?.hasPrefix("AROA") ?? false)
        XCTAssertEqual(xmlValue(xml, "Subject"), "alice@example.test")
        XCTAssertEqual(xmlValue(xml, "SubjectType"), ProviderPolicy.emailAddressFormat)
        XCTAssertEqual(xmlValue(xml, "Issuer"), Fixtures.issuer)
        XCTAssertEqual(xmlValue(xml, "Audience"), Fixtures.acs)
        XCTAssertEqual(xmlValue(xml, "NameQualifier"), NameQualifier.compute(issuer: Fixtures.issuer, accountID: Fixtures.account, providerName: "corp"))
        XCTAssertNotNil(xmlValue(xml, "PackedPolicySize"))
        XCTAssertNil(xmlValue(xml, "SourceIdentity"))
        let order = ["<Credentials>", "<AssumedRoleUser>", "<PackedPolicySize>", "<Subject>", "<SubjectType>", "<Issuer>", "<Audience>", "<NameQualifier>"]
        let positions = order.map { xml.range(of: $0)?.lowerBound }
        XCTAssertFalse(positions.contains(nil))
        XCTAssertEqual(positions.compactMap { $0 }, positions.compactMap { $0 }.sorted())
    }

    func testRoleWithPathDropsPathFromAssumedRoleArn() throws {
        h.createRole("ops", policy: Fixtures.trustPolicy(), path: "/team/")
        let arn = Fixtures.roleArn("ops", path: "/team/")
        let xml = try XCTUnwrap(h.exchange(h.claim(role: arn), role: arn).xml)
        XCTAssertEqual(xmlValue(xml, "Arn"), "arn:aws:sts::123456789012:assumed-role/ops/alice")
    }

    // MARK: re-checks

    private func assertFails(_ claim: SAMLClaim, role: String = Fixtures.roleArn(), provider: String = Fixtures.providerArn(),
                             duration: Int64? = nil, policy: String? = nil, _ code: AWSErrorCode, contains text: String,
                             file: StaticString = #filePath, line: UInt = #line) {
        let e = h.exchange(claim, role: role, provider: provider, duration: duration, policy: policy).error
        XCTAssertEqual(e?.code, code, e?.message ?? "succeeded", file: file, line: line)
        XCTAssertTrue(e?.message.contains(text) ?? false, "'\(e?.message ?? "")' lacks '\(text)'", file: file, line: line)
    }

    func testArnChecks() {
        assertFails(h.claim(), role: "arn:aws:iam::123456789012:user/dev", .validationError, contains: "Request ARN is invalid")
        assertFails(h.claim(), provider: "arn:aws:iam::123456789012:oidc-provider/x", .validationError, contains: "Principal ARN is invalid")
        assertFails(h.claim(), provider: "arn:aws:iam::999999999999:saml-provider/corp", .validationError,
                    contains: "Principal exists outside the account of the Role being assumed.")
        let foreignRole = "arn:aws:iam::999999999999:role/dev", foreignProvider = "arn:aws:iam::999999999999:saml-provider/corp"
        assertFails(h.claim(role: foreignRole, provider: foreignProvider), role: foreignRole, provider: foreignProvider,
                    .accessDenied, contains: "Not authorized to perform sts:AssumeRoleWithSAML")
        assertFails(h.claim(), role: "arn:aws", .validationError, contains: "at 'roleArn' failed to satisfy constraint")
    }

    func testProviderChecks() {
        let other = Fixtures.providerArn("other")
        assertFails(h.claim(provider: other, providerName: "other"), provider: other, .invalidIdentityToken, contains: "Specified provider doesn't exist.")
        assertFails(h.claim(providerName: "elsewhere"), .invalidIdentityToken, contains: "PrincipalArn names 'corp'")
        assertFails(h.claim(issuer: "https://evil.example/saml"), .invalidIdentityToken, contains: "Issuer not present in specified provider")
    }

    func testRecipientAndAudienceChecks() {
        var c = h.claim(); c.recipient = "https://elsewhere.example/saml"
        assertFails(c, .invalidIdentityToken, contains: "Recipient 'https://elsewhere.example/saml'")
        c = h.claim(); c.audiences = ["urn:someone-else"]
        assertFails(c, .invalidIdentityToken, contains: "Response does not contain the required audience")
    }

    func testTimeChecksUseMintsClockAndTheProviderSkew() {
        var c = h.claim(); c.notOnOrAfter = h.clock.now - 61
        assertFails(c, .expiredTokenException, contains: "Response has expired")
        c = h.claim(); c.notOnOrAfter = h.clock.now - 59
        XCTAssertNotNil(h.exchange(c).xml, "within the default 60 s skew")
        c = h.claim(id: "_old"); c.issueInstant = h.clock.now - 361
        assertFails(c, .expiredTokenException, contains: "Token must be redeemed within 300 seconds")
        c = h.claim(id: "_future"); c.issueInstant = h.clock.now + 120
        assertFails(c, .invalidIdentityToken, contains: "is in the future")
    }

    func testSubjectRolePairAndSessionAttributeChecks() {
        var c = h.claim(); c.subject = ""
        assertFails(c, .accessDenied, contains: "no NameID")
        c = h.claim(); c.subjectFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
        assertFails(c, .invalidIdentityToken, contains: "is not accepted by this provider")
        c = h.claim(); c.rolePairs = [RolePair(roleArn: Fixtures.roleArn("admin"), principalArn: Fixtures.providerArn())]
        assertFails(c, .accessDenied, contains: "does not contain the pair")
        c = h.claim(); c.roleSessionName = "has space"
        assertFails(c, .invalidIdentityToken, contains: "RoleSessionName in AuthnResponse must match")
        c = h.claim(); c.sourceIdentity = "aws:me"
        assertFails(c, .invalidIdentityToken, contains: "Source Identity must match")
        c = h.claim(); c.principalTags = [SessionTag(key: "a", value: "1")]; c.transitiveTagKeys = ["b"]
        assertFails(c, .invalidIdentityToken, contains: "Transitive tag key 'b'")
    }

    func testHostileNumbersAreRefusedWithoutCrashing() {
        var c = h.claim(id: "_max"); c.notOnOrAfter = .max
        assertFails(c, .invalidIdentityToken, contains: "NotOnOrAfter")
        c = h.claim(id: "_min"); c.issueInstant = .min
        assertFails(c, .invalidIdentityToken, contains: "IssueInstant")
        c = h.claim(id: "_sess"); c.sessionNotOnOrAfter = .max
        assertFails(c, .invalidIdentityToken, contains: "SessionNotOnOrAfter")
        c = h.claim(id: "_dur"); c.sessionDuration = -5
        assertFails(c, .invalidIdentityToken, contains: "SessionDuration attribute -5")
        assertFails(h.claim(id: "_big"), duration: .max, .validationError, contains: "durationSeconds")
    }

    func testRoleMustExistWithExactCase() {
        let arn = Fixtures.roleArn("Dev")
        assertFails(h.claim(role: arn), role: arn, .accessDenied, contains: "Not authorized to perform sts:AssumeRoleWithSAML")
    }

    // MARK: trust policy

    func testTrustPolicyDenyNamesTheReason() {
        h.ok("UpdateAssumeRolePolicy", [("RoleName", "dev"), ("PolicyDocument", Fixtures.trustPolicy(provider: Fixtures.providerArn("other")))])
        assertFails(h.claim(), .accessDenied, contains: "Not authorized to perform sts:AssumeRoleWithSAML (trust policy:")
    }

    func testConditionOnSAMLSubjectIsEvaluated() {
        h.ok("UpdateAssumeRolePolicy", [("RoleName", "dev"),
                                        ("PolicyDocument", Fixtures.trustPolicy(extraCondition: ",\"saml:sub\":\"bob@example.test\""))])
        assertFails(h.claim(), .accessDenied, contains: "trust policy")
        h.ok("UpdateAssumeRolePolicy", [("RoleName", "dev"),
                                        ("PolicyDocument", Fixtures.trustPolicy(extraCondition: ",\"saml:sub\":\"alice@example.test\""))])
        XCTAssertNotNil(h.exchange(h.claim()).xml)
    }

    func testTagsNeedTagSessionAndSourceIdentityNeedsSetSourceIdentity() throws {
        var c = h.claim(); c.principalTags = [SessionTag(key: "team", value: "blue")]
        assertFails(c, .accessDenied, contains: "sts:TagSession")
        c = h.claim(id: "_si"); c.sourceIdentity = "alice"
        assertFails(c, .accessDenied, contains: "sts:SetSourceIdentity")

        h.ok("UpdateAssumeRolePolicy", [("RoleName", "dev"), ("PolicyDocument", Fixtures.trustPolicy(
            actions: ["sts:AssumeRoleWithSAML", "sts:TagSession", "sts:SetSourceIdentity"]))])
        c = h.claim(id: "_both"); c.principalTags = [SessionTag(key: "team", value: "blue")]; c.sourceIdentity = "alice"
        let xml = try XCTUnwrap(h.exchange(c).xml)
        XCTAssertEqual(xmlValue(xml, "SourceIdentity"), "alice")
    }

    // MARK: durations

    func testDurationAlgorithm() throws {
        h.createRole("long", policy: Fixtures.trustPolicy(), maxSession: 7200)
        let arn = Fixtures.roleArn("long")
        func expiration(_ id: String, duration: Int64?, attr: Int64? = nil, sessionEnd: Int64? = nil) -> CallResult {
            var c = h.claim(id: id, role: arn); c.sessionDuration = attr; c.sessionNotOnOrAfter = sessionEnd
            return h.exchange(c, role: arn, duration: duration)
        }
        XCTAssertEqual(xmlValue(expiration("d1", duration: nil).xml ?? "", "Expiration"), ISO8601.format(h.clock.now + 3600), "default 3600")
        XCTAssertEqual(xmlValue(expiration("d2", duration: 7200).xml ?? "", "Expiration"), ISO8601.format(h.clock.now + 7200))
        let over = expiration("d3", duration: 7201).error
        XCTAssertEqual(over?.code, .validationError)
        XCTAssertEqual(over?.message, "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        XCTAssertEqual(expiration("d4", duration: 899).error?.code, .validationError)
        XCTAssertTrue(expiration("d5", duration: 43201).error?.message.contains("less than or equal to 43200") ?? false)
        XCTAssertEqual(xmlValue(expiration("d6", duration: 7200, attr: 1800).xml ?? "", "Expiration"), ISO8601.format(h.clock.now + 1800),
                       "SessionDuration only shortens")
        XCTAssertEqual(xmlValue(expiration("d7", duration: 900, attr: 3600).xml ?? "", "Expiration"), ISO8601.format(h.clock.now + 900))
        XCTAssertEqual(xmlValue(expiration("d8", duration: nil, sessionEnd: h.clock.now + 1000).xml ?? "", "Expiration"),
                       ISO8601.format(h.clock.now + 1000), "SessionNotOnOrAfter caps")
    }

    func testSessionPolicyChecks() {
        assertFails(h.claim(id: "p1"), policy: "{not json", .malformedPolicyDocument, contains: "Policy")
        assertFails(h.claim(id: "p2"), policy: "{\"a\":\"" + String(repeating: "x", count: 2100) + "\"}", .packedPolicyTooLarge, contains: "2048")
        let xml = h.exchange(h.claim(id: "p3"), policy: "{\"Version\":\"2012-10-17\",\"Statement\":[]}").xml
        XCTAssertNotNil(xml)
        XCTAssertEqual(xmlValue(xml ?? "", "PackedPolicySize"), "2")
    }

    // MARK: replay

    func testReplayIsPerRoleByDefault() throws {
        h.createRole("ops")
        XCTAssertNotNil(h.exchange(h.claim(id: "_r")).xml)
        let again = h.exchange(h.claim(id: "_r")).error
        XCTAssertEqual(again?.code, .invalidIdentityToken)
        XCTAssertEqual(again?.message, "replay: assertion _r was already exchanged for role \(Fixtures.roleArn())")
        var c = h.claim(id: "_r", role: Fixtures.roleArn("ops"))
        c.rolePairs.append(RolePair(roleArn: Fixtures.roleArn(), principalArn: Fixtures.providerArn()))
        XCTAssertNotNil(h.exchange(c, role: Fixtures.roleArn("ops")).xml, "the same assertion may be used for another role")
    }

    func testReplayIsPerAssertionWhenStrict() {
        h.ok("TagSAMLProvider", [("SAMLProviderArn", Fixtures.providerArn()), ("Tags.member.1.Key", "broker:replay"), ("Tags.member.1.Value", "strict")])
        h.createRole("ops")
        var c = h.claim(id: "_strict")
        c.rolePairs.append(RolePair(roleArn: Fixtures.roleArn("ops"), principalArn: Fixtures.providerArn()))
        XCTAssertNotNil(h.exchange(c).xml)
        let e = h.exchange(c, role: Fixtures.roleArn("ops")).error
        XCTAssertEqual(e?.code, .invalidIdentityToken)
        XCTAssertEqual(e?.message, "replay: assertion _strict was already exchanged")
    }

    func testRefusedExchangeDoesNotBurnTheAssertion() {
        var c = h.claim(id: "_retry"); c.principalTags = [SessionTag(key: "team", value: "blue")]
        XCTAssertEqual(h.exchange(c).error?.code, .accessDenied)
        XCTAssertNotNil(h.exchange(h.claim(id: "_retry")).xml)
    }
    /// Exchanges that arrive in one read share a replay transaction; the answers
    /// must be those of handling them one after another: a replay inside the batch
    /// is refused, a refused exchange burns nothing, others in the batch still pass,
    /// and requests between exchanges see what came before them.
    func testBatchedExchangesAnswerAsIfOneAfterAnother() {
        h.createRole("ops")
        var tagged = h.claim(id: "_tagged"); tagged.principalTags = [SessionTag(key: "team", value: "blue")]
        let requests: [MintRequest] = [
            .exchangeSAML(h.exchangeRequest(h.claim(id: "_b1"))),
            .exchangeSAML(h.exchangeRequest(h.claim(id: "_b1"))),          // replay of the first
            .exchangeSAML(h.exchangeRequest(tagged)),                      // refused by the trust policy
            .exchangeSAML(h.exchangeRequest(h.claim(id: "_tagged"))),      // same ID, nothing was burnt
            .ping,
            .exchangeSAML(h.exchangeRequest(h.claim(id: "_b1"))),          // replay across the ping
            .exchangeSAML(h.exchangeRequest(h.claim(id: "_b2", role: Fixtures.roleArn("ops")), role: Fixtures.roleArn("ops"))),
        ]
        let replies = h.service.handleBatch(requests)
        XCTAssertEqual(replies.count, requests.count)
        func result(_ i: Int) -> CallResult? {
            guard case .callResult(_, let r) = replies[i] else { return nil }
            return r
        }
        XCTAssertNotNil(result(0)?.xml)
        XCTAssertEqual(result(1)?.error?.message, "replay: assertion _b1 was already exchanged for role \(Fixtures.roleArn())")
        XCTAssertEqual(result(2)?.error?.code, .accessDenied)
        XCTAssertNotNil(result(3)?.xml)
        guard case .pong = replies[4] else { return XCTFail("reply 4 is \(replies[4])") }
        XCTAssertEqual(result(5)?.error?.code, .invalidIdentityToken)
        XCTAssertNotNil(result(6)?.xml)
        XCTAssertNotEqual(xmlValue(result(0)?.xml ?? "", "AccessKeyId"), xmlValue(result(3)?.xml ?? "", "AccessKeyId"))
        // And they stay claimed once the batch is over.
        XCTAssertEqual(h.exchange(h.claim(id: "_b2", role: Fixtures.roleArn("ops")), role: Fixtures.roleArn("ops")).error?.code, .invalidIdentityToken)
    }
}
