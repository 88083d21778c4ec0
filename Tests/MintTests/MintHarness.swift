// Drives MintService.handle directly: temp data/certs dirs, a settable clock, and
// SigV4-signed Query calls built the way an SDK builds them.
import AWSAuth
import BrokerCore
import Foundation
import XCTest
@testable import Mint

final class TestClock {
    var now: Int64
    init(_ now: Int64) { self.now = now }
}

struct Credentials {
    var accessKeyID: String
    var secret: String
    var token: String?
}

final class MintHarness {
    static let adminKey = Credentials(accessKeyID: "AKIAADMINTESTKEY0001", secret: "adminsecretadminsecretadminsecret0000000", token: nil)
    static let start: Int64 = 1_750_000_000

    let root: String
    let clock: TestClock
    var configuration: MintConfiguration
    /// Implicitly unwrapped so restart() can release the old service (and its
    /// lock on replay.sqlite3.lock) before opening the new one, as a real restart does.
    var service: MintService!

    init(root: String? = nil, clock: TestClock = TestClock(MintHarness.start),
         configure: (inout MintConfiguration) -> Void = { _ in }) throws {
        let dir = root ?? (NSTemporaryDirectory() + "mint-test-" + UUID().uuidString)
        self.root = dir
        self.clock = clock
        var c = MintConfiguration(dataDirectory: dir + "/data", certsDirectory: dir + "/certs", socketPath: dir + "/mint.sock",
                                  allowedPeerUIDs: [getuid()], acsURLs: [Fixtures.acs], audiences: [Fixtures.acs],
                                  bootstrapAdminKey: (MintHarness.adminKey.accessKeyID, MintHarness.adminKey.secret))
        configure(&c)
        configuration = c
        service = try MintService(configuration: c, clock: { clock.now })
    }

    /// A new MintService on the same directories: what a restart sees.
    func restart() throws {
        service.audit.flush()   // the old service's queued lines land before the new one reads the chain head
        service = nil
        service = try MintService(configuration: configuration, clock: { [clock] in clock.now })
    }

    func removeFiles() { try? FileManager.default.removeItem(atPath: root) }

    var auditLog: String { service.audit.flush(); return (try? String(contentsOfFile: configuration.dataDirectory + "/audit.log", encoding: .utf8)) ?? "" }

    static func encodeForm(_ params: [(String, String)]) -> String {
        params.map { percentEncodeRFC3986($0.0) + "=" + percentEncodeRFC3986($0.1) }.joined(separator: "&")
    }

    func signedCall(_ action: String, _ params: [(String, String)] = [], as creds: Credentials = MintHarness.adminKey,
                    service svc: AWSService? = nil, version: String? = nil, signTime: Int64? = nil) -> SignedCall {
        let s = svc ?? (action == "GetCallerIdentity" ? .sts : .iam)
        let body = Array(MintHarness.encodeForm([("Action", action), ("Version", version ?? s.apiVersion)] + params).utf8)
        let headers = [("Host", "127.0.0.1:8080"), ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        let added = SigV4.sign(method: "POST", path: "/", rawQuery: "", headers: headers, body: body,
                               accessKeyID: creds.accessKeyID, secretAccessKey: creds.secret, sessionToken: creds.token,
                               region: "us-east-1", service: s.signingName, now: signTime ?? clock.now)
        return SignedCall(context: RequestContext(requestID: UUID().uuidString.lowercased(), sourceIP: "127.0.0.1", userAgent: "mint-tests"),
                          method: "POST", path: "/", rawQuery: "", headers: headers + added, body: body)
    }

    func call(_ action: String, _ params: [(String, String)] = [], as creds: Credentials = MintHarness.adminKey,
              version: String? = nil) -> CallResult {
        let reply = service.handle(.signedCall(signedCall(action, params, as: creds, version: version)))
        guard case .callResult(_, let result) = reply else {
            XCTFail("expected callResult, got \(reply)")
            return .failure(service: .sts, error: AWSError(.internalFailure, "wrong reply"))
        }
        return result
    }

    /// The result XML of a successful call (fails the test otherwise).
    @discardableResult
    func ok(_ action: String, _ params: [(String, String)] = [], as creds: Credentials = MintHarness.adminKey,
            file: StaticString = #filePath, line: UInt = #line) -> String {
        switch call(action, params, as: creds) {
        case .success(_, _, let xml): return xml ?? ""
        case .failure(_, let e):
            XCTFail("\(action) failed: \(e)", file: file, line: line)
            return ""
        }
    }

    /// The error of a failing call (fails the test if it succeeded).
    func error(_ action: String, _ params: [(String, String)] = [], as creds: Credentials = MintHarness.adminKey,
               version: String? = nil, file: StaticString = #filePath, line: UInt = #line) -> AWSError? {
        switch call(action, params, as: creds, version: version) {
        case .success:
            XCTFail("\(action) unexpectedly succeeded", file: file, line: line)
            return nil
        case .failure(_, let e): return e
        }
    }

    // MARK: setup shortcuts

    func createProvider(_ name: String = "corp", metadata: String = Fixtures.metadata(), tags: [(String, String)] = []) {
        var params = [("Name", name), ("SAMLMetadataDocument", metadata)]
        for (i, t) in tags.enumerated() { params += [("Tags.member.\(i + 1).Key", t.0), ("Tags.member.\(i + 1).Value", t.1)] }
        ok("CreateSAMLProvider", params)
    }

    func createRole(_ name: String = "dev", policy: String = Fixtures.trustPolicy(), path: String? = nil, maxSession: Int? = nil) {
        var params = [("RoleName", name), ("AssumeRolePolicyDocument", policy)]
        if let p = path { params.append(("Path", p)) }
        if let m = maxSession { params.append(("MaxSessionDuration", String(m))) }
        ok("CreateRole", params)
    }

    func claim(id: String = "_assertion1", role: String = Fixtures.roleArn(), provider: String = Fixtures.providerArn(),
               providerName: String = "corp", issuer: String = Fixtures.issuer) -> SAMLClaim {
        SAMLClaim(providerName: providerName, issuer: issuer, subject: "alice@example.test",
                  subjectFormat: ProviderPolicy.emailAddressFormat, recipient: Fixtures.acs, audiences: [Fixtures.acs],
                  assertionID: id, issueInstant: clock.now - 10, notOnOrAfter: clock.now + 300,
                  rolePairs: [RolePair(roleArn: role, principalArn: provider)], roleSessionName: "alice")
    }

    func exchangeRequest(_ claim: SAMLClaim, role: String = Fixtures.roleArn(), provider: String = Fixtures.providerArn(),
                         duration: Int64? = nil, policy: String? = nil) -> SAMLExchange {
        SAMLExchange(context: RequestContext(requestID: UUID().uuidString.lowercased(), sourceIP: "192.0.2.1", userAgent: "aws-cli/2"),
                     roleArn: role, principalArn: provider, durationSeconds: duration, policy: policy, policyArns: [], claim: claim)
    }

    func exchange(_ claim: SAMLClaim, role: String = Fixtures.roleArn(), provider: String = Fixtures.providerArn(),
                  duration: Int64? = nil, policy: String? = nil) -> CallResult {
        let x = exchangeRequest(claim, role: role, provider: provider, duration: duration, policy: policy)
        guard case .callResult(_, let r) = service.handle(.exchangeSAML(x)) else {
            XCTFail("expected callResult")
            return .failure(service: .sts, error: AWSError(.internalFailure, "wrong reply"))
        }
        return r
    }
}

/// Text between <Tag> and </Tag> (first occurrence).
func xmlValue(_ xml: String, _ tag: String) -> String? {
    guard let a = xml.range(of: "<\(tag)>"), let b = xml.range(of: "</\(tag)>", range: a.upperBound..<xml.endIndex) else { return nil }
    return String(xml[a.upperBound..<b.lowerBound])
}

func xmlValues(_ xml: String, _ tag: String) -> [String] {
    var out: [String] = []
    var rest = xml[...]
    while let a = rest.range(of: "<\(tag)>"), let b = rest.range(of: "</\(tag)>", range: a.upperBound..<rest.endIndex) {
        out.append(String(rest[a.upperBound..<b.lowerBound]))
        rest = rest[b.upperBound...]
    }
    return out
}

extension CallResult {
    var error: AWSError? { if case .failure(_, let e) = self { return e }; return nil }
    var xml: String? { if case .success(_, _, let x) = self { return x ?? "" }; return nil }
}
