import Foundation
import Glibc

/// How other threads talk to a worker: commands queued under a lock, and an eventfd
/// registered in the worker's epoll set so a command wakes it.
final class WorkerMailbox {
    enum Command {
        /// A connection accepted by worker 0 for this worker to own.
        case adopt(fd: Int32, remoteAddress: String)
        case shutdown(gracePeriodSeconds: Double)
    }

    let eventFD: Int32
    private let lock = NSLock()
    private var queue: [Command] = []

    init() throws {
        try Linux.requireAll()
        eventFD = Linux.eventfd!(0, Linux.EFD_NONBLOCK | Linux.EFD_CLOEXEC)
        guard eventFD >= 0 else { throw HTTPServerError.systemCallFailed(call: "eventfd", errno: errno) }
    }

    deinit { close(eventFD) }

    func post(_ command: Command) {
        lock.lock()
        queue.append(command)
        lock.unlock()
        var one: UInt64 = 1
        _ = write(eventFD, &one, 8)
    }

    func drain() -> [Command] {
        var counter: UInt64 = 0
        _ = read(eventFD, &counter, 8)
        lock.lock()
        defer { lock.unlock() }
        let commands = queue
        queue.removeAll()
        return commands
    }
}
