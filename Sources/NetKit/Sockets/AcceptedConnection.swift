/// A connection ``StreamListener/accept()`` returned, with the peer's address.
///
/// ```swift
/// let connection = try listener.accept().connection      // when the peer doesn't matter
/// let accepted = try listener.accept()
/// print(accepted.peer)
/// let other = accepted.connection
/// ```
///
/// ``connection`` is a computed property: Swift 6.3 cannot move a noncopyable stored
/// field out of a temporary from another module ("copy of noncopyable typed value"),
/// so `listener.accept().connection` would not compile if it were stored. Each read
/// gives a handle on the same descriptor, the way the halves of a split connection
/// share one: keep one (`let connection = accepted.connection`). The descriptor is
/// closed when the last handle goes (the `AcceptedConnection` itself counts as one).
/// ``StreamConnection/close()`` on a handle shuts the connection down at once (the
/// peer sees end of stream, the other handles' calls fail) but leaves freeing the
/// descriptor number to the last handle, so no handle can ever reach another socket
/// that reuses the number.
public struct AcceptedConnection: ~Copyable, Sendable {
    /// The descriptor's one owner, shared by the handles ``connection`` gives out.
    let owner: DescriptorOwner
    /// The address of the peer that connected, as `accept` reported it.
    public let peer: SocketAddress

    init(owner: DescriptorOwner, peer: SocketAddress) {
        self.owner = owner
        self.peer = peer
    }

    /// The new connection.
    public var connection: StreamConnection { StreamConnection(owner: owner.shared()) }
}
