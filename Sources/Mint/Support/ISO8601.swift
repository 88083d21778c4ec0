// ISO-8601 UTC timestamps (`2019-11-01T20:26:47Z`) formatted by hand: every IAM
// and STS response and every audit line carries one, and DateFormatter per call
// is far too slow for the hot path. Pure arithmetic (Hinnant's civil_from_days),
// written straight into bytes; gmtime_r only for years outside 0000-9999.
import AWSAuth
#if canImport(Glibc)
import Glibc
#endif

enum ISO8601 {
    static func format(_ unixSeconds: Int64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(20)
        append(unixSeconds, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// 0000-01-01T00:00:00Z ... 9999-12-31T23:59:59Z: the four-digit-year range.
    private static let fastRange: ClosedRange<Int64> = -62_167_219_200...253_402_300_799

    static func append(_ unixSeconds: Int64, to out: inout [UInt8]) {
        guard fastRange.contains(unixSeconds) else { return appendSlow(unixSeconds, to: &out) }
        let days = floorDiv(unixSeconds, 86400)
        let secs = Int(unixSeconds - days * 86400)
        let (y, m, d) = civil(fromDays: days)
        digits(y, 4, &out); out.append(UInt8(ascii: "-"))
        digits(m, 2, &out); out.append(UInt8(ascii: "-"))
        digits(d, 2, &out); out.append(UInt8(ascii: "T"))
        digits(secs / 3600, 2, &out); out.append(UInt8(ascii: ":"))
        digits(secs % 3600 / 60, 2, &out); out.append(UInt8(ascii: ":"))
        digits(secs % 60, 2, &out); out.append(UInt8(ascii: "Z"))
    }

    private static func digits(_ v: Int, _ width: Int, _ out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = v
        while divisor > 0 {
            out.append(0x30 + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { CivilCalendar.floorDiv(a, b) }

    private static func civil(fromDays z0: Int64) -> (Int, Int, Int) { CivilCalendar.date(fromDays: z0) }

    /// The original gmtime_r formatting, for the years the fast path does not cover.
    private static func appendSlow(_ unixSeconds: Int64, to out: inout [UInt8]) {
        var t = time_t(unixSeconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        var s = pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
        s += "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2) + "Z"
        out.append(contentsOf: s.utf8)
    }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.utf8.count >= width ? s : String(repeating: "0", count: width - s.utf8.count) + s
    }
}
