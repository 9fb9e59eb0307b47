import CNetKitShims

/// What every NetKit socket can do, whatever its role: addresses, options,
/// blocking mode, and a borrowed look at the raw descriptor.
///
/// The conforming types (``DatagramSocket``, ``StreamListener``,
/// ``StreamConnection``) are `~Copyable`: each owns its descriptor, closes it in
/// `deinit`, and the compiler forbids use after ``DatagramSocket/close()`` and
/// double close.
public protocol Socket: ~Copyable {
    /// The raw descriptor, for calls NetKit does not wrap. socket2 calls this `as_raw_fd`.
    ///
    /// The socket still owns it: do not close it, and do not use it after the
    /// socket is closed, released or gone (the number may by then name another file).
    var unsafeDescriptor: CInt { get }
}

extension Socket where Self: ~Copyable {
    /// Lends the raw descriptor to `body`. Do not close it or keep it past `body`.
    public func withUnsafeDescriptor<R, E: Error>(_ body: (CInt) throws(E) -> R) throws(E) -> R {
        try body(unsafeDescriptor)
    }

    /// The address the socket is bound to. The corresponding C call is `getsockname(2)`.
    ///
    /// - Throws: ``SocketError`` from `getsockname`.
    public var localAddress: SocketAddress {
        get throws(SocketError) { try SocketCalls.localAddress(unsafeDescriptor) }
    }

    /// Whether calls return at once with "would block" instead of waiting. The corresponding C flag is `O_NONBLOCK`.
    ///
    /// - Throws: ``SocketError`` from `fcntl`.
    public var isNonBlocking: Bool {
        get throws(SocketError) { try SocketCalls.isNonBlocking(unsafeDescriptor) }
    }

    /// Turns non-blocking mode on or off. The corresponding C call is `fcntl(F_SETFL, O_NONBLOCK)`.
    ///
    /// - Throws: ``SocketError`` from `fcntl`.
    public func setNonBlocking(_ nonBlocking: Bool = true) throws(SocketError) {
        try SocketCalls.setNonBlocking(unsafeDescriptor, nonBlocking)
    }

    /// Reads a socket option. The corresponding C call is `getsockopt(2)`.
    ///
    /// ```swift
    /// let size = try socket.option(.receiveBufferSize)
    /// ```
    /// - Throws: ``SocketError`` from `getsockopt`.
    public func option<Value>(_ option: SocketOption<Value>) throws(SocketError) -> Value {
        try option.get(unsafeDescriptor)
    }

    /// Sets a socket option. The corresponding C call is `setsockopt(2)`.
    ///
    /// ```swift
    /// try socket.setOption(.reuseAddress, true)
    /// ```
    /// - Throws: ``SocketError`` from `setsockopt`.
    public func setOption<Value>(_ option: SocketOption<Value>, _ value: Value) throws(SocketError) {
        try option.set(unsafeDescriptor, value)
    }

    /// The pending error on the socket, cleared by reading it. The corresponding C option is `SO_ERROR`.
    ///
    /// - Returns: `nil` when no error is pending.
    /// - Throws: ``SocketError`` from `getsockopt`.
    public var pendingError: Errno? {
        get throws(SocketError) {
            let raw = try option(.pendingErrorOption)
            return raw == 0 ? nil : Errno(rawValue: CInt(raw))
        }
    }

    /// The socket's type (stream, datagram, ...). The corresponding C option is `SO_TYPE`.
    ///
    /// - Throws: ``SocketError`` from `getsockopt`.
    public var socketType: SocketType {
        get throws(SocketError) {
            SocketType(rawValue: CInt(try option(.typeOption)))
        }
    }

    /// Whether the socket is listening for connections. The corresponding C option is `SO_ACCEPTCONN`.
    ///
    /// - Throws: ``SocketError`` from `getsockopt`.
    public var isListening: Bool {
        get throws(SocketError) { try option(.acceptsConnections) }
    }
}
