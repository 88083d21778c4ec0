// Files that hold secrets: created 0600 inside 0700 directories, written whole
// (temp file + rename) so a crash never leaves half a key behind.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum PrivateFiles {
    static func ensureDirectory(_ path: String, mode: mode_t = 0o700) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw MintStartupError("\(path) exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: NSNumber(value: mode)])
        } catch {
            throw MintStartupError("cannot create directory \(path): \(error.localizedDescription)")
        }
    }

    static func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(data: data, encoding: .utf8)
    }

    /// Writes `text` to `path` with mode 0600, replacing any previous file atomically.
    static func write(_ path: String, _ text: String) throws {
        let tmp = path + ".tmp.\(getpid())"
        unlink(tmp)
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw MintStartupError("cannot create \(tmp): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                close(fd); unlink(tmp)
                throw MintStartupError("cannot write \(tmp): \(String(cString: strerror(errno)))")
            }
            off += n
        }
        fsync(fd)
        close(fd)
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw MintStartupError("cannot rename \(tmp) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}
