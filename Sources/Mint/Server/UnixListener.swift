// The Unix socket mint listens on: bound by mint (mode 0600, a stale file
// unlinked first), or handed over by systemd socket activation (LISTEN_FDS=1 and
// LISTEN_PID == our pid: fd 3), which is how deploy/ gives gate's user access.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

enum UnixListener {
    /// fd 3 when systemd passed exactly one socket to this process; nil when it
    /// passed none (or the variables were meant for another process). What it passed
    /// must be a listening Unix stream socket: anything else is a unit-file mistake,
    /// reported at startup rather than as failed connections later.
    static func activatedDescriptor() throws -> Int32? {
        let env = ProcessInfo.processInfo.environment
        guard let count = env["LISTEN_FDS"], let pid = env["LISTEN_PID"].flatMap({ Int32($0) }), pid == getpid() else { return nil }
        guard count == "1" else {
            throw MintStartupError("socket activation passed LISTEN_FDS=\(count.prefix(8)) sockets; mint takes exactly one (its Unix socket)")
        }
        let fd: Int32 = 3
        var type: Int32 = 0, listening: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        var address = sockaddr_storage()
        var addressLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let isUnixListener = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) == 0 && type == Int32(SOCK_STREAM.rawValue)
            && getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0 && listening == 1
            && withUnsafeMutablePointer(to: &address, {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &addressLength) }
            }) == 0 && address.ss_family == sa_family_t(AF_UNIX)
        guard isUnixListener else {
            throw MintStartupError("socket activation: fd 3 is not a listening Unix stream socket (check ListenStream= in broker-mint.socket)")
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        return fd
    }

    static func bind(path: String) throws -> Int32 {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard path.utf8.count < capacity else { throw MintStartupError("socket path \(path) is longer than \(capacity - 1) bytes") }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw MintStartupError("socket(): \(String(cString: strerror(errno)))") }
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in
            for (i, b) in path.utf8.enumerated() { buf[i] = b }
            buf[path.utf8.count] = 0
        }
        // Only a socket may be replaced: never unlink an unrelated file at that path.
        var st = stat()
        if lstat(path, &st) == 0 {
            guard st.st_mode & S_IFMT == S_IFSOCK else {
                close(fd); throw MintStartupError("\(path) exists and is not a socket")
            }
            unlink(path)
        }
        // Created with no permissions for anyone else, then set to 0600 explicitly.
        let oldMask = umask(0o177)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(oldMask)
        guard rc == 0 else {
            let why = String(cString: strerror(errno)); close(fd)
            throw MintStartupError("bind \(path): \(why)")
        }
        chmod(path, 0o600)
        guard listen(fd, 128) == 0 else {
            let why = String(cString: strerror(errno)); close(fd)
            throw MintStartupError("listen \(path): \(why)")
        }
        return fd
    }

    /// The connecting process's uid (SO_PEERCRED), nil if it cannot be read.
    static func peerUID(_ fd: Int32) -> UInt32? {
        // struct ucred {pid_t pid; uid_t uid; gid_t gid;} (Glibc hides it behind _GNU_SOURCE).
        var cred: (Int32, UInt32, UInt32) = (0, 0, 0)
        var len = socklen_t(MemoryLayout<(Int32, UInt32, UInt32)>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0, len == 12 else { return nil }
        return cred.1
    }
}
