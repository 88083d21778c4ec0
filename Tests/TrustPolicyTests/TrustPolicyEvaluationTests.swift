import XCTest
import TrustPolicy

final class TrustPolicyEvaluationTests: XCTestCase {
    static let corp = "arn:aws:iam::123456789012:saml-provider/corp"
    static let other = "arn:aws:iam::123456789012:saml-provider/other"

    func policy(_ condition: String, effect: String = "Allow", action: String = #""sts:AssumeRoleWithSAML""#) throws -> TrustPolicy {
        try TrustPolicy.parse("""
        {"Version":"2012-10-17","Statement":[{"Sid":"Main","Effect":"\(effect)","Principal":{"Federated":"\(Self.corp)"},
          "Action":\(action),"Condition":\(condition)}]}
        """)
    }

    func request(_ keys: [(String, [String])], action: String = "sts:AssumeRoleWithSAML", principal: String = corp) -> PolicyRequest {
        var ctx = ConditionContext()
        for (k, v) in keys { ctx.set(k, v) }
        return PolicyRequest(federatedPrincipal: principal, action: action, context: ctx)
    }

    func allows(_ p: TrustPolicy, _ keys: [(String, [String])], file: StaticString = #filePath, line: UInt = #line) -> Bool {
        p.evaluate(request(keys)) == .allow
    }

    func testStringEqualsAndKeyCaseInsensitivity() throws {
        let p = try policy(#"{"StringEquals":{"SAML:aud":["https://a/saml","https://b/saml"]}}"#)
        XCTAssertTrue(allows(p, [("saml:aud", ["https://b/saml"])]))
        XCTAssertTrue(allows(p, [("SAML:AUD", ["https://a/saml"])]))
        XCTAssertFalse(allows(p, [("saml:aud", ["https://A/saml"])]), "values are case-sensitive")
        XCTAssertFalse(allows(p, []), "absent key fails a positive operator")
        guard case .implicitDeny(let why) = p.evaluate(request([("saml:aud", ["x"])])) else { return XCTFail() }
        XCTAssertTrue(why.contains("Statement 'Main'") && why.contains("StringEquals on 'SAML:aud'") && why.contains("found [\"x\"]"), why)
    }

    func testStringNegationsAndIgnoreCase() throws {
        let ne = try policy(#"{"StringNotEquals":{"saml:sub_type":["transient","unspecified"]}}"#)
        XCTAssertTrue(allows(ne, [("saml:sub_type", ["persistent"])]))
        XCTAssertFalse(allows(ne, [("saml:sub_type", ["transient"])]), "negated: true only if none match")
        XCTAssertTrue(allows(ne, []), "IAM: a negated operator on an absent key holds")
        let ic = try policy(#"{"StringEqualsIgnoreCase":{"saml:sub":"Alice@Example.com"}}"#)
        XCTAssertTrue(allows(ic, [("saml:sub", ["alice@example.COM"])]))
        let nic = try policy(#"{"StringNotEqualsIgnoreCase":{"saml:sub":"Alice@Example.com"}}"#)
        XCTAssertFalse(allows(nic, [("saml:sub", ["ALICE@example.com"])]))
        XCTAssertTrue(allows(nic, [("saml:sub", ["bob@example.com"])]))
    }

    func testStringLike() throws {
        let p = try policy(#"{"StringLike":{"saml:sub":["*@example.com","adm?n"]}}"#)
        XCTAssertTrue(allows(p, [("saml:sub", ["alice@example.com"])]))
        XCTAssertTrue(allows(p, [("saml:sub", ["admin"])]))
        XCTAssertFalse(allows(p, [("saml:sub", ["admiin"])]))
        XCTAssertFalse(allows(p, [("saml:sub", ["alice@example.com.evil"])]))
        let n = try policy(#"{"StringNotLike":{"saml:sub":"*@contractor.com"}}"#)
        XCTAssertTrue(allows(n, [("saml:sub", ["a@example.com"])]))
        XCTAssertFalse(allows(n, [("saml:sub", ["a@contractor.com"])]))
    }

    func testNumericOperators() throws {
        let cases: [(String, String, Bool)] = [
            ("NumericEquals", "10", true), ("NumericEquals", "10.0", true), ("NumericEquals", "11", false),
            ("NumericNotEquals", "11", true), ("NumericNotEquals", "10", false),
            ("NumericLessThan", "9", true), ("NumericLessThan", "10", false),
            ("NumericLessThanEquals", "10", true), ("NumericLessThanEquals", "11", false),
            ("NumericGreaterThan", "11", true), ("NumericGreaterThan", "10", false),
            ("NumericGreaterThanEquals", "10", true), ("NumericGreaterThanEquals", "9", false),
            ("NumericEquals", "ten", false),
        ]
        for (op, found, expected) in cases {
            let p = try policy(#"{"\#(op)":{"x:n":10}}"#)  // a JSON number in the policy
            XCTAssertEqual(allows(p, [("x:n", [found])]), expected, "\(op) \(found)")
        }
        let s = try policy(#"{"NumericLessThan":{"x:n":"3600"}}"#)  // the number given as a string
        XCTAssertTrue(allows(s, [("x:n", ["900"])]))
    }

    func testDateOperators() throws {
        let at = "2024-05-01T12:00:00Z"
        let cases: [(String, String, Bool)] = [
            ("DateEquals", "2024-05-01T12:00:00Z", true), ("DateEquals", "1714564800", true),
            ("DateEquals", "2024-05-01T14:00:00+02:00", true), ("DateEquals", "2024-05-01T12:00:01Z", false),
            ("DateNotEquals", "2024-05-01T12:00:01Z", true), ("DateNotEquals", "2024-05-01T12:00:00.000Z", false),
            ("DateLessThan", "2024-05-01T11:59:59Z", true), ("DateLessThan", at, false),
            ("DateLessThanEquals", at, true), ("DateGreaterThan", "2024-05-02", true), ("DateGreaterThan", at, false),
            ("DateGreaterThanEquals", at, true), ("DateGreaterThanEquals", "2024-04-30", false),
            ("DateEquals", "not a date", false),
        ]
        for (op, found, expected) in cases {
            let p = try policy(#"{"\#(op)":{"aws:CurrentTime":"\#(at)"}}"#)
            XCTAssertEqual(allows(p, [("aws:CurrentTime", [found])]), expected, "\(op) \(found)")
        }
        let epochPolicy = try policy(#"{"DateLessThan":{"aws:CurrentTime":1714564800}}"#)
        XCTAssertTrue(allows(epochPolicy, [("aws:CurrentTime", ["2024-05-01T00:00:00Z"])]))
    }

    func testBoolBinaryAndArn() throws {
        let b = try policy(#"{"Bool":{"aws:MultiFactorAuthPresent":true}}"#)
        XCTAssertTrue(allows(b, [("aws:MultiFactorAuthPresent", ["true"])]))
        XCTAssertFalse(allows(b, [("aws:MultiFactorAuthPresent", ["false"])]))
        XCTAssertFalse(allows(b, [("aws:MultiFactorAuthPresent", ["yes"])]))
        let bin = try policy(#"{"BinaryEquals":{"x:bin":"QmluYXJ5"}}"#)
        XCTAssertTrue(allows(bin, [("x:bin", ["QmluYXJ5"])]))
        XCTAssertFalse(allows(bin, [("x:bin", ["QmluYXJ6"])]))
        let arn = try policy(#"{"ArnLike":{"aws:SourceArn":"arn:aws:iam::*:role/deploy-*"}}"#)
        XCTAssertTrue(allows(arn, [("aws:SourceArn", ["arn:aws:iam::123456789012:role/deploy-prod"])]))
        XCTAssertFalse(allows(arn, [("aws:SourceArn", ["arn:aws:iam::123456789012:user/deploy-prod"])]))
        XCTAssertFalse(allows(arn, [("aws:SourceArn", ["not-an-arn"])]))
        let eq = try policy(#"{"ArnEquals":{"aws:SourceArn":"arn:aws:iam::123456789012:role/a"}}"#)
        XCTAssertTrue(allows(eq, [("aws:SourceArn", ["arn:aws:iam::123456789012:role/a"])]))
        let ne = try policy(#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:iam::*:role/deploy-*"}}"#)
        XCTAssertFalse(allows(ne, [("aws:SourceArn", ["arn:aws:iam::123456789012:role/deploy-prod"])]))
        XCTAssertTrue(allows(ne, [("aws:SourceArn", ["arn:aws:iam::123456789012:role/other"])]))
        let ane = try policy(#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:iam::123456789012:role/a"}}"#)
        XCTAssertFalse(allows(ane, [("aws:SourceArn", ["arn:aws:iam::123456789012:role/a"])]))
    }

    func testIfExists() throws {
        let p = try policy(#"{"StringEqualsIfExists":{"saml:edupersonprimaryaffiliation":"staff"}}"#)
        XCTAssertTrue(allows(p, []), "absent key passes IfExists")
        XCTAssertTrue(allows(p, [("saml:edupersonprimaryaffiliation", ["staff"])]))
        XCTAssertFalse(allows(p, [("saml:edupersonprimaryaffiliation", ["student"])]), "present key is checked")
        let n = try policy(#"{"NumericLessThanIfExists":{"x:n":5}}"#)
        XCTAssertTrue(allows(n, []))
        XCTAssertFalse(allows(n, [("x:n", ["6"])]))
    }

    func testNull() throws {
        let absent = try policy(#"{"Null":{"sts:SourceIdentity":"true"}}"#)
        XCTAssertTrue(allows(absent, []))
        XCTAssertTrue(allows(absent, [("sts:SourceIdentity", [])]), "an empty value list counts as absent")
        XCTAssertFalse(allows(absent, [("sts:SourceIdentity", ["alice"])]))
        let present = try policy(#"{"Null":{"sts:SourceIdentity":false}}"#)
        XCTAssertFalse(allows(present, []))
        XCTAssertTrue(allows(present, [("sts:SourceIdentity", ["alice"])]))
    }

    func testForAnyValueAndForAllValues() throws {
        let any = try policy(#"{"ForAnyValue:StringEquals":{"saml:edupersonaffiliation":["staff","faculty"]}}"#)
        XCTAssertTrue(allows(any, [("saml:edupersonaffiliation", ["student", "staff"])]))
        XCTAssertFalse(allows(any, [("saml:edupersonaffiliation", ["student", "alum"])]))
        XCTAssertFalse(allows(any, []), "ForAnyValue is false on an absent key")

        let all = try policy(#"{"ForAllValues:StringEquals":{"aws:TagKeys":["Team","Project"]}}"#)
        XCTAssertTrue(allows(all, [("aws:TagKeys", ["Team"])]))
        XCTAssertTrue(allows(all, [("aws:TagKeys", ["Team", "Project"])]))
        XCTAssertFalse(allows(all, [("aws:TagKeys", ["Team", "CostCenter"])]))
        XCTAssertTrue(allows(all, []), "ForAllValues is vacuously true on an absent key")

        let anyNot = try policy(#"{"ForAnyValue:StringNotEquals":{"x:k":["a"]}}"#)
        XCTAssertTrue(allows(anyNot, [("x:k", ["a", "b"])]))
        XCTAssertFalse(allows(anyNot, [("x:k", ["a"])]))
        let allNot = try policy(#"{"ForAllValues:StringNotLike":{"x:k":["adm*"]}}"#)
        XCTAssertTrue(allows(allNot, [("x:k", ["user", "dev"])]))
        XCTAssertFalse(allows(allNot, [("x:k", ["user", "admin"])]))
    }

    func testAllOperatorsAndAllKeysMustHold() throws {
        let p = try policy(#"{"StringEquals":{"saml:aud":"https://x/saml","saml:iss":"https://idp"},"StringLike":{"saml:sub":"*@example.com"}}"#)
        let good: [(String, [String])] = [("saml:aud", ["https://x/saml"]), ("saml:iss", ["https://idp"]), ("saml:sub", ["a@example.com"])]
        XCTAssertTrue(allows(p, good))
        for i in good.indices {
            var bad = good
            bad[i].1 = ["wrong"]
            XCTAssertFalse(allows(p, bad), "key \(good[i].0) must hold")
        }
    }

    func testExplicitDenyWins() throws {
        let p = try TrustPolicy.parse("""
        {"Version":"2012-10-17","Statement":[
          {"Effect":"Allow","Principal":{"Federated":"\(Self.corp)"},"Action":"sts:AssumeRoleWithSAML"},
          {"Sid":"NoContractors","Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{"StringLike":{"saml:sub":"*@contractor.com"}}}]}
        """)
        XCTAssertEqual(p.evaluate(request([("saml:sub", ["a@example.com"])])), .allow)
        XCTAssertEqual(p.evaluate(request([("saml:sub", ["a@contractor.com"])])),
                       .explicitDeny("Statement 'NoContractors' denies sts:AssumeRoleWithSAML for \(Self.corp)."))
    }

    func testActionWildcardsAndCase() throws {
        let p = try policy("{}", action: #"["sts:AssumeRoleWith*","STS:tagsession"]"#)
        XCTAssertEqual(p.evaluate(request([], action: "sts:AssumeRoleWithSAML")), .allow)
        XCTAssertEqual(p.evaluate(request([], action: "sts:assumerolewithwebidentity")), .allow)
        XCTAssertEqual(p.evaluate(request([], action: "sts:TagSession")), .allow)
        guard case .implicitDeny(let why) = p.evaluate(request([], action: "sts:SetSourceIdentity")) else { return XCTFail() }
        XCTAssertEqual(why, "No statement allows sts:SetSourceIdentity for principal \(Self.corp).")
        let q = try policy("{}", action: #""sts:AssumeRole?ithSAML""#)
        XCTAssertEqual(q.evaluate(request([], action: "sts:AssumeRoleWithSAML")), .allow)
        XCTAssertNotEqual(q.evaluate(request([], action: "sts:AssumeRoleWithSAMLX")), .allow)
    }

    func testNotAction() throws {
        let p = try TrustPolicy.parse("""
        {"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"\(Self.corp)"},"NotAction":"sts:SetSourceIdentity"}}
        """)
        XCTAssertEqual(p.evaluate(request([], action: "sts:AssumeRoleWithSAML")), .allow)
        XCTAssertNotEqual(p.evaluate(request([], action: "sts:SetSourceIdentity")), .allow)
    }

    func testPrincipals() throws {
        let p = try TrustPolicy.parse("""
        {"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":["\(Self.corp)","accounts.google.com"],
          "Service":"ec2.amazonaws.com","AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:*"}}
        """)
        XCTAssertEqual(p.evaluate(request([], principal: Self.corp)), .allow)
        XCTAssertEqual(p.evaluate(request([], principal: "accounts.google.com")), .allow)
        XCTAssertNotEqual(p.evaluate(request([], principal: Self.other)), .allow)
        XCTAssertNotEqual(p.evaluate(request([], principal: "arn:aws:iam::123456789012:saml-provider/CORP")), .allow)
        XCTAssertNotEqual(p.evaluate(request([], principal: "ec2.amazonaws.com")), .allow, "a Service principal never names a federated caller")
        let star = try TrustPolicy.parse(#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:*"}}"#)
        XCTAssertEqual(star.evaluate(request([], principal: Self.other)), .allow)
    }

    func testPolicyIsUsableConcurrently() throws {
        let p = try policy(#"{"StringLike":{"saml:sub":"*@example.com"}}"#)
        let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: 64)
        defer { results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: 64) { i in
            var ctx = ConditionContext()
            ctx.set("saml:sub", [i % 2 == 0 ? "u\(i)@example.com" : "u\(i)@evil.com"])
            results[i] = p.evaluate(PolicyRequest(federatedPrincipal: Self.corp, action: "sts:AssumeRoleWithSAML", context: ctx)) == .allow
        }
        for i in 0..<64 { XCTAssertEqual(results[i], i % 2 == 0, "\(i)") }
    }
}
