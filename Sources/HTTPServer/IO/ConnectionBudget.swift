import Foundation

/// Counts open connections across all workers so `maxConnections` holds server-wide.
/// Taken once per accept and released once per close, never per request, so a lock is cheap enough.
final class ConnectionBudget {
    private let lock = NSLock()
    private var open = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func tryAcquire() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard open < limit else { return false }
        open += 1
        return true
    }

    func release() {
        lock.lock()
        open -= 1
        lock.unlock()
    }

    var current: Int {
        lock.lock()
        defer { lock.unlock() }
        return open
    }
}
