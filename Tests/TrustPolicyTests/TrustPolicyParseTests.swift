import XCTest
import BrokerCore
import TrustPolicy

/// Documents IAM would refuse are refused at write time, each with a message naming the check.
final class TrustPolicyParseTests: XCTestCase {
    static let saml = "arn:aws:iam::123456789012:saml-provider/corp"

    func statement(_ body: String) -> String { #"{"Version":"2012-10-17","Statement":[\#(body)]}"# }

    func assertRejected(_ json: String, _ check: PolicyError.Check, _ message: String? = nil, contains: String? = nil,
                        file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try TrustPolicy.parse(json), file: file, line: line) { error in
            guard let e = error as? PolicyError else { return XCTFail("not a PolicyError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.check, check, e.message, file: file, line: line)
            if let message { XCTAssertEqual(e.message, message, file: file, line: line) }
            if let contains { XCTAssertTrue(e.message.contains(contains), e.message, file: file, line: line) }
            XCTAssertEqual(e.awsError.code, .malformedPolicyDocument, file: file, line: line)
            XCTAssertEqual(e.awsError.message, e.message, file: file, line: line)
        }
    }

    func testTypicalSAMLTrustPolicyParses() throws {
        let p = try TrustPolicy.parse("""
        {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Principal": {"Federated": "\(Self.saml)"},
          "Action": ["sts:AssumeRoleWithSAML", "sts:TagSession"],
          "Condition": {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}}}
        """)
        XCTAssertEqual(p.version, "2012-10-17")
        XCTAssertEqual(p.statementCount, 1)
    }

    func testNonWhitespaceLength() throws {
        let compact = #"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:*"}}"#
        let spaced = "{\n  \"Version\": \"2012-10-17\",\n\t\"Statement\": {\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"sts:*\"}\r\n}"
        XCTAssertEqual(try TrustPolicy.parse(compact).nonWhitespaceLength, compact.count)
        XCTAssertEqual(try TrustPolicy.parse(spaced).nonWhitespaceLength, compact.count)
    }

    func testVersion() {
        assertRejected(#"{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:*"}}"#, .version,
                       "Policy document must contain Version 2012-10-17 or 2008-10-17")
        assertRejected(#"{"Version":"2012-10-18","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:*"}}"#, .version,
                       "Policy document must contain Version 2012-10-17 or 2008-10-17")
        XCTAssertNoThrow(try TrustPolicy.parse(#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:*"}}"#))
    }

    func testMissingRequiredFields() {
        assertRejected(statement(#"{"Effect":"Allow","Action":"sts:AssumeRoleWithSAML"}"#), .principal, "Missing required field Principal")
        assertRejected(statement(#"{"Effect":"Allow","Principal":"*"}"#), .action, "Missing required field Action")
        assertRejected(statement(#"{"Principal":"*","Action":"sts:*"}"#), .effect, "Missing required field Effect")
        assertRejected(#"{"Version":"2012-10-17"}"#, .statement, "Missing required field Statement")
    }

    func testEmptyStatementAndBadShapes() {
        assertRejected(#"{"Version":"2012-10-17","Statement":[]}"#, .statement, "Policy document must contain at least one Statement.")
        assertRejected(#"{"Version":"2012-10-17","Statement":"x"}"#, .statement, contains: "must be an object or an array")
        assertRejected(#"{"Version":"2012-10-17","Statement":[1]}"#, .statement, "Statement #1 must be a JSON object.")
        assertRejected("[1,2]", .json, contains: "must be a JSON object")
        assertRejected("{nope", .json, contains: "not valid JSON")
        assertRejected("", .json)
    }

    func testBadEffect() {
        assertRejected(statement(#"{"Effect":"allow","Principal":"*","Action":"sts:*"}"#), .effect, "Invalid effect: allow (expected Allow or Deny)")
    }

    func testUnknownFields() {
        assertRejected(#"{"Version":"2012-10-17","Statment":[],"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:*"}}"#,
                       .unknownField, contains: "Unknown field 'Statment'")
        assertRejected(statement(#"{"Effect":"Allow","Principal":"*","Action":"sts:*","Conditions":{}}"#), .unknownField,
                       "Statement #1 has unknown field 'Conditions'.")
        assertRejected(statement(#"{"Effect":"Allow","Principal":"*","Action":"sts:*","Resource":"*"}"#), .prohibitedField,
                       "Has prohibited field Resource")
    }

    func testInvalidPrincipals() {
        assertRejected(statement(#"{"Effect":"Allow","Principal":{"Federated":"corp"},"Action":"sts:AssumeRoleWithSAML"}"#),
                       .principal, #"Invalid principal in policy: "Federated":"corp""#)
        assertRejected(statement(#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::12345:saml-provider/corp"},"Action":"sts:*"}"#),
                       .principal, contains: "Invalid principal in policy")
        assertRejected(statement(#"{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:saml-provider/a b"},"Action":"sts:*"}"#),
                       .principal, contains: "Invalid principal in policy")
        assertRejected(statement(#"{"Effect":"Allow","Principal":{"Human":"me"},"Action":"sts:*"}"#), .principal,
                       contains: "unknown principal type \"Human\"")
        assertRejected(statement(#"{"Effect":"Allow","Principal":"someone","Action":"sts:*"}"#), .principal,
                       #"Invalid principal in policy: "someone""#)
        assertRejected(statement(#"{"Effect":"Allow","Principal":{"Federated":[]},"Action":"sts:*"}"#), .principal)
        assertRejected(statement(#"{"Effect":"Allow","NotPrincipal":{"Federated":"\#(Self.saml)"},"Principal":"*","Action":"sts:*"}"#),
                       .principal, contains: "NotPrincipal is not supported")
        XCTAssertNoThrow(try TrustPolicy.parse(statement(#"{"Effect":"Allow","Principal":{"Federated":["accounts.google.com","arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"],"AWS":"arn:aws:iam::123456789012:root","Service":"ec2.amazonaws.com"},"Action":"sts:*"}"#)))
    }

    func testInvalidActions() {
        assertRejected(statement(#"{"Effect":"Allow","Principal":"*","Action":"AssumeRoleWithSAML"}"#), .action,
                       contains: "Actions/Conditions must be prefaced by a vendor")
        assertRejected(statement(#"{"Effect":"Allow","Principal":"*","Action":[]}"#), .action)
        assertRejected(statement(#"{"Effect":"Allow","Principal":"*","Action":[7]}"#), .action)
        assertRejected(statement(#"{"Effect":"Allow","Principal":"*","Action":"sts:*","NotAction":"sts:TagSession"}"#), .action,
                       contains: "both Action and NotAction")
    }

    func testConditionOperatorsAndValues() {
        func cond(_ c: String) -> String { statement(#"{"Effect":"Allow","Principal":"*","Action":"sts:*","Condition":\#(c)}"#) }
        assertRejected(cond(#"{"StringEqualz":{"saml:aud":"x"}}"#), .conditionOperator, "Unknown condition operator: StringEqualz")
        assertRejected(cond(#"{"stringequals":{"saml:aud":"x"}}"#), .conditionOperator, "Unknown condition operator: stringequals")
        assertRejected(cond(#"{"ForSomeValues:StringEquals":{"saml:aud":"x"}}"#), .conditionOperator)
        assertRejected(cond(#"{"NullIfExists":{"saml:aud":"true"}}"#), .conditionOperator)
        assertRejected(cond(#"{"NumericLessThan":{"aws:MultiFactorAuthAge":"soon"}}"#), .conditionValue,
                       "Invalid value 'soon' for 'aws:MultiFactorAuthAge' under NumericLessThan: expected a number.")
        assertRejected(cond(#"{"DateGreaterThan":{"aws:CurrentTime":"yesterday"}}"#), .conditionValue, contains: "expected an ISO-8601 date")
        assertRejected(cond(#"{"Bool":{"aws:SecureTransport":"yes"}}"#), .conditionValue, contains: "expected true or false")
        assertRejected(cond(#"{"StringEquals":{"saml:aud":{"a":"b"}}}"#), .conditionValue, contains: "must be strings, numbers or booleans")
        assertRejected(cond(#"{"StringEquals":{"saml:aud":[["x"]]}}"#), .conditionValue)
        assertRejected(cond(#"{"StringEquals":{"saml:aud":[]}}"#), .conditionValue, contains: "has no values")
        assertRejected(cond(#"{"StringEquals":{"aud":"x"}}"#), .condition, contains: "prefaced by a vendor")
        assertRejected(cond(#"{"StringEquals":"x"}"#), .condition)
        assertRejected(cond(#"{"StringEquals":{"saml:sub":"${saml:sub}"}}"#), .conditionValue, contains: "Policy variables")
        XCTAssertNoThrow(try TrustPolicy.parse(cond(#"{"NumericLessThan":{"x:n":5},"Bool":{"x:b":true},"DateLessThan":{"x:d":"2030-01-01T00:00:00Z"},"ForAllValues:StringLikeIfExists":{"x:l":["a*"]}}"#)))
    }

    func testSidRules() {
        assertRejected(statement(#"{"Sid":"has space","Effect":"Allow","Principal":"*","Action":"sts:*"}"#), .sid, contains: "alpha-numeric")
        assertRejected(statement(#"{"Sid":"A","Effect":"Allow","Principal":"*","Action":"sts:*"},{"Sid":"A","Effect":"Deny","Principal":"*","Action":"sts:*"}"#),
                       .sid, contains: "must be unique")
    }

    func testDuplicateKeysRefused() {
        assertRejected(statement(#"{"Effect":"Deny","Principal":"*","Action":"sts:*","Effect":"Allow"}"#), .duplicateKey,
                       contains: "Duplicate key 'Effect'")
        // An escaped spelling of the same key is the same key.
        assertRejected(statement(#"{"Effect":"Deny","Principal":"*","Action":"sts:*","\u0045ffect":"Allow"}"#), .duplicateKey)
        // The same key in different objects is fine.
        XCTAssertNoThrow(try TrustPolicy.parse(statement(#"{"Effect":"Deny","Principal":"*","Action":"sts:*"},{"Effect":"Allow","Principal":"*","Action":"sts:*"}"#)))
    }

    func testLimits() {
        let deep = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        assertRejected(#"{"Version":"2012-10-17","Statement":\#(deep)}"#, .nesting)
        let big = #"{"Version":"2012-10-17","Id":""# + String(repeating: "a", count: 131_072) + #"","Statement":{"Effect":"Allow","Principal":"*","Action":"sts:*"}}"#
        assertRejected(big, .size, "Policy document is longer than 131072 characters.")
    }
}
