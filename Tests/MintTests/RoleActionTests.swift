import BrokerCore
import XCTest
@testable import Mint

final class RoleActionTests: XCTestCase {
    var h: MintHarness!
    override func setUpWithError() throws { h = try MintHarness() }
    override func tearDown() { h.removeFiles() }

    func testCreateGetListUpdateDeleteRoundTrip() {
        let policy = Fixtures.trustPolicy()
        let created = h.ok("CreateRole", [("RoleName", "dev"), ("AssumeRolePolicyDocument", policy), ("Path", "/team/"),
                                          ("Description", "developers"), ("MaxSessionDuration", "7200"),
                                          ("Tags.member.1.Key", "owner"), ("Tags.member.1.Value", "alice")])
        XCTAssertEqual(xmlValue(created, "Arn"), "arn:aws:iam::123456789012:role/team/dev")
        XCTAssertTrue(xmlValue(created, "RoleId")?.hasPrefix("AROA") ?? false)
        XCTAssertEqual(xmlValue(created, "AssumeRolePolicyDocument"), percentEncodeRFC3986(policy), "policies are percent-encoded")
        XCTAssertEqual(xmlValue(created, "MaxSessionDuration"), "7200")
        XCTAssertEqual(xmlValue(created, "CreateDate"), "2025-06-15T15:06:40Z")

        let got = h.ok("GetRole", [("RoleName", "dev")])
        XCTAssertEqual(xmlValue(got, "Description"), "developers")
        XCTAssertEqual(xmlValue(got, "RoleId"), xmlValue(created, "RoleId"))

        h.ok("UpdateRole", [("RoleName", "dev"), ("Description", "devs"), ("MaxSessionDuration", "3600")])
        let updated = h.ok("GetRole", [("RoleName", "dev")])
        XCTAssertEqual(xmlValue(updated, "Description"), "devs")
        XCTAssertEqual(xmlValue(updated, "MaxSessionDuration"), "3600")

        let newPolicy = Fixtures.trustPolicy(actions: ["sts:AssumeRoleWithSAML", "sts:TagSession"])
        h.ok("UpdateAssumeRolePolicy", [("RoleName", "dev"), ("PolicyDocument", newPolicy)])
        XCTAssertEqual(xmlValue(h.ok("GetRole", [("RoleName", "dev")]), "AssumeRolePolicyDocument"), percentEncodeRFC3986(newPolicy))

        h.ok("DeleteRole", [("RoleName", "dev")])
        let e = h.error("GetRole", [("RoleName", "dev")])
        XCTAssertEqual(e?.code, .noSuchEntity)
        XCTAssertEqual(e?.message, "The role with name dev cannot be found.")
    }

    func testRoleNamesAreUniqueCaseInsensitively() {
        h.createRole("Dev")
        let e = h.error("CreateRole", [("RoleName", "dev"), ("AssumeRolePolicyDocument", Fixtures.trustPolicy())])
        XCTAssertEqual(e?.code, .entityAlreadyExists)
        XCTAssertEqual(e?.code.httpStatus, 409)
    }

    func testConstraintMessagesFollowAWSFormat() {
        let long = String(repeating: "r", count: 65)
        let e = h.error("CreateRole", [("RoleName", long), ("AssumeRolePolicyDocument", Fixtures.trustPolicy()),
                                       ("MaxSessionDuration", "100"), ("Path", "team")])
        XCTAssertEqual(e?.code, .validationError)
        XCTAssertEqual(e?.message, "3 validation errors detected: "
            + "Value '\(long)' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64; "
            + "Value 'team' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); "
            + "Value '100' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600")
        let missing = h.error("CreateRole", [("RoleName", "x")])
        XCTAssertEqual(missing?.message, "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null")
    }

    func testTrustPolicyErrors() {
        let bad = h.error("CreateRole", [("RoleName", "dev"), ("AssumeRolePolicyDocument", "{not json")])
        XCTAssertEqual(bad?.code, .malformedPolicyDocument)
        let padding = String(repeating: "x", count: 2100)
        let big = Fixtures.trustPolicy(extraCondition: ",\"saml:sub\":\"\(padding)\"")
        let tooBig = h.error("CreateRole", [("RoleName", "dev"), ("AssumeRolePolicyDocument", big)])
        XCTAssertEqual(tooBig?.code, .limitExceeded)
        XCTAssertEqual(tooBig?.message, "Cannot exceed quota for ACLSizePerRole: 2048")
        XCTAssertEqual(h.error("GetRole", [("RoleName", "dev")])?.code, .noSuchEntity)
    }

    func testFailedWriteLeavesPreviousStateIntact() {
        // Duplicate tag keys (case-insensitive) fail inside the insert transaction, after the role row was written.
        let e = h.error("CreateRole", [("RoleName", "dev"), ("AssumeRolePolicyDocument", Fixtures.trustPolicy()),
                                       ("Tags.member.1.Key", "Owner"), ("Tags.member.1.Value", "a"),
                                       ("Tags.member.2.Key", "owner"), ("Tags.member.2.Value", "b")])
        XCTAssertEqual(e?.code, .invalidInput)
        XCTAssertEqual(h.error("GetRole", [("RoleName", "dev")])?.code, .noSuchEntity, "the role row was rolled back")
        // And after a restart the store agrees.
        XCTAssertNoThrow(try h.restart())
        XCTAssertEqual(h.error("GetRole", [("RoleName", "dev")])?.code, .noSuchEntity)

        // A refused update keeps the old policy.
        h.createRole("dev")
        XCTAssertEqual(h.error("UpdateAssumeRolePolicy", [("RoleName", "dev"), ("PolicyDocument", "[]")])?.code, .malformedPolicyDocument)
        XCTAssertEqual(xmlValue(h.ok("GetRole", [("RoleName", "dev")]), "AssumeRolePolicyDocument"), percentEncodeRFC3986(Fixtures.trustPolicy()))
        // Tag quota: 51 tags refused, the existing tag survives.
        h.ok("TagRole", [("RoleName", "dev"), ("Tags.member.1.Key", "keep"), ("Tags.member.1.Value", "1")])
        var many: [(String, String)] = [("RoleName", "dev")]
        for i in 1...50 { many += [("Tags.member.\(i).Key", "k\(i)"), ("Tags.member.\(i).Value", "v")] }
        XCTAssertEqual(h.error("TagRole", many)?.code, .limitExceeded)
        XCTAssertEqual(xmlValues(h.ok("ListRoleTags", [("RoleName", "dev")]), "Key"), ["keep"])
    }

    func testListRolesPathPrefixAndPaging() {
        h.createRole("a", path: "/x/")
        h.createRole("b")
        h.createRole("C", path: "/x/")
        let x = h.ok("ListRoles", [("PathPrefix", "/x/")])
        XCTAssertEqual(xmlValues(x, "RoleName"), ["a", "C"])
        let p1 = h.ok("ListRoles", [("MaxItems", "2")])
        XCTAssertEqual(xmlValues(p1, "RoleName"), ["a", "b"])
        XCTAssertEqual(xmlValue(p1, "IsTruncated"), "true")
        let p2 = h.ok("ListRoles", [("MaxItems", "2"), ("Marker", xmlValue(p1, "Marker") ?? "")])
        XCTAssertEqual(xmlValues(p2, "RoleName"), ["C"])
        XCTAssertEqual(xmlValue(p2, "IsTruncated"), "false")
    }

    func testTagUntagListRoleTags() {
        h.createRole("dev")
        h.ok("TagRole", [("RoleName", "dev"), ("Tags.member.1.Key", "b"), ("Tags.member.1.Value", "1"),
                         ("Tags.member.2.Key", "a"), ("Tags.member.2.Value", "2")])
        h.ok("TagRole", [("RoleName", "dev"), ("Tags.member.1.Key", "B"), ("Tags.member.1.Value", "3")])
        XCTAssertEqual(xmlValues(h.ok("ListRoleTags", [("RoleName", "dev")]), "Value"), ["3", "2"], "B overwrote b")
        h.ok("UntagRole", [("RoleName", "dev"), ("TagKeys.member.1", "a")])
        XCTAssertEqual(xmlValues(h.ok("ListRoleTags", [("RoleName", "dev")]), "Key"), ["B"])
    }

    func testUnknownActionAndWrongVersion() {
        XCTAssertEqual(h.error("CreateUser", [("UserName", "x")])?.code, .invalidAction)
        XCTAssertEqual(h.error("ListRoles", version: "2011-06-15")?.code, .invalidAction)
    }
}
