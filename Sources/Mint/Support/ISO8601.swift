// ISO-8601 UTC timestamps (`2019-11-01T20:26:47Z`) formatted by hand: every IAM
// and STS response and every audit line carries one, and DateFormatter per call
// is far too slow for the hot path.
#if canImport(Glibc)
import Glibc
#endif

enum ISO8601 {
    static func format(_ unixSeconds: Int64) -> String {
        var t = time_t(unixSeconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        var out = ""
        out.reserveCapacity(20)
        out += pad(Int(parts.tm_year) + 1900, 4); out += "-"
        out += pad(Int(parts.tm_mon) + 1, 2); out += "-"
        out += pad(Int(parts.tm_mday), 2); out += "T"
        out += pad(Int(parts.tm_hour), 2); out += ":"
        out += pad(Int(parts.tm_min), 2); out += ":"
        out += pad(Int(parts.tm_sec), 2); out += "Z"
        return out
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.utf8.count >= width ? s : String(repeating: "0", count: width - s.utf8.count) + s
    }
}
