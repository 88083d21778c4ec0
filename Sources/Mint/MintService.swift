// mint's logic, without sockets: decode nothing, trust nothing, answer every
// MintRequest. MintServer feeds it frames; tests call `handle` directly.
import AWSAuth
import BrokerCore
import Foundation
import TrustPolicy

public final class MintService {
    let configuration: MintConfiguration
    let clock: () -> Int64
    let store: MintStore
    let replay: ReplayStore
    let keys: MintKeys
    let sealer: SessionSealer
    let audit: AuditLog
    let admin: AdminIdentity

    private let snapshotLock = NSLock()
    private var snapshotValue = MintSnapshot.empty
    /// Serialises IAM writes so read-check-write sequences (quotas, existence) hold.
    let writeLock = NSLock()
    private var lastReplayPurge: Int64 = 0
    static let replayPurgeInterval: Int64 = 60

    public var adminCredentialsPath: String { configuration.dataDirectory + "/admin-credentials" }

    public init(configuration: MintConfiguration, clock: @escaping () -> Int64 = { Int64(Date().timeIntervalSince1970) }) throws {
        guard configuration.accountID.utf8.count == 12, configuration.accountID.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw MintStartupError("account id '\(configuration.accountID)' is not 12 digits")
        }
        self.configuration = configuration
        self.clock = clock
        try PrivateFiles.ensureDirectory(configuration.dataDirectory)
        keys = try MintKeys.loadOrCreate(certsDirectory: configuration.certsDirectory)
        sealer = try MintService.makeSealer(keys.sealingKeys)
        do {
            store = try MintStore(path: configuration.dataDirectory + "/store.sqlite3")
            replay = try ReplayStore(path: configuration.dataDirectory + "/replay.sqlite3")
            try replay.adopt(store.legacyReplayRows(now: clock()))
            try store.clearLegacyReplay()
        } catch {
            throw MintStartupError("cannot open the store in \(configuration.dataDirectory): \(error)")
        }
        audit = try AuditLog(path: configuration.dataDirectory + "/audit.log")
        admin = AdminIdentity(accountID: configuration.accountID, userID: try MintService.adminUserID(store))
        try bootstrapAdminKeys()
        try reloadSnapshot()
        try loadMetadataDirectory()
        try loadRolesFile()
        try reloadSnapshot()
        lastReplayPurge = clock()
        _ = try? replay.purge(now: lastReplayPurge)
    }

    private static func makeSealer(_ keys: [AESGCMKey]) throws -> SessionSealer {
        guard let current = keys.first else { throw MintStartupError("no session sealing key") }
        do { return try SessionSealer(keys: keys, currentKeyID: current.id) } catch {
            throw MintStartupError("session sealing keys unusable: \(error)")
        }
    }

    /// The admin user's AIDA id, made once and kept.
    private static func adminUserID(_ store: MintStore) throws -> String {
        if let id = try store.meta("admin_user_id") { return id }
        let id = CredentialFormat.newUniqueID(prefix: "AIDA")
        try store.setMeta("admin_user_id", id)
        return id
    }

    // MARK: snapshot

    var snapshot: MintSnapshot {
        snapshotLock.lock(); defer { snapshotLock.unlock() }
        return snapshotValue
    }

    /// Rebuilds the in-memory view from the store after a write. Trust policies whose
    /// text did not change keep their parsed form.
    func reloadSnapshot() throws {
        let old = snapshot
        var next = MintSnapshot.empty
        next.version = try store.configVersion()
        for p in try store.providers() { next.providers[p.name] = p }
        for r in try store.roles() {
            let arn = ARNs.role(account: configuration.accountID, path: r.path, name: r.name)
            var cached: CachedRole
            if let prior = old.roles[r.name.lowercased()], prior.record.trustPolicy == r.trustPolicy, prior.record.name == r.name {
                cached = CachedRole(record: r, policy: prior.policy, arn: arn)
            } else {
                cached = CachedRole(record: r, policy: try? TrustPolicy.parse(r.trustPolicy), arn: arn)
            }
            cached.summaryXML = roleXML(r, includeTags: false)
            next.roles[r.name.lowercased()] = cached
        }
        next.sortedRoles = next.roles.sorted { $0.key < $1.key }.map(\.value)
        next.adminKeys = try store.adminKeys()
        for k in next.adminKeys where k.status == "Active" {
            if let secret = openAdminSecret(k) { next.adminSecrets[k.accessKeyID] = secret }
        }
        snapshotLock.lock()
        snapshotValue = next
        snapshotLock.unlock()
    }

    // MARK: dispatch

    /// Requests that arrived together, answered in order. Consecutive exchanges
    /// share one replay claim (handleExchanges); everything else is handled
    /// one by one, so a change made by a request is seen by every later one.
    public func handleBatch(_ requests: [MintRequest]) -> [MintReply] {
        var replies: [MintReply] = []
        replies.reserveCapacity(requests.count)
        var exchanges: [SAMLExchange] = []
        func flushExchanges() {
            guard !exchanges.isEmpty else { return }
            let version = snapshot.version
            replies.append(contentsOf: handleExchanges(exchanges).map { .callResult(configVersion: version, $0) })
            exchanges.removeAll()
        }
        for request in requests {
            if case .exchangeSAML(let x) = request { exchanges.append(x); continue }
            flushExchanges()
            replies.append(handle(request))
        }
        flushExchanges()
        return replies
    }

    public func handle(_ request: MintRequest) -> MintReply {
        switch request {
        case .ping:
            return .pong(configVersion: snapshot.version)
        case .fetchTrustAnchors:
            return .trustAnchors(trustAnchors())
        case .signedCall(let call):
            let result = handleSignedCall(call)
            return .callResult(configVersion: snapshot.version, result)
        case .exchangeSAML(let exchange):
            let result = handleExchange(exchange)
            return .callResult(configVersion: snapshot.version, result)
        case .reportRejection(let rejection):
            recordRejection(rejection)
            return .callResult(configVersion: snapshot.version,
                               .success(action: AuditEvent.cap(rejection.eventName, 64), service: .sts, resultXML: nil))
        }
    }

    /// Purges expired replay entries at most once a minute, off the request path:
    /// the request that notices it is due hands the purge to the replay store's
    /// maintenance thread instead of running a DELETE of a minute's expired rows
    /// before answering. Claims stay correct meanwhile (they ignore expired rows).
    func maybePurgeReplay(now: Int64) {
        snapshotLock.lock()
        let due = now - lastReplayPurge >= MintService.replayPurgeInterval
        if due { lastReplayPurge = now }
        snapshotLock.unlock()
        guard due else { return }
        replay.purgeInBackground(now: now)
    }

    func trustAnchors() -> TrustAnchors {
        let snap = snapshot
        let anchors = snap.providers.values.sorted { $0.name < $1.name }.map { p in
            SAMLProviderAnchor(name: p.name, arn: ARNs.samlProvider(account: configuration.accountID, name: p.name),
                               entityID: p.entityID, signingCertificatesDER: p.signingCertificatesDER,
                               policy: ProviderPolicyTags.policy(from: p.tags))
        }
        return TrustAnchors(version: snap.version, accountID: configuration.accountID, providers: anchors)
    }

    func recordRejection(_ r: Rejection) {
        var event = AuditEvent(time: clock(), service: .sts, eventName: r.eventName, region: configuration.region, context: r.context)
        var params = JSONText()
        for (k, v) in r.parameters.prefix(16) {
            let name = AuditParameters.lowerCamel(AuditEvent.cap(k, 64))
            let lower = name.lowercased()
            if lower.contains("assertion") && lower != "samlassertionid" { continue }
            if lower.contains("token") || lower.contains("secret") { continue }
            params.string(name, AuditEvent.cap(v))
        }
        event.requestParameters = params
        event.error = r.error
        event.reportedBy = "gate"
        audit.append(event)
    }
}
