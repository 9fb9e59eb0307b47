/// Where a datagram arrived, or where to send one from.
///
/// On receive, ``address`` is the datagram's destination (the local address it
/// was sent to, useful on a socket bound to the wildcard address) and
/// ``interfaceIndex`` the interface it came in on. On send, ``address`` chooses
/// the source address and ``interfaceIndex`` the outgoing interface (0: let
/// routing choose). The corresponding C types are `struct in_pktinfo` and
/// `struct in6_pktinfo`.
public struct PacketInfo: Hashable, Sendable {
    /// The interface index (as `if_nametoindex` gives it); 0 for none.
    public var interfaceIndex: UInt32
    /// The destination address on receive; the source address to use on send.
    public var address: IPAddress

    /// Creates packet information.
    public init(interfaceIndex: UInt32 = 0, address: IPAddress) {
        self.interfaceIndex = interfaceIndex
        self.address = address
    }
}
