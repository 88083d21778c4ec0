// Deriving a signing key costs four HMACs; a client reuses one key for a whole day,
// so mint caches them. Two generations give bounded memory with LRU-like behaviour
// at O(1): when the young map fills, it becomes the old one and the old one is dropped;
// a hit in the old map is promoted.
import Foundation

final class SigningKeyCache: @unchecked Sendable {
    static let shared = SigningKeyCache(capacity: 4096)

    private let capacity: Int
    private let lock = NSLock()
    private var young: [Scope: [UInt8]] = [:]
    private var old: [Scope: [UInt8]] = [:]

    /// The four inputs as they are: no concatenated key string to allocate per lookup.
    private struct Scope: Hashable {
        let secret, date, region, service: String
    }

    init(capacity: Int) { self.capacity = max(1, capacity) }

    func key(secret: String, date: String, region: String, service: String) -> [UInt8] {
        let id = Scope(secret: secret, date: date, region: region, service: service)
        lock.lock()
        if let k = young[id] { lock.unlock(); return k }
        if let k = old[id] { insertLocked(id, k); lock.unlock(); return k }
        lock.unlock()
        let k = SigningKeyCache.derive(secret: secret, date: date, region: region, service: service)
        lock.lock(); insertLocked(id, k); lock.unlock()
        return k
    }

    private func insertLocked(_ id: Scope, _ k: [UInt8]) {
        if young.count >= capacity { old = young; young = [:] }
        young[id] = k
    }

    static func derive(secret: String, date: String, region: String, service: String) -> [UInt8] {
        let kDate = Crypto.hmacSHA256(key: Array(("AWS4" + secret).utf8), data: Array(date.utf8))
        let kRegion = Crypto.hmacSHA256(key: kDate, data: Array(region.utf8))
        let kService = Crypto.hmacSHA256(key: kRegion, data: Array(service.utf8))
        return Crypto.hmacSHA256(key: kService, data: Array("aws4_request".utf8))
    }
}
