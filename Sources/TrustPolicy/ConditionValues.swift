// Typed readings of condition values: numbers and dates are compared as numbers,
// never as strings, and a value that does not read as its type never matches.
import Foundation

enum ConditionValues {
    static func number(_ s: String) -> Double? {
        let t = s.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.count <= 64, let d = Double(t), d.isFinite else { return nil }
        return d
    }

    /// Epoch seconds, or ISO-8601: `YYYY-MM-DD`, `YYYY-MM-DDThh:mm[:ss[.fff]](Z|±hh:mm)`.
    static func date(_ s: String) -> Double? {
        let u = Array(s.utf8)
        guard !u.isEmpty, u.count <= 64 else { return nil }
        let unsigned = u.first == UInt8(ascii: "-") ? u.dropFirst() : u[...]
        if !unsigned.isEmpty, unsigned.count <= 18, unsigned.allSatisfy(isDigit) {
            return Double(s)  // epoch seconds
        }
        guard u.count >= 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
              let y = num(u, 0, 4), let mo = num(u, 5, 2), let d = num(u, 8, 2),
              (1...12).contains(mo), d >= 1, d <= daysIn(mo, y) else { return nil }
        var seconds = Double(daysFromCivil(y, mo, d) * 86400)
        if u.count == 10 { return seconds }
        guard u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: " "), u.count >= 16, u[13] == UInt8(ascii: ":"),
              let h = num(u, 11, 2), let mi = num(u, 14, 2), h < 24, mi < 60 else { return nil }
        seconds += Double(h * 3600 + mi * 60)
        var i = 16
        if i < u.count, u[i] == UInt8(ascii: ":") {
            guard let sec = num(u, i + 1, 2), sec < 60 else { return nil }
            seconds += Double(sec); i += 3
            if i < u.count, u[i] == UInt8(ascii: ".") {
                var j = i + 1, frac = 0.0, scale = 0.1
                while j < u.count, isDigit(u[j]) { frac += Double(u[j] - 0x30) * scale; scale /= 10; j += 1 }
                guard j > i + 1 else { return nil }
                seconds += frac; i = j
            }
        }
        guard i < u.count else { return nil }
        if u[i] == UInt8(ascii: "Z") { return i + 1 == u.count ? seconds : nil }
        guard u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-"), i + 6 == u.count, u[i + 3] == UInt8(ascii: ":"),
              let oh = num(u, i + 1, 2), let om = num(u, i + 4, 2), oh < 24, om < 60 else { return nil }
        let offset = Double(oh * 3600 + om * 60)
        return u[i] == UInt8(ascii: "+") ? seconds - offset : seconds + offset
    }

    static func bool(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "true": return true
        case "false": return false
        default: return nil
        }
    }

    private static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }

    private static func num(_ u: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= u.count else { return nil }
        var v = 0
        for c in u[start..<(start + count)] { guard isDigit(c) else { return nil }; v = v * 10 + Int(c - 0x30) }
        return v
    }

    private static func daysIn(_ m: Int, _ y: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }
}
