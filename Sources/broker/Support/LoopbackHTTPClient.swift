// A minimal blocking HTTP/1.1 client for the admin CLI and the benchmark: one
// keep-alive connection, Content-Length bodies only (that is all gate sends).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

func connectTCP(fd: Int32, host: String, port: Int) -> Bool {
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var res: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, String(port), &hints, &res) == 0, let ai = res else { return false }
    defer { freeaddrinfo(res) }
    return connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) == 0
}

struct HTTPClientError: Error, CustomStringConvertible { let description: String }

final class LoopbackHTTPClient {
    let host: String
    let port: Int
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []

    init(host: String, port: Int) { self.host = host; self.port = port }
    deinit { if fd >= 0 { close(fd) } }

    /// Parses "http://host:port".
    convenience init(url: String) throws {
        guard url.hasPrefix("http://") else { throw HTTPClientError(description: "only http:// endpoints are supported here: \(url)") }
        var rest = url.dropFirst(7)
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        let (h, p) = try parseListen(rest.contains(":") ? String(rest) : String(rest) + ":80")
        self.init(host: h, port: p)
    }

    private func ensureConnected() throws {
        if fd >= 0 { return }
        fd = socket(host.contains(":") ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        guard connectTCP(fd: fd, host: host, port: port) else {
            close(fd); fd = -1
            throw HTTPClientError(description: "cannot connect to \(host):\(port) — is the broker running (broker up)?")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    func request(method: String, path: String, headers: [(String, String)], body: [UInt8]) throws -> (status: Int, body: [UInt8]) {
        try ensureConnected()
        var head = "\(method) \(path) HTTP/1.1\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "Content-Length: \(body.count)\r\n\r\n"
        let out = Array(head.utf8) + body
        var off = 0
        while off < out.count {
            let n = out[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { close(fd); fd = -1; throw HTTPClientError(description: "connection lost while sending") }
            off += n
        }
        return try readResponse()
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { close(fd); fd = -1; throw HTTPClientError(description: "connection closed by the broker") }
        buffer += chunk[0..<n]
    }

    private func readResponse() throws -> (status: Int, body: [UInt8]) {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int?
        while headerEnd == nil {
            if buffer.count >= 4 {
                for i in 0...(buffer.count - 4) where buffer[i] == 13 && Array(buffer[i..<i + 4]) == terminator { headerEnd = i; break }
            }
            if headerEnd == nil { try fill() }
        }
        let head = String(decoding: buffer[0..<headerEnd!], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else { throw HTTPClientError(description: "bad status line") }
        var length = 0
        var close = false
        for l in lines.dropFirst() {
            let lower = l.lowercased()
            if lower.hasPrefix("content-length:") { length = Int(lower.dropFirst(15).trimmingCharacters(in: .whitespaces)) ?? 0 }
            if lower.hasPrefix("connection:") && lower.contains("close") { close = true }
        }
        let start = headerEnd! + 4
        while buffer.count < start + length { try fill() }
        let body = Array(buffer[start..<start + length])
        buffer.removeFirst(start + length)
        if close, fd >= 0 { Glibc.close(fd); fd = -1 }
        return (status, body)
    }
}
