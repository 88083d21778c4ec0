// The replay cache: which assertions were exchanged, for which role, until when.
// Every AssumeRoleWithSAML claims its assertion here before credentials are
// issued, so this is the one write on a hot path; it is laid out for that.
//
// A claim is checked against memory and SQLite, then written to a journal file
// (ReplayJournal: one write(2) per batch of claims, before any of them is
// answered) and kept in memory; a maintenance thread moves what accumulated into
// SQLite in bulk — sorted, in one transaction, every `flushEvery` claims or
// `flushDelay` — and then empties the journal. Claims committed to SQLite one by
// one cost mint ~20 µs each: the assertion ID is random, so each claim dirtied a
// B-tree leaf (and an expiry-index leaf) of its own, and every dirty page is a
// 4 KiB WAL frame (2 write calls) and later a checkpoint write — 3.6 pwrite calls
// and ~7 KB of disk writes per exchange (`strace -c`, `vmstat`). In bulk, a leaf
// is written once per flush for all the claims that landed on it: under load,
// pwrite calls 0.2 per exchange, disk writes ~55 -> ~2 MB/s, mint 76-82 -> 55-66 µs
// per exchange (with the IssueInstant key below; interleaved `broker bench` runs).
// Durability is what it was: a claim is in the kernel (journal, or before that the
// WAL with synchronous=NORMAL) before the exchange answers, so a mint crash loses
// none; a restart reads the journals back into SQLite before the first claim.
//
// The table is keyed by the assertion's IssueInstant, then two 64-bit hashes: the
// assertion (issuer and ID) and the scope (the role, 0 for a strict provider).
// IssueInstants follow the clock, so claims land near the right edge of the tree,
// where the pages are few and hot (mint 73 -> 66 µs per exchange on its own,
// interleaved `broker bench` runs). What identifies an assertion is thus its
// issuer, ID and IssueInstant — all three under the IdP's signature, and all
// three repeated by a replay. An IdP that reused an ID in an assertion issued at
// another second would see the second one accepted; SAML requires IDs to be
// unique, so that is an IdP fault, and not one an attacker without the IdP's key
// can bring about.
//
// Checkpoints stay off the claim path (wal_autocheckpoint=0): the maintenance
// thread runs PASSIVE ones on a connection of their own, and every
// `restartEveryRounds` rounds a RESTART one under the claim lock (so no lookup is
// reading the WAL), which copies the few frames left and lets the WAL start over;
// its fdatasync (10-20 ms on this machine's disk) is the one stall claims see.
// One mint per data folder: an exclusive flock(2) on replay.sqlite3.lock, taken at
// open, makes a second mint on the same folder fail at startup.
// (Tried and dropped: 1 KiB pages, three times; an 8 MiB page cache; a leader/follower
// group commit across mint's threads.)
import AWSAuth
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class ReplayStore {
    /// Lookups, under `lock`.
    private let reader: SQLiteDatabase
    /// Every write (flushes, purges, conversions), on `maintenance` only (and in init).
    private let writer: SQLiteDatabase
    private let checkpointer: SQLiteDatabase
    private let maintenance = DispatchQueue(label: "mint.replay-maintenance", qos: .utility)
    private let journals: [ReplayJournal]
    private let lockFD: Int32

    private let lock = NSLock()
    // Under `lock`:
    /// Claims not yet handed to a flush; their records are in `journals[active]`.
    private var pending = PendingClaims()
    /// Claims a flush is writing to SQLite; their records are in `journals[1 - active]`.
    private var flushing: PendingClaims?
    private var active = 0
    /// Set when an append left the active journal with a partial record: claims are
    /// refused until a flush has moved on to the other journal.
    private var brokenJournal: Int?
    private var immediateFlushScheduled = false
    private var delayedFlushScheduled = false
    /// Until then converted rows (issued unknown) may still be live, and every claim
    /// also looks among them.
    private var convertedRowsLiveUntil: Int64 = 0
    /// Every assertion key in the table (and some no longer there): a claim whose key
    /// it does not hold skips the SQLite lookup. Keys are added when their rows are
    /// written; rebuilt from the table (on `maintenance`) once overfull.
    private var storedKeys: StoredKeyFilter
    /// Claims that had to look in SQLite (tests).
    private(set) var storedLookups = 0

    // On `maintenance`:
    private var claimsSinceCheckpoint = 0
    private var checkpointRounds = 0

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

    /// Claims that make a flush due at once (~a quarter of a second at full load).
    static let flushEvery = 2048
    /// The longest a claim waits in memory (and the journal) for its flush.
    static let flushDelay = 1.0
    /// Claims held in memory at most: beyond this (flushes failing or far behind)
    /// claims are refused rather than memory grown without bound.
    static let maxPending = 100_000
    /// Claims flushed between checkpoint rounds.
    static let checkpointEvery = 8192
    /// Every this many rounds the round ends in the locked RESTART pass.
    static let restartEveryRounds = 5
    static let catchUpPasses = 4
    /// Frames the locked pass may be left with.
    static let lockedPassFrames: Int64 = 64
    static let walSizeLimit = 64 << 20
    /// Keys the stored-key filter has room for at least (2 million: 4 MiB), so that
    /// mint's memory does not step up as a busy store fills.
    static let defaultFilterCapacity = 2_000_000
    private let filterCapacity: Int

    init(path: String, filterCapacity: Int = ReplayStore.defaultFilterCapacity) throws {
        self.filterCapacity = filterCapacity
        lockFD = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockFD >= 0 else { throw StoreError(operation: "open \(path).lock", code: errno, reason: String(cString: strerror(errno))) }
        guard flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            close(lockFD)
            throw StoreError(operation: "lock \(path).lock", code: EWOULDBLOCK,
                             reason: "another mint process is using this data folder")
        }
        do {
            writer = try SQLiteDatabase(path: path)
            try writer.execute("PRAGMA wal_autocheckpoint=0")
            try writer.execute(ReplayStore.schema)
            try ReplayStore.convertEarlierTables(writer)
            // A WAL that grew while checkpoints could not keep up is cut back to this at its next restart.
            try writer.execute("PRAGMA journal_size_limit=\(ReplayStore.walSizeLimit)")
            journals = try [0, 1].map { try ReplayJournal(path: path + ".journal-\($0)") }
            try ReplayStore.recoverJournals(journals, into: writer)
            convertedRowsLiveUntil = try writer.query("SELECT max(expires) FROM replay_claims WHERE issued = ?1",
                                                      [.int(ReplayStore.unknownIssueInstant)]) { $0.optionalInt(0) }.first.flatMap { $0 } ?? 0
            storedKeys = try ReplayStore.keyFilter(of: writer, minimumCapacity: filterCapacity)
            reader = try SQLiteDatabase(path: path)
            checkpointer = try SQLiteDatabase(path: path)
            try checkpointer.execute("PRAGMA wal_autocheckpoint=0")
        } catch {
            close(lockFD)
            throw error
        }
    }

    deinit {
        // Last one out moves what is in memory to SQLite and folds the WAL into the
        // database; the flock goes with the descriptor. (Whatever a crash leaves
        // in the journals is read back at the next open.)
        // Called directly, not through `maintenance`: nothing else holds the store
        // now, and a deinit that ran on that queue would deadlock waiting for itself.
        try? flush()
        _ = try? checkpointer.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        close(lockFD)
    }

    private func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
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

    static func entry(_ c: ReplayClaim) -> ReplayEntry {
        ReplayEntry(issued: c.issued, assertion: assertionKey(issuer: c.issuer, assertionID: c.assertionID),
                    scope: scopeKey(c.scope), expires: c.expires)
    }

    // MARK: claims

    /// Records a (issuer, assertion, scope) exchange. Returns false when it was
    /// already recorded and is still live. Scope "*" (strict) conflicts with any
    /// earlier exchange of the assertion; a role scope conflicts with the same role
    /// or with a strict entry.
    func claim(issuer: String, assertionID: String, issued: Int64, scope: String, expires: Int64, now: Int64) throws -> Bool {
        try claimAll([ReplayClaim(issuer: issuer, assertionID: assertionID, issued: issued, scope: scope, expires: expires, now: now)])[0]
    }

    /// Claims several exchanges, in order: each result is what `claim` would have
    /// answered had they run one after another (a later claim of the same assertion
    /// sees the earlier one). All or nothing: when a lookup or the journal write
    /// fails, none is recorded and the error is thrown. Check and record happen
    /// under one lock, so two racing claims of one assertion cannot both win.
    func claimAll(_ claims: [ReplayClaim]) throws -> [Bool] {
        guard !claims.isEmpty else { return [] }
        let entries = claims.map(ReplayStore.entry)
        let (results, scheduleLater) = try locked { () -> ([Bool], Bool) in
            guard brokenJournal != active else {
                scheduleImmediateFlush()
                throw StoreError(operation: "replay journal append", code: EIO, reason: "an earlier write failed; claims resume after the next flush")
            }
            guard pending.count + entries.count <= ReplayStore.maxPending else {
                throw StoreError(operation: "replay claim", code: EAGAIN, reason: "\(pending.count) claims wait for SQLite: flushes are failing or far behind")
            }
            var results: [Bool] = []
            var added: [ReplayEntry] = []
            do {
                for (claim, entry) in zip(claims, entries) {
                    let taken = try pending.conflicts(entry, now: claim.now) || flushing?.conflicts(entry, now: claim.now) == true
                        || (storedKeys.mayContain(entry.assertion) && storedConflict(entry, now: claim.now))
                    if !taken { pending.add(entry); added.append(entry) }
                    results.append(!taken)
                }
            } catch {
                for e in added { pending.remove(e) }
                throw error
            }
            do {
                try journals[active].append(added)
            } catch {
                // Not answered, so not recorded; the file may end in a partial record.
                // A flush moves claims to the other journal and empties this one.
                for e in added { pending.remove(e) }
                brokenJournal = active
                scheduleImmediateFlush()
                throw error
            }
            if pending.count >= ReplayStore.flushEvery { scheduleImmediateFlush() }
            let later = !pending.isEmpty && !delayedFlushScheduled
            if later { delayedFlushScheduled = true }
            return (results, later)
        }
        if scheduleLater {
            maintenance.asyncAfter(deadline: .now() + ReplayStore.flushDelay) { [weak self] in self?.scheduledFlush(immediate: false) }
        }
        return results
    }

    /// Parameters: ?1 issued, ?2 assertion key, ?3 scope key, ?4 now. A strict claim
    /// (scope 0) conflicts with any live entry of the assertion, a role claim with
    /// the same role's or a strict one. With converted rows live, the assertion is
    /// looked for under the unknown IssueInstant too.
    private static func lookup(strict: Bool, convertedRowsLive: Bool) -> String {
        let issued = convertedRowsLive ? "issued IN (?1, \(unknownIssueInstant))" : "issued = ?1"
        let scope = strict ? "" : " AND scope_key IN (?3, 0)"
        return "SELECT 1 FROM replay_claims WHERE \(issued) AND assertion_key = ?2\(scope) AND expires > ?4 LIMIT 1"
    }
    private static let lookups = [false, true].map { strict in
        [false, true].map { converted in lookup(strict: strict, convertedRowsLive: converted) }
    }

    /// Under `lock`.
    private func storedConflict(_ e: ReplayEntry, now: Int64) throws -> Bool {
        storedLookups += 1
        let sql = ReplayStore.lookups[e.scope == 0 ? 1 : 0][now < convertedRowsLiveUntil ? 1 : 0]
        return try !reader.query(sql, [.int(e.issued), .int(e.assertion), .int(e.scope), .int(now)]) { _ in true }.isEmpty
    }

    // MARK: flushing (on `maintenance`)

    /// Under `lock`.
    private func scheduleImmediateFlush() {
        guard !immediateFlushScheduled else { return }
        immediateFlushScheduled = true
        maintenance.async { [weak self] in self?.scheduledFlush(immediate: true) }
    }

    private func scheduledFlush(immediate: Bool) {
        lock.lock()
        if immediate { immediateFlushScheduled = false } else { delayedFlushScheduled = false }
        lock.unlock()
        try? flush()
        // Claims that came meanwhile and found a flush already scheduled are not left waiting.
        lock.lock()
        let again = !pending.isEmpty && !delayedFlushScheduled
        if again { delayedFlushScheduled = true }
        lock.unlock()
        if again {
            maintenance.asyncAfter(deadline: .now() + ReplayStore.flushDelay) { [weak self] in self?.scheduledFlush(immediate: false) }
        }
    }

    private static let upsert = "INSERT INTO replay_claims(issued, assertion_key, scope_key, expires) VALUES (?1, ?2, ?3, ?4) "
        + "ON CONFLICT(issued, assertion_key, scope_key) DO UPDATE SET expires = max(expires, excluded.expires)"

    /// Every way rows reach the table (flushes, journal recovery, conversions): an
    /// entry already there keeps the later expiry. The caller holds the transaction.
    private static func store(_ entries: [ReplayEntry], into db: SQLiteDatabase) throws {
        for e in entries { try db.run(upsert, [.int(e.issued), .int(e.assertion), .int(e.scope), .int(e.expires)]) }
    }

    /// Moves the pending claims into SQLite and empties their journal. A failed
    /// flush keeps them (in memory, consulted by claims, and in their journal) and
    /// the next flush retries them first.
    private func flush() throws {
        let taken = try locked { () -> (batch: [ReplayEntry], journal: Int)? in
            if flushing == nil {
                // A fenced journal is left even with nothing to flush, so claims resume.
                guard !pending.isEmpty || brokenJournal == active else { return nil }
                flushing = pending
                pending = PendingClaims()
                active = 1 - active
            }
            return (flushing!.entries, 1 - active)
        }
        guard let (batch, journal) = taken else { return }
        // Sorted, neighbouring rows share pages: each page is written once per flush.
        let sorted = batch.sorted { ($0.issued, $0.assertion, $0.scope) < ($1.issued, $1.assertion, $1.scope) }
        if !sorted.isEmpty {
            try writer.transaction { try ReplayStore.store(sorted, into: writer) }
        }
        // In SQLite now; if emptying the journal fails its records are merely read
        // again at the next open — but a journal ending in a partial record stays
        // refused, since records appended after it could not be read back.
        let emptied = (try? journals[journal].truncate()) != nil
        lock.lock()
        for e in batch { storedKeys.add(e.assertion) }   // before `flushing` stops answering for them
        flushing = nil
        if emptied && brokenJournal == journal { brokenJournal = nil }
        lock.unlock()
        try rebuildKeyFilterIfOverfull()
        claimsSinceCheckpoint += batch.count
        if claimsSinceCheckpoint >= ReplayStore.checkpointEvery {
            claimsSinceCheckpoint = 0
            checkpointRounds += 1
            try? foldWAL(restart: checkpointRounds % ReplayStore.restartEveryRounds == 0)
        }
    }

    private func foldWAL(restart: Bool) throws {
        // Catch up beside the lookups: each pass copies and syncs what was there when
        // it began, so the frames left for the locked pass shrink to a few.
        for _ in 0..<ReplayStore.catchUpPasses {
            guard try passiveCheckpoint() > ReplayStore.lockedPassFrames else { break }
        }
        guard restart else { return }
        // With the claim lock held no lookup is reading the WAL and (on this queue)
        // no flush is writing, so RESTART does not wait in SQLite's busy handler
        // (which sleeps in steps of milliseconds).
        try locked { try checkpointer.execute("PRAGMA wal_checkpoint(RESTART)") }
    }

    /// One PASSIVE checkpoint; returns the WAL frames it left un-copied.
    private func passiveCheckpoint() throws -> Int64 {
        let rows = try checkpointer.query("PRAGMA wal_checkpoint(PASSIVE)") { ($0.int(1), $0.int(2)) }
        guard let (log, copied) = rows.first, log >= 0, copied >= 0 else { return 0 }
        return log - copied
    }

    /// Flushes and runs a full checkpoint round now, and waits for them (tests).
    func checkpoint() throws {
        try maintenance.sync {
            try flush()
            try foldWAL(restart: true)
        }
    }

    /// Claims waiting in memory for their flush (tests).
    var pendingCount: Int { lock.lock(); defer { lock.unlock() }; return pending.count + (flushing?.count ?? 0) }

    // MARK: purging

    /// Rows one purge step deletes (a short write transaction each).
    static let purgeChunk = 500

    private static let purgeStep = "DELETE FROM replay_claims WHERE (issued, assertion_key, scope_key) IN "
        + "(SELECT issued, assertion_key, scope_key FROM replay_claims WHERE expires <= ?1 ORDER BY expires LIMIT \(purgeChunk))"

    /// Flushes, then deletes the entries expired at `now`, in chunks; returns how
    /// many. Lookups go on meanwhile (they read beside the writer).
    @discardableResult
    func purge(now: Int64) throws -> Int {
        try maintenance.sync { try purgeOnQueue(now: now) }
    }

    /// The same on the maintenance thread, not waited for (the request path's way:
    /// purges stay serial with flushes and with one another).
    func purgeInBackground(now: Int64) {
        maintenance.async { [weak self] in _ = try? self?.purgeOnQueue(now: now) }
    }

    private func purgeOnQueue(now: Int64) throws -> Int {
        try flush()
        var total = 0
        while true {
            let n = try writer.run(ReplayStore.purgeStep, [.int(now)])
            total += n
            if n < ReplayStore.purgeChunk { break }
        }
        try rebuildKeyFilterIfOverfull()
        return total
    }

    // MARK: the stored-key filter

    /// A filter holding every assertion key in the table, with room for half as many
    /// again (and at least `minimumCapacity`).
    private static func keyFilter(of db: SQLiteDatabase, minimumCapacity: Int) throws -> StoredKeyFilter {
        let rows = try db.query("SELECT count(*) FROM replay_claims") { $0.int(0) }.first ?? 0
        var filter = StoredKeyFilter(capacity: max(minimumCapacity, Int(rows) + Int(rows) / 2))
        _ = try db.query("SELECT assertion_key FROM replay_claims") { filter.add($0.int(0)) }
        return filter
    }

    /// On `maintenance`, the only place rows are written, so no key can reach the
    /// table between the scan and the swap. (Claims meanwhile are in memory.)
    private func rebuildKeyFilterIfOverfull() throws {
        guard try locked({ storedKeys.isOverfull }) else { return }
        let fresh = try ReplayStore.keyFilter(of: writer, minimumCapacity: filterCapacity)
        try locked { storedKeys = fresh }
    }

    /// Keys added to the filter since it was last built (tests).
    var filterAdded: Int { lock.lock(); defer { lock.unlock() }; return storedKeys.added }

    // MARK: earlier versions

    /// Takes over live entries from the store's old replay table (data folders from
    /// before replay.sqlite3), keeping the later expiry when both have an entry.
    func adopt(_ rows: [ReplayRow]) throws {
        guard !rows.isEmpty else { return }
        let keys = rows.map { ReplayStore.assertionKey(issuer: $0.issuer, assertionID: $0.assertionID) }
        try maintenance.sync {
            // In the filter before the table, so no claim can miss them meanwhile.
            try locked { for k in keys { storedKeys.add(k) } }
            try writer.transaction {
                try ReplayStore.store(zip(rows, keys).map { ReplayStore.converted($1, ReplayStore.scopeKey($0.scope), $0.expires) }, into: writer)
            }
        }
        try locked { convertedRowsLiveUntil = max(convertedRowsLiveUntil, rows.map(\.expires).max() ?? 0) }
    }

    /// A row of an earlier layout, which had no IssueInstant: filed under `unknownIssueInstant`.
    private static func converted(_ assertion: Int64, _ scope: Int64, _ expires: Int64) -> ReplayEntry {
        ReplayEntry(issued: unknownIssueInstant, assertion: assertion, scope: scope, expires: expires)
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
                    converted(assertionKey(issuer: $0.text(0), assertionID: $0.text(1)), scopeKey($0.text(2)), $0.int(3))
                }
                try store(rows, into: db)
                try db.execute("DROP TABLE replay")
            }
            if tables.contains("replay_keys") {
                let rows = try db.query("SELECT assertion_key, scope_key, expires FROM replay_keys") { converted($0.int(0), $0.int(1), $0.int(2)) }
                try store(rows, into: db)
                try db.execute("DROP TABLE replay_keys")
            }
        }
    }

    /// Claims a stopped mint left in its journals (answered, not yet flushed) go
    /// into SQLite before anything else, then the journals are emptied.
    private static func recoverJournals(_ journals: [ReplayJournal], into db: SQLiteDatabase) throws {
        let entries = try journals.flatMap { try $0.readAll() }
        if !entries.isEmpty {
            try db.transaction { try store(entries, into: db) }
        }
        for j in journals { try j.truncate() }
    }
}

/// Claims held in memory between flushes, looked up by assertion (issued and key).
struct PendingClaims {
    private struct Assertion: Hashable { var issued: Int64; var key: Int64 }
    private var byAssertion: [Assertion: [(scope: Int64, expires: Int64)]] = [:]
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    /// Whether a live entry stands in the way of `e` (see `ReplayStore.claim`).
    func conflicts(_ e: ReplayEntry, now: Int64) -> Bool {
        guard let scopes = byAssertion[Assertion(issued: e.issued, key: e.assertion)] else { return false }
        return scopes.contains { $0.expires > now && (e.scope == 0 || $0.scope == e.scope || $0.scope == 0) }
    }

    mutating func add(_ e: ReplayEntry) {
        let a = Assertion(issued: e.issued, key: e.assertion)
        if let i = byAssertion[a]?.firstIndex(where: { $0.scope == e.scope }) {
            byAssertion[a]![i].expires = max(byAssertion[a]![i].expires, e.expires)
        } else {
            byAssertion[a, default: []].append((e.scope, e.expires))
            count += 1
        }
    }

    mutating func remove(_ e: ReplayEntry) {
        let a = Assertion(issued: e.issued, key: e.assertion)
        guard var scopes = byAssertion[a], let i = scopes.firstIndex(where: { $0.scope == e.scope }) else { return }
        scopes.remove(at: i)
        count -= 1
        byAssertion[a] = scopes.isEmpty ? nil : scopes
    }

    var entries: [ReplayEntry] {
        byAssertion.flatMap { a, scopes in scopes.map { ReplayEntry(issued: a.issued, assertion: a.key, scope: $0.scope, expires: $0.expires) } }
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
