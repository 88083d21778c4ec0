// What the store keeps, as plain values. Timestamps are unix seconds.

/// An IAM resource tag (keys compare case-insensitively, as in IAM).
public struct ResourceTag: Equatable, Sendable {
    public var key: String
    public var value: String
    public init(key: String, value: String) { self.key = key; self.value = value }
}

struct SAMLProviderRecord: Equatable {
    var name: String
    var uuid: String
    var metadataDocument: String
    var entityID: String
    var signingCertificatesDER: [[UInt8]]
    var validUntil: Int64?
    var createDate: Int64
    var tags: [ResourceTag]
}

struct RoleRecord: Equatable {
    var name: String
    var roleID: String
    var path: String
    var description: String?
    var maxSessionDuration: Int64
    var trustPolicy: String
    var createDate: Int64
    var tags: [ResourceTag]
}

struct AdminKeyRecord: Equatable {
    var accessKeyID: String
    /// The secret sealed under the certs-dir admin key (never stored in clear).
    var sealedSecret: String
    var status: String
    var createDate: Int64
}

/// Certificates are stored as one blob: 4-byte big-endian length + DER, repeated.
enum CertificateBlob {
    static func encode(_ certs: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for c in certs {
            let n = UInt32(c.count)
            out += [UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)]
            out += c
        }
        return out
    }

    static func decode(_ blob: [UInt8]) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var i = 0
        while i + 4 <= blob.count {
            let n = Int(blob[i]) << 24 | Int(blob[i + 1]) << 16 | Int(blob[i + 2]) << 8 | Int(blob[i + 3])
            i += 4
            guard n <= blob.count - i else { break }
            out.append(Array(blob[i..<i + n]))
            i += n
        }
        return out
    }
}
