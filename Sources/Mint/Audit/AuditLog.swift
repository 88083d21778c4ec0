// The append-only audit log: one JSON line per event, each carrying the SHA-256 of
// the line before it ("brokerPrevHash"), so deleting or editing a line breaks the
// chain visibly. One write(2) per line on an O_APPEND descriptor keeps lines whole;
// no fsync per line (the OS flushes; a crash may lose the last lines, not reorder them).
import AWSAuth
import Foundation
#if canImport(Glibc)
import Glibc
#endif

final class AuditLog {
    static let genesisHash = String(repeating: "0", count: 64)
    static let maxLine = 64 * 1024

    private let fd: Int32
    private let lock = NSLock()
    private var previousHash: String
    let path: String

    init(path: String) throws {
        self.path = path
        fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw MintStartupError("cannot open audit log \(path): \(String(cString: strerror(errno)))") }
        previousHash = AuditLog.lastLineHash(path: path) ?? AuditLog.genesisHash
    }

    deinit { close(fd) }

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

    func append(_ event: AuditEvent) {
        var json = event.json(eventID: UUID().uuidString.lowercased())
        lock.lock(); defer { lock.unlock() }
        json.string("brokerPrevHash", previousHash)
        var line = Array(json.finished.utf8)
        if line.count > AuditLog.maxLine {
            // Caps make this unreachable in practice; keep the chain intact regardless.
            var small = JSONText()
            small.string("eventTime", ISO8601.format(event.eventTime))
            small.string("eventName", event.eventName)
            small.string("brokerError", "event too large to log")
            small.string("brokerPrevHash", previousHash)
            line = Array(small.finished.utf8)
        }
        previousHash = Crypto.sha256Hex(line)
        line.append(0x0A)
        line.withUnsafeBytes { buf in
            var off = 0
            while off < buf.count {
                let n = write(fd, buf.baseAddress! + off, buf.count - off)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                off += n
            }
        }
    }
}
