import CXMLSec

/// SHA-256 fingerprints, the way admins compare certificates (`openssl x509 -fingerprint -sha256`).
enum Fingerprint {
    static func sha256(_ der: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        der.withUnsafeBufferPointer { buf in
            digest.withUnsafeMutableBufferPointer { out in
                cxs_sha256(buf.baseAddress, buf.count, out.baseAddress)
            }
        }
        let hex = Array("0123456789ABCDEF".utf8)
        var s: [UInt8] = []
        for (i, b) in digest.enumerated() {
            if i > 0 { s.append(0x3A) }
            s.append(hex[Int(b >> 4)]); s.append(hex[Int(b & 0xF)])
        }
        return String(decoding: s, as: UTF8.self)
    }
}
