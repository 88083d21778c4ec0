import AWSAuth
import BrokerCore
import XCTest
@testable import Mint

final class CallerIdentityTests: XCTestCase {
    var h: MintHarness!
    override func setUpWithError() throws { h = try MintHarness() }
    override func tearDown() { h.removeFiles() }

    /// Issues session credentials through a full exchange.
    func sessionCredentials(id: String = "_s1") throws -> Credentials {
        h.createProvider(); h.createRole()
        let xml = try XCTUnwrap(h.exchange(h.claim(id: id)).xml)
        return Credentials(accessKeyID: try XCTUnwrap(xmlValue(xml, "AccessKeyId")), secret: try XCTUnwrap(xmlValue(xml, "SecretAccessKey")),
                           token: try XCTUnwrap(xmlValue(xml, "SessionToken")))
    }

    func testAdminKeyIsTheBrokerAdminUser() throws {
        let xml = h.ok("GetCallerIdentity")
        XCTAssertEqual(xmlValue(xml, "Account"), Fixtures.account)
        XCTAssertEqual(xmlValue(xml, "Arn"), "arn:aws:iam::123456789012:user/broker-admin")
        XCTAssertTrue(xmlValue(xml, "UserId")?.hasPrefix("AIDA") ?? false)
    }

    func testTemporaryCredentialsAreTheAssumedRole() throws {
        let creds = try sessionCredentials()
        let xml = h.ok("GetCallerIdentity", as: creds)
        XCTAssertEqual(xmlValue(xml, "Arn"), "arn:aws:sts::123456789012:assumed-role/dev/alice")
        XCTAssertTrue(xmlValue(xml, "UserId")?.hasPrefix("AROA") ?? false)
        XCTAssertTrue(xmlValue(xml, "UserId")?.hasSuffix(":alice") ?? false)
    }

    func testExpiredCredentialsAreExpiredToken() throws {
        let creds = try sessionCredentials()
        h.clock.now += 3601
        let e = h.error("GetCallerIdentity", as: creds)
        XCTAssertEqual(e?.code, .expiredToken)
        XCTAssertEqual(e?.code.httpStatus, 403)
        XCTAssertEqual(e?.message, "The security token included in the request is expired")
    }

    func testTamperedMissingOrForeignTokenIsInvalidClientTokenId() throws {
        let creds = try sessionCredentials()
        var tampered = creds
        var bytes = Array(creds.token!.utf8)
        bytes[bytes.count / 2] = bytes[bytes.count / 2] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        tampered.token = String(decoding: bytes, as: UTF8.self)
        XCTAssertEqual(h.error("GetCallerIdentity", as: tampered)?.code, .invalidClientTokenId)

        var missing = creds
        missing.token = nil
        XCTAssertEqual(h.error("GetCallerIdentity", as: missing)?.code, .invalidClientTokenId)

        // Another session's token with this session's key and secret.
        let other = try XCTUnwrap(h.exchange(h.claim(id: "_s2")).xml)
        var foreign = creds
        foreign.token = xmlValue(other, "SessionToken")
        let e = h.error("GetCallerIdentity", as: foreign)
        XCTAssertEqual(e?.code, .invalidClientTokenId)
        XCTAssertEqual(e?.message, "The security token included in the request is invalid.")
    }

    func testWrongSecretIsSignatureDoesNotMatch() throws {
        var creds = try sessionCredentials()
        creds.secret = String(creds.secret.reversed())
        XCTAssertEqual(h.error("GetCallerIdentity", as: creds)?.code, .signatureDoesNotMatch)
        var admin = MintHarness.adminKey
        admin.secret = "wrongwrongwrongwrongwrongwrongwrongwrong"
        XCTAssertEqual(h.error("GetCallerIdentity", as: admin)?.code, .signatureDoesNotMatch)
    }

    func testUnknownKeyIsInvalidClientTokenId() {
        let stranger = Credentials(accessKeyID: "AKIAUNKNOWNKEY000001", secret: MintHarness.adminKey.secret, token: nil)
        XCTAssertEqual(h.error("GetCallerIdentity", as: stranger)?.code, .invalidClientTokenId)
    }

    func testIAMWithTemporaryCredentialsIsDenied() throws {
        let creds = try sessionCredentials()
        let e = h.error("ListRoles", as: creds)
        XCTAssertEqual(e?.code, .accessDenied)
        XCTAssertEqual(e?.message, "User: arn:aws:sts::123456789012:assumed-role/dev/alice is not authorized to perform: iam:ListRoles")
    }

    func testMissingVersionIsMissingParameterAndIAMScopeIsRequired() {
        let call = h.signedCall("GetCallerIdentity")
        var noVersion = call
        let body = Array(MintHarness.encodeForm([("Action", "GetCallerIdentity")]).utf8)
        let headers = [("Host", "127.0.0.1:8080"), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        let added = SigV4.sign(method: "POST", path: "/", rawQuery: "", headers: headers, body: body,
                               accessKeyID: MintHarness.adminKey.accessKeyID, secretAccessKey: MintHarness.adminKey.secret,
                               sessionToken: nil, region: "us-east-1", service: "sts", now: h.clock.now)
        noVersion.headers = headers + added
        noVersion.body = body
        guard case .callResult(_, let r) = h.service.handle(.signedCall(noVersion)) else { return XCTFail() }
        XCTAssertEqual(r.error?.code, .missingParameter)

        // An IAM action signed for the sts scope.
        let wrongScope = h.signedCall("ListRoles", service: .sts, version: AWSService.iam.apiVersion)
        guard case .callResult(_, let r2) = h.service.handle(.signedCall(wrongScope)) else { return XCTFail() }
        XCTAssertEqual(r2.error?.code, .signatureDoesNotMatch)
    }

    func testAccessKeyLifecycleAndLastKeyProtection() throws {
        let created = h.ok("CreateAccessKey")
        let newKey = Credentials(accessKeyID: try XCTUnwrap(xmlValue(created, "AccessKeyId")),
                                 secret: try XCTUnwrap(xmlValue(created, "SecretAccessKey")), token: nil)
        XCTAssertTrue(newKey.accessKeyID.hasPrefix("AKIA"))
        XCTAssertEqual(newKey.secret.count, 40)
        XCTAssertEqual(xmlValue(h.ok("GetCallerIdentity", as: newKey), "Arn"), "arn:aws:iam::123456789012:user/broker-admin")
        XCTAssertEqual(Set(xmlValues(h.ok("ListAccessKeys"), "AccessKeyId")), [newKey.accessKeyID, MintHarness.adminKey.accessKeyID])

        h.ok("DeleteAccessKey", [("AccessKeyId", MintHarness.adminKey.accessKeyID)], as: newKey)
        XCTAssertEqual(h.error("GetCallerIdentity")?.code, .invalidClientTokenId, "a deleted key stops working at once")
        XCTAssertEqual(h.error("DeleteAccessKey", [("AccessKeyId", newKey.accessKeyID)], as: newKey)?.code, .deleteConflict)
        XCTAssertEqual(h.error("DeleteAccessKey", [("AccessKeyId", "AKIANOSUCHKEY0000001")], as: newKey)?.code, .noSuchEntity)
    }
}
