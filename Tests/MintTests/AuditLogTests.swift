import AWSAuth
import BrokerCore
import Foundation
import XCTest
@testable import Mint

final class AuditLogTests: XCTestCase {
    var h: MintHarness!
    override func setUpWithError() throws { h = try MintHarness() }
    override func tearDown() { h.removeFiles() }

    func testAuditLinesCarryNoSecretsAndChain() throws {
        h.createProvider(); h.createRole()
        let created = h.ok("CreateAccessKey")
        let newSecret = try XCTUnwrap(xmlValue(created, "SecretAccessKey"))
        let issued = try XCTUnwrap(h.exchange(h.claim(id: "_audit")).xml)
        let secret = try XCTUnwrap(xmlValue(issued, "SecretAccessKey"))
        let token = try XCTUnwrap(xmlValue(issued, "SessionToken"))
        let session = Credentials(accessKeyID: xmlValue(issued, "AccessKeyId") ?? "", secret: secret, token: token)
        h.ok("GetCallerIdentity", as: session)
        _ = h.error("ListRoles", as: session)
        _ = h.exchange(h.claim(id: "_audit"))  // replay: a failure line
        _ = h.service.handle(.reportRejection(Rejection(context: RequestContext(requestID: "r1", sourceIP: "192.0.2.9", userAgent: "curl"),
                                                        eventName: "AssumeRoleWithSAML",
                                                        parameters: [("RoleArn", Fixtures.roleArn()), ("SAMLAssertion", "PHNhbWw+c2VjcmV0")],
                                                        error: AWSError(.invalidIdentityToken, "Response signature invalid"))))

        let log = h.auditLog
        for s in [secret, token, newSecret, MintHarness.adminKey.secret, "PHNhbWw+c2VjcmV0"] {
            XCTAssertFalse(log.contains(s), "audit.log contains a secret")
        }
        let lines = log.split(separator: "\n").map(String.init)
        XCTAssertGreaterThanOrEqual(lines.count, 8)
        var previous = AuditLog.genesisHash
        for line in lines {
            let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(obj["brokerPrevHash"] as? String, previous, "chain broken at \(line.prefix(80))")
            XCTAssertEqual(obj["eventVersion"] as? String, "1.08")
            XCTAssertNotNil(obj["eventID"]); XCTAssertNotNil(obj["eventTime"])
            previous = Crypto.sha256Hex(Array(line.utf8))
        }

        let events = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let arws = try XCTUnwrap(events.first { $0["eventName"] as? String == "AssumeRoleWithSAML" && $0["errorCode"] == nil })
        let identity = try XCTUnwrap(arws["userIdentity"] as? [String: Any])
        XCTAssertEqual(identity["type"] as? String, "SAMLUser")
        let nq = NameQualifier.compute(issuer: Fixtures.issuer, accountID: Fixtures.account, providerName: "corp")
        XCTAssertEqual(identity["principalId"] as? String, "\(nq):alice@example.test")
        XCTAssertEqual((arws["requestParameters"] as? [String: Any])?["sAMLAssertionID"] as? String, "_audit")
        let creds = (arws["responseElements"] as? [String: Any])?["credentials"] as? [String: Any]
        XCTAssertEqual(creds?["accessKeyId"] as? String, session.accessKeyID)
        XCTAssertEqual(arws["eventSource"] as? String, "sts.amazonaws.com")

        let gci = try XCTUnwrap(events.first { $0["eventName"] as? String == "GetCallerIdentity" })
        XCTAssertEqual((gci["userIdentity"] as? [String: Any])?["type"] as? String, "AssumedRole")
        let denied = try XCTUnwrap(events.first { $0["eventName"] as? String == "ListRoles" })
        XCTAssertEqual(denied["errorCode"] as? String, "AccessDenied")
        XCTAssertEqual(denied["eventSource"] as? String, "iam.amazonaws.com")
        let replay = try XCTUnwrap(events.last { $0["eventName"] as? String == "AssumeRoleWithSAML" && $0["brokerReportedBy"] == nil })
        XCTAssertEqual(replay["errorCode"] as? String, "InvalidIdentityToken")
        let reported = try XCTUnwrap(events.first { $0["brokerReportedBy"] as? String == "gate" })
        XCTAssertEqual(reported["errorMessage"] as? String, "Response signature invalid")
        XCTAssertEqual((reported["requestParameters"] as? [String: Any])?["roleArn"] as? String, Fixtures.roleArn())
    }

    func testChainContinuesAcrossRestart() throws {
        h.ok("GetCallerIdentity")
        try h.restart()
        h.ok("GetCallerIdentity")
        let lines = h.auditLog.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 2)
        let second = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        XCTAssertEqual(second["brokerPrevHash"] as? String, Crypto.sha256Hex(Array(lines[0].utf8)))
    }
}
