// The append-only audit log: one JSON line per event, each carrying the SHA-256 of
// the line before it ("brokerPrevHash"), so deleting or editing a line breaks the
// chain visibly.
//
// Request threads only build their line and queue it; one writer thread chains and
// writes whole batches with a single write(2) on an O_APPEND descriptor. At 30k
// events/s a write per line was a tenth of mint's CPU. The writer collects for at
// most `batchMillis` after the first queued line, so a crash loses at most the last
// few milliseconds of events (no fsync per line, as before: the OS flushes);
// `flush()` (shutdown, tests) drains synchronously. Lines are never reordered.
import AWSAuth
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class AuditLog {
    static let genesisHash = String(repeating: "0", count: 64)
    static let maxLine = 64 * 1024
    /// Longest a queued line waits before it is written. Each batch costs the writer
    /// a wakeup, a timed wait and a context switch (futex traffic that showed up in
    /// mint's profile under AssumeRoleWithSAML load); at 2 ms a batch held ~3 lines,
    /// at 10 ms it holds tens, and the crash window stays a hundredth of a second.
    static let batchMillis = 10

    let path: String
    private let writer: AuditWriter

    init(path: String) throws {
        self.path = path
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw MintStartupError("cannot open audit log \(path): \(String(cString: strerror(errno)))") }
        writer = AuditWriter(fd: fd, previousHash: AuditLog.lastLineHash(path: path) ?? AuditLog.genesisHash)
        writer.start()
    }

    /// Writes what is queued, then stops the writer and closes the file.
    deinit { writer.stop() }

    /// Hash of the last complete line already in the file (chain continues across restarts).
    static func lastLineHash(path: String) -> String? {
        guard let h = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? h.close() }
        let size = (try? h.seekToEnd()) ?? 0
        guard size > 0 else { return nil }
        let window = UInt64(2 * maxLine)
        try? h.seek(toOffset: size > window ? size - window : 0)
        guard let data = try? h.readToEnd() else { return nil }
        var bytes = [UInt8](data)
        guard bytes.last == 0x0A else { return nil }
        bytes.removeLast()
        let start = (bytes.lastIndex(of: 0x0A).map { $0 + 1 }) ?? 0
        return Crypto.sha256Hex(Array(bytes[start...]))
    }

    /// Room left for `,"brokerPrevHash":"<64 hex>"}` after the event's own fields.
    private static let chainSuffixBytes = 90

    func append(_ event: AuditEvent) {
        var body = event.json(eventID: AuditLog.newEventID()).bytes
        if body.count + AuditLog.chainSuffixBytes > AuditLog.maxLine {
            // Caps make this unreachable in practice; keep the chain intact regardless.
            var small = JSONText()
            small.string("eventTime", ISO8601.format(event.eventTime))
            small.string("eventName", event.eventName)
            small.string("brokerError", "event too large to log")
            body = small.bytes
        }
        writer.enqueue(body)
    }

    /// Returns once every event appended before the call is in the file.
    func flush() { writer.flush() }

    /// A random (version 4) UUID in lower case, from OpenSSL's DRBG: Foundation's
    /// UUID() opened /dev/urandom on every call.
    static func newEventID() -> String {
        var r = Crypto.randomBytes(16)
        r[6] = (r[6] & 0x0f) | 0x40
        r[8] = (r[8] & 0x3f) | 0x80
        var out: [UInt8] = []
        out.reserveCapacity(36)
        for (i, b) in r.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            Crypto.appendHex([b], to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The queue and the thread that drains it. Kept apart from AuditLog so the thread
/// does not keep the log alive: AuditLog's deinit stops it.
private final class AuditWriter: @unchecked Sendable {
    private let fd: Int32
    /// Only the writer thread touches this after start().
    private var previousHash: [UInt8]

    private var mutex = pthread_mutex_t()
    /// Signalled when work arrives for an idle writer, on flush and on stop.
    private var work = pthread_cond_t()
    /// Broadcast after every batch written and when the thread exits.
    private var done = pthread_cond_t()
    private var queue: [[UInt8]] = []
    private var enqueued: UInt64 = 0
    private var written: UInt64 = 0
    private var idle = false
    private var flushWanted = false
    private var stopping = false
    private var exited = false

    init(fd: Int32, previousHash: String) {
        self.fd = fd
        self.previousHash = Array(previousHash.utf8)
        pthread_mutex_init(&mutex, nil)
        var attr = pthread_condattr_t()
        pthread_condattr_init(&attr)
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)
        pthread_cond_init(&work, &attr)
        pthread_cond_init(&done, &attr)
        pthread_condattr_destroy(&attr)
    }

    deinit {
        pthread_cond_destroy(&work)
        pthread_cond_destroy(&done)
        pthread_mutex_destroy(&mutex)
    }

    func start() {
        let t = Thread { [self] in self.run() }
        t.name = "mint-audit"
        t.stackSize = 256 * 1024
        t.start()
    }

    func enqueue(_ body: [UInt8]) {
        pthread_mutex_lock(&mutex)
        queue.append(body)
        enqueued += 1
        // Only an idle writer needs waking; a busy one picks the line up with its batch.
        if idle { idle = false; pthread_cond_signal(&work) }
        pthread_mutex_unlock(&mutex)
    }

    func flush() {
        pthread_mutex_lock(&mutex)
        let target = enqueued
        while written < target && !exited {
            flushWanted = true
            pthread_cond_signal(&work)
            pthread_cond_wait(&done, &mutex)
        }
        pthread_mutex_unlock(&mutex)
    }

    func stop() {
        pthread_mutex_lock(&mutex)
        stopping = true
        pthread_cond_signal(&work)
        while !exited { pthread_cond_wait(&done, &mutex) }
        pthread_mutex_unlock(&mutex)
        close(fd)
    }

    private func run() {
        var batch: [[UInt8]] = []
        var buffer: [UInt8] = []
        pthread_mutex_lock(&mutex)
        while true {
            while queue.isEmpty && !stopping {
                idle = true
                pthread_cond_wait(&work, &mutex)
            }
            idle = false
            if queue.isEmpty && stopping { break }
            if !flushWanted && !stopping {
                // Let a batch build up, bounded: this is the most a crash can lose.
                var deadline = timespec()
                clock_gettime(CLOCK_MONOTONIC, &deadline)
                deadline.tv_nsec += AuditLog.batchMillis * 1_000_000
                if deadline.tv_nsec >= 1_000_000_000 { deadline.tv_sec += 1; deadline.tv_nsec -= 1_000_000_000 }
                while !flushWanted && !stopping {
                    if pthread_cond_timedwait(&work, &mutex, &deadline) == ETIMEDOUT { break }
                }
            }
            flushWanted = false
            swap(&batch, &queue)
            pthread_mutex_unlock(&mutex)

            buffer.removeAll(keepingCapacity: true)
            for body in batch { chain(body, into: &buffer) }
            writeAll(buffer)
            let count = UInt64(batch.count)
            batch.removeAll(keepingCapacity: true)

            pthread_mutex_lock(&mutex)
            written += count
            pthread_cond_broadcast(&done)
        }
        exited = true
        pthread_cond_broadcast(&done)
        pthread_mutex_unlock(&mutex)
    }

    /// Appends `body,"brokerPrevHash":"<previous>"}\n` and advances the chain.
    private func chain(_ body: [UInt8], into buffer: inout [UInt8]) {
        let start = buffer.count
        buffer.append(contentsOf: body)
        if body.count > 1 { buffer.append(UInt8(ascii: ",")) }
        buffer.append(contentsOf: "\"brokerPrevHash\":\"".utf8)
        buffer.append(contentsOf: previousHash)
        buffer.append(contentsOf: "\"}".utf8)
        let line = Array(buffer[start...])
        previousHash.removeAll(keepingCapacity: true)
        Crypto.appendHex(Crypto.sha256(line), to: &previousHash)
        buffer.append(0x0A)
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buf in
            guard let base = buf.baseAddress else { return }
            var off = 0
            while off < buf.count {
                let n = write(fd, base + off, buf.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                off += n
            }
        }
    }
}
