import Foundation
import XCTest
@testable import Mint

final class ReplayStoreTests: XCTestCase {
    var dir: String!
    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "replay-store-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    /// The purge works in chunks; it must still remove every expired entry (more
    /// than one chunk's worth) and nothing live.
    func testPurgeRemovesAllExpiredAcrossChunksAndKeepsLive() throws {
        let store = try ReplayStore(path: dir + "/replay.sqlite3")
        let expiredCount = ReplayStore.purgeChunk * 2 + 7
        for i in 0..<expiredCount {
            XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_old\(i)", scope: "*", expires: 100 + Int64(i % 50), now: 50))
        }
        XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_live", scope: "*", expires: 10_000, now: 50))

        XCTAssertEqual(try store.purge(now: 1_000), expiredCount)
        XCTAssertEqual(try store.purge(now: 1_000), 0, "nothing expired left")
        XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_live", scope: "*", expires: 10_000, now: 1_000),
                       "the live entry survived the purge")
    }

    func testASecondStoreOnTheSameFolderIsRefused() throws {
        let first = try ReplayStore(path: dir + "/replay.sqlite3")
        XCTAssertThrowsError(try ReplayStore(path: dir + "/replay.sqlite3")) { error in
            XCTAssertTrue("\(error)".contains("another mint process"), "\(error)")
        }
        _ = first
    }

    /// Claims spanning several background checkpoints are all still there after a
    /// reopen, and each is still refused a second time.
    func testClaimsSurviveCheckpointsAndReopen() throws {
        let count = ReplayStore.checkpointEvery * 2 + 3
        do {
            let store = try ReplayStore(path: dir + "/replay.sqlite3")
            for i in 0..<count {
                XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_a\(i)", scope: "role", expires: 10_000, now: 50))
            }
            try store.checkpoint()
        }
        let reopened = try ReplayStore(path: dir + "/replay.sqlite3")
        for i in stride(from: 0, to: count, by: 97) {
            XCTAssertFalse(try reopened.claim(issuer: "idp", assertionID: "_a\(i)", scope: "role", expires: 10_000, now: 60),
                           "claim \(i) was lost")
        }
        XCTAssertTrue(try reopened.claim(issuer: "idp", assertionID: "_a0", scope: "other-role", expires: 10_000, now: 60))
    }

    /// A batch answers claim by claim as if they ran in order, and is committed whole.
    func testBatchOfClaimsAnswersInOrderAndIsCommitted() throws {
        do {
            let store = try ReplayStore(path: dir + "/replay.sqlite3")
            XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_strict", scope: "*", expires: 10_000, now: 50))
            let results = try store.claimAll([
                ReplayClaim(issuer: "idp", assertionID: "_x", scope: "role-a", expires: 10_000, now: 50),
                ReplayClaim(issuer: "idp", assertionID: "_x", scope: "role-a", expires: 10_000, now: 50),   // same batch, same role
                ReplayClaim(issuer: "idp", assertionID: "_x", scope: "role-b", expires: 10_000, now: 50),
                ReplayClaim(issuer: "idp", assertionID: "_x", scope: "*", expires: 10_000, now: 50),        // strict after role claims
                ReplayClaim(issuer: "idp", assertionID: "_strict", scope: "role-a", expires: 10_000, now: 50),
                ReplayClaim(issuer: "other-idp", assertionID: "_x", scope: "role-a", expires: 10_000, now: 50),
            ])
            XCTAssertEqual(results, [true, false, true, false, false, true])
            XCTAssertEqual(try store.claimAll([]), [])
        }
        let reopened = try ReplayStore(path: dir + "/replay.sqlite3")
        XCTAssertFalse(try reopened.claim(issuer: "idp", assertionID: "_x", scope: "role-b", expires: 10_000, now: 60), "the batch was committed")
        XCTAssertFalse(try reopened.claim(issuer: "other-idp", assertionID: "_x", scope: "role-a", expires: 10_000, now: 60))
    }

    /// Claims racing from many threads: of the claims of one assertion exactly one
    /// wins, and every distinct claim wins, also while purges run.
    func testRacingClaimsLetNoReplayThrough() throws {
        let store = try ReplayStore(path: dir + "/replay.sqlite3")
        final class Tally: @unchecked Sendable {
            let lock = NSLock()
            var wins: [String: Int] = [:]
            var errors = 0
            func add(_ id: String, _ won: Bool?) {
                lock.lock(); defer { lock.unlock() }
                guard let won else { errors += 1; return }
                if won { wins[id, default: 0] += 1 }
            }
        }
        let tally = Tally()
        let rounds = 200, threads = 8
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            for r in 0..<rounds {
                // Every thread claims the shared assertion of this round, and one of its own.
                for id in ["_shared\(r)", "_own\(t)-\(r)"] {
                    tally.add(id, try? store.claim(issuer: "idp", assertionID: id, scope: "role", expires: 10_000, now: 50))
                }
                if t == 0 && r % 50 == 0 { _ = try? store.purge(now: 60) }
            }
        }
        XCTAssertEqual(tally.errors, 0)
        for r in 0..<rounds { XCTAssertEqual(tally.wins["_shared\(r)"], 1, "round \(r): a replay got through or nobody won") }
        for t in 0..<threads { for r in 0..<rounds { XCTAssertEqual(tally.wins["_own\(t)-\(r)"], 1) } }
    }

    /// The hashed keys: issuer and ID cannot run into each other, a role never hashes
    /// to the strict scope, and the same inputs always give the same key.
    func testKeysKeepIssuerIDAndScopeApart() {
        XCTAssertNotEqual(ReplayStore.assertionKey(issuer: "a", assertionID: "bc"), ReplayStore.assertionKey(issuer: "ab", assertionID: "c"))
        XCTAssertEqual(ReplayStore.assertionKey(issuer: "idp", assertionID: "_1"), ReplayStore.assertionKey(issuer: "idp", assertionID: "_1"))
        XCTAssertEqual(ReplayStore.scopeKey("*"), 0)
        for role in ["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b", ""] {
            XCTAssertEqual(ReplayStore.scopeKey(role) & 1, 1, role)
        }
        XCTAssertNotEqual(ReplayStore.scopeKey("arn:aws:iam::123456789012:role/a"), ReplayStore.scopeKey("arn:aws:iam::123456789012:role/b"))
    }

    /// A replay.sqlite3 written by the text-row version: its entries keep refusing
    /// what they refused (per role and strict), expired ones do not, and the old
    /// table is gone after the first open.
    func testTextRowsOfAnEarlierVersionAreConvertedOnOpen() throws {
        let path = dir + "/replay.sqlite3"
        do {
            let old = try SQLiteDatabase(path: path)
            try old.execute("""
                CREATE TABLE replay (issuer TEXT NOT NULL, assertion_id TEXT NOT NULL, scope TEXT NOT NULL,
                    expires INTEGER NOT NULL, PRIMARY KEY (issuer, assertion_id, scope)) WITHOUT ROWID;
                CREATE INDEX replay_expires ON replay(expires);
                """)
            for (id, scope, expires) in [("_role", "role-a", Int64(10_000)), ("_strict", "*", 10_000), ("_expired", "role-a", 40)] {
                try old.run("INSERT INTO replay(issuer, assertion_id, scope, expires) VALUES (?1, ?2, ?3, ?4)",
                            [.text("idp"), .text(id), .text(scope), .int(expires)])
            }
        }
        let store = try ReplayStore(path: path)
        XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_role", scope: "role-a", expires: 10_000, now: 50))
        XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_role", scope: "role-b", expires: 10_000, now: 50))
        XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_strict", scope: "role-c", expires: 10_000, now: 50))
        XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_expired", scope: "role-a", expires: 10_000, now: 50))
        XCTAssertTrue(try store.claim(issuer: "other-idp", assertionID: "_role", scope: "role-a", expires: 10_000, now: 50),
                      "another issuer's assertion of the same ID is its own")
        let tables = try SQLiteDatabase(path: path).query("SELECT name FROM sqlite_master WHERE type = 'table'") { $0.text(0) }
        XCTAssertEqual(tables, ["replay_keys"])
    }
}
