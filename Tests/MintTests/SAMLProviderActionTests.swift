import BrokerCore
import XCTest
@testable import Mint

final class SAMLProviderActionTests: XCTestCase {
    var h: MintHarness!
    override func setUpWithError() throws { h = try MintHarness() }
    override func tearDown() { h.removeFiles() }

    func testCreateGetListDeleteRoundTrip() throws {
        let v0 = h.service.handle(.ping).configVersion
        let created = h.ok("CreateSAMLProvider", [("Name", "corp"), ("SAMLMetadataDocument", Fixtures.metadata()),
                                                  ("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "blue")])
        XCTAssertEqual(xmlValue(created, "SAMLProviderArn"), Fixtures.providerArn())
        XCTAssertGreaterThan(h.service.handle(.ping).configVersion, v0, "a new provider bumps the config version")

        let got = h.ok("GetSAMLProvider", [("SAMLProviderArn", Fixtures.providerArn())])
        XCTAssertEqual(xmlValue(got, "CreateDate"), "2025-06-15T15:06:40Z")
        XCTAssertNotNil(xmlValue(got, "SAMLProviderUUID"))
        XCTAssertTrue(got.contains("<Key>team</Key><Value>blue</Value>"))
        // No validUntil in the metadata: create date + 100 years.
        XCTAssertEqual(xmlValue(got, "ValidUntil")?.prefix(4), "2125")
        XCTAssertEqual(xmlValue(got, "SAMLMetadataDocument").map { $0.contains("idp.example.test/saml") }, true)

        let list = h.ok("ListSAMLProviders")
        XCTAssertEqual(xmlValues(list, "Arn"), [Fixtures.providerArn()])

        h.ok("DeleteSAMLProvider", [("SAMLProviderArn", Fixtures.providerArn())])
        XCTAssertEqual(h.error("GetSAMLProvider", [("SAMLProviderArn", Fixtures.providerArn())])?.code, .noSuchEntity)
        XCTAssertEqual(xmlValues(h.ok("ListSAMLProviders"), "Arn"), [])
    }

    func testMetadataValidUntilIsReported() {
        h.createProvider(metadata: Fixtures.metadata(validUntil: "2030-01-02T03:04:05Z"))
        let got = h.ok("GetSAMLProvider", [("SAMLProviderArn", Fixtures.providerArn())])
        XCTAssertEqual(xmlValue(got, "ValidUntil"), "2030-01-02T03:04:05Z")
    }

    func testDuplicateNameIsEntityAlreadyExists() {
        h.createProvider()
        let e = h.error("CreateSAMLProvider", [("Name", "corp"), ("SAMLMetadataDocument", Fixtures.metadata())])
        XCTAssertEqual(e?.code, .entityAlreadyExists)
        XCTAssertEqual(e?.code.httpStatus, 409)
    }

    func testShapeViolationsAreReportedTogether() {
        let e = h.error("CreateSAMLProvider", [("Name", "bad name!"), ("SAMLMetadataDocument", "<x/>")])
        XCTAssertEqual(e?.code, .validationError)
        XCTAssertTrue(e?.message.hasPrefix("2 validation errors detected: ") ?? false, e?.message ?? "")
        XCTAssertTrue(e?.message.contains("Value 'bad name!' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w._-]+") ?? false)
        XCTAssertTrue(e?.message.contains("at 'sAMLMetadataDocument' failed to satisfy constraint: Member must have length greater than or equal to 1000") ?? false)
    }

    func testUnparseableMetadataIsInvalidInput() {
        let junk = "<md:EntityDescriptor xmlns:md=\"urn:oasis:names:tc:SAML:2.0:metadata\">" + String(repeating: " ", count: 1200) + "</md:EntityDescriptor>"
        XCTAssertEqual(h.error("CreateSAMLProvider", [("Name", "corp"), ("SAMLMetadataDocument", junk)])?.code, .invalidInput)
        XCTAssertEqual(xmlValues(h.ok("ListSAMLProviders"), "Arn"), [])
    }

    func testBrokerTagsAreValidatedAndBecomeThePolicy() throws {
        let bad = h.error("CreateSAMLProvider", [("Name", "corp"), ("SAMLMetadataDocument", Fixtures.metadata()),
                                                 ("Tags.member.1.Key", "broker:clock-skew"), ("Tags.member.1.Value", "301")])
        XCTAssertEqual(bad?.code, .invalidInput)
        XCTAssertTrue(bad?.message.contains("broker:clock-skew") ?? false)

        h.createProvider(tags: [("broker:clock-skew", "120"), ("broker:replay", "strict"), ("broker:allow-sha1", "true"),
                                ("broker:max-assertion-age", "600"),
                                ("broker:nameid-formats", "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")])
        guard case .trustAnchors(let anchors) = h.service.handle(.fetchTrustAnchors) else { return XCTFail("no anchors") }
        XCTAssertEqual(anchors.accountID, Fixtures.account)
        XCTAssertEqual(anchors.providers.count, 1)
        let p = try XCTUnwrap(anchors.providers.first)
        XCTAssertEqual(p.arn, Fixtures.providerArn())
        XCTAssertEqual(p.entityID, Fixtures.issuer)
        XCTAssertEqual(p.signingCertificatesDER.count, 1)
        XCTAssertEqual(p.policy, ProviderPolicy(nameIDFormats: ["urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", ProviderPolicy.emailAddressFormat],
                                                clockSkewSeconds: 120, maxAssertionAgeSeconds: 600, allowSHA1: true, strictReplay: true))

        let before = anchors.version
        XCTAssertEqual(h.error("TagSAMLProvider", [("SAMLProviderArn", Fixtures.providerArn()),
                                                  ("Tags.member.1.Key", "broker:replay"), ("Tags.member.1.Value", "sometimes")])?.code, .invalidInput)
        h.ok("UntagSAMLProvider", [("SAMLProviderArn", Fixtures.providerArn()), ("TagKeys.member.1", "broker:replay")])
        guard case .trustAnchors(let after) = h.service.handle(.fetchTrustAnchors) else { return XCTFail("no anchors") }
        XCTAssertFalse(after.providers[0].policy.strictReplay)
        XCTAssertGreaterThan(after.version, before, "a tag change bumps the config version")
    }

    func testTagListingIsSortedAndPaged() {
        h.createProvider()
        h.ok("TagSAMLProvider", [("SAMLProviderArn", Fixtures.providerArn()),
                                 ("Tags.member.1.Key", "b"), ("Tags.member.1.Value", "2"),
                                 ("Tags.member.2.Key", "a"), ("Tags.member.2.Value", "1"),
                                 ("Tags.member.3.Key", "c"), ("Tags.member.3.Value", "3")])
        let first = h.ok("ListSAMLProviderTags", [("SAMLProviderArn", Fixtures.providerArn()), ("MaxItems", "2")])
        XCTAssertEqual(xmlValues(first, "Key"), ["a", "b"])
        XCTAssertEqual(xmlValue(first, "IsTruncated"), "true")
        let marker = xmlValue(first, "Marker") ?? ""
        let second = h.ok("ListSAMLProviderTags", [("SAMLProviderArn", Fixtures.providerArn()), ("Marker", marker)])
        XCTAssertEqual(xmlValues(second, "Key"), ["c"])
        XCTAssertEqual(xmlValue(second, "IsTruncated"), "false")
    }

    func testUpdateReplacesMetadataAndBumpsVersion() throws {
        h.createProvider()
        let v = h.service.handle(.ping).configVersion
        h.ok("UpdateSAMLProvider", [("SAMLProviderArn", Fixtures.providerArn()),
                                    ("SAMLMetadataDocument", Fixtures.metadata(entityID: Fixtures.issuer2, certificate: Fixtures.certificate2))])
        guard case .trustAnchors(let a) = h.service.handle(.fetchTrustAnchors) else { return XCTFail("no anchors") }
        XCTAssertEqual(a.providers.first?.entityID, Fixtures.issuer2)
        XCTAssertGreaterThan(a.version, v)
    }

    func testWrongAccountArnIsInvalidInputAndUnknownIsNoSuchEntity() {
        XCTAssertEqual(h.error("GetSAMLProvider", [("SAMLProviderArn", "arn:aws:iam::999999999999:saml-provider/corp")])?.code, .invalidInput)
        XCTAssertEqual(h.error("DeleteSAMLProvider", [("SAMLProviderArn", Fixtures.providerArn("nope"))])?.code, .noSuchEntity)
    }
}
