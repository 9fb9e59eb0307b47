import CNetKitShims

// MARK: - Multicast membership and the outgoing interface

extension DatagramSocket {
    /// Joins a multicast group on the interface with the given index (0: the kernel picks one).
    ///
    /// ```swift
    /// let socket = try DatagramSocket(bindingTo: .ipv4(.any, port: 5353))
    /// try socket.joinMulticastGroup(.v4(IPv4Address(224, 0, 0, 251)),
    ///                               interfaceIndex: try Resolver.interfaceIndex(named: "eth0"))
    /// ```
    /// The socket receives the group's datagrams sent to the port it is bound to.
    /// The corresponding C options are `IP_ADD_MEMBERSHIP` with a `struct ip_mreqn`
    /// (IPv4) and `IPV6_JOIN_GROUP` with a `struct ipv6_mreq` (IPv6).
    /// - Parameters:
    ///   - group: a multicast address of the socket's family.
    ///   - interfaceIndex: the interface, from ``Resolver/interfaceIndex(named:)``; 0 lets the routing table choose.
    /// - Throws: ``SocketError`` from `setsockopt`, or `invalidArgument` when `group` is not multicast.
    public func joinMulticastGroup(_ group: IPAddress, interfaceIndex: UInt32 = 0) throws(SocketError) {
        try changeMembership(group, interfaceIndex: interfaceIndex, join: true)
    }

    /// Leaves a multicast group joined with ``joinMulticastGroup(_:interfaceIndex:)``.
    ///
    /// The corresponding C options are `IP_DROP_MEMBERSHIP` and `IPV6_LEAVE_GROUP`.
    /// - Throws: ``SocketError`` from `setsockopt` (`EADDRNOTAVAIL` when not a member).
    public func leaveMulticastGroup(_ group: IPAddress, interfaceIndex: UInt32 = 0) throws(SocketError) {
        try changeMembership(group, interfaceIndex: interfaceIndex, join: false)
    }

    /// Joins an IPv4 multicast group on the interface that has the given local address.
    ///
    /// The corresponding C option is `IP_ADD_MEMBERSHIP` with `imr_address` set.
    /// - Throws: ``SocketError`` from `setsockopt`, or `invalidArgument` when `group` is not multicast.
    public func joinMulticastGroup(_ group: IPv4Address, interfaceAddress: IPv4Address) throws(SocketError) {
        try changeMembership(group, interfaceAddress: interfaceAddress, interfaceIndex: 0, join: true)
    }

    /// Leaves an IPv4 multicast group joined with ``joinMulticastGroup(_:interfaceAddress:)``.
    ///
    /// The corresponding C option is `IP_DROP_MEMBERSHIP`.
    /// - Throws: ``SocketError`` from `setsockopt`.
    public func leaveMulticastGroup(_ group: IPv4Address, interfaceAddress: IPv4Address) throws(SocketError) {
        try changeMembership(group, interfaceAddress: interfaceAddress, interfaceIndex: 0, join: false)
    }

    /// Chooses the interface multicast datagrams go out on, by index, for the socket's family.
    ///
    /// The corresponding C options are `IP_MULTICAST_IF` with a `struct ip_mreqn`
    /// (IPv4 sockets) and `IPV6_MULTICAST_IF` (IPv6 sockets).
    /// - Parameter interfaceIndex: from ``Resolver/interfaceIndex(named:)``; 0 restores the default.
    /// - Throws: ``SocketError`` from `getsockname` or `setsockopt`.
    public func setMulticastInterface(index interfaceIndex: UInt32) throws(SocketError) {
        try MulticastCalls.setInterface(descriptor, index: interfaceIndex, ipv6: try localAddress.family == .ipv6)
    }

    /// Chooses the interface IPv4 multicast datagrams go out on, by its local address
    /// (`.any` restores the default). The corresponding C option is `IP_MULTICAST_IF` with a `struct in_addr`.
    ///
    /// - Throws: ``SocketError`` from `setsockopt`.
    public func setMulticastInterface(address: IPv4Address) throws(SocketError) {
        try MulticastCalls.setInterface(descriptor, address: address)
    }

    // MARK: Internals

    private func changeMembership(_ group: IPAddress, interfaceIndex: UInt32, join: Bool) throws(SocketError) {
        switch group {
        case .v4(let v4):
            try MulticastCalls.changeMembership(
                descriptor, v4, interfaceAddress: .any, interfaceIndex: interfaceIndex, join: join)
        case .v6(let v6):
            try MulticastCalls.changeMembership(descriptor, v6, interfaceIndex: interfaceIndex, join: join)
        }
    }

    private func changeMembership(
        _ group: IPv4Address, interfaceAddress: IPv4Address, interfaceIndex: UInt32, join: Bool
    ) throws(SocketError) {
        try MulticastCalls.changeMembership(
            descriptor, group, interfaceAddress: interfaceAddress, interfaceIndex: interfaceIndex, join: join)
    }
}
