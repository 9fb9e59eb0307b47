/// A connection ``StreamListener/accept()`` returned, with the peer's address.
///
/// Take the connection out with `let connection = accepted.connection`.
@frozen
public struct AcceptedConnection: ~Copyable, Sendable {
    /// The new connection.
    public let connection: StreamConnection
    /// The address of the peer that connected.
    public let peer: SocketAddress
}
