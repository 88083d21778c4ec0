// mint's symmetric keys, one file per purpose in the certs directory:
//   session-sealing.keys  one "<key id> <64 hex>" per line; the FIRST line seals,
//                         every line opens (rotate by prepending a new line)
//   admin-secrets.key     one line, the key that encrypts admin secrets in the store,
//                         so a copy of the store alone does not reveal them
import AWSAuth
import BrokerCore
import Foundation

struct MintKeys {
    var sealingKeys: [AESGCMKey]
    var adminSecretsKey: AESGCMKey

    static let sealingFile = "session-sealing.keys"
    static let adminFile = "admin-secrets.key"

    static func loadOrCreate(certsDirectory: String) throws -> MintKeys {
        try PrivateFiles.ensureDirectory(certsDirectory)
        let sealing = try loadOrCreate(path: certsDirectory + "/" + sealingFile, idPrefix: "s")
        let admin = try loadOrCreate(path: certsDirectory + "/" + adminFile, idPrefix: "a")
        guard let adminKey = admin.first else { throw MintStartupError("\(adminFile) holds no key") }
        return MintKeys(sealingKeys: sealing, adminSecretsKey: adminKey)
    }

    private static func loadOrCreate(path: String, idPrefix: String) throws -> [AESGCMKey] {
        if let text = PrivateFiles.read(path) { return try parse(text, path: path) }
        let key = AESGCMKey.generate(id: idPrefix + Crypto.hex(Crypto.randomBytes(4)))
        try PrivateFiles.write(path, "\(key.id) \(Crypto.hex(key.bytes))\n")
        return [key]
    }

    static func parse(_ text: String, path: String) throws -> [AESGCMKey] {
        var keys: [AESGCMKey] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, let bytes = decodeHex(String(parts[1])),
                  let key = try? AESGCMKey(id: String(parts[0]), bytes: bytes) else {
                throw MintStartupError("\(path) line \(n + 1): expected '<key id> <64 hex digits>'")
            }
            keys.append(key)
        }
        guard !keys.isEmpty else { throw MintStartupError("\(path) holds no key") }
        return keys
    }

    static func decodeHex(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < u.count {
            guard let h = ASCIIHex.value(u[i]), let l = ASCIIHex.value(u[i + 1]) else { return nil }
            out.append(h << 4 | l); i += 2
        }
        return out
    }

}
