import AWSAuth
import BrokerCore
import Foundation
import XCTest
@testable import Mint

final class RestartTests: XCTestCase {
    var h: MintHarness!
    override func setUpWithError() throws { h = try MintHarness() }
    override func tearDown() { h.removeFiles() }

    func testRestartKeepsProvidersRolesKeysReplayAndSessions() throws {
        h.createProvider(); h.createRole()
        let newKeyXML = h.ok("CreateAccessKey")
        let newKey = Credentials(accessKeyID: xmlValue(newKeyXML, "AccessKeyId") ?? "", secret: xmlValue(newKeyXML, "SecretAccessKey") ?? "", token: nil)
        let issued = try XCTUnwrap(h.exchange(h.claim(id: "_keep")).xml)
        let session = Credentials(accessKeyID: xmlValue(issued, "AccessKeyId") ?? "", secret: xmlValue(issued, "SecretAccessKey") ?? "",
                                  token: xmlValue(issued, "SessionToken"))
        let version = h.service.handle(.ping).configVersion
        let roleID = xmlValue(h.ok("GetRole", [("RoleName", "dev")]), "RoleId")

        try h.restart()

        XCTAssertEqual(xmlValues(h.ok("ListSAMLProviders"), "Arn"), [Fixtures.providerArn()])
        XCTAssertEqual(xmlValue(h.ok("GetRole", [("RoleName", "dev")]), "RoleId"), roleID)
        XCTAssertEqual(xmlValue(h.ok("GetCallerIdentity", as: newKey), "Arn"), "arn:aws:iam::123456789012:user/broker-admin")
        XCTAssertEqual(xmlValue(h.ok("GetCallerIdentity", as: session), "Arn"), "arn:aws:sts::123456789012:assumed-role/dev/alice",
                       "sessions issued before the restart still verify")
        XCTAssertEqual(h.exchange(h.claim(id: "_keep")).error?.code, .invalidIdentityToken, "replay entries survive restarts")
        XCTAssertGreaterThanOrEqual(h.service.handle(.ping).configVersion, version, "the config version never goes back")
    }

    /// Data folders from before replay.sqlite3 kept replay entries in the store: live
    /// ones are carried over on start (and still refuse a replay), expired ones dropped.
    func testLegacyReplayEntriesAreCarriedOver() throws {
        h.createProvider(); h.createRole()
        let legacy = try SQLiteDatabase(path: h.configuration.dataDirectory + "/store.sqlite3")
        try legacy.run("INSERT INTO replay(issuer, assertion_id, scope, expires) VALUES (?, ?, ?, ?)",
                       [.text(Fixtures.issuer), .text("_old_live"), .text(Fixtures.roleArn()), .int(h.clock.now + 600)])
        try legacy.run("INSERT INTO replay(issuer, assertion_id, scope, expires) VALUES (?, ?, ?, ?)",
                       [.text(Fixtures.issuer), .text("_old_dead"), .text(Fixtures.roleArn()), .int(h.clock.now - 1)])

        try h.restart()

        XCTAssertEqual(h.exchange(h.claim(id: "_old_live")).error?.code, .invalidIdentityToken, "a live legacy entry still blocks")
        XCTAssertNotNil(h.exchange(h.claim(id: "_old_dead")).xml, "an expired legacy entry is gone")
        XCTAssertEqual(try legacy.query("SELECT COUNT(*) FROM replay") { $0.int(0) }.first, 0, "the legacy table is emptied")
    }

    func testFirstStartWritesAdminCredentialsFile() throws {
        let plain = try MintHarness(configure: { $0.bootstrapAdminKey = nil })
        defer { plain.removeFiles() }
        let text = try String(contentsOfFile: plain.service.adminCredentialsPath, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("[broker]\naws_access_key_id = AKIA"))
        let lines = text.split(separator: "\n")
        let id = String(lines[1].dropFirst("aws_access_key_id = ".count))
        let secret = String(lines[2].dropFirst("aws_secret_access_key = ".count))
        XCTAssertEqual(xmlValue(plain.ok("GetCallerIdentity", as: Credentials(accessKeyID: id, secret: secret, token: nil)), "Account"), Fixtures.account)
        var st = stat()
        XCTAssertEqual(stat(plain.service.adminCredentialsPath, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)

        // The store alone does not reveal the secret.
        let store = try Data(contentsOf: URL(fileURLWithPath: plain.configuration.dataDirectory + "/store.sqlite3"))
        XCTAssertNil(store.range(of: Data(secret.utf8)))
        try plain.restart()
        XCTAssertEqual(try String(contentsOfFile: plain.service.adminCredentialsPath, encoding: .utf8), text, "not rewritten on restart")
    }

    func testMetadataDirectoryAndRolesFileAreLoadedOnStart() throws {
        let dir = NSTemporaryDirectory() + "mint-seed-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir + "/metadata", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Fixtures.metadata().write(toFile: dir + "/metadata/corp.xml", atomically: true, encoding: .utf8)
        let roles = """
        {"roles":[{"name":"dev","description":"devs","maxSessionDuration":7200,
          "assumeRolePolicyDocument":\(Fixtures.trustPolicy())}]}
        """
        try roles.write(toFile: dir + "/roles.json", atomically: true, encoding: .utf8)
        let seeded = try MintHarness(configure: { $0.metadataDirectory = dir + "/metadata"; $0.rolesFile = dir + "/roles.json" })
        defer { seeded.removeFiles() }
        XCTAssertEqual(xmlValues(seeded.ok("ListSAMLProviders"), "Arn"), [Fixtures.providerArn()])
        XCTAssertEqual(xmlValue(seeded.ok("GetRole", [("RoleName", "dev")]), "MaxSessionDuration"), "7200")
        XCTAssertNotNil(seeded.exchange(seeded.claim()).xml, "seeded provider and role work end to end")

        // Changed files update on the next start; unchanged ones are left alone.
        let version = seeded.service.handle(.ping).configVersion
        try seeded.restart()
        XCTAssertEqual(seeded.service.handle(.ping).configVersion, version, "an unchanged document does not bump the version")
        try Fixtures.metadata(entityID: Fixtures.issuer2, certificate: Fixtures.certificate2).write(toFile: dir + "/metadata/corp.xml", atomically: true, encoding: .utf8)
        try roles.replacingOccurrences(of: "7200", with: "3600").write(toFile: dir + "/roles.json", atomically: true, encoding: .utf8)
        try seeded.restart()
        guard case .trustAnchors(let a) = seeded.service.handle(.fetchTrustAnchors) else { return XCTFail() }
        XCTAssertEqual(a.providers.first?.entityID, Fixtures.issuer2)
        XCTAssertEqual(xmlValue(seeded.ok("GetRole", [("RoleName", "dev")]), "MaxSessionDuration"), "3600")

        // An invalid roles file stops mint with a message naming the file.
        try "{\"roles\":[{\"name\":\"bad name\"}]}".write(toFile: dir + "/roles.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try seeded.restart()) { e in
            XCTAssertTrue("\(e)".contains("roles.json"), "\(e)")
        }
    }
}
