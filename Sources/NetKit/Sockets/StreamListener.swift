import CNetKitShims

/// A listening stream socket: a TCP server socket, or a Unix-domain one.
///
/// ```swift
/// let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
/// let accepted = try listener.accept()
/// print("connection from", accepted.peer)
/// ```
public struct StreamListener: ~Copyable, Socket, Sendable {
    /// The descriptor's one owner (see `DescriptorOwner`).
    @usableFromInline
    let owner: DescriptorOwner

    /// The raw descriptor, for NetKit's own calls.
    @usableFromInline
    var descriptor: CInt { owner.descriptor }

    /// Creates a socket, binds it to `address` and listens. The corresponding C calls
    /// are `socket`, `setsockopt(SO_REUSEADDR)`, `bind` and `listen`.
    ///
    /// - Parameters:
    ///   - address: where to listen; port 0 picks an ephemeral port.
    ///   - backlog: the queue of connections not yet accepted.
    ///   - reuseAddress: sets `SO_REUSEADDR` first (IP only), so a restarted
    ///     server can bind while old connections sit in TIME_WAIT.
    /// - Throws: ``SocketError`` from any of those calls, such as `.addressInUse`.
    public init(bindingTo address: SocketAddress, backlog: Int = 128, reuseAddress: Bool = true) throws(SocketError) {
        let listener = StreamListener(unsafeAdopting: try SocketCalls.open(family: address.family, type: CNK_SOCK_STREAM, protocol: 0))
        if reuseAddress, address.family != .unix {
            try listener.setOption(.reuseAddress, true)
        }
        try SocketCalls.bind(listener.descriptor, to: address)
        try SocketCalls.listen(listener.descriptor, backlog: backlog)
        self = listener
    }

    /// Takes ownership of a raw descriptor, which must be a listening stream socket.
    public init(unsafeAdopting descriptor: CInt) {
        owner = DescriptorOwner(descriptor)
    }


    /// Closes the listener and reports the error `close` gives. Never retried.
    ///
    /// - Throws: ``SocketError`` from `close`; the descriptor is released either way.
    public consuming func close() throws(SocketError) {
        try owner.close()
    }

    /// Hands out the raw descriptor without closing it; the caller now owns it.
    public consuming func release() -> CInt {
        owner.release()
    }

    /// Lends the raw descriptor to `body`. Do not close it or keep it past `body`.
    public func withUnsafeDescriptor<R, E: Error>(_ body: (CInt) throws(E) -> R) throws(E) -> R {
        try body(descriptor)
    }

    /// Waits for a connection and returns it with the peer's address. The corresponding
    /// C call is `accept4(2)` with `SOCK_CLOEXEC` (`accept` on Darwin).
    ///
    /// - Throws: ``SocketError`` from `accept`, such as `.tooManyOpenFiles`;
    ///   `.timedOut` when a receive timeout passes.
    public func accept() throws(SocketError) -> AcceptedConnection {
        if isNonBlockingForAsync { return try acceptWaitingWithPoll() }
        return try acceptConnection(blocking: true)!
    }

    /// Accepts a connection without blocking; `nil` when none is waiting.
    ///
    /// `accept` has no per-call "don't wait" flag, so on a listener in blocking
    /// mode this first checks readiness with a zero-timeout `poll`. Put the
    /// listener in non-blocking mode (``Socket/setNonBlocking(_:)``) when several
    /// threads accept from it.
    /// - Throws: ``SocketError`` from `poll` or `accept` for anything but "would block".
    public func tryAccept() throws(SocketError) -> AcceptedConnection? {
        if try !SocketCalls.isNonBlocking(descriptor) {
            var item = PollItem(descriptor: descriptor, interest: .readable)
            let ready = try withUnsafeMutablePointer(to: &item) { (pointer) throws(SocketError) in
                try poll(UnsafeMutableBufferPointer(start: pointer, count: 1), timeout: .zero)
            }
            if ready == 0 { return nil }
        }
        return try acceptConnection(blocking: false)
    }

    private func acceptConnection(blocking: Bool) throws(SocketError) -> AcceptedConnection? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = descriptor
        let accepted: CInt? = try withUnsafeMutablePointer(to: &storage) { (pointer) throws(SocketError) -> CInt? in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (address) throws(SocketError) -> CInt? in
                let call = { system_accept(fd, address, &length) }
                return blocking ? try blockingResult(.accept, call) : try nonBlockingSyscall(.accept, call)
            }
        }
        guard let accepted else { return nil }
        let connection = StreamConnection(unsafeAdopting: accepted)
        #if !os(Linux)
        _ = system_fcntl(accepted, F_SETFD, FD_CLOEXEC)
        #endif
        let peer = SocketAddress(storage: storage, length: length) ?? .unix(UnixSocketPath(rawBytes: [], isAbstract: false))
        return AcceptedConnection(connection: connection, peer: peer)
    }
}
