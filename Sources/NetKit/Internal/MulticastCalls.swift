import CNetKitShims

// Multicast membership and the outgoing interface: the only code that builds
// ip_mreqn, ipv6_mreq or in_addr for setsockopt.

enum MulticastCalls {
    /// `IP_ADD_MEMBERSHIP`/`IP_DROP_MEMBERSHIP` with a `struct ip_mreqn`.
    static func changeMembership(
        _ fd: CInt, _ group: IPv4Address, interfaceAddress: IPv4Address, interfaceIndex: UInt32, join: Bool
    ) throws(SocketError) {
        let name = join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP
        let cName = join ? "IPPROTO_IP, IP_ADD_MEMBERSHIP" : "IPPROTO_IP, IP_DROP_MEMBERSHIP"
        guard group.isMulticast else { throw notMulticast(.v4(group), cName) }
        var request = ip_mreqn()
        request.imr_multiaddr = group.inAddr
        request.imr_address = interfaceAddress.inAddr
        request.imr_ifindex = CInt(bitPattern: interfaceIndex)
        try setOption(fd, level: CNK_IPPROTO_IP, name: name, cName, request)
    }

    /// `IPV6_JOIN_GROUP`/`IPV6_LEAVE_GROUP` with a `struct ipv6_mreq`.
    static func changeMembership(_ fd: CInt, _ group: IPv6Address, interfaceIndex: UInt32, join: Bool)
        throws(SocketError)
    {
        let name = join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP
        let cName = join ? "IPPROTO_IPV6, IPV6_JOIN_GROUP" : "IPPROTO_IPV6, IPV6_LEAVE_GROUP"
        guard group.isMulticast else { throw notMulticast(.v6(group), cName) }
        var request = ipv6_mreq()
        request.ipv6mr_multiaddr = group.in6Addr
        request.ipv6mr_interface = .init(interfaceIndex)
        try setOption(fd, level: CNK_IPPROTO_IPV6, name: name, cName, request)
    }

    /// `IPV6_MULTICAST_IF` with an index, or `IP_MULTICAST_IF` with a `struct ip_mreqn`.
    static func setInterface(_ fd: CInt, index: UInt32, ipv6: Bool) throws(SocketError) {
        if ipv6 {
            try setOption(
                fd, level: CNK_IPPROTO_IPV6, name: IPV6_MULTICAST_IF, "IPPROTO_IPV6, IPV6_MULTICAST_IF",
                CInt(bitPattern: index))
        } else {
            var request = ip_mreqn()
            request.imr_ifindex = CInt(bitPattern: index)
            try setOption(fd, level: CNK_IPPROTO_IP, name: IP_MULTICAST_IF, "IPPROTO_IP, IP_MULTICAST_IF", request)
        }
    }

    /// `IP_MULTICAST_IF` with a `struct in_addr`.
    static func setInterface(_ fd: CInt, address: IPv4Address) throws(SocketError) {
        try setOption(fd, level: CNK_IPPROTO_IP, name: IP_MULTICAST_IF, "IPPROTO_IP, IP_MULTICAST_IF", address.inAddr)
    }

    private static func notMulticast(_ group: IPAddress, _ cName: String) -> SocketError {
        var error = SocketError(.setSocketOption, .invalidArgument("\(group) is not a multicast address"))
        error.option = cName
        return error
    }

    /// `setsockopt` with a C struct value, naming the option in the error.
    private static func setOption<T>(_ fd: CInt, level: CInt, name: CInt, _ cName: String, _ value: T)
        throws(SocketError)
    {
        do {
            try setRawOption(fd: fd, level: level, name: name, value)
        } catch {
            var error = error
            error.option = cName
            throw error
        }
    }
}
