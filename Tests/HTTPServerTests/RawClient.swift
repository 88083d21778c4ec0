import Foundation
import Glibc
import XCTest
@testable import HTTPServer

/// A deliberately dumb blocking TCP client, so tests send exactly the bytes they mean
/// (no client library would send the malformed requests these tests need).
final class RawClient {
    struct Response {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    enum ClientError: Error { case connectFailed(Int32), closed, malformed(String) }

    let fd: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        // A safety net so a server bug fails the test instead of hanging it; no assertion depends on it.
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw ClientError.connectFailed(e)
        }
    }

    deinit { close(fd) }

    @discardableResult
    func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    @discardableResult
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// Reads more bytes into the buffer; false at EOF, reset or timeout.
    private func fill() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    /// Reads one response framed by Content-Length (the server always sends one, except for 1xx/204/304).
    func readResponse(skipBody: Bool = false) throws -> Response {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var headEnd: Int?
        while headEnd == nil {
            if let i = indexOf(terminator) { headEnd = i; break }
            guard fill() else { throw ClientError.closed }
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        buffer.removeFirst(headEnd! + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, statusLine[0] == "HTTP/1.1", let status = Int(statusLine[1]) else {
            throw ClientError.malformed(head)
        }
        let headers: [(String, String)] = lines.map { line in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts.count > 1 ? String(parts[1]).trimmingCharacters(in: .whitespaces) : "")
        }
        var response = Response(status: status, headers: headers, body: [])
        if status >= 200, !skipBody, let length = response.header("Content-Length").flatMap(Int.init) {
            while buffer.count < length { guard fill() else { throw ClientError.closed } }
            response.body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        }
        return response
    }

    /// True if the server closed the connection (EOF or reset) with nothing more to read.
    func isClosedByServer() -> Bool {
        if !buffer.isEmpty { return false }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, 0)
        if n > 0 { buffer.append(byte); return false }
        return n == 0 || errno == ECONNRESET
    }

    /// Waits (up to `seconds`) for something to read or the connection to close.
    func waitReadable(seconds: Double) -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&p, 1, Int32(seconds * 1000)) > 0
    }

    private func indexOf(_ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        for i in 0...(buffer.count - needle.count) where buffer[i] == needle[0] && Array(buffer[i..<(i + needle.count)]) == needle {
            return i
        }
        return nil
    }
}

/// Starts servers on ephemeral loopback ports and stops every one of them in tearDown.
class ServerTestCase: XCTestCase {
    private var servers: [HTTPServer] = []
    let handled = Counter()

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var paths: [String] = []
        func record(_ path: String) { lock.lock(); paths.append(path); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return paths }
    }

    override func tearDown() {
        for server in servers { server.shutdown(gracePeriodSeconds: 0) }
        servers = []
        super.tearDown()
    }

    /// Echo handler: body "<method> <path> <query> <bodylength> w<worker>"; header X-Body echoes the body.
    func startServer(configure: (inout HTTPServerConfiguration) -> Void = { _ in },
                     handler: ((HTTPRequest) -> HTTPResponse)? = nil) throws -> HTTPServer {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.workerCount = 2
        configure(&configuration)
        let counter = handled
        let server = HTTPServer(configuration: configuration, handler: handler ?? { request in
            counter.record(request.path)
            let text = "\(request.method) \(request.path) \(request.rawQuery) \(request.body.count) w\(request.workerIndex)"
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array(text.utf8))
        }, errorResponse: { status, message in
            HTTPResponse(status: status, headers: [("X-Server-Error", "1")], body: Array(message.utf8), closeConnection: true)
        })
        try server.start()
        servers.append(server)
        return server
    }
}
