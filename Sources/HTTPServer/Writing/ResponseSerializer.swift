/// Turns an `HTTPResponse` into bytes appended to a connection's output buffer.
/// The server, not the handler, owns framing: Content-Length, Connection and (unless
/// the handler set one) Date are written here, and handler copies of the framing
/// headers are dropped so a handler bug cannot split one response into two.
struct ResponseSerializer {
    private var dateCache = HTTPDateCache()

    /// Why a handler's response cannot be sent as is (header injection, bad status), or nil.
    static func defect(in response: HTTPResponse) -> String? {
        guard (200...599).contains(response.status) else { return "status \(response.status) is not 200...599" }
        for (name, value) in response.headers {
            guard !name.isEmpty, name.utf8.allSatisfy(isTokenChar) else { return "header name is not a token" }
            guard value.utf8.allSatisfy(isFieldValueByte) else { return "header \(name) has a control character" }
        }
        return nil
    }

    /// `close` adds `Connection: close`; `http10KeepAlive` adds `Connection: keep-alive`, which an
    /// HTTP/1.0 client needs to hear to reuse the connection. `headOnly` omits the body of a HEAD response.
    mutating func append(_ response: HTTPResponse, to out: inout [UInt8], close: Bool, http10KeepAlive: Bool,
                         headOnly: Bool) {
        let status = response.status
        appendStatic("HTTP/1.1 ", to: &out)
        appendDecimal(status, to: &out)
        out.append(ASCII.sp)
        appendStatic(reasonPhrase(status), to: &out)
        appendStatic("\r\n", to: &out)

        var handlerSetDate = false
        for (name, value) in response.headers {
            if isFramingHeader(name) { continue }
            if asciiCaseInsensitiveEquals(name, "date") { handlerSetDate = true }
            out.append(contentsOf: name.utf8)
            appendStatic(": ", to: &out)
            out.append(contentsOf: value.utf8)
            appendStatic("\r\n", to: &out)
        }
        let bodyAllowed = status != 204 && status != 304
        if bodyAllowed {
            appendStatic("Content-Length: ", to: &out)
            appendDecimal(response.body.count, to: &out)
            appendStatic("\r\n", to: &out)
        }
        if !handlerSetDate { dateCache.append(to: &out) }
        if close {
            appendStatic("Connection: close\r\n", to: &out)
        } else if http10KeepAlive {
            appendStatic("Connection: keep-alive\r\n", to: &out)
        }
        appendStatic("\r\n", to: &out)
        if bodyAllowed && !headOnly { out.append(contentsOf: response.body) }
    }

    static let continueLine: StaticString = "HTTP/1.1 100 Continue\r\n\r\n"
}

private func isFramingHeader(_ name: String) -> Bool {
    switch name.utf8.count {
    case 10: return asciiCaseInsensitiveEquals(name, "connection")
    case 14: return asciiCaseInsensitiveEquals(name, "content-length")
    case 17: return asciiCaseInsensitiveEquals(name, "transfer-encoding")
    default: return false
    }
}

@inline(__always)
func appendStatic(_ s: StaticString, to out: inout [UInt8]) {
    out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
}

@inline(__always)
private func appendDecimal(_ value: Int, to out: inout [UInt8]) {
    if value < 10 { out.append(UInt8(0x30 + value)); return }
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var v = value, n = 0
    withUnsafeMutableBytes(of: &digits) { d in
        while v > 0 && n < 20 {
            d[19 - n] = UInt8(0x30 + v % 10)
            v /= 10
            n += 1
        }
        out.append(contentsOf: d[(20 - n)...])
    }
}
