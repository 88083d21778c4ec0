// A thin, synchronous SQLite connection. Each one is used by one thread at a time
// (MintStore's lock; ReplayStore's claim lock or its maintenance thread), so the
// library itself runs without its own mutexes (NOMUTEX). Statements are prepared
// once and cached: the replay-cache lookup runs thousands of times a second.
import BrokerCore
import CSQLite
#if canImport(Glibc)
import Glibc
#endif

/// The store's single error type: which statement failed and SQLite's reason.
public struct StoreError: Error, AWSErrorConvertible, CustomStringConvertible {
    public let operation: String
    public let code: Int32
    public let reason: String

    public var isConstraintViolation: Bool { code & 0xFF == SQLITE_CONSTRAINT }
    public var description: String { "store: \(operation) failed: \(reason) (sqlite \(code))" }
    public var awsError: AWSError { AWSError(.serviceFailure, "The broker's store failed during \(operation).") }
}

final class SQLiteStatement {
    fileprivate let handle: OpaquePointer
    private let db: OpaquePointer
    let sql: String

    fileprivate init(handle: OpaquePointer, db: OpaquePointer, sql: String) {
        self.handle = handle; self.db = db; self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds parameters (1-based in order). Supported: String, Int64, Int, [UInt8], nil.
    func bind(_ values: [SQLiteValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (i, v) in values.enumerated() {
            let idx = Int32(i + 1)
            let rc: Int32
            switch v {
            case .null: rc = sqlite3_bind_null(handle, idx)
            case .int(let n): rc = sqlite3_bind_int64(handle, idx, n)
            case .text(let s):
                rc = s.withCString { csqlite_bind_text(handle, idx, $0, Int32(strlen($0))) }
            case .blob(let b):
                rc = b.withUnsafeBytes { csqlite_bind_blob(handle, idx, $0.baseAddress, Int32(b.count)) }
            }
            guard rc == SQLITE_OK else { throw error("bind") }
        }
    }

    /// Steps once: true if a row is available.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw error("step")
        }
    }

    func reset() { sqlite3_reset(handle); sqlite3_clear_bindings(handle) }

    func int(_ col: Int32) -> Int64 { sqlite3_column_int64(handle, col) }
    func isNull(_ col: Int32) -> Bool { sqlite3_column_type(handle, col) == SQLITE_NULL }
    func optionalInt(_ col: Int32) -> Int64? { isNull(col) ? nil : int(col) }
    func text(_ col: Int32) -> String {
        guard let p = sqlite3_column_text(handle, col) else { return "" }
        let n = Int(sqlite3_column_bytes(handle, col))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }
    func optionalText(_ col: Int32) -> String? { isNull(col) ? nil : text(col) }
    func blob(_ col: Int32) -> [UInt8] {
        let n = Int(sqlite3_column_bytes(handle, col))
        guard n > 0, let p = sqlite3_column_blob(handle, col) else { return [] }
        return Array(UnsafeRawBufferPointer(start: p, count: n))
    }

    private func error(_ what: String) -> StoreError {
        let code = sqlite3_extended_errcode(db)
        let msg = String(cString: sqlite3_errmsg(db))
        reset()
        return StoreError(operation: "\(what) of '\(sql.prefix(60))'", code: code, reason: msg)
    }
}

enum SQLiteValue {
    case null
    case int(Int64)
    case text(String)
    case blob([UInt8])
}

extension SQLiteValue {
    static func optional(_ s: String?) -> SQLiteValue { s.map { .text($0) } ?? .null }
    static func optional(_ n: Int64?) -> SQLiteValue { n.map { .int($0) } ?? .null }
}

final class SQLiteDatabase {
    private let db: OpaquePointer
    private var statements: [String: SQLiteStatement] = [:]

    init(path: String) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &handle, flags, nil)
        guard rc == SQLITE_OK, let h = handle else {
            let reason = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let h = handle { sqlite3_close(h) }
            throw StoreError(operation: "open \(path)", code: rc, reason: reason)
        }
        db = h
        sqlite3_busy_timeout(db, 5000)
        // WAL + NORMAL: a commit is durable against a process crash and costs no
        // fsync per transaction, which is what lets replay inserts run at thousands/s.
        try execute("PRAGMA journal_mode=WAL")
        try execute("PRAGMA synchronous=NORMAL")
        try execute("PRAGMA foreign_keys=ON")
    }

    deinit {
        statements.removeAll()
        sqlite3_close(db)
    }

    func execute(_ sql: String) throws {
        var err: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(db, sql, nil, nil, &err)
        if rc != SQLITE_OK {
            let msg = err.map { String(cString: $0) } ?? "error \(rc)"
            sqlite3_free(err)
            throw StoreError(operation: "exec '\(sql.prefix(60))'", code: rc, reason: msg)
        }
    }

    /// A cached prepared statement for this SQL text.
    func statement(_ sql: String) throws -> SQLiteStatement {
        if let s = statements[sql] { return s }
        var handle: OpaquePointer?
        let rc = sqlite3_prepare_v2(db, sql, -1, &handle, nil)
        guard rc == SQLITE_OK, let h = handle else {
            throw StoreError(operation: "prepare '\(sql.prefix(60))'", code: rc, reason: String(cString: sqlite3_errmsg(db)))
        }
        let s = SQLiteStatement(handle: h, db: db, sql: sql)
        statements[sql] = s
        return s
    }

    /// Runs a statement that returns no rows; returns the number of rows changed.
    @discardableResult
    func run(_ sql: String, _ values: [SQLiteValue] = []) throws -> Int {
        let s = try statement(sql)
        try s.bind(values)
        defer { s.reset() }
        while try s.step() {}
        return Int(sqlite3_changes(db))
    }

    /// Runs a query and maps every row.
    func query<T>(_ sql: String, _ values: [SQLiteValue] = [], _ row: (SQLiteStatement) throws -> T) throws -> [T] {
        let s = try statement(sql)
        try s.bind(values)
        defer { s.reset() }
        var out: [T] = []
        while try s.step() { out.append(try row(s)) }
        return out
    }

    /// All of `body` or none of it: a failed write leaves the previous state intact.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}
