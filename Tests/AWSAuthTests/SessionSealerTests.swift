import XCTest
import BrokerCore
import AWSAuth

final class SessionSealerTests: XCTestCase {
    let session = SealedSession(accessKeyID: "ASIAAAAAAAAAAAAAAAAA", secretAccessKey: "s3cr3t/+", accountID: "123456789012",
                                roleArn: "arn:aws:iam::123456789012:role/Admin", roleID: "AROAAAAAAAAAAAAAAAAAA",
                                roleName: "Admin", sessionName: "alice@example.com", subject: "alice@example.com",
                                subjectType: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
                                issuer: "https://idp.example.com", providerArn: "arn:aws:iam::123456789012:saml-provider/corp",
                                sourceIdentity: "alice", tags: [SessionTag(key: "Team", value: "Blue")],
                                transitiveTagKeys: ["Team"], issuedAt: 1_714_566_896, expiration: 1_714_570_496)

    func key(_ id: String, _ fill: UInt8) throws -> AESGCMKey { try AESGCMKey(id: id, bytes: [UInt8](repeating: fill, count: 32)) }

    func testRoundTrip() throws {
        let sealer = try SessionSealer(keys: [key("k1", 1)], currentKeyID: "k1")
        let token = sealer.seal(session)
        XCTAssertEqual(sealer.open(token), session)
        var noOptional = session
        noOptional.sourceIdentity = nil; noOptional.tags = []; noOptional.transitiveTagKeys = []
        XCTAssertEqual(sealer.open(sealer.seal(noOptional)), noOptional)
    }

    func testTokenDoesNotRevealSecret() throws {
        let sealer = try SessionSealer(keys: [key("k1", 1)], currentKeyID: "k1")
        let raw = try XCTUnwrap(Crypto.base64Decode(sealer.seal(session)))
        XCTAssertNil(String(decoding: raw, as: UTF8.self).range(of: "s3cr3t"))
        XCTAssertNil(String(decoding: raw, as: UTF8.self).range(of: "alice"))
    }

    func testEveryTamperedByteIsRejected() throws {
        let sealer = try SessionSealer(keys: [key("k1", 1)], currentKeyID: "k1")
        let raw = try XCTUnwrap(Crypto.base64Decode(sealer.seal(session)))
        for i in raw.indices {
            var t = raw
            t[i] ^= 0x01
            XCTAssertNil(sealer.open(Crypto.base64(t)), "byte \(i)")
        }
    }

    func testTruncatedOversizeAndGarbageRejected() throws {
        let sealer = try SessionSealer(keys: [key("k1", 1)], currentKeyID: "k1")
        let raw = try XCTUnwrap(Crypto.base64Decode(sealer.seal(session)))
        for n in [0, 1, 2, 5, 20, raw.count - 1] { XCTAssertNil(sealer.open(Crypto.base64(Array(raw.prefix(n)))), "\(n)") }
        XCTAssertNil(sealer.open(String(repeating: "A", count: 9000)))
        XCTAssertNil(sealer.open("not base64!"))
        XCTAssertNil(sealer.open(""))
    }

    func testUnknownKeyIDRejected() throws {
        let a = try SessionSealer(keys: [key("k1", 1)], currentKeyID: "k1")
        let b = try SessionSealer(keys: [key("k2", 1)], currentKeyID: "k2")
        XCTAssertNil(b.open(a.seal(session)))
        // Same id, different key bytes: authentication fails.
        let c = try SessionSealer(keys: [key("k1", 2)], currentKeyID: "k1")
        XCTAssertNil(c.open(a.seal(session)))
    }

    func testRotation() throws {
        let old = try key("2024-01", 1), new = try key("2024-06", 2)
        let before = try SessionSealer(keys: [old], currentKeyID: "2024-01")
        let token = before.seal(session)
        let after = try SessionSealer(keys: [old, new], currentKeyID: "2024-06")
        XCTAssertEqual(after.open(token), session)
        let fresh = after.seal(session)
        XCTAssertNil(before.open(fresh), "a node that does not know the new key cannot open its tokens")
        let retired = try SessionSealer(keys: [new], currentKeyID: "2024-06")
        XCTAssertNil(retired.open(token))
        XCTAssertEqual(retired.open(fresh), session)
    }

    func testSessionTokenIsNotASigninToken() throws {
        let k = try key("k1", 1)
        let sessions = try SessionSealer(keys: [k], currentKeyID: "k1")
        let signin = try TokenSealer(keys: [k], currentKeyID: "k1", purpose: "signin")
        XCTAssertNil(signin.open(sessions.seal(session)))
    }

    func testConfigurationErrors() throws {
        XCTAssertThrowsError(try SessionSealer(keys: [], currentKeyID: "k")) { XCTAssertEqual($0 as? SealingError, .noKeys) }
        XCTAssertThrowsError(try SessionSealer(keys: [key("a", 1)], currentKeyID: "b")) {
            XCTAssertEqual($0 as? SealingError, .unknownCurrentKey("b"))
        }
        XCTAssertThrowsError(try SessionSealer(keys: [key("a", 1), key("a", 2)], currentKeyID: "a")) {
            XCTAssertEqual($0 as? SealingError, .duplicateKeyID("a"))
        }
        XCTAssertThrowsError(try AESGCMKey(id: "k", bytes: [1, 2, 3]))
        XCTAssertThrowsError(try AESGCMKey(id: "bad id", bytes: [UInt8](repeating: 0, count: 32)))
    }
}
