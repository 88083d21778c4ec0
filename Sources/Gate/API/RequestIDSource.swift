// Request IDs in the lowercase UUID v4 form AWS returns. Foundation's UUID() on
// Linux opens, reads and closes /dev/urandom for every ID: strace on gate under
// wrk showed those three syscalls in every signed call, as many as the rest of
// the request. This draws 16 bytes at a time from a pool that arc4random_buf
// (glibc: one getrandom(2) per refill, no file descriptor) fills 4 KiB at a time.
// Not thread-safe: one per HTTP worker, as with MintClient.
#if canImport(Glibc)
import Glibc
#endif

final class RequestIDSource {
    private var pool = [UInt8](repeating: 0, count: 4096)
    private var next = 4096

    func make() -> String {
        if next + 16 > pool.count {
            pool.withUnsafeMutableBytes { if let base = $0.baseAddress { arc4random_buf(base, $0.count) } }
            next = 0
        }
        var b = pool[next..<(next + 16)].map { $0 }
        next += 16
        b[6] = b[6] & 0x0F | 0x40   // version 4
        b[8] = b[8] & 0x3F | 0x80   // RFC 4122 variant
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(36)
        for (i, byte) in b.enumerated() {
            if i == 4 || i == 6 || i == 8 || i == 10 { out.append(UInt8(ascii: "-")) }
            out.append(hex[Int(byte >> 4)]); out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
