#if os(Linux)
import CNetKitShims

/// Readiness through Linux `epoll`: every socket is added once, edge-triggered,
/// for reading and writing together; an `eventfd` wakes the wait.
final class EpollBackend: ReadinessBackend, @unchecked Sendable {
    // @unchecked: `events` is touched only by the loop thread, in `wait`.
    private let poller: EventPoller
    private let wakeOwner: DescriptorOwner
    private let events: UnsafeMutableBufferPointer<EventPoller.Event>

    /// The token of the wake-up `eventfd`; no slot ever gets it.
    static let wakeToken = UInt64.max
    private static let interest: EventPoller.Interest = [.readable, .writable, .peerClosed, .edgeTriggered]

    init(capacity: Int = 256) throws(SocketError) {
        poller = try EventPoller()
        let flags = CInt(EFD_CLOEXEC) | CInt(EFD_NONBLOCK)
        wakeOwner = DescriptorOwner(try syscall(.eventfd) { system_eventfd(0, flags) })
        events = .allocate(capacity: capacity)
        events.initialize(repeating: EventPoller.Event())
        // Level-triggered: the loop reads the counter back to zero each time.
        try poller.register(descriptor: wakeOwner.descriptor, interest: .readable, token: Self.wakeToken)
    }

    deinit {
        events.deallocate()
    }

    var needsInterest: Bool { false }

    func register(_ descriptor: CInt, token: UInt64) throws(SocketError) {
        try poller.register(descriptor: descriptor, interest: Self.interest, token: token)
    }

    func deregister(_ descriptor: CInt, token: UInt64) {
        // ENOENT (never added) and EBADF are harmless here: nothing is left to remove.
        try? poller.unregister(descriptor: descriptor)
    }

    func setInterest(_ descriptor: CInt, token: UInt64, readable: Bool, writable: Bool) {}

    func wait(timeout: Duration?, _ handler: (UInt64, ReadyBits) -> Void) throws(SocketError) {
        let count = try poller.wait(into: events, timeout: timeout)
        for index in 0..<count {
            let event = events[index]
            if event.token == Self.wakeToken {
                drainWakeCounter()
                continue
            }
            let ready = event.ready
            var bits: ReadyBits = []
            if !ready.isDisjoint(with: [.readable, .peerClosed, .priority]) { bits.insert(.readable) }
            if ready.contains(.writable) { bits.insert(.writable) }
            if !ready.isDisjoint(with: [.error, .hangup]) { bits = .all }
            if !ready.isDisjoint(with: [.peerClosed, .error, .hangup]) { bits.insert(.hungUp) }
            handler(event.token, bits)
        }
    }

    func wake() {
        var one: UInt64 = 1
        let fd = wakeOwner.descriptor
        // EAGAIN means the counter is saturated: a wake-up is pending anyway.
        _ = try? retryingOnInterrupt { system_write(fd, &one, MemoryLayout<UInt64>.size) }
    }

    private func drainWakeCounter() {
        var counter: UInt64 = 0
        let fd = wakeOwner.descriptor
        _ = try? retryingOnInterrupt { system_read(fd, &counter, MemoryLayout<UInt64>.size) }
    }
}
#endif
