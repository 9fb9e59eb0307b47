#if os(Linux)
import CNetKitShims

/// Readiness for many sockets at once with Linux `epoll`: register once, then wait
/// repeatedly without passing the whole set to the kernel each time.
///
/// ```swift
/// let poller = try EventPoller()
/// try poller.register(listener, interest: .readable, token: 0)
/// try poller.register(udp, interest: .readable, token: 1)
/// var events = [EventPoller.Event](repeating: .init(), count: 64)  // reused by every wait
/// let count = try poller.wait(into: &events, timeout: .seconds(1))
/// for event in events[..<count] where event.token == 0 { /* accept */ }
/// ```
/// ``poll(_:timeout:)-([PollItem],_)`` is the portable API; `EventPoller` pays off when
/// many sockets are watched and few are ready. It owns the epoll descriptor like a
/// socket owns its own: `deinit` closes it, ``close()`` reports the close error.
/// Closing a registered socket removes it from the set.
public struct EventPoller: ~Copyable, Sendable {
    /// The descriptor's one owner (see `DescriptorOwner`).
    @usableFromInline
    let owner: DescriptorOwner

    /// The raw descriptor, for NetKit's own calls.
    @usableFromInline
    var descriptor: CInt { owner.descriptor }

    /// Creates an empty, close-on-exec epoll set. The corresponding C call is `epoll_create1(EPOLL_CLOEXEC)`.
    ///
    /// - Throws: ``SocketError`` from `epoll_create1`, such as `.tooManyOpenFiles`.
    public init() throws(SocketError) {
        owner = DescriptorOwner(try SocketCalls.epollCreate())
    }

    /// Takes ownership of a raw epoll descriptor.
    public init(unsafeAdopting descriptor: CInt) {
        owner = DescriptorOwner(descriptor)
    }

    /// Closes the epoll set and reports the error `close` gives. Never retried.
    ///
    /// - Throws: ``SocketError`` from `close`; the descriptor is released either way.
    public consuming func close() throws(SocketError) {
        try owner.close()
    }

    /// Hands out the raw epoll descriptor without closing it; the caller now owns it.
    public consuming func release() -> CInt {
        owner.release()
    }

    /// The raw epoll descriptor, still owned by the poller: do not close it or use it after the poller is gone.
    public var unsafeDescriptor: CInt { descriptor }

    /// Lends the raw epoll descriptor to `body`. Do not close it or keep it past `body`.
    public func withUnsafeDescriptor<R, E: Error>(_ body: (CInt) throws(E) -> R) throws(E) -> R {
        try body(descriptor)
    }

    // MARK: - The interest list

    /// Starts watching `socket` for `interest`; events for it carry `token`.
    /// The corresponding C call is `epoll_ctl(EPOLL_CTL_ADD)`.
    ///
    /// - Throws: ``SocketError`` from `epoll_ctl`, such as `EEXIST` when already registered.
    public func register<S: Socket & ~Copyable>(_ socket: borrowing S, interest: Interest, token: UInt64)
        throws(SocketError)
    {
        try register(descriptor: socket.unsafeDescriptor, interest: interest, token: token)
    }

    /// Starts watching a raw descriptor; see ``register(_:interest:token:)``.
    ///
    /// - Throws: ``SocketError`` from `epoll_ctl`.
    public func register(descriptor watched: CInt, interest: Interest, token: UInt64) throws(SocketError) {
        try SocketCalls.epollControl(descriptor, watched, events: interest.rawValue, token: token, modify: false)
    }

    /// Changes what `socket` is watched for, and its token. The corresponding C call is `epoll_ctl(EPOLL_CTL_MOD)`.
    ///
    /// Re-arms a ``Interest/oneShot`` registration.
    /// - Throws: ``SocketError`` from `epoll_ctl`, such as `ENOENT` when not registered.
    public func modify<S: Socket & ~Copyable>(_ socket: borrowing S, interest: Interest, token: UInt64)
        throws(SocketError)
    {
        try modify(descriptor: socket.unsafeDescriptor, interest: interest, token: token)
    }

    /// Changes what a raw descriptor is watched for; see ``modify(_:interest:token:)``.
    ///
    /// - Throws: ``SocketError`` from `epoll_ctl`.
    public func modify(descriptor watched: CInt, interest: Interest, token: UInt64) throws(SocketError) {
        try SocketCalls.epollControl(descriptor, watched, events: interest.rawValue, token: token, modify: true)
    }

    /// Stops watching `socket`. The corresponding C call is `epoll_ctl(EPOLL_CTL_DEL)`.
    ///
    /// - Throws: ``SocketError`` from `epoll_ctl`, such as `ENOENT` when not registered.
    public func unregister<S: Socket & ~Copyable>(_ socket: borrowing S) throws(SocketError) {
        try unregister(descriptor: socket.unsafeDescriptor)
    }

    /// Stops watching a raw descriptor; see ``unregister(_:)``.
    ///
    /// - Throws: ``SocketError`` from `epoll_ctl`.
    public func unregister(descriptor watched: CInt) throws(SocketError) {
        try SocketCalls.epollRemove(descriptor, watched)
    }

    // MARK: - Waiting

    /// Waits until a watched socket is ready or `timeout` passes, and fills `events`
    /// from the front. The corresponding C call is `epoll_wait(2)`.
    ///
    /// No allocation: the caller owns the buffer and reuses it for every wait.
    /// - Parameters:
    ///   - events: where the ready events go; its size caps how many one wait reports.
    ///   - timeout: how long to wait; `nil` waits forever, `.zero` only checks.
    /// - Returns: how many events were written; 0 when the timeout passed.
    /// - Throws: ``SocketError`` from `epoll_wait`. `EINTR` is retried with the full timeout.
    public func wait(into events: UnsafeMutableBufferPointer<Event>, timeout: Duration?) throws(SocketError) -> Int {
        try SocketCalls.epollWait(descriptor, events, timeout: timeout)
    }

    /// Waits as ``wait(into:timeout:)-(UnsafeMutableBufferPointer<Event>,_)`` does, into an array's
    /// existing elements (its count is the capacity; it is not resized).
    ///
    /// - Throws: ``SocketError`` from `epoll_wait`.
    public func wait(into events: inout [Event], timeout: Duration?) throws(SocketError) -> Int {
        try events.withUnsafeMutableBufferPointer { (buffer) throws(SocketError) in
            try wait(into: buffer, timeout: timeout)
        }
    }
}
#endif
