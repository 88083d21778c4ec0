import BrokerCore
import Glibc
import Foundation
import XCTest
@testable import SAML

/// One development IdP (key made in a temp dir once per test class), a second
/// "attacker" IdP, and helpers to build, tamper with and validate responses.
final class SAMLFixture {
    static let entityID = "http://127.0.0.1:9000/idp"
    static let acs = "http://127.0.0.1:8080/saml"
    static let account = "123456789012"
    static let providerArn = "arn:aws:iam::123456789012:saml-provider/corp"
    static let otherProviderArn = "arn:aws:iam::123456789012:saml-provider/other"
    static let roleArn = "arn:aws:iam::123456789012:role/Developer"
    static let now: Int64 = 1_750_000_000

    let dir: String
    let signer: DevIdP.Signer
    let attacker: DevIdP.Signer
    let validator = SAMLValidator(settings: ServiceProviderSettings(acsURLs: [acs], audiences: [acs]))

    init() throws {
        var template = "/tmp/saml-tests-XXXXXX".utf8CString
        let p = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        dir = String(cString: try XCTUnwrap(p))
        for name in ["idp", "attacker"] {
            try DevIdP.initialize(keyPath: "\(dir)/\(name)-key.pem", certificatePath: "\(dir)/\(name)-cert.pem",
                                  metadataPath: "\(dir)/\(name)-metadata.xml", entityID: SAMLFixture.entityID)
        }
        signer = try DevIdP.Signer(keyPEMPath: "\(dir)/idp-key.pem", certificatePEMPath: "\(dir)/idp-cert.pem")
        attacker = try DevIdP.Signer(keyPEMPath: "\(dir)/attacker-key.pem", certificatePEMPath: "\(dir)/attacker-cert.pem")
    }

    func remove() {
        for name in ["idp", "attacker"] {
            for f in ["key.pem", "cert.pem", "metadata.xml"] { unlink("\(dir)/\(name)-\(f)") }
        }
        for f in ["tmpl.xml", "signed.xml"] { unlink("\(dir)/\(f)") }
        rmdir(dir)
    }

    func trust(certificates: [[UInt8]]? = nil, policy: ProviderPolicy = ProviderPolicy(),
               extra: [SAMLProviderAnchor] = []) throws -> SAMLTrustStore {
        let anchor = SAMLProviderAnchor(name: "corp", arn: SAMLFixture.providerArn, entityID: SAMLFixture.entityID,
                                        signingCertificatesDER: certificates ?? [signer.certificateDER], policy: policy)
        return try SAMLTrustStore(anchors: TrustAnchors(version: 1, accountID: SAMLFixture.account, providers: [anchor] + extra))
    }

    func spec(_ edit: (inout DevIdP.ResponseSpec) -> Void = { _ in }) -> DevIdP.ResponseSpec {
        var s = DevIdP.ResponseSpec(issuer: SAMLFixture.entityID, acsURL: SAMLFixture.acs,
                                    roles: [(SAMLFixture.roleArn, SAMLFixture.providerArn)], now: SAMLFixture.now)
        edit(&s)
        return s
    }

    func xml(_ edit: (inout DevIdP.ResponseSpec) -> Void = { _ in }) throws -> String {
        try signer.signedResponseXML(spec(edit))
    }

    func validate(xml: String, trust: SAMLTrustStore? = nil, roleArn: String = SAMLFixture.roleArn,
                  principalArn: String = SAMLFixture.providerArn, now: Int64 = SAMLFixture.now) throws -> Result<SAMLClaim, SAMLRejection> {
        validator.validate(samlAssertion: Base64Input.encode(Array(xml.utf8)), principalArn: principalArn, roleArn: roleArn,
                           trust: try trust ?? self.trust(), now: now)
    }
}

extension XCTestCase {
    /// Asserts a rejection with the given check and AWS code; returns it for further checks.
    @discardableResult
    func assertRejected(_ result: Result<SAMLClaim, SAMLRejection>, _ check: SAMLCheck, _ code: AWSErrorCode,
                        file: StaticString = #filePath, line: UInt = #line) -> SAMLRejection? {
        switch result {
        case .success(let claim):
            XCTFail("expected rejection \(check.rawValue), got a claim for \(claim.subject)", file: file, line: line)
            return nil
        case .failure(let r):
            XCTAssertEqual(r.check, check, "message: \(r.message)", file: file, line: line)
            XCTAssertEqual(r.awsError.code, code, "message: \(r.message)", file: file, line: line)
            XCTAssertTrue(r.message.hasPrefix(check.rawValue + ":") || r.check != check, r.message, file: file, line: line)
            return r
        }
    }

    @discardableResult
    func assertAccepted(_ result: Result<SAMLClaim, SAMLRejection>, file: StaticString = #filePath, line: UInt = #line) -> SAMLClaim? {
        switch result {
        case .success(let claim): return claim
        case .failure(let r):
            XCTFail("expected acceptance, got \(r.message)", file: file, line: line)
            return nil
        }
    }
}

extension String {
    /// Replaces the first occurrence (tests use it to tamper with signed XML text).
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let r = range(of: target) else { return self }
        return replacingCharacters(in: r, with: replacement)
    }
}
