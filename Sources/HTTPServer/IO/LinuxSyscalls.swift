import Glibc

// Swift's Glibc module does not import <sys/epoll.h> or <sys/eventfd.h>, and accept4 needs
// _GNU_SOURCE. Adding a C target would mean editing Package.swift, so the few calls are bound
// through dlsym as @convention(c) pointers: the real C ABI, looked up once, no Swift-ABI guessing.

enum Linux {
    static let EPOLLIN: UInt32 = 0x001
    static let EPOLLOUT: UInt32 = 0x004
    static let EPOLLERR: UInt32 = 0x008
    static let EPOLLHUP: UInt32 = 0x010
    static let EPOLL_CTL_ADD: Int32 = 1
    static let EPOLL_CTL_DEL: Int32 = 2
    static let EPOLL_CTL_MOD: Int32 = 3
    static let EPOLL_CLOEXEC: Int32 = 0o2000000
    static let EFD_CLOEXEC: Int32 = 0o2000000
    static let EFD_NONBLOCK: Int32 = 0o4000

    typealias EpollCreate1 = @convention(c) (Int32) -> Int32
    typealias EpollCtl = @convention(c) (Int32, Int32, Int32, UnsafeMutableRawPointer?) -> Int32
    typealias EpollWait = @convention(c) (Int32, UnsafeMutableRawPointer?, Int32, Int32) -> Int32
    typealias EventFD = @convention(c) (UInt32, Int32) -> Int32
    typealias Accept4 = @convention(c) (Int32, UnsafeMutablePointer<sockaddr>?, UnsafeMutablePointer<socklen_t>?, Int32) -> Int32

    static let epoll_create1: EpollCreate1? = symbol("epoll_create1")
    static let epoll_ctl: EpollCtl? = symbol("epoll_ctl")
    static let epoll_wait: EpollWait? = symbol("epoll_wait")
    static let eventfd: EventFD? = symbol("eventfd")
    static let accept4: Accept4? = symbol("accept4")

    private static func symbol<F>(_ name: String) -> F? {
        guard let handle = dlopen(nil, RTLD_NOW), let pointer = dlsym(handle, name) else { return nil }
        return unsafeBitCast(pointer, to: F.self)
    }

    /// Fails start-up with a clear error instead of crashing later if libc lacks a call.
    static func requireAll() throws {
        if epoll_create1 == nil { throw HTTPServerError.systemCallFailed(call: "dlsym(epoll_create1)", errno: ENOSYS) }
        if epoll_ctl == nil { throw HTTPServerError.systemCallFailed(call: "dlsym(epoll_ctl)", errno: ENOSYS) }
        if epoll_wait == nil { throw HTTPServerError.systemCallFailed(call: "dlsym(epoll_wait)", errno: ENOSYS) }
        if eventfd == nil { throw HTTPServerError.systemCallFailed(call: "dlsym(eventfd)", errno: ENOSYS) }
        if accept4 == nil { throw HTTPServerError.systemCallFailed(call: "dlsym(accept4)", errno: ENOSYS) }
    }
}

/// `struct epoll_event` is packed on x86-64 (12 bytes, data at offset 4) and naturally
/// aligned elsewhere (16 bytes, data at offset 8); Swift cannot declare a packed struct, so
/// events are read from raw memory at the right offsets.
struct EpollEvents {
    #if arch(x86_64)
    static let stride = 12
    static let dataOffset = 4
    #else
    static let stride = 16
    static let dataOffset = 8
    #endif

    let capacity: Int32
    let raw: UnsafeMutableRawPointer

    init(capacity: Int32) {
        self.capacity = capacity
        raw = .allocate(byteCount: Int(capacity) * EpollEvents.stride, alignment: 8)
    }

    func deallocate() { raw.deallocate() }

    func events(at i: Int) -> UInt32 { raw.loadUnaligned(fromByteOffset: i * EpollEvents.stride, as: UInt32.self) }
    func fd(at i: Int) -> Int32 {
        raw.loadUnaligned(fromByteOffset: i * EpollEvents.stride + EpollEvents.dataOffset, as: Int32.self)
    }

    /// One event for epoll_ctl, in a scratch buffer of the right layout.
    static func withEvent<R>(events: UInt32, fd: Int32, _ body: (UnsafeMutableRawPointer) -> R) -> R {
        withUnsafeTemporaryAllocation(byteCount: 16, alignment: 8) { buffer in
            let p = buffer.baseAddress!
            p.initializeMemory(as: UInt8.self, repeating: 0, count: 16)
            p.storeBytes(of: events, toByteOffset: 0, as: UInt32.self)
            p.storeBytes(of: fd, toByteOffset: dataOffset, as: Int32.self)
            return body(p)
        }
    }
}

func epollControl(_ epollFD: Int32, _ op: Int32, _ fd: Int32, events: UInt32) -> Bool {
    guard let ctl = Linux.epoll_ctl else { return false }
    if op == Linux.EPOLL_CTL_DEL { return ctl(epollFD, op, fd, nil) == 0 }
    return EpollEvents.withEvent(events: events, fd: fd) { ctl(epollFD, op, fd, $0) } == 0
}
