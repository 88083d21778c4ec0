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
            XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_old\(i)", issued: 40, scope: "*", expires: 100 + Int64(i % 50), now: 50))
        }
        XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_live", issued: 40, scope: "*", expires: 10_000, now: 50))

        XCTAssertEqual(try store.purge(now: 1_000), expiredCount)
        XCTAssertEqual(try store.purge(now: 1_000), 0, "nothing expired left")
        XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_live", issued: 40, scope: "*", expires: 10_000, now: 1_000),
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
                XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_a\(i)", issued: 40, scope: "role", expires: 10_000, now: 50))
            }
            try store.checkpoint()
        }
        let reopened = try ReplayStore(path: dir + "/replay.sqlite3")
        for i in stride(from: 0, to: count, by: 97) {
            XCTAssertFalse(try reopened.claim(issuer: "idp", assertionID: "_a\(i)", issued: 40, scope: "role", expires: 10_000, now: 60),
                           "claim \(i) was lost")
        }
        XCTAssertTrue(try reopened.claim(issuer: "idp", assertionID: "_a0", issued: 40, scope: "other-role", expires: 10_000, now: 60))
    }

    /// A batch answers claim by claim as if they ran in order, and is committed whole.
    func testBatchOfClaimsAnswersInOrderAndIsCommitted() throws {
        do {
            let store = try ReplayStore(path: dir + "/replay.sqlite3")
            XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_strict", issued: 40, scope: "*", expires: 10_000, now: 50))
            let results = try store.claimAll([
                ReplayClaim(issuer: "idp", assertionID: "_x", issued: 40, scope: "role-a", expires: 10_000, now: 50),
                ReplayClaim(issuer: "idp", assertionID: "_x", issued: 40, scope: "role-a", expires: 10_000, now: 50),   // same batch, same role
                ReplayClaim(issuer: "idp", assertionID: "_x", issued: 40, scope: "role-b", expires: 10_000, now: 50),
                ReplayClaim(issuer: "idp", assertionID: "_x", issued: 40, scope: "*", expires: 10_000, now: 50),        // strict after role claims
                ReplayClaim(issuer: "idp", assertionID: "_strict", issued: 40, scope: "role-a", expires: 10_000, now: 50),
                ReplayClaim(issuer: "other-idp", assertionID: "_x", issued: 40, scope: "role-a", expires: 10_000, now: 50),
            ])
            XCTAssertEqual(results, [true, false, true, false, false, true])
            XCTAssertEqual(try store.claimAll([]), [])
        }
        let reopened = try ReplayStore(path: dir + "/replay.sqlite3")
        XCTAssertFalse(try reopened.claim(issuer: "idp", assertionID: "_x", issued: 40, scope: "role-b", expires: 10_000, now: 60), "the batch was committed")
        XCTAssertFalse(try reopened.claim(issuer: "other-idp", assertionID: "_x", issued: 40, scope: "role-a", expires: 10_000, now: 60))
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
                    tally.add(id, try? store.claim(issuer: "idp", assertionID: id, issued: 40, scope: "role", expires: 10_000, now: 50))
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
        XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_role", issued: 40, scope: "role-a", expires: 10_000, now: 50))
        XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_role", issued: 40, scope: "role-b", expires: 10_000, now: 50))
        XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_strict", issued: 40, scope: "role-c", expires: 10_000, now: 50))
        XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_expired", issued: 40, scope: "role-a", expires: 10_000, now: 50))
        XCTAssertTrue(try store.claim(issuer: "other-idp", assertionID: "_role", issued: 40, scope: "role-a", expires: 10_000, now: 50),
                      "another issuer's assertion of the same ID is its own")
        let tables = try SQLiteDatabase(path: path).query("SELECT name FROM sqlite_master WHERE type = 'table'") { $0.text(0) }
        XCTAssertEqual(tables, ["replay_claims"])
    }

    /// A replay.sqlite3 written by the hashed-key version (no IssueInstant recorded):
    /// its live entries keep refusing whatever IssueInstant the replay carries, per
    /// role and strict; once they have all expired, claims stop looking for them and
    /// still work; a reopen after that converts nothing again.
    func testHashedRowsWithoutIssueInstantAreConvertedOnOpen() throws {
        let path = dir + "/replay.sqlite3"
        do {
            let old = try SQLiteDatabase(path: path)
            try old.execute("""
                CREATE TABLE replay_keys (assertion_key INTEGER NOT NULL, scope_key INTEGER NOT NULL, expires INTEGER NOT NULL,
                    PRIMARY KEY (assertion_key, scope_key)) WITHOUT ROWID;
                CREATE INDEX replay_keys_expires ON replay_keys(expires);
                """)
            for (id, scope, expires) in [("_role", "role-a", Int64(1_000)), ("_strict", "*", 2_000), ("_expired", "role-a", 40)] {
                try old.run("INSERT INTO replay_keys(assertion_key, scope_key, expires) VALUES (?1, ?2, ?3)",
                            [.int(ReplayStore.assertionKey(issuer: "idp", assertionID: id)), .int(ReplayStore.scopeKey(scope)), .int(expires)])
            }
        }
        do {
            let store = try ReplayStore(path: path)
            XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_role", issued: 45, scope: "role-a", expires: 1_000, now: 50))
            XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_role", issued: 45, scope: "role-b", expires: 1_000, now: 50))
            XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_role", issued: 45, scope: "*", expires: 1_000, now: 50),
                           "strict after a converted role entry")
            XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_strict", issued: 46, scope: "role-c", expires: 2_000, now: 50))
            XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_expired", issued: 47, scope: "role-a", expires: 2_000, now: 50))
            // Past the last converted expiry (2,000) the claims take the plain path.
            XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_strict", issued: 1_990, scope: "role-c", expires: 3_000, now: 2_001))
            XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_strict", issued: 1_990, scope: "role-c", expires: 3_000, now: 2_002))
            XCTAssertEqual(try store.purge(now: 2_001), 5, "the three converted rows and the two claims expiring by then")
        }
        let tables = try SQLiteDatabase(path: path).query("SELECT name FROM sqlite_master WHERE type = 'table'") { $0.text(0) }
        XCTAssertEqual(tables, ["replay_claims"])
        let reopened = try ReplayStore(path: path)
        XCTAssertFalse(try reopened.claim(issuer: "idp", assertionID: "_strict", issued: 1_990, scope: "role-c", expires: 3_000, now: 2_003))
    }

    /// What identifies an assertion is its issuer, ID and IssueInstant (all signed; a
    /// replay repeats all three): the same ID issued at another second is another
    /// assertion, the same three are a replay whatever else differs.
    func testAnAssertionIsItsIssuerIDAndIssueInstant() throws {
        let store = try ReplayStore(path: dir + "/replay.sqlite3")
        XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_a", issued: 100, scope: "role", expires: 10_000, now: 110))
        XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_a", issued: 100, scope: "role", expires: 20_000, now: 120))
        XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_a", issued: 100, scope: "*", expires: 10_000, now: 120))
        XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_a", issued: 101, scope: "role", expires: 10_000, now: 120))
    }

    /// Claims in IssueInstant order with random IDs go to the end of the table: a
    /// second run of as many claims dirties only the pages near its end (the point of
    /// keying by IssueInstant first) instead of pages all over the file.
    func testClaimsInTimeOrderAppendToTheEndOfTheTable() throws {
        let path = dir + "/replay.sqlite3"
        let store = try ReplayStore(path: path)
        func claims(from start: Int64) throws {
            for i in 0..<Int64(12_000) {
                XCTAssertTrue(try store.claim(issuer: "idp", assertionID: UUID().uuidString, issued: start + i / 100,
                                              scope: "role", expires: 100_000, now: 50))
            }
            try store.checkpoint()
        }
        try claims(from: 1_000)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        try claims(from: 2_000)
        let after = try Data(contentsOf: URL(fileURLWithPath: path))
        let pageSize = 4096
        let oldPages = before.count / pageSize
        var rewritten = 0
        for page in 1..<oldPages where before[page * pageSize ..< (page + 1) * pageSize] != after[page * pageSize ..< (page + 1) * pageSize] {
            rewritten += 1
        }
        XCTAssertGreaterThan(oldPages, 150)
        XCTAssertLessThan(rewritten, oldPages / 10, "\(rewritten) of \(oldPages) earlier pages rewritten")
    }

    /// Claims answered but not yet moved to SQLite are in the journal: a mint that
    /// stops there (the files copied while it runs, as a crash would leave them)
    /// still refuses them after a restart, and the journal is empty once read back.
    func testUnflushedClaimsSurviveACrashThroughTheJournal() throws {
        let live = dir + "/live", crashed = dir + "/crashed"
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: crashed, withIntermediateDirectories: true)
        let store = try ReplayStore(path: live + "/replay.sqlite3")
        XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_flushed", issued: 40, scope: "role", expires: 10_000, now: 50))
        try store.checkpoint()
        for i in 0..<10 {
            XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_j\(i)", issued: 41, scope: i % 2 == 0 ? "role" : "*", expires: 10_000, now: 50))
        }
        XCTAssertEqual(store.pendingCount, 10, "the claims are still waiting for their flush")
        for name in try FileManager.default.contentsOfDirectory(atPath: live) where !name.hasSuffix(".lock") {
            try FileManager.default.copyItem(atPath: live + "/" + name, toPath: crashed + "/" + name)
        }
        let journalBytes = try [0, 1].map { try FileManager.default.attributesOfItem(atPath: crashed + "/replay.sqlite3.journal-\($0)")[.size] as! Int }
        XCTAssertEqual(journalBytes.reduce(0, +), 10 * ReplayJournal.recordSize)

        let restarted = try ReplayStore(path: crashed + "/replay.sqlite3")
        XCTAssertEqual(restarted.pendingCount, 0)
        XCTAssertFalse(try restarted.claim(issuer: "idp", assertionID: "_flushed", issued: 40, scope: "role", expires: 10_000, now: 60))
        for i in 0..<10 {
            XCTAssertFalse(try restarted.claim(issuer: "idp", assertionID: "_j\(i)", issued: 41, scope: "role", expires: 10_000, now: 60), "claim \(i) was lost")
        }
        XCTAssertFalse(try restarted.claim(issuer: "idp", assertionID: "_j1", issued: 41, scope: "other", expires: 10_000, now: 60), "strict entry kept its scope")
        XCTAssertTrue(try restarted.claim(issuer: "idp", assertionID: "_j0", issued: 41, scope: "other", expires: 10_000, now: 60))
        try restarted.checkpoint()
        for j in 0..<2 {
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: crashed + "/replay.sqlite3.journal-\(j)")[.size] as? Int, 0)
        }
        _ = store
    }

    /// Reading a journal stops at a torn last record or at a corrupt one; what came
    /// before is kept.
    func testJournalReadingStopsAtATornOrCorruptRecord() throws {
        let path = dir + "/j"
        let entries = (0..<5).map { ReplayEntry(issued: 1_000 + Int64($0), assertion: Int64($0) &* 0x1E37_79B9_7F4A_7C15, scope: $0 == 2 ? 0 : 7, expires: 2_000) }
        do {
            let j = try ReplayJournal(path: path)
            try j.append(entries)
            XCTAssertEqual(try j.readAll(), entries)
        }
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        try Data(bytes + [1, 2, 3]).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try ReplayJournal(path: path).readAll(), entries, "a partial record at the end is dropped")
        bytes[3 * ReplayJournal.recordSize + 9] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try ReplayJournal(path: path).readAll(), Array(entries[0..<3]), "reading stops at the corrupt fourth record")
        try Data(count: 4 * ReplayJournal.recordSize).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try ReplayJournal(path: path).readAll(), [], "zero-filled blocks are not records")
    }

    /// Enough claims make a flush due without anyone asking: they leave memory for
    /// SQLite and the journals are emptied; claims go on being refused or taken
    /// correctly throughout.
    func testClaimsAreFlushedOnTheirOwn() throws {
        let path = dir + "/replay.sqlite3"
        let store = try ReplayStore(path: path)
        let count = ReplayStore.flushEvery + 10
        for i in 0..<count {
            XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_f\(i)", issued: 100 + Int64(i / 500), scope: "role", expires: 10_000, now: 150))
        }
        var waited = 0
        while store.pendingCount > 0 && waited < 100 { usleep(50_000); waited += 1 }
        XCTAssertEqual(store.pendingCount, 0, "flushed within \(ReplayStore.flushDelay) s of the last claim")
        let rows = try SQLiteDatabase(path: path).query("SELECT count(*) FROM replay_claims") { $0.int(0) }
        XCTAssertEqual(rows, [Int64(count)])
        for j in 0..<2 {
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path + ".journal-\(j)")[.size] as? Int, 0)
        }
        XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_f7", issued: 100, scope: "role", expires: 10_000, now: 160))
    }

    /// Writes refused by the kernel, as on a full disk: under a file-size limit
    /// (RLIMIT_FSIZE) a journal append stops part-way (a short write: a partial record
    /// on disk) and a flush cannot write SQLite's WAL. The failed batch is refused and
    /// none of it recorded; the journal is fenced until a flush has left and emptied
    /// it; claims made meanwhile are kept in memory (and their journal) and refused as
    /// replays — never lost, never let through twice — and everything works, and
    /// survives a reopen, once the limit is lifted.
    func testAFileSystemThatStopsTakingWritesLosesNoClaim() throws {
        let path = dir + "/replay.sqlite3"
        do {
            let store = try ReplayStore(path: path)
            XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_before", issued: 40, scope: "role", expires: 10_000, now: 50))
            try store.checkpoint()   // both journals empty now

            var lifted = rlimit()
            XCTAssertEqual(getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &lifted), 0)
            var limited = lifted
            limited.rlim_cur = 100   // bytes: 2.5 journal records; writes at or beyond it fail with EFBIG
            signal(SIGXFSZ, SIG_IGN)
            XCTAssertEqual(setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limited), 0)
            var limitOn = true
            func lift() {
                guard limitOn else { return }
                limitOn = false
                _ = setrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &lifted)
                signal(SIGXFSZ, SIG_DFL)
            }
            defer { lift() }

            let four = (0..<4).map { ReplayClaim(issuer: "idp", assertionID: "_big\($0)", issued: 40, scope: "role", expires: 10_000, now: 50) }
            XCTAssertThrowsError(try store.claimAll(four)) { error in
                XCTAssertTrue("\(error)".contains("short write"), "\(error)")
                let wire = (error as? StoreError)?.awsError
                XCTAssertEqual(wire?.message, "The broker's store failed during replay journal append.", "the client learns no path")
            }
            XCTAssertEqual(store.pendingCount, 0, "nothing of the refused batch is recorded")
            try? store.checkpoint()   // the flush the failure scheduled has run: the journal is left and emptied
            let two = Array(four.prefix(2))
            XCTAssertEqual(try store.claimAll(two), [true, true], "80 bytes fit in the other journal")
            XCTAssertThrowsError(try store.checkpoint(), "SQLite cannot write its WAL either")
            XCTAssertEqual(store.pendingCount, 2, "kept in memory (and their journal) until a flush works")
            XCTAssertEqual(try store.claimAll(two), [false, false], "still refused as replays")
            XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_before", issued: 40, scope: "role", expires: 10_000, now: 51))

            lift()
            try store.checkpoint()
            XCTAssertEqual(store.pendingCount, 0)
            XCTAssertEqual(try store.claimAll(Array(four.suffix(2))), [true, true], "the refused ones were never recorded")
        }
        let reopened = try ReplayStore(path: path)
        for id in ["_before", "_big0", "_big1", "_big2", "_big3"] {
            XCTAssertFalse(try reopened.claim(issuer: "idp", assertionID: id, issued: 40, scope: "role", expires: 10_000, now: 52), id)
        }
    }

    // MARK: the stored-key filter

    /// A first-time claim (almost every claim) is answered without an SQLite lookup;
    /// a replay of a flushed claim is still looked up and refused.
    func testFirstTimeClaimsSkipTheSQLiteLookup() throws {
        let store = try ReplayStore(path: dir + "/replay.sqlite3")
        let n = 3000
        for i in 0..<n {
            XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_first\(i)", issued: 40, scope: "role", expires: 10_000, now: 50))
        }
        try store.checkpoint()
        XCTAssertEqual(store.pendingCount, 0, "all of them in SQLite now")
        let before = store.storedLookups
        for i in 0..<n {
            XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_second\(i)", issued: 40, scope: "role", expires: 10_000, now: 50))
        }
        XCTAssertLessThan(store.storedLookups - before, n / 50, "fresh claims went to SQLite")
        let beforeReplays = store.storedLookups
        for i in 0..<n {
            XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_first\(i)", issued: 40, scope: "role", expires: 10_000, now: 60), "replay \(i)")
        }
        XCTAssertEqual(store.storedLookups - beforeReplays, n, "every replay was looked up")
    }

    /// Once more keys were added than it was sized for, the filter is rebuilt from the
    /// table: purged keys leave it, live ones stay (and are still refused).
    func testTheKeyFilterIsRebuiltFromTheTableOnceOverfull() throws {
        let store = try ReplayStore(path: dir + "/replay.sqlite3", filterCapacity: 100)
        for i in 0..<300 {
            XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_short\(i)", issued: 40, scope: "*", expires: 100, now: 50))
        }
        try store.checkpoint()
        XCTAssertEqual(store.filterAdded, 300, "rebuilt after the flush that overfilled it: the 300 rows")
        XCTAssertEqual(try store.purge(now: 200), 300)
        XCTAssertEqual(store.filterAdded, 300, "not overfull: purged keys stay until the next rebuild")
        for i in 0..<300 {
            XCTAssertTrue(try store.claim(issuer: "idp", assertionID: "_long\(i)", issued: 40, scope: "*", expires: 10_000, now: 250))
        }
        try store.checkpoint()
        XCTAssertEqual(store.filterAdded, 300, "rebuilt again: only the 300 live rows")
        for i in stride(from: 0, to: 300, by: 7) {
            XCTAssertFalse(try store.claim(issuer: "idp", assertionID: "_long\(i)", issued: 40, scope: "role", expires: 10_000, now: 260), "claim \(i)")
        }
    }

    func testTheKeyFilterNeverForgetsAndRarelyAnswersMaybeForAbsentKeys() {
        var filter = StoredKeyFilter(capacity: 100_000)
        XCTAssertGreaterThanOrEqual(filter.capacity, 100_000)
        var added: [Int64] = []
        for i in 0..<filter.capacity {
            let k = ReplayStore.assertionKey(issuer: "idp", assertionID: "_k\(i)")
            filter.add(k)
            added.append(k)
        }
        XCTAssertTrue(added.allSatisfy(filter.mayContain), "a false 'no' lets a replay through")
        var maybes = 0
        let probes = 100_000
        for i in 0..<probes where filter.mayContain(ReplayStore.assertionKey(issuer: "idp", assertionID: "_absent\(i)")) { maybes += 1 }
        XCTAssertLessThan(Double(maybes) / Double(probes), 0.01, "false 'maybe' rate at the capacity it was sized for")
        XCTAssertFalse(filter.isOverfull)
        filter.add(1)
        XCTAssertTrue(filter.isOverfull)
    }
}
