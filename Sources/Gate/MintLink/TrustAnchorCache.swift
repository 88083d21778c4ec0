// The SAML providers' certificates, as gate last fetched them from mint. Every
// mint reply carries mint's configuration version; when it moves, the next
// SAML request refetches. Keys are parsed once per version and shared by all
// workers (SAMLTrustStore is immutable).
import Foundation
import BrokerCore
import SAML

public final class TrustAnchorCache {
    private let lock = NSLock()
    private var store: SAMLTrustStore?
    private var latestVersion: UInt64 = 0

    public init() {}

    /// Called with the version seen on any mint reply.
    public func observe(version: UInt64) {
        lock.lock(); if version > latestVersion { latestVersion = version }; lock.unlock()
    }

    /// The current trust store, refetched through `client` if stale.
    public func current(using client: MintClient) throws -> SAMLTrustStore {
        lock.lock()
        if let s = store, s.version >= latestVersion { lock.unlock(); return s }
        lock.unlock()
        guard case .trustAnchors(let anchors) = try client.call(.fetchTrustAnchors) else {
            throw MintLinkError.unavailable("mint answered fetchTrustAnchors with the wrong reply")
        }
        let fresh = try SAMLTrustStore(anchors: anchors)
        lock.lock(); defer { lock.unlock() }
        if anchors.version > latestVersion { latestVersion = anchors.version }
        if store == nil || store!.version < fresh.version { store = fresh }
        return store!
    }
}
