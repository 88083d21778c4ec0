// Typed access to the SQLite store. One connection behind one lock: every method
// is a short critical section, and every write is one transaction.
import Foundation

final class MintStore {
    private let db: SQLiteDatabase
    private let lock = NSLock()

    init(path: String) throws {
        db = try SQLiteDatabase(path: path)
        try StoreSchema.migrate(db)
    }

    private func locked<T>(_ body: () throws -> T) throws -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    // MARK: meta and the configuration version

    func meta(_ key: String) throws -> String? {
        try locked { try db.query("SELECT value FROM meta WHERE key = ?", [.text(key)]) { $0.text(0) }.first }
    }

    func setMeta(_ key: String, _ value: String) throws {
        try locked { _ = try db.run("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", [.text(key), .text(value)]) }
    }

    func configVersion() throws -> UInt64 {
        try locked { try readVersion() }
    }

    private func readVersion() throws -> UInt64 {
        let v = try db.query("SELECT value FROM meta WHERE key = 'config_version'") { $0.text(0) }.first
        return v.flatMap { UInt64($0) } ?? 1
    }

    /// Called inside the transaction that changed a provider, so the version and
    /// the change commit together and the version only ever grows.
    private func bumpVersion() throws {
        let next = try readVersion() + 1
        try db.run("INSERT OR REPLACE INTO meta(key, value) VALUES ('config_version', ?)", [.text(String(next))])
    }

    // MARK: SAML providers

    private static let providerColumns = "name, uuid, metadata, entity_id, certificates, valid_until, create_date"

    private func readProviderRow(_ s: SQLiteStatement) -> SAMLProviderRecord {
        SAMLProviderRecord(name: s.text(0), uuid: s.text(1), metadataDocument: s.text(2), entityID: s.text(3),
                           signingCertificatesDER: CertificateBlob.decode(s.blob(4)), validUntil: s.optionalInt(5),
                           createDate: s.int(6), tags: [])
    }

    private func providerTags(_ name: String) throws -> [ResourceTag] {
        try db.query("SELECT key, value FROM saml_provider_tags WHERE provider = ? ORDER BY key", [.text(name)]) {
            ResourceTag(key: $0.text(0), value: $0.text(1))
        }
    }

    func providers() throws -> [SAMLProviderRecord] {
        try locked {
            var rows = try db.query("SELECT \(Self.providerColumns) FROM saml_providers ORDER BY name", [], readProviderRow)
            for i in rows.indices { rows[i].tags = try providerTags(rows[i].name) }
            return rows
        }
    }

    func insertProvider(_ p: SAMLProviderRecord) throws {
        try locked {
            try db.transaction {
                try db.run("INSERT INTO saml_providers(\(Self.providerColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [.text(p.name), .text(p.uuid), .text(p.metadataDocument), .text(p.entityID),
                            .blob(CertificateBlob.encode(p.signingCertificatesDER)), .optional(p.validUntil), .int(p.createDate)])
                try writeProviderTags(p.name, p.tags)
                try bumpVersion()
            }
        }
    }

    /// Replaces the metadata-derived fields and the tags of an existing provider.
    func updateProvider(_ p: SAMLProviderRecord) throws {
        try locked {
            try db.transaction {
                try db.run("UPDATE saml_providers SET metadata = ?, entity_id = ?, certificates = ?, valid_until = ? WHERE name = ?",
                           [.text(p.metadataDocument), .text(p.entityID), .blob(CertificateBlob.encode(p.signingCertificatesDER)),
                            .optional(p.validUntil), .text(p.name)])
                try db.run("DELETE FROM saml_provider_tags WHERE provider = ?", [.text(p.name)])
                try writeProviderTags(p.name, p.tags)
                try bumpVersion()
            }
        }
    }

    func deleteProvider(_ name: String) throws {
        try locked {
            try db.transaction {
                try db.run("DELETE FROM saml_providers WHERE name = ?", [.text(name)])
                try bumpVersion()
            }
        }
    }

    private func writeProviderTags(_ name: String, _ tags: [ResourceTag]) throws {
        for t in tags {
            try db.run("INSERT INTO saml_provider_tags(provider, key, value) VALUES (?, ?, ?)", [.text(name), .text(t.key), .text(t.value)])
        }
    }

    // MARK: roles

    private static let roleColumns = "name, role_id, path, description, max_session_duration, trust_policy, create_date"

    func roles() throws -> [RoleRecord] {
        try locked {
            var rows = try db.query("SELECT \(Self.roleColumns) FROM roles ORDER BY name COLLATE NOCASE") { s in
                RoleRecord(name: s.text(0), roleID: s.text(1), path: s.text(2), description: s.optionalText(3),
                           maxSessionDuration: s.int(4), trustPolicy: s.text(5), createDate: s.int(6), tags: [])
            }
            var tags: [String: [ResourceTag]] = [:]
            for (role, tag) in try db.query("SELECT role, key, value FROM role_tags ORDER BY key", [], {
                ($0.text(0).lowercased(), ResourceTag(key: $0.text(1), value: $0.text(2)))
            }) { tags[role, default: []].append(tag) }
            for i in rows.indices { rows[i].tags = tags[rows[i].name.lowercased()] ?? [] }
            return rows
        }
    }

    func insertRole(_ r: RoleRecord) throws {
        try locked {
            try db.transaction {
                try db.run("INSERT INTO roles(\(Self.roleColumns)) VALUES (?, ?, ?, ?, ?, ?, ?)",
                           [.text(r.name), .text(r.roleID), .text(r.path), .optional(r.description),
                            .int(r.maxSessionDuration), .text(r.trustPolicy), .int(r.createDate)])
                try writeRoleTags(r.name, r.tags)
            }
        }
    }

    /// Rewrites a role's mutable fields and its tags in one transaction.
    func updateRole(_ r: RoleRecord) throws {
        try locked {
            try db.transaction {
                try db.run("UPDATE roles SET path = ?, description = ?, max_session_duration = ?, trust_policy = ? WHERE name = ?",
                           [.text(r.path), .optional(r.description), .int(r.maxSessionDuration), .text(r.trustPolicy), .text(r.name)])
                try db.run("DELETE FROM role_tags WHERE role = ?", [.text(r.name)])
                try writeRoleTags(r.name, r.tags)
            }
        }
    }

    func deleteRole(_ name: String) throws {
        try locked { _ = try db.run("DELETE FROM roles WHERE name = ?", [.text(name)]) }
    }

    private func writeRoleTags(_ name: String, _ tags: [ResourceTag]) throws {
        for t in tags {
            try db.run("INSERT INTO role_tags(role, key, value) VALUES (?, ?, ?)", [.text(name), .text(t.key), .text(t.value)])
        }
    }

    // MARK: admin keys

    func adminKeys() throws -> [AdminKeyRecord] {
        try locked {
            try db.query("SELECT access_key_id, sealed_secret, status, create_date FROM admin_keys ORDER BY create_date, access_key_id") {
                AdminKeyRecord(accessKeyID: $0.text(0), sealedSecret: $0.text(1), status: $0.text(2), createDate: $0.int(3))
            }
        }
    }

    func upsertAdminKey(_ k: AdminKeyRecord) throws {
        try locked {
            _ = try db.run("INSERT OR REPLACE INTO admin_keys(access_key_id, sealed_secret, status, create_date) VALUES (?, ?, ?, ?)",
                           [.text(k.accessKeyID), .text(k.sealedSecret), .text(k.status), .int(k.createDate)])
        }
    }

    /// Deletes a key unless it is the last one; returns false when refused.
    func deleteAdminKey(_ id: String) throws -> Bool {
        try locked {
            try db.transaction {
                let count = try db.query("SELECT COUNT(*) FROM admin_keys") { $0.int(0) }.first ?? 0
                guard count > 1 else { return false }
                try db.run("DELETE FROM admin_keys WHERE access_key_id = ?", [.text(id)])
                return true
            }
        }
    }

    // MARK: replay cache (legacy)

    /// Live rows of the replay table that lived here before ReplayStore; the caller
    /// copies them over, then calls `clearLegacyReplay`.
    func legacyReplayRows(now: Int64) throws -> [ReplayRow] {
        try locked {
            try db.query("SELECT issuer, assertion_id, scope, expires FROM replay WHERE expires > ?", [.int(now)]) {
                ReplayRow(issuer: $0.text(0), assertionID: $0.text(1), scope: $0.text(2), expires: $0.int(3))
            }
        }
    }

    func clearLegacyReplay() throws {
        try locked { _ = try db.run("DELETE FROM replay") }
    }
}
