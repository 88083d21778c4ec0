// The store's tables. Created idempotently on every start; a new column or table
// goes in as a new numbered step so existing data folders upgrade in place.

enum StoreSchema {
    static let steps: [String] = [
        """
        CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS saml_providers (
            name TEXT PRIMARY KEY,
            uuid TEXT NOT NULL,
            metadata TEXT NOT NULL,
            entity_id TEXT NOT NULL,
            certificates BLOB NOT NULL,
            valid_until INTEGER,
            create_date INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS saml_provider_tags (
            provider TEXT NOT NULL REFERENCES saml_providers(name) ON DELETE CASCADE,
            key TEXT NOT NULL COLLATE NOCASE,
            value TEXT NOT NULL,
            PRIMARY KEY (provider, key));
        CREATE TABLE IF NOT EXISTS roles (
            name TEXT PRIMARY KEY COLLATE NOCASE,
            role_id TEXT NOT NULL,
            path TEXT NOT NULL,
            description TEXT,
            max_session_duration INTEGER NOT NULL,
            trust_policy TEXT NOT NULL,
            create_date INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS role_tags (
            role TEXT NOT NULL COLLATE NOCASE REFERENCES roles(name) ON DELETE CASCADE,
            key TEXT NOT NULL COLLATE NOCASE,
            value TEXT NOT NULL,
            PRIMARY KEY (role, key));
        CREATE TABLE IF NOT EXISTS admin_keys (
            access_key_id TEXT PRIMARY KEY,
            sealed_secret TEXT NOT NULL,
            status TEXT NOT NULL,
            create_date INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS replay (
            issuer TEXT NOT NULL,
            assertion_id TEXT NOT NULL,
            scope TEXT NOT NULL,
            expires INTEGER NOT NULL,
            PRIMARY KEY (issuer, assertion_id, scope));
        CREATE INDEX IF NOT EXISTS replay_expires ON replay(expires);
        """,
    ]

    static func migrate(_ db: SQLiteDatabase) throws {
        try db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        let current = try db.query("SELECT version FROM schema_version") { $0.int(0) }.first ?? 0
        guard current < Int64(steps.count) else { return }
        try db.transaction {
            for step in steps[Int(current)...] { try db.execute(step) }
            try db.run("DELETE FROM schema_version")
            try db.run("INSERT INTO schema_version(version) VALUES (?)", [.int(Int64(steps.count))])
        }
    }
}
