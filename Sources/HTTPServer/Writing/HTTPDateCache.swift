import Glibc

/// The `Date:` header line (RFC 9110 §5.6.7 IMF-fixdate), formatted once per second per worker:
/// formatting per response would cost more than the rest of the response.
struct HTTPDateCache {
    private var second: time_t = -1
    private var line: [UInt8] = []

    mutating func append(to out: inout [UInt8]) {
        let now = time(nil)
        if now != second {
            second = now
            line = Self.format(now)
        }
        out.append(contentsOf: line)
    }

    static func format(_ t: time_t) -> [UInt8] {
        var seconds = t
        var tm = Glibc.tm()
        gmtime_r(&seconds, &tm)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let day = days[Int(tm.tm_wday) % 7], month = months[Int(tm.tm_mon) % 12]
        let text = "Date: \(day), \(two(tm.tm_mday)) \(month) \(tm.tm_year + 1900) "
            + "\(two(tm.tm_hour)):\(two(tm.tm_min)):\(two(tm.tm_sec)) GMT\r\n"
        return Array(text.utf8)
    }
}
