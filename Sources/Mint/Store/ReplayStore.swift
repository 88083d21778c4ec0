// The replay cache, in its own SQLite file (replay.sqlite3) beside the store.
// Every AssumeRoleWithSAML commits one row here before credentials are issued, so
// this is the one write on a hot path; it is laid out for that:
//  - exchanges that reach mint together (gate writes the requests of one pass of
//    its event loop at once) are claimed in one transaction (claimAll): a commit's
//    fixed costs — WAL lock and index updates, the fcntl locks, the expiry index's
//    last page — are paid once per batch (fcntl calls per exchange 6.2 -> 1.4).
//  - a WITHOUT ROWID table keyed by the assertion's IssueInstant, then two 64-bit
//    hashes: the assertion (issuer and ID) and the scope (the role, 0 for a strict
//    provider). Assertion IDs are random; keyed by them alone, every claim dirtied a
//    B-tree leaf of its own, anywhere in the file, and each such page was written to
//    the WAL and again by the checkpoint. IssueInstants follow the clock, so claims
//    now land on the few leaves at the right edge of the tree (mint 73 -> 66 µs per
//    exchange, AssumeRoleWithSAML ~7,900 -> ~8,450 req/s, interleaved `broker bench`
//    runs). What identifies an assertion is thus its issuer, ID and IssueInstant —
//    all three under the IdP's signature, and all three repeated by a replay. An IdP
//    that reused an ID in an assertion issued at another second would see the second
//    one accepted; SAML requires IDs to be unique, so that is an IdP fault, and not
//    one an attacker without the IdP's key can bring about.
//    (1 KiB pages were tried twice, with text rows and with hashed ones: slower both times.)
//  - checkpoints off the request path: a commit never runs one (wal_autocheckpoint=0).
//    A checkpoint ends in fdatasync calls that took 10-15 ms on this machine's disk;
//    run by the claiming request, with the claim lock held, every claim queued
//    behind it waited too — that was the p99 of AssumeRoleWithSAML. Now, after every
//    `checkpointEvery` claims, a utility thread with its own connection runs PASSIVE
//    checkpoints (beside the writer: they copy and sync the bulk without blocking
//    claims), and every `restartEveryRounds` rounds, under the claim lock, a RESTART
//    one, which only copies the few frames added meanwhile and syncs them, and lets
//    the next claim write
//    the WAL from its start again (under continuous writes PASSIVE alone never gets
//    there, and the WAL grew by ~60 MB/s). What remains on the claim path is that
//    locked pass: its fdatasync costs 10-20 ms on this machine's disk whatever it
//    syncs (the journal commit), occasionally ~100 ms, about once a second at
//    5,000 claims/s — part of the p99 of AssumeRoleWithSAML. Skipping that sync
//    (synchronous=OFF) would remove it, at the price of a replay database that a
//    power cut can leave corrupt; not taken.
//  - its own connection and lock, so IAM writes and replay claims do not queue on
//    each other.
//  - one mint per data folder: an exclusive flock(2) on replay.sqlite3.lock, taken
//    at open, makes a second mint on the same folder fail at startup.
// Durability is unchanged: WAL + synchronous=NORMAL, a claim is committed (survives
// a mint crash) before the exchange answers.
import AWSAuth
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class ReplayStore {
    private let db: SQLiteDatabase
    private let checkpointer: SQLiteDatabase
    private let lock = NSLock()
    private let lockFD: Int32
    private var claimsSinceCheckpoint = 0
    /// Until then converted rows (issued unknown) may still be live, and every claim
    /// also looks among them. Read and written under `lock`.
    private var convertedRowsLiveUntil: Int64 = 0
    private var checkpointPending = false
    private static let checkpointQueue = DispatchQueue(label: "mint.replay-checkpoint", qos: .utility)

    /// An entry is the assertion's IssueInstant, two 64-bit keys and an expiry (~30
    /// bytes): the assertion (issuer and ID) and the scope (a role, or 0 for "any
    /// role": a strict provider). `issued` leads the key so that claims, whose
    /// IssueInstants follow the clock, are appended near one end of the tree.
    /// Rows converted from files of earlier versions, which did not record it, have
    /// `issued` 0 (`unknownIssueInstant`).
    static let schema = """
        CREATE TABLE IF NOT EXISTS replay_claims (
            issued INTEGER NOT NULL,
            assertion_key INTEGER NOT NULL,
            scope_key INTEGER NOT NULL,
            expires INTEGER NOT NULL,
            PRIMARY KEY (issued, assertion_key, scope_key)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS replay_claims_expires ON replay_claims(expires);
        """

    /// `issued` of rows converted from earlier files (no assertion is accepted with it).
    static let unknownIssueInstant: Int64 = 0

    /// Claims between checkpoint rounds (a claim appends about one WAL page: ~5 MiB between them).
    static let checkpointEvery = 1000
    static let walSizeLimit = 64 << 20

    init(path: String) throws {
        lockFD = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { throw StoreError(operation: "open \(path).lock", code: errno, reason: String(cString: strerror(errno))) }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            close(lockFD)
            throw StoreError(operation: "lock \(path).lock", code: EWOULDBLOCK,
                             reason: "another mint process is using this data folder")
        }
        do {
            db = try SQLiteDatabase(path: path)
            try db.execute("PRAGMA wal_autocheckpoint=0")
            try db.execute(ReplayStore.schema)
            try ReplayStore.convertEarlierTables(db)
            convertedRowsLiveUntil = try db.query("SELECT max(expires) FROM replay_claims WHERE issued = ?1",
                                                  [.int(ReplayStore.unknownIssueInstant)]) { $0.optionalInt(0) }.first.flatMap { $0 } ?? 0
            // A WAL that grew while checkpoints could not keep up is cut back to this at its next restart.
            try db.execute("PRAGMA journal_size_limit=\(ReplayStore.walSizeLimit)")
            checkpointer = try SQLiteDatabase(path: path)
            try checkpointer.execute("PRAGMA wal_autocheckpoint=0")
        } catch {
            close(lockFD)
            throw error
        }
    }

    deinit {
        // Last one out folds the WAL into the database; the lock goes with the descriptor.
        _ = try? checkpointer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        close(lockFD)
    }

    private func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    /// Parameters: ?1 issued, ?2 assertion key, ?3 scope key (0: strict), ?4 expires, ?5 now.
    /// A strict claim conflicts with any live entry of the assertion, a role claim
    /// with the same role's or a strict one. With converted rows live, the assertion
    /// is looked for under the unknown IssueInstant too.
    private static func claimStatement(strict: Bool, convertedRowsLive: Bool) -> String {
        let issued = convertedRowsLive ? "issued IN (?1, \(unknownIssueInstant))" : "issued = ?1"
        let scope = strict ? "" : " AND scope_key IN (?3, 0)"
        return "INSERT OR REPLACE INTO replay_claims(issued, assertion_key, scope_key, expires) SELECT ?1, ?2, ?3, ?4 "
            + "WHERE NOT EXISTS (SELECT 1 FROM replay_claims WHERE \(issued) AND assertion_key = ?2\(scope) AND expires > ?5)"
    }
    private static let claimStatements = [false, true].map { strict in
        [false, true].map { converted in claimStatement(strict: strict, convertedRowsLive: converted) }
    }

    /// 64 bits of SHA-256 over the issuer and the assertion ID (NUL-separated: neither
    /// holds a NUL). Two assertions sharing a key (~2^-64 per pair) would make the
    /// second look like a replay: refused, never let through.
    static func assertionKey(issuer: String, assertionID: String) -> Int64 {
        key(Array(issuer.utf8) + [0] + Array(assertionID.utf8), odd: false)
    }

    /// A role's key is odd, so it can never be 0, the strict ("any role") scope.
    static func scopeKey(_ scope: String) -> Int64 {
        scope == "*" ? 0 : key(Array(scope.utf8), odd: true)
    }

    private static func key(_ bytes: [UInt8], odd: Bool) -> Int64 {
        let digest = Crypto.sha256(bytes)
        var k: UInt64 = 0
        for i in 0..<8 { k = k << 8 | UInt64(digest[i]) }
        return Int64(bitPattern: odd ? k | 1 : k)
    }

    /// Records a (issuer, assertion, scope) exchange. Returns false when it was
    /// already recorded and is still live. Scope "*" (strict) conflicts with any
    /// earlier exchange of the assertion; a role scope conflicts with the same role
    /// or with a strict entry. One statement, so the check and the insert are atomic.
    func claim(issuer: String, assertionID: String, issued: Int64, scope: String, expires: Int64, now: Int64) throws -> Bool {
        try claimAll([ReplayClaim(issuer: issuer, assertionID: assertionID, issued: issued, scope: scope, expires: expires, now: now)])[0]
    }

    /// Claims several exchanges in one transaction, in order: each result is what
    /// `claim` would have answered had they run one after another (a later claim of
    /// the same assertion in the batch sees the earlier one). All or nothing: when
    /// the transaction fails, none is recorded and the error is thrown.
    /// Why a batch: a commit's fixed costs (WAL read/write locks, frame headers, the
    /// expiry index's last page) were about a third of a claim; mint hands over the
    /// exchanges that arrived in one read together.
    func claimAll(_ claims: [ReplayClaim]) throws -> [Bool] {
        guard !claims.isEmpty else { return [] }
        let (results, checkpointDue) = try locked { () -> ([Bool], Bool) in
            let results: [Bool]
            if claims.count == 1 {
                results = [try runClaim(claims[0])]
            } else {
                _ = try db.run("BEGIN IMMEDIATE")
                do {
                    results = try claims.map(runClaim)
                    _ = try db.run("COMMIT")
                } catch {
                    _ = try? db.run("ROLLBACK")
                    throw error
                }
            }
            claimsSinceCheckpoint += claims.count
            guard claimsSinceCheckpoint >= ReplayStore.checkpointEvery, !checkpointPending else { return (results, false) }
            claimsSinceCheckpoint = 0
            checkpointPending = true
            return (results, true)
        }
        if checkpointDue { scheduleCheckpoint() }
        return results
    }

    private func runClaim(_ c: ReplayClaim) throws -> Bool {
        let assertion = ReplayStore.assertionKey(issuer: c.issuer, assertionID: c.assertionID)
        let scope = ReplayStore.scopeKey(c.scope)
        let sql = ReplayStore.claimStatements[scope == 0 ? 1 : 0][c.now < convertedRowsLiveUntil ? 1 : 0]
        return try db.run(sql, [.int(c.issued), .int(assertion), .int(scope), .int(c.expires), .int(c.now)]) == 1
    }

    private func scheduleCheckpoint() {
        ReplayStore.checkpointQueue.async { [self] in
            checkpointRounds += 1
            try? foldWAL(restart: checkpointRounds % ReplayStore.restartEveryRounds == 0)
            lock.lock(); checkpointPending = false; lock.unlock()
        }
    }

    private func foldWAL(restart: Bool) throws {
        // Catch up beside the writer: each pass copies and syncs what was there when it
        // began, so the frames left for the locked pass shrink to what one short pass lets in.
        for _ in 0..<ReplayStore.catchUpPasses {
            guard try passiveCheckpoint() > ReplayStore.lockedPassFrames else { break }
        }
        guard restart else { return }
        // With the claim lock held no writer is active, so RESTART does not wait in
        // SQLite's busy handler (which sleeps in steps of milliseconds); claims wait on
        // the lock instead, for a copy and sync of a few frames only.
        try locked { try checkpointer.execute("PRAGMA wal_checkpoint(RESTART)") }
    }

    /// One PASSIVE checkpoint; returns the WAL frames it left un-copied.
    private func passiveCheckpoint() throws -> Int64 {
        let rows = try checkpointer.query("PRAGMA wal_checkpoint(PASSIVE)") { ($0.int(1), $0.int(2)) }
        guard let (log, copied) = rows.first, log >= 0, copied >= 0 else { return 0 }
        return log - copied
    }

    static let catchUpPasses = 4
    /// The locked pass (whose fdatasync is the claim path's one stall) runs every this
    /// many rounds: ~1 a second at 5,000 claims/s, with a WAL of up to ~50 MiB.
    static let restartEveryRounds = 5
    /// Touched only on `checkpointQueue`.
    private var checkpointRounds = 0
    /// Frames the locked pass may be left with (a few claims' worth).
    static let lockedPassFrames: Int64 = 64

    /// Runs a checkpoint now and waits for it (tests).
    func checkpoint() throws {
        try ReplayStore.checkpointQueue.sync { try foldWAL(restart: true) }
    }

    /// Rows one purge step deletes. The lock is taken per step, so a claim waits
    /// for at most one small delete, never for a minute's worth of expired rows.
    static let purgeChunk = 500

    private static let purgeStep = "DELETE FROM replay_claims WHERE (issued, assertion_key, scope_key) IN "
        + "(SELECT issued, assertion_key, scope_key FROM replay_claims WHERE expires <= ?1 ORDER BY expires LIMIT \(purgeChunk))"

    /// Deletes entries expired at `now`, in chunks; returns how many.
    @discardableResult
    func purge(now: Int64) throws -> Int {
        var total = 0
        while true {
            let n = try locked { try db.run(ReplayStore.purgeStep, [.int(now)]) }
            total += n
            if n < ReplayStore.purgeChunk { return total }
        }
    }

    /// Takes over live entries from the store's old replay table (data folders from
    /// before replay.sqlite3), keeping the later expiry when both have an entry.
    func adopt(_ rows: [ReplayRow]) throws {
        guard !rows.isEmpty else { return }
        try locked {
            try db.transaction {
                try ReplayStore.insertConverted(rows.map { (ReplayStore.assertionKey(issuer: $0.issuer, assertionID: $0.assertionID), ReplayStore.scopeKey($0.scope), $0.expires) },
                                                into: db)
            }
            convertedRowsLiveUntil = max(convertedRowsLiveUntil, rows.map(\.expires).max() ?? 0)
        }
    }

    /// Rows without an IssueInstant: filed under `unknownIssueInstant`.
    private static func insertConverted(_ rows: [(assertion: Int64, scope: Int64, expires: Int64)], into db: SQLiteDatabase) throws {
        for r in rows {
            try db.run("INSERT INTO replay_claims(issued, assertion_key, scope_key, expires) VALUES (?1, ?2, ?3, ?4) "
                + "ON CONFLICT(issued, assertion_key, scope_key) DO UPDATE SET expires = max(expires, excluded.expires)",
                       [.int(unknownIssueInstant), .int(r.assertion), .int(r.scope), .int(r.expires)])
        }
    }

    /// replay.sqlite3 files of earlier versions hold a `replay` table of text rows, or
    /// a `replay_keys` table of hashed keys without the IssueInstant: converted once,
    /// in the transaction that drops them.
    private static func convertEarlierTables(_ db: SQLiteDatabase) throws {
        let tables = Set(try db.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('replay', 'replay_keys')") { $0.text(0) })
        guard !tables.isEmpty else { return }
        try db.transaction {
            if tables.contains("replay") {
                let rows = try db.query("SELECT issuer, assertion_id, scope, expires FROM replay") {
                    (assertionKey(issuer: $0.text(0), assertionID: $0.text(1)), scopeKey($0.text(2)), $0.int(3))
                }
                try insertConverted(rows, into: db)
                try db.execute("DROP TABLE replay")
            }
            if tables.contains("replay_keys") {
                let rows = try db.query("SELECT assertion_key, scope_key, expires FROM replay_keys") { ($0.int(0), $0.int(1), $0.int(2)) }
                try insertConverted(rows, into: db)
                try db.execute("DROP TABLE replay_keys")
            }
        }
    }
}

/// One exchange to record: live until `expires`; entries expired at `now` do not conflict.
struct ReplayClaim: Equatable {
    var issuer: String
    var assertionID: String
    /// The assertion's IssueInstant (unix seconds): part of what identifies it.
    var issued: Int64
    var scope: String
    var expires: Int64
    var now: Int64
}

struct ReplayRow: Equatable {
    var issuer: String
    var assertionID: String
    var scope: String
    var expires: Int64
}
