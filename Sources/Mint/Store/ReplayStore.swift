// The replay cache, in its own SQLite file (replay.sqlite3) beside the store.
// Every AssumeRoleWithSAML commits one row here before credentials are issued, so
// this is the one write on a hot path; it is laid out for that:
//  - a WITHOUT ROWID table: a commit appends its dirty pages to the WAL, and a
//    row-id table plus its primary-key index plus the expiry index meant three
//    4 KiB pages per exchange; now two. (1 KiB pages were tried: SQLite's page
//    cache then churned malloc/brk and page faults, slower overall.)
//  - fewer checkpoints (see checkpointPages).
//  - locking_mode=EXCLUSIVE: mint is the only process that opens this file, so it
//    takes the file lock once and keeps it. In shared mode every commit cost six
//    fcntl(2) lock/unlock calls and four getpid(2) (SQLite's fork check) on the
//    -shm file; now none. A second mint on the same data folder now fails at
//    startup (SQLITE_BUSY) instead of sharing the cache, which is the safer failure.
//  - its own connection and lock, so IAM writes and replay claims do not queue on
//    each other.
// Durability is unchanged: WAL + synchronous=NORMAL, a claim is committed (survives
// a mint crash) before the exchange answers.
import Foundation

final class ReplayStore {
    private let db: SQLiteDatabase
    private let lock = NSLock()

    static let schema = """
        CREATE TABLE IF NOT EXISTS replay (
            issuer TEXT NOT NULL,
            assertion_id TEXT NOT NULL,
            scope TEXT NOT NULL,
            expires INTEGER NOT NULL,
            PRIMARY KEY (issuer, assertion_id, scope)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS replay_expires ON replay(expires);
        """

    /// WAL pages between checkpoints (SQLite's default is 1000): each checkpoint ends
    /// in an fdatasync, and at thousands of claims a second the default meant several
    /// a second. 4000 pages = a WAL of ~16 MiB on disk (not in memory).
    static let checkpointPages = 4000

    init(path: String) throws {
        db = try SQLiteDatabase(path: path, exclusive: true)
        try db.execute("PRAGMA wal_autocheckpoint=\(ReplayStore.checkpointPages)")
        try db.execute(ReplayStore.schema)
    }

    private func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    private static let strictClaim = "INSERT OR REPLACE INTO replay(issuer, assertion_id, scope, expires) SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM replay WHERE issuer = ?1 AND assertion_id = ?2 AND expires > ?5)"
    private static let roleClaim = "INSERT OR REPLACE INTO replay(issuer, assertion_id, scope, expires) SELECT ?1, ?2, ?3, ?4 WHERE NOT EXISTS (SELECT 1 FROM replay WHERE issuer = ?1 AND assertion_id = ?2 AND (scope = ?3 OR scope = '*') AND expires > ?5)"

    /// Records a (issuer, assertion, scope) exchange. Returns false when it was
    /// already recorded and is still live. Scope "*" (strict) conflicts with any
    /// earlier exchange of the assertion; a role scope conflicts with the same role
    /// or with a strict entry. One statement, so the check and the insert are atomic.
    func claim(issuer: String, assertionID: String, scope: String, expires: Int64, now: Int64) throws -> Bool {
        try locked {
            try db.run(scope == "*" ? ReplayStore.strictClaim : ReplayStore.roleClaim,
                       [.text(issuer), .text(assertionID), .text(scope), .int(expires), .int(now)]) == 1
        }
    }

    /// Rows one purge step deletes. The lock is taken per step, so a claim waits
    /// for at most one small delete, never for a minute's worth of expired rows.
    static let purgeChunk = 500

    private static let purgeStep = "DELETE FROM replay WHERE (issuer, assertion_id, scope) IN "
        + "(SELECT issuer, assertion_id, scope FROM replay WHERE expires <= ?1 ORDER BY expires LIMIT \(purgeChunk))"

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
                for r in rows {
                    try db.run("INSERT INTO replay(issuer, assertion_id, scope, expires) VALUES (?1, ?2, ?3, ?4) "
                        + "ON CONFLICT(issuer, assertion_id, scope) DO UPDATE SET expires = max(expires, excluded.expires)",
                               [.text(r.issuer), .text(r.assertionID), .text(r.scope), .int(r.expires)])
                }
            }
        }
    }
}

struct ReplayRow: Equatable {
    var issuer: String
    var assertionID: String
    var scope: String
    var expires: Int64
}
