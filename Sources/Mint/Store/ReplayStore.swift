// The replay cache, in its own SQLite file (replay.sqlite3) beside the store.
// Every AssumeRoleWithSAML commits one row here before credentials are issued, so
// this is the one write on a hot path; it is laid out for that:
//  - exchanges that reach mint together (gate writes the requests of one pass of
//    its event loop at once) are claimed in one transaction (claimAll): a commit's
//    fixed costs — WAL lock and index updates, the fcntl locks, the expiry index's
//    last page — are paid once per batch (fcntl calls per exchange 6.2 -> 1.4).
//  - a WITHOUT ROWID table of two 64-bit keys and an expiry: the assertion (a hash
//    of issuer and ID) and the scope (a hash of the role, 0 for a strict provider).
//    IDs are random, so every claim dirties a leaf page of its own; what a row's
//    size decides is how often leaves split and how much there is to checkpoint.
//    The text rows (issuer, ID, role ARN: ~150 bytes) cost mint ~8 µs more per
//    exchange (interleaved `broker bench` pairs) and grew the file 5x as fast.
//    (1 KiB pages were tried twice, with text and with these rows: slower both times.)
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
    private var checkpointPending = false
    private static let checkpointQueue = DispatchQueue(label: "mint.replay-checkpoint", qos: .utility)

    /// An entry is two 64-bit keys and an expiry (~25 bytes): the assertion
    /// (issuer and ID) and the scope (a role, or 0 for "any role": a strict provider).
    static let schema = """
        CREATE TABLE IF NOT EXISTS replay_keys (
            assertion_key INTEGER NOT NULL,
            scope_key INTEGER NOT NULL,
            expires INTEGER NOT NULL,
            PRIMARY KEY (assertion_key, scope_key)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS replay_keys_expires ON replay_keys(expires);
        """

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
            try ReplayStore.convertTextRows(db)
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

    private static let strictClaim = "INSERT OR REPLACE INTO replay_keys(assertion_key, scope_key, expires) SELECT ?1, 0, ?2 WHERE NOT EXISTS (SELECT 1 FROM replay_keys WHERE assertion_key = ?1 AND expires > ?3)"
    private static let roleClaim = "INSERT OR REPLACE INTO replay_keys(assertion_key, scope_key, expires) SELECT ?1, ?2, ?3 WHERE NOT EXISTS (SELECT 1 FROM replay_keys WHERE assertion_key = ?1 AND scope_key IN (?2, 0) AND expires > ?4)"

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
    func claim(issuer: String, assertionID: String, scope: String, expires: Int64, now: Int64) throws -> Bool {
        try claimAll([ReplayClaim(issuer: issuer, assertionID: assertionID, scope: scope, expires: expires, now: now)])[0]
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
        if scope == 0 {
            return try db.run(ReplayStore.strictClaim, [.int(assertion), .int(c.expires), .int(c.now)]) == 1
        }
        return try db.run(ReplayStore.roleClaim, [.int(assertion), .int(scope), .int(c.expires), .int(c.now)]) == 1
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

    private static let purgeStep = "DELETE FROM replay_keys WHERE (assertion_key, scope_key) IN "
        + "(SELECT assertion_key, scope_key FROM replay_keys WHERE expires <= ?1 ORDER BY expires LIMIT \(purgeChunk))"

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
        try locked { try db.transaction { try ReplayStore.insert(rows, into: db) } }
    }

    private static func insert(_ rows: [ReplayRow], into db: SQLiteDatabase) throws {
        for r in rows {
            try db.run("INSERT INTO replay_keys(assertion_key, scope_key, expires) VALUES (?1, ?2, ?3) "
                + "ON CONFLICT(assertion_key, scope_key) DO UPDATE SET expires = max(expires, excluded.expires)",
                       [.int(assertionKey(issuer: r.issuer, assertionID: r.assertionID)), .int(scopeKey(r.scope)), .int(r.expires)])
        }
    }

    /// replay.sqlite3 files written before the keys were hashed hold a `replay` table
    /// of text rows: converted once, in the transaction that drops it.
    private static func convertTextRows(_ db: SQLiteDatabase) throws {
        let legacy = try db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'replay'") { _ in true }
        guard !legacy.isEmpty else { return }
        try db.transaction {
            let rows = try db.query("SELECT issuer, assertion_id, scope, expires FROM replay") {
                ReplayRow(issuer: $0.text(0), assertionID: $0.text(1), scope: $0.text(2), expires: $0.int(3))
            }
            try insert(rows, into: db)
            try db.execute("DROP TABLE replay")
        }
    }
}

/// One exchange to record: live until `expires`; entries expired at `now` do not conflict.
struct ReplayClaim: Equatable {
    var issuer: String
    var assertionID: String
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
