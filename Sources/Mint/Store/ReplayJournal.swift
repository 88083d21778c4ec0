// The replay cache's claim journal: an append-only file of fixed 40-byte records
// (issued, assertion key, scope key, expires, check word), written before a claim
// is answered and emptied once its records are in SQLite. It is what makes a
// claim durable between two of ReplayStore's bulk flushes: one write(2) per batch
// of claims, in place of a SQLite commit that rewrote a 4 KiB page per claim.
// Durability is that of the WAL it stands in for (synchronous=NORMAL): the write
// reaches the kernel before the answer, so a mint crash loses nothing; no fsync.
#if canImport(Glibc)
import Glibc
#endif

/// One replay-cache entry, as stored: the assertion's IssueInstant, the hashed
/// assertion (issuer and ID) and scope (role, 0 for strict), and the expiry.
struct ReplayEntry: Hashable {
    var issued: Int64
    var assertion: Int64
    var scope: Int64
    var expires: Int64
}

final class ReplayJournal {
    static let recordSize = 40
    private let fd: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StoreError(operation: "open \(path)", code: errno, reason: String(cString: strerror(errno))) }
    }

    deinit { close(fd) }

    /// Appends the entries in one write; throws unless all of it was written.
    func append(_ entries: [ReplayEntry]) throws {
        guard !entries.isEmpty else { return }
        var bytes = [UInt8]()
        bytes.reserveCapacity(entries.count * ReplayJournal.recordSize)
        for e in entries { ReplayJournal.encode(e, into: &bytes) }
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else {
            let code = written < 0 ? errno : EIO
            // A short write leaves a partial record, which reading drops; later
            // records would sit behind it, so the file is not appended to again
            // before it is emptied (the store refuses claims until a flush succeeds).
            throw StoreError(operation: "replay journal append", code: code, reason: written < 0 ? String(cString: strerror(code)) : "short write")
        }
    }

    /// Every whole, intact record from the start; reading stops at the first torn or
    /// corrupt one (a crash mid-write, or blocks the file system never filled).
    func readAll() throws -> [ReplayEntry] {
        var entries: [ReplayEntry] = []
        var buffer = [UInt8](repeating: 0, count: 64 * ReplayJournal.recordSize)
        var pending: [UInt8] = []
        var offset: off_t = 0
        while true {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError(operation: "read \(path)", code: errno, reason: String(cString: strerror(errno)))
            }
            if n == 0 { return entries }
            offset += off_t(n)
            pending.append(contentsOf: buffer[0..<n])
            var start = 0
            while pending.count - start >= ReplayJournal.recordSize {
                guard let e = ReplayJournal.decode(pending[start ..< start + ReplayJournal.recordSize]) else { return entries }
                entries.append(e)
                start += ReplayJournal.recordSize
            }
            pending.removeFirst(start)
        }
    }

    func truncate() throws {
        guard ftruncate(fd, 0) == 0 else { throw StoreError(operation: "truncate \(path)", code: errno, reason: String(cString: strerror(errno))) }
    }

    /// Five little-endian words: issued, assertion, scope, expires, check. (Runs
    /// under the claim lock, so no per-record arrays.)
    static func encode(_ e: ReplayEntry, into bytes: inout [UInt8]) {
        func word(_ v: Int64) { withUnsafeBytes(of: UInt64(bitPattern: v).littleEndian) { bytes.append(contentsOf: $0) } }
        word(e.issued); word(e.assertion); word(e.scope); word(e.expires); word(check(e))
    }

    static func decode(_ record: ArraySlice<UInt8>) -> ReplayEntry? {
        func word(_ n: Int) -> Int64 {
            let start = record.startIndex + 8 * n
            return Int64(bitPattern: (0..<8).reduce(UInt64(0)) { $0 | UInt64(record[start + $1]) << (8 * $1) })
        }
        let e = ReplayEntry(issued: word(0), assertion: word(1), scope: word(2), expires: word(3))
        return check(e) == word(4) ? e : nil
    }

    /// FNV-1a over the four words' bytes, from a non-zero basis: a record of zeros,
    /// or one with a word torn, does not match. (Corruption detection, not
    /// authentication: anyone who can write this file can also write the database.)
    static func check(_ e: ReplayEntry) -> Int64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ v: Int64) {
            var x = UInt64(bitPattern: v)
            for _ in 0..<8 {
                h = (h ^ (x & 0xFF)) &* 0x0000_0100_0000_01B3
                x >>= 8
            }
        }
        mix(e.issued); mix(e.assertion); mix(e.scope); mix(e.expires)
        return Int64(bitPattern: h)
    }
}
