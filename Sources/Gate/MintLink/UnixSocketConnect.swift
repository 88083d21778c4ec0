#if canImport(Glibc)
import Glibc
#endif

/// A Unix stream socket connected to `path` (close-on-exec; non-blocking when
/// asked). A Unix stream connect completes at once or fails — EAGAIN when mint's
/// listen backlog is full — so even a non-blocking socket is connected on return.
func connectUnixSocket(path socketPath: String, nonBlocking: Bool) throws -> Int32 {
    var type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    if nonBlocking { type |= Int32(SOCK_NONBLOCK.rawValue) }
    let s = socket(AF_UNIX, type, 0)
    guard s >= 0 else { throw MintLinkError.unavailable("socket: errno \(errno)") }
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    let path = Array(socketPath.utf8)
    guard path.count < MemoryLayout.size(ofValue: addr.sun_path) else {
        close(s); throw MintLinkError.unavailable("socket path too long")
    }
    withUnsafeMutableBytes(of: &addr.sun_path) { buf in
        for (i, b) in path.enumerated() { buf[i] = b }
        buf[path.count] = 0
    }
    let r = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(s, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard r == 0 else {
        let e = errno
        close(s)
        throw MintLinkError.unavailable("connect \(socketPath): \(String(cString: strerror(e)))")
    }
    return s
}
