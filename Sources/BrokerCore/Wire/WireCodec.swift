// A tiny, bounded binary codec for the gate <-> mint messages. Every read states
// its own limit, so a hostile or buggy peer cannot make the reader allocate more
// than the frame it already sent, and a short or overlong field is an error,
// never a crash.

public enum WireError: Error, Equatable, Sendable {
    case truncated(field: String)
    case tooLong(field: String, limit: Int)
    case invalid(field: String)
    case trailingBytes
}

public struct WireWriter: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    public mutating func u8(_ v: UInt8) { bytes.append(v) }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }

    public mutating func u32(_ v: UInt32) {
        bytes.append(UInt8(truncatingIfNeeded: v >> 24)); bytes.append(UInt8(truncatingIfNeeded: v >> 16))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8)); bytes.append(UInt8(truncatingIfNeeded: v))
    }

    public mutating func u64(_ v: UInt64) {
        u32(UInt32(truncatingIfNeeded: v >> 32)); u32(UInt32(truncatingIfNeeded: v))
    }

    public mutating func i64(_ v: Int64) { u64(UInt64(bitPattern: v)) }

    public mutating func blob(_ v: [UInt8]) { u32(UInt32(v.count)); bytes.append(contentsOf: v) }
    public mutating func blob<S: Collection>(_ v: S) where S.Element == UInt8 { u32(UInt32(v.count)); bytes.append(contentsOf: v) }

    public mutating func string(_ v: String) {
        var s = v
        s.withUTF8 { buf in u32(UInt32(buf.count)); bytes.append(contentsOf: buf) }
    }

    public mutating func optionalString(_ v: String?) {
        if let v { u8(1); string(v) } else { u8(0) }
    }

    public mutating func optionalI64(_ v: Int64?) {
        if let v { u8(1); i64(v) } else { u8(0) }
    }

    public mutating func strings(_ v: [String]) { u32(UInt32(v.count)); for s in v { string(s) } }

    public mutating func pairs(_ v: [(String, String)]) {
        u32(UInt32(v.count)); for (a, b) in v { string(a); string(b) }
    }
}

public struct WireReader {
    private let bytes: [UInt8]
    private var offset: Int

    public init(_ bytes: [UInt8], offset: Int = 0) { self.bytes = bytes; self.offset = offset }

    public var remaining: Int { bytes.count - offset }

    private mutating func take(_ n: Int, _ field: String) throws -> ArraySlice<UInt8> {
        guard n >= 0, n <= remaining else { throw WireError.truncated(field: field) }
        defer { offset += n }
        return bytes[offset..<offset + n]
    }

    public mutating func u8(_ field: String) throws -> UInt8 { try take(1, field).first! }

    public mutating func bool(_ field: String) throws -> Bool {
        switch try u8(field) {
        case 0: return false
        case 1: return true
        default: throw WireError.invalid(field: field)
        }
    }

    public mutating func u32(_ field: String) throws -> UInt32 {
        let s = try take(4, field)
        return s.reduce(0) { ($0 << 8) | UInt32($1) }
    }

    public mutating func u64(_ field: String) throws -> UInt64 {
        let hi = try u32(field), lo = try u32(field)
        return (UInt64(hi) << 32) | UInt64(lo)
    }

    public mutating func i64(_ field: String) throws -> Int64 { Int64(bitPattern: try u64(field)) }

    public mutating func blob(_ field: String, max: Int) throws -> [UInt8] {
        let n = Int(try u32(field))
        guard n <= max else { throw WireError.tooLong(field: field, limit: max) }
        return Array(try take(n, field))
    }

    /// A UTF-8 string of at most `max` bytes; invalid UTF-8 is refused, not repaired.
    public mutating func string(_ field: String, max: Int) throws -> String {
        let n = Int(try u32(field))
        guard n <= max else { throw WireError.tooLong(field: field, limit: max) }
        let slice = try take(n, field)
        guard let s = String(validating: slice, as: UTF8.self) else { throw WireError.invalid(field: field) }
        return s
    }

    public mutating func optionalString(_ field: String, max: Int) throws -> String? {
        try bool(field) ? try string(field, max: max) : nil
    }

    public mutating func optionalI64(_ field: String) throws -> Int64? {
        try bool(field) ? try i64(field) : nil
    }

    public mutating func strings(_ field: String, maxCount: Int, maxLength: Int) throws -> [String] {
        let n = Int(try u32(field))
        guard n <= maxCount else { throw WireError.tooLong(field: field, limit: maxCount) }
        var out: [String] = []; out.reserveCapacity(n)
        for _ in 0..<n { out.append(try string(field, max: maxLength)) }
        return out
    }

    public mutating func pairs(_ field: String, maxCount: Int, maxLength: Int) throws -> [(String, String)] {
        let n = Int(try u32(field))
        guard n <= maxCount else { throw WireError.tooLong(field: field, limit: maxCount) }
        var out: [(String, String)] = []; out.reserveCapacity(n)
        for _ in 0..<n { out.append((try string(field, max: maxLength), try string(field, max: maxLength))) }
        return out
    }

    public func finish() throws { if remaining != 0 { throw WireError.trailingBytes } }
}
