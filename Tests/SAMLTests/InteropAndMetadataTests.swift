import BrokerCore
import Foundation
import XCTest
@testable import SAML

/// A signer we did not write (xmlsec1 CLI) and IdP metadata parsing.
final class InteropAndMetadataTests: XCTestCase {
    static var fixture: SAMLFixture!
    var f: SAMLFixture { Self.fixture }

    override class func setUp() { fixture = try? SAMLFixture() }
    override class func tearDown() { fixture?.remove(); fixture = nil }
    override func setUpWithError() throws { try XCTSkipIf(Self.fixture == nil, "fixture setup failed") }

    func testResponseSignedByXmlsec1CommandVerifies() throws {
        let tool = "/usr/bin/xmlsec1"
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: tool), "xmlsec1 not installed")
        let template = ResponseXML.build(f.spec())
        try template.write(toFile: "\(f.dir)/tmpl.xml", atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = ["--sign", "--privkey-pem", "\(f.dir)/idp-key.pem,\(f.dir)/idp-cert.pem",
                       "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:assertion:Assertion",
                       "--output", "\(f.dir)/signed.xml", "\(f.dir)/tmpl.xml"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let signed = try String(contentsOfFile: "\(f.dir)/signed.xml", encoding: .utf8)
        XCTAssertTrue(signed.contains("<ds:SignatureValue>") && !signed.contains("<ds:SignatureValue></ds:SignatureValue>"))
        assertAccepted(try f.validate(xml: signed))
        assertRejected(try f.validate(xml: signed.replacingOccurrences(of: "alice@example.com", with: "eve@example.com")), .signature, .invalidIdentityToken)
    }

    // MARK: metadata

    func testMetadataFromDevIdPParses() throws {
        let xml = try String(contentsOfFile: "\(f.dir)/idp-metadata.xml", encoding: .utf8)
        let m = try IdPMetadata.parse(xml)
        XCTAssertEqual(m.entityID, SAMLFixture.entityID)
        XCTAssertEqual(m.signingCertificatesDER, [f.signer.certificateDER])
        XCTAssertNil(m.validUntil)
    }

    func testMetadataWithTwoCertificatesAndNoUse() throws {
        var xml = DevIdP.metadataXML(entityID: "urn:idp", signingCertificatesDER: [f.signer.certificateDER, f.attacker.certificateDER])
        xml = xml.replacingFirst(" use=\"signing\"", with: "")
            .replacingFirst("entityID=\"urn:idp\"", with: "entityID=\"urn:idp\" validUntil=\"2030-01-01T00:00:00Z\"")
        let m = try IdPMetadata.parse(xml)
        XCTAssertEqual(m.signingCertificatesDER, [f.signer.certificateDER, f.attacker.certificateDER])
        XCTAssertEqual(m.validUntil, XSDateTime.parse("2030-01-01T00:00:00Z"))
    }

    func testEncryptionOnlyKeyIsIgnored() throws {
        let xml = DevIdP.metadataXML(entityID: "urn:idp", signingCertificatesDER: [f.signer.certificateDER, f.attacker.certificateDER])
            .replacingFirst("use=\"signing\"", with: "use=\"encryption\"")
        XCTAssertEqual(try IdPMetadata.parse(xml).signingCertificatesDER, [f.attacker.certificateDER])
    }

    private func assertMetadataError(_ xml: String, contains: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try IdPMetadata.parse(xml), file: file, line: line) { error in
            guard let e = error as? MetadataError else { return XCTFail("wrong error \(error)", file: file, line: line) }
            XCTAssertEqual(e.awsError.code, .invalidInput, file: file, line: line)
            XCTAssertTrue(e.message.contains(contains), e.message, file: file, line: line)
        }
    }

    func testMetadataRejections() throws {
        let good = DevIdP.metadataXML(entityID: "urn:idp", signingCertificatesDER: [f.signer.certificateDER])
        assertMetadataError("<x/>", contains: "1000")
        assertMetadataError(String(repeating: " ", count: 10_000_001), contains: "10000000")
        assertMetadataError(good.replacingFirst("<md:EntityDescriptor", with: "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><md:EntityDescriptor"), contains: "DOCTYPE")
        assertMetadataError(good.replacingOccurrences(of: "EntityDescriptor", with: "Other"), contains: "EntityDescriptor")
        assertMetadataError(good.replacingOccurrences(of: "IDPSSODescriptor", with: "SPSSODescriptor"), contains: "IDPSSODescriptor")
        assertMetadataError(good.replacingFirst("use=\"signing\"", with: "use=\"encryption\""), contains: "no signing certificate")
        let cert = Base64Input.encode(f.signer.certificateDER)
        assertMetadataError(good.replacingFirst(cert, with: Base64Input.encode(Array(repeating: 7, count: 600))), contains: "not a DER X.509")
        assertMetadataError(good.replacingFirst(cert, with: "%%%" + cert), contains: "base64")
        assertMetadataError(good + "<trailing/>", contains: "well-formed")
    }
}
