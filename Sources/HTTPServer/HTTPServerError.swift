/// Why the server could not start. Request-level refusals are `HTTPRequestError`.
public enum HTTPServerError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration(String)
    /// `host` is not a numeric IPv4 or IPv6 address (no name resolution: the listener address must be explicit).
    case invalidHost(String)
    case alreadyStarted
    /// A system call failed while setting up the listener or the event loops.
    case systemCallFailed(call: String, errno: Int32)
    case bindFailed(host: String, port: Int, errno: Int32)

    public var description: String {
        switch self {
        case .invalidConfiguration(let what): return "invalid HTTP server configuration: \(what)"
        case .invalidHost(let host): return "listen host must be a numeric IPv4/IPv6 address, found '\(host)'"
        case .alreadyStarted: return "HTTP server already started"
        case .systemCallFailed(let call, let e): return "\(call) failed: \(errnoDescription(e))"
        case .bindFailed(let host, let port, let e): return "cannot bind \(host):\(port): \(errnoDescription(e))"
        }
    }
}
