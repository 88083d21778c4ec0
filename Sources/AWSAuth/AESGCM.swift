// AES-256-GCM for session and sign-in tokens. The nonce is random per message
// (12 bytes: at our volumes the birthday bound is far away), and the key id travels
// beside the sealed bytes so any known key can open while only the current one seals.
import CCrypto

public enum AESGCMKeyError: Error, Equatable {
    case wrongLength(expected: Int, found: Int)
    case badKeyID(String)
}

public struct AESGCMKey: Sendable {
    public static let byteCount = 32
    public let id: String
    public let bytes: [UInt8]

    /// Key ids are short printable names ([A-Za-z0-9._-], 1...64) because they travel in clear in tokens.
    public init(id: String, bytes: [UInt8]) throws {
        guard bytes.count == AESGCMKey.byteCount else {
            throw AESGCMKeyError.wrongLength(expected: AESGCMKey.byteCount, found: bytes.count)
        }
        guard AESGCMKey.isValidID(id) else { throw AESGCMKeyError.badKeyID(id) }
        self.id = id
        self.bytes = bytes
    }

    public static func generate(id: String) -> AESGCMKey {
        // A bad id here is a programming error in the caller, not input.
        guard let key = try? AESGCMKey(id: id, bytes: Crypto.randomBytes(byteCount)) else {
            fatalError("AESGCMKey.generate: invalid key id")
        }
        return key
    }

    public static func isValidID(_ id: String) -> Bool {
        let u = Array(id.utf8)
        guard (1...64).contains(u.count) else { return false }
        return u.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
    }
}

public enum AESGCM {
    public static let nonceSize = 12
    public static let tagSize = 16

    /// Returns nonce || ciphertext || tag.
    public static func seal(_ plaintext: [UInt8], key: AESGCMKey, aad: [UInt8]) -> [UInt8] {
        let nonce = Crypto.randomBytes(nonceSize)
        var cipher = [UInt8](repeating: 0, count: plaintext.count)
        var tag = [UInt8](repeating: 0, count: tagSize)
        let ok = key.bytes.withUnsafeBufferPointer { k in
            nonce.withUnsafeBufferPointer { n in
                aad.withUnsafeBufferPointer { a in
                    plaintext.withUnsafeBufferPointer { p in
                        cipher.withUnsafeMutableBufferPointer { c in
                            tag.withUnsafeMutableBufferPointer { t in
                                ccrypto_aes256gcm_seal(k.baseAddress, n.baseAddress, a.baseAddress, a.count,
                                                       p.baseAddress, p.count, c.baseAddress, t.baseAddress)
                            }
                        }
                    }
                }
            }
        }
        if ok != 1 { fatalError("OpenSSL AES-256-GCM seal failed") }
        return nonce + cipher + tag
    }

    /// nil on any failure: too short, wrong key, wrong AAD, any modified byte.
    public static func open(_ sealed: [UInt8], key: AESGCMKey, aad: [UInt8]) -> [UInt8]? {
        guard sealed.count >= nonceSize + tagSize else { return nil }
        let nonce = Array(sealed[0..<nonceSize])
        let cipher = Array(sealed[nonceSize..<(sealed.count - tagSize)])
        let tag = Array(sealed[(sealed.count - tagSize)...])
        var plain = [UInt8](repeating: 0, count: cipher.count)
        let ok = key.bytes.withUnsafeBufferPointer { k in
            nonce.withUnsafeBufferPointer { n in
                aad.withUnsafeBufferPointer { a in
                    cipher.withUnsafeBufferPointer { c in
                        tag.withUnsafeBufferPointer { t in
                            plain.withUnsafeMutableBufferPointer { p in
                                ccrypto_aes256gcm_open(k.baseAddress, n.baseAddress, a.baseAddress, a.count,
                                                       c.baseAddress, c.count, t.baseAddress, p.baseAddress)
                            }
                        }
                    }
                }
            }
        }
        return ok == 1 ? plain : nil
    }
}
