import XCTest
@testable import BrokerCore

final class MintCodecTests: XCTestCase {
    private func roundTrip(_ r: MintRequest) throws -> MintRequest {
        let frame = MintCodec.encode(r)
        let (type, length) = try MintCodec.parseHeader(Array(frame.prefix(MintProtocol.headerSize)))
        XCTAssertEqual(length, frame.count - MintProtocol.headerSize)
        return try MintCodec.decodeRequest(type: type, payload: Array(frame.dropFirst(MintProtocol.headerSize)))
    }

    func testSAMLExchangeRoundTrips() throws {
        let claim = SAMLClaim(providerName: "corp", issuer: "https://idp.example.com", subject: "a@b.example",
                              subjectFormat: ProviderPolicy.emailAddressFormat, recipient: "http://127.0.0.1:8080/saml",
                              audiences: ["http://127.0.0.1:8080/saml"], assertionID: "_a1", issueInstant: 1_700_000_000,
                              notOnOrAfter: 1_700_000_300,
                              rolePairs: [RolePair(roleArn: "arn:aws:iam::123456789012:role/dev", principalArn: "arn:aws:iam::123456789012:saml-provider/corp")],
                              roleSessionName: "alice", sessionDuration: 1800, principalTags: [SessionTag(key: "CostCenter", value: "42")],
                              transitiveTagKeys: ["CostCenter"], sourceIdentity: "alice", conditionKeys: [("saml:cn", ["Alice"])])
        let x = SAMLExchange(context: RequestContext(requestID: "r", sourceIP: "127.0.0.1", userAgent: "ua"),
                             roleArn: "arn:aws:iam::123456789012:role/dev", principalArn: "arn:aws:iam::123456789012:saml-provider/corp",
                             durationSeconds: 900, policy: nil, policyArns: [], claim: claim)
        XCTAssertEqual(try roundTrip(.exchangeSAML(x)), .exchangeSAML(x))
    }

    func testReplyRoundTrips() throws {
        let replies: [MintReply] = [
            .pong(configVersion: 7),
            .callResult(configVersion: 3, .success(action: "GetCallerIdentity", service: .sts, resultXML: "<Account>1</Account>")),
            .callResult(configVersion: 3, .failure(service: .iam, error: AWSError(.noSuchEntity, "The role with name x cannot be found."))),
            .trustAnchors(TrustAnchors(version: 9, accountID: "123456789012", providers: [
                SAMLProviderAnchor(name: "corp", arn: "arn:aws:iam::123456789012:saml-provider/corp", entityID: "e",
                                   signingCertificatesDER: [[1, 2, 3]], policy: ProviderPolicy())])),
        ]
        for r in replies {
            let f = MintCodec.encode(r)
            let (t, _) = try MintCodec.parseHeader(Array(f.prefix(8)))
            XCTAssertEqual(try MintCodec.decodeReply(type: t, payload: Array(f.dropFirst(8))), r)
        }
    }

    func testTruncatedAndTrailingPayloadsAreRefused() throws {
        let f = MintCodec.encode(.reportRejection(Rejection(context: RequestContext(requestID: "r", sourceIP: "i", userAgent: "u"),
                                                            eventName: "AssumeRoleWithSAML", parameters: [("roleArn", "x")],
                                                            error: AWSError(.invalidIdentityToken, "signature: bad"))))
        let payload = Array(f.dropFirst(8))
        XCTAssertThrowsError(try MintCodec.decodeRequest(type: f[3], payload: Array(payload.dropLast())))
        XCTAssertThrowsError(try MintCodec.decodeRequest(type: f[3], payload: payload + [0]))
        XCTAssertThrowsError(try MintCodec.decodeRequest(type: 99, payload: payload))
    }

    func testOversizeFrameHeaderIsRefused() {
        XCTAssertThrowsError(try MintCodec.parseHeader([0x42, 0x4B, 1, 1, 0x7F, 0xFF, 0xFF, 0xFF]))
        XCTAssertThrowsError(try MintCodec.parseHeader([0x42, 0x4B, 2, 1, 0, 0, 0, 0]))
    }
}

final class QueryParametersTests: XCTestCase {
    func testMergesQueryAndFormBody() throws {
        let p = try QueryParameters.parse(rawQuery: "Action=GetCallerIdentity", body: Array("Version=2011-06-15&A=b%2Bc+d".utf8),
                                          contentType: "application/x-www-form-urlencoded; charset=utf-8")
        XCTAssertEqual(p["Action"], "GetCallerIdentity")
        XCTAssertEqual(p["Version"], "2011-06-15")
        XCTAssertEqual(p["A"], "b+c d")
    }

    func testFlattenedLists() throws {
        let p = try QueryParameters.parse(rawQuery: "L.member.1=a&L.member.2=b&L.member.4=d&T.member.1.Key=k&T.member.1.Value=v",
                                          body: [], contentType: nil)
        XCTAssertEqual(p.list("L"), ["a", "b"])
        XCTAssertEqual(p.structList("T", fields: ["Key", "Value"]), [["Key": "k", "Value": "v"]])
    }

    func testMalformedEncodingAndDuplicatesAreErrors() {
        XCTAssertThrowsError(try QueryParameters.parse(rawQuery: "A=%zz", body: [], contentType: nil)) {
            XCTAssertEqual(($0 as? AWSError)?.code, .malformedQueryString)
        }
        XCTAssertThrowsError(try QueryParameters.parse(rawQuery: "A=%ff", body: [], contentType: nil))
        XCTAssertThrowsError(try QueryParameters.parse(rawQuery: "A=1&A=2", body: [], contentType: nil)) {
            XCTAssertEqual(($0 as? AWSError)?.code, .invalidParameterValue)
        }
    }

    func testRFC3986Encoding() {
        XCTAssertEqual(percentEncodeRFC3986("{\"a\": 1}/~"), "%7B%22a%22%3A%201%7D%2F~")
    }

    func testErrorEnvelopeEscapes() {
        let x = AWSXML.error(AWSError(.accessDenied, "a<b"), service: .sts, requestID: "id")
        XCTAssertTrue(x.contains("<Code>AccessDenied</Code>"))
        XCTAssertTrue(x.contains("a&lt;b"))
        XCTAssertTrue(x.contains("<Type>Sender</Type>"))
        XCTAssertEqual(AWSErrorCode.serviceUnavailable.httpStatus, 503)
    }
}
