import CNetKitShims

/// A datagram socket: UDP over IPv4 or IPv6, or a Unix-domain datagram socket.
///
/// ```swift
/// let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
/// var buffer = [UInt8](repeating: 0, count: 2048)
/// let datagram = try socket.receive(into: &buffer)
/// try socket.send(buffer[..<datagram.count], to: datagram.sender!)
/// ```
///
/// The socket owns its descriptor: `deinit` closes it, ``close()`` closes it and
/// reports the error, ``release()`` hands it out. It is `~Copyable`, so it
/// cannot be closed twice or used after close.
public struct DatagramSocket: ~Copyable, Socket, Sendable {
    /// The descriptor's one owner (see `DescriptorOwner`).
    @usableFromInline
    let owner: DescriptorOwner

    /// The raw descriptor, for NetKit's own calls.
    @usableFromInline
    var descriptor: CInt { owner.descriptor }

    /// Creates an unbound datagram socket. The corresponding C call is `socket(family, SOCK_DGRAM, 0)`.
    ///
    /// - Parameter family: `.ipv4`, `.ipv6` or `.unix`.
    /// - Throws: ``SocketError`` from `socket`.
    public init(family: AddressFamily) throws(SocketError) {
        owner = DescriptorOwner(try SocketCalls.open(family: family, type: CNK_SOCK_DGRAM, protocol: 0))
    }

    /// Creates a datagram socket and binds it to `address`. Bind to port 0 for an ephemeral port.
    ///
    /// - Throws: ``SocketError`` from `socket` or `bind` (such as `.addressInUse`).
    public init(bindingTo address: SocketAddress) throws(SocketError) {
        let socket = try DatagramSocket(family: address.family)
        try socket.bind(to: address)
        self = socket
    }

    /// Takes ownership of a raw descriptor, which must be an open datagram socket.
    public init(unsafeAdopting descriptor: CInt) {
        owner = DescriptorOwner(descriptor)
    }

    /// Creates two connected Unix-domain datagram sockets. The corresponding C call is `socketpair(2)`.
    ///
    /// - Throws: ``SocketError`` from `socketpair`.
    public static func pair() throws(SocketError) -> SocketPair<DatagramSocket> {
        let (a, b) = try SocketCalls.pair(family: .unix, type: CNK_SOCK_DGRAM)
        return SocketPair(first: DatagramSocket(unsafeAdopting: a), second: DatagramSocket(unsafeAdopting: b))
    }

    /// Closes the socket and reports the error `close` gives. Never retried.
    ///
    /// - Throws: ``SocketError`` from `close`; the descriptor is released either way.
    public consuming func close() throws(SocketError) {
        try owner.close()
    }

    /// Hands out the raw descriptor without closing it; the caller now owns it.
    public consuming func release() -> CInt {
        owner.release()
    }

    /// The raw descriptor, still owned by the socket: do not close it or use it after the socket is gone.
    /// socket2 calls this `as_raw_fd`.
    public var unsafeDescriptor: CInt { descriptor }

    // MARK: - Addresses

    /// Binds the socket to a local address. The corresponding C call is `bind(2)`.
    ///
    /// - Throws: ``SocketError`` from `bind`, with the address.
    public func bind(to address: SocketAddress) throws(SocketError) {
        try SocketCalls.bind(descriptor, to: address)
    }

    /// Fixes the peer: `send(_:)` goes there and only its datagrams are received.
    /// The corresponding C call is `connect(2)`. Nothing is sent on the network.
    ///
    /// Once connected, an ICMP port-unreachable from the peer shows up as a
    /// `.connectionRefused` error on a later call; the socket stays usable.
    /// - Throws: ``SocketError`` from `connect`.
    public func connect(to address: SocketAddress) throws(SocketError) {
        try SocketCalls.connect(descriptor, to: address)
    }

    /// Dissolves the association made by ``connect(to:)``. The corresponding C call is `connect` with `AF_UNSPEC`.
    ///
    /// - Throws: ``SocketError`` from `connect`.
    public func disconnect() throws(SocketError) {
        try SocketCalls.disconnect(descriptor)
    }

    /// The connected peer's address. The corresponding C call is `getpeername(2)`.
    ///
    /// - Throws: ``SocketError`` with `.notConnected` when not connected.
    public var remoteAddress: SocketAddress {
        get throws(SocketError) { try SocketCalls.remoteAddress(descriptor) }
    }
}
