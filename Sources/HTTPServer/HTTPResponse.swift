/// What a handler returns. The server owns framing: it adds Content-Length, Date and
/// Connection itself and ignores any the handler sets for Content-Length,
/// Transfer-Encoding or Connection, so a handler cannot desynchronise the stream.
public struct HTTPResponse {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// Close the connection once this response is written.
    public var closeConnection: Bool

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = [], closeConnection: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.closeConnection = closeConnection
    }
}
