// Sealed, self-contained tokens under rotating keys. Layout before base64:
//   version(1) | keyIDLength(1) | keyID | nonce(12) | ciphertext | tag(16)
// The key id is in clear so any known key can open; the AAD binds the version, the
// purpose (a session token cannot be replayed as a sign-in token) and the key id.
import BrokerCore

public enum SealingError: Error, Equatable, AWSErrorConvertible {
    case noKeys
    case duplicateKeyID(String)
    case unknownCurrentKey(String)

    public var awsError: AWSError {
        switch self {
        case .noKeys: return AWSError(.internalFailure, "Sealing is not configured: no keys were given.")
        case .duplicateKeyID(let id): return AWSError(.internalFailure, "Sealing key id '\(id)' is configured twice.")
        case .unknownCurrentKey(let id): return AWSError(.internalFailure, "Current sealing key '\(id)' is not among the configured keys.")
        }
    }
}

public struct TokenSealer: Sendable {
    public static let version: UInt8 = 1
    /// Longest token text open() will look at; session tokens are well under this.
    public static let maxTokenLength = 8192

    private let keys: [String: AESGCMKey]
    private let current: AESGCMKey
    private let purpose: String

    /// - Parameter purpose: a fixed label per token kind, e.g. "session", "signin".
    public init(keys: [AESGCMKey], currentKeyID: String, purpose: String) throws {
        guard !keys.isEmpty else { throw SealingError.noKeys }
        var map: [String: AESGCMKey] = [:]
        for k in keys {
            guard map[k.id] == nil else { throw SealingError.duplicateKeyID(k.id) }
            map[k.id] = k
        }
        guard let current = map[currentKeyID] else { throw SealingError.unknownCurrentKey(currentKeyID) }
        self.keys = map; self.current = current; self.purpose = purpose
    }

    public var currentKeyID: String { current.id }

    public func seal(_ plaintext: [UInt8]) -> String {
        let id = Array(current.id.utf8)
        let sealed = AESGCM.seal(plaintext, key: current, aad: aad(id))
        return Crypto.base64([TokenSealer.version, UInt8(id.count)] + id + sealed)
    }

    /// nil for anything that is not a token sealed by one of our keys for this purpose.
    public func open(_ token: String) -> [UInt8]? {
        guard token.utf8.count <= TokenSealer.maxTokenLength, let raw = Crypto.base64Decode(token),
              raw.count >= 2, raw[0] == TokenSealer.version else { return nil }
        let idLength = Int(raw[1])
        guard raw.count >= 2 + idLength + AESGCM.nonceSize + AESGCM.tagSize else { return nil }
        let id = Array(raw[2..<(2 + idLength)])
        guard let key = keys[String(decoding: id, as: UTF8.self)], Array(key.id.utf8) == id else { return nil }
        return AESGCM.open(Array(raw[(2 + idLength)...]), key: key, aad: aad(id))
    }

    private func aad(_ keyID: [UInt8]) -> [UInt8] {
        Array("broker-token".utf8) + [0, TokenSealer.version] + Array(purpose.utf8) + [0] + keyID
    }
}
