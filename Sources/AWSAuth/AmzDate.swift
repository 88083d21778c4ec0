// SigV4 timestamps, parsed and printed by hand: DateFormatter is slow, locale-bound
// and lenient, and the verify hot path must be a few microseconds and exact.

enum AmzDate {
    /// `yyyyMMdd'T'HHmmss'Z'` -> unix seconds. nil unless exactly that shape and a real date.
    static func parseBasic(_ s: String) -> Int64? {
        let u = Array(s.utf8)
        guard u.count == 16, u[8] == UInt8(ascii: "T"), u[15] == UInt8(ascii: "Z") else { return nil }
        guard let year = digits(u, 0, 4), let month = digits(u, 4, 2), let day = digits(u, 6, 2),
              let hour = digits(u, 9, 2), let minute = digits(u, 11, 2), let second = digits(u, 13, 2) else { return nil }
        return compose(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// RFC 7231 IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only `Date` form SDKs send.
    static func parseHTTPDate(_ s: String) -> Int64? {
        let u = Array(s.utf8)
        guard u.count == 29, u[3] == UInt8(ascii: ","), u[4] == 0x20, u[7] == 0x20, u[11] == 0x20, u[16] == 0x20,
              u[19] == UInt8(ascii: ":"), u[22] == UInt8(ascii: ":"), u[25] == 0x20,
              String(decoding: u[26..<29], as: UTF8.self) == "GMT" else { return nil }
        let monthName = String(decoding: u[8..<11], as: UTF8.self)
        guard let monthIndex = monthNames.firstIndex(of: monthName),
              let day = digits(u, 5, 2), let year = digits(u, 12, 4),
              let hour = digits(u, 17, 2), let minute = digits(u, 20, 2), let second = digits(u, 23, 2) else { return nil }
        return compose(year: year, month: monthIndex + 1, day: day, hour: hour, minute: minute, second: second)
    }

    /// unix seconds -> `yyyyMMdd'T'HHmmss'Z'`.
    static func formatBasic(_ t: Int64) -> String {
        let days = floorDiv(t, 86400)
        let secs = t - days * 86400
        let (y, m, d) = civil(fromDays: days)
        return pad(y, 4) + pad(m, 2) + pad(d, 2) + "T" + pad(Int(secs / 3600), 2) + pad(Int(secs % 3600 / 60), 2)
            + pad(Int(secs % 60), 2) + "Z"
    }

    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func digits(_ u: [UInt8], _ start: Int, _ count: Int) -> Int? {
        var v = 0
        for i in start..<(start + count) {
            let c = u[i]
            guard c >= 0x30, c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    private static func compose(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64? {
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60 else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        return days * 86400 + Int64(hour * 3600 + minute * 60 + second)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = Int64((month + 9) % 12)
        let doy = (153 * mp + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(fromDays z0: Int64) -> (Int, Int, Int) { CivilCalendar.date(fromDays: z0) }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { CivilCalendar.floorDiv(a, b) }

    private static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

/// Proleptic Gregorian calendar arithmetic (Hinnant's civil_from_days), shared by
/// every hand-written date formatter in the project: no DateFormatter on hot paths.
public enum CivilCalendar {
    /// (year, month, day) of a day count since 1970-01-01.
    public static func date(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = floorDiv(z, 146097)
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return (Int(y), Int(m), Int(d))
    }

    /// Division rounding toward negative infinity (dates before 1970).
    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
