import CNetKitShims

/// A listening stream socket: a TCP server socket, or a Unix-domain one.
///
/// ```swift
/// let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
/// let accepted = try listener.accept()
/// print("connection from", accepted.peer)
/// ```
///
/// To set options before the socket is bound or listens (``SocketOption/reusePort``
/// to share a port, ``SocketOption/ipv6Only``, buffer sizes), create it unbound and
/// take the steps yourself:
///
/// ```swift
/// let listener = try StreamListener(family: .ipv6)
/// try listener.setOption(.ipv6Only, true)
/// try listener.setOption(.reusePort, true)
/// try listener.bind(to: .ipv6(.any, port: 8080))
/// try listener.listen(backlog: 512)
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
        let listener = StreamListener(
            unsafeAdopting: try SocketCalls.open(family: address.family, type: CNK_SOCK_STREAM, protocol: 0))
        if reuseAddress, address.family != .unix {
            try listener.setOption(.reuseAddress, true)
        }
        try SocketCalls.bind(listener.descriptor, to: address)
        try SocketCalls.listen(listener.descriptor, backlog: backlog)
        self = listener
    }

    /// Creates an unbound stream socket, to configure and then ``bind(to:removingStaleFile:)``
    /// and ``listen(backlog:)``. The corresponding C call is `socket(family, SOCK_STREAM, 0)`.
    ///
    /// Unlike ``init(bindingTo:backlog:reuseAddress:)`` it sets no option.
    /// - Throws: ``SocketError`` from `socket`.
    public init(family: AddressFamily) throws(SocketError) {
        owner = DescriptorOwner(try SocketCalls.open(family: family, type: CNK_SOCK_STREAM, protocol: 0))
    }

    /// Binds the socket to a local address. The corresponding C call is `bind(2)`.
    ///
    /// - Parameters:
    ///   - address: where to listen; port 0 picks an ephemeral port.
    ///   - removingStaleFile: for a Unix socket path in use (`EADDRINUSE`), whether to
    ///     remove the file and bind again when it is a socket file nobody listens on
    ///     (left behind by a process that died). A live listener's file, or any other
    ///     kind of file, is never removed.
    /// - Throws: ``SocketError`` from `bind` (`.addressInUse` when the address is
    ///   taken), or from `unlink`.
    public func bind(to address: SocketAddress, removingStaleFile: Bool = false) throws(SocketError) {
        try SocketCalls.bind(descriptor, to: address, removingStaleFile: removingStaleFile)
    }

    /// Starts accepting connections. The corresponding C call is `listen(2)`.
    ///
    /// - Parameter backlog: the queue of connections not yet accepted (the kernel caps it at `somaxconn`).
    /// - Throws: ``SocketError`` from `listen`.
    public func listen(backlog: Int = 128) throws(SocketError) {
        try SocketCalls.listen(descriptor, backlog: backlog)
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

    /// Closes the listener and, for a Unix socket file, removes the file. The
    /// corresponding C calls are `getsockname`, `close` and `unlink`.
    ///
    /// - Parameter removingSocketFile: whether to remove the socket file a Unix-domain
    ///   listener is bound to (nothing is removed for IP or abstract addresses).
    /// - Throws: ``SocketError`` from `close` or `unlink`; the descriptor is released either way.
    public consuming func close(removingSocketFile: Bool) throws(SocketError) {
        let address = removingSocketFile ? try? SocketCalls.localAddress(descriptor) : nil
        try owner.close()
        if case .unix(let path)? = address, !path.isAbstract, path.count > 0 {
            try SocketCalls.removeSocketFile(path)
        }
    }

    /// Hands out the raw descriptor without closing it; the caller now owns it.
    public consuming func release() -> CInt {
        owner.release()
    }

    /// The raw descriptor, still owned by the socket: do not close it or use it after the socket is gone.
    /// socket2 calls this `as_raw_fd`.
    public var unsafeDescriptor: CInt { descriptor }

    /// Waits for a connection and returns it with the peer's address. The corresponding
    /// C call is `accept4(2)` with `SOCK_CLOEXEC` (`accept` on Darwin).
    ///
    /// - Throws: ``SocketError`` from `accept`, such as `.tooManyOpenFiles`;
    ///   `.timedOut` when a receive timeout passes.
    public func accept() throws(SocketError) -> AcceptedConnection {
        if isNonBlockingForAsync { return try acceptWaitingWithPoll() }
        let (fd, peer) = try SocketCalls.accept(descriptor)
        return AcceptedConnection(owner: DescriptorOwner(fd), peer: peer)
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
            if try SocketCalls.waitUntilReady(descriptor, .readable, timeout: .zero) == 0 { return nil }
        }
        guard let (fd, peer) = try SocketCalls.tryAccept(descriptor) else { return nil }
        return AcceptedConnection(owner: DescriptorOwner(fd), peer: peer)
    }
}
