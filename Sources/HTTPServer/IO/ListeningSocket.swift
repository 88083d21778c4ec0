import Glibc

/// The bound, listening, non-blocking TCP socket.
struct ListeningSocket {
    let fd: Int32
    let port: Int

    /// Numeric addresses only: the listener address is configuration, and resolving a
    /// name at start-up would make what we bind depend on DNS.
    static func open(host: String, port: Int, backlog: Int32 = 1024) throws -> ListeningSocket {
        var storage = sockaddr_storage()
        let length: socklen_t
        let family: Int32
        var v4 = in_addr(), v6 = in6_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            family = AF_INET
            withUnsafeMutableBytes(of: &storage) { raw in
                let sin = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                sin.pointee.sin_family = sa_family_t(AF_INET)
                sin.pointee.sin_port = in_port_t(UInt16(port).bigEndian)
                sin.pointee.sin_addr = v4
            }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        } else if inet_pton(AF_INET6, host, &v6) == 1 {
            family = AF_INET6
            withUnsafeMutableBytes(of: &storage) { raw in
                let sin6 = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                sin6.pointee.sin6_port = in_port_t(UInt16(port).bigEndian)
                sin6.pointee.sin6_addr = v6
            }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            throw HTTPServerError.invalidHost(host)
        }

        let fd = socket(family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw HTTPServerError.systemCallFailed(call: "socket", errno: errno) }
        var one: Int32 = 1
        // SO_REUSEADDR only (not SO_REUSEPORT): a second server on a busy port must fail, not share it.
        guard setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            let e = errno
            close(fd)
            throw HTTPServerError.systemCallFailed(call: "setsockopt(SO_REUSEADDR)", errno: e)
        }
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            let e = errno
            close(fd)
            throw HTTPServerError.bindFailed(host: host, port: port, errno: e)
        }
        guard listen(fd, backlog) == 0 else {
            let e = errno
            close(fd)
            throw HTTPServerError.systemCallFailed(call: "listen", errno: e)
        }
        var actual = sockaddr_storage()
        var actualLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &actual) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &actualLength) }
        }
        return ListeningSocket(fd: fd, port: socketPort(actual))
    }
}

func socketPort(_ storage: sockaddr_storage) -> Int {
    var s = storage
    return withUnsafeBytes(of: &s) { raw in
        if Int32(storage.ss_family) == AF_INET6 {
            return Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
        }
        return Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
    }
}

/// "127.0.0.1" / "::1" for an accepted peer.
func socketAddressString(_ storage: sockaddr_storage) -> String {
    var s = storage
    var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
    let ok: Bool = withUnsafeBytes(of: &s) { raw in
        if Int32(storage.ss_family) == AF_INET6 {
            var a = raw.load(as: sockaddr_in6.self).sin6_addr
            return inet_ntop(AF_INET6, &a, &text, socklen_t(text.count)) != nil
        }
        var a = raw.load(as: sockaddr_in.self).sin_addr
        return inet_ntop(AF_INET, &a, &text, socklen_t(text.count)) != nil
    }
    return ok ? String(cString: text) : "unknown"
}
