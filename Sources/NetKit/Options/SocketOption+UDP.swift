import CNetKitShims

// MARK: - Datagram options: control messages, offload, the error queue

extension SocketOption where Value == Bool {
    /// Delivers the receiving interface and destination address with each IPv4 datagram
    /// (``ControlMessages/packetInfo``). The corresponding C constant is `IP_PKTINFO`
    /// (`IP_RECVPKTINFO` on Darwin).
    public static var ipv4ReceivePacketInfo: Self {
        #if os(Linux)
        Self(CNK_IPPROTO_IP, "IPPROTO_IP", IP_PKTINFO, "IP_PKTINFO", .flag)
        #else
        Self(CNK_IPPROTO_IP, "IPPROTO_IP", IP_RECVPKTINFO, "IP_RECVPKTINFO", .flag)
        #endif
    }
    /// Delivers the receiving interface and destination address with each IPv6 datagram.
    /// The corresponding C constant is `IPV6_RECVPKTINFO`.
    public static var ipv6ReceivePacketInfo: Self {
        Self(CNK_IPPROTO_IPV6, "IPPROTO_IPV6", IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO", .flag)
    }
    /// Delivers the type-of-service byte (ECN included) with each IPv4 datagram
    /// (``ControlMessages/trafficClass``). The corresponding C constant is `IP_RECVTOS`.
    public static var ipv4ReceiveTypeOfService: Self {
        Self(CNK_IPPROTO_IP, "IPPROTO_IP", IP_RECVTOS, "IP_RECVTOS", .flag)
    }
    /// Delivers the traffic class (ECN included) with each IPv6 datagram.
    /// The corresponding C constant is `IPV6_RECVTCLASS`.
    public static var ipv6ReceiveTrafficClass: Self {
        Self(CNK_IPPROTO_IPV6, "IPPROTO_IPV6", IPV6_RECVTCLASS, "IPV6_RECVTCLASS", .flag)
    }
}

#if os(Linux)
extension SocketOption where Value == Bool {
    /// Queues ICMP errors for the socket, to be read with ``DatagramSocket/tryReceiveError(into:)``.
    /// The corresponding C constant is `IP_RECVERR`.
    public static var ipv4ReceiveErrors: Self { Self(CNK_IPPROTO_IP, "IPPROTO_IP", IP_RECVERR, "IP_RECVERR", .flag) }
    /// Queues ICMPv6 errors for the socket. The corresponding C constant is `IPV6_RECVERR`.
    public static var ipv6ReceiveErrors: Self {
        Self(CNK_IPPROTO_IPV6, "IPPROTO_IPV6", IPV6_RECVERR, "IPV6_RECVERR", .flag)
    }
    /// Delivers the kernel's receive time with each datagram (``ControlMessages/timestamp``).
    /// The corresponding C constant is `SO_TIMESTAMPNS`.
    public static var receiveTimestamp: Self {
        Self(SOL_SOCKET, "SOL_SOCKET", CNK_SO_TIMESTAMPNS, "SO_TIMESTAMPNS", .flag)
    }
    /// Delivers the socket's drop counter with each datagram (``ControlMessages/dropCount``).
    /// The corresponding C constant is `SO_RXQ_OVFL`.
    public static var receiveDropCount: Self { Self(SOL_SOCKET, "SOL_SOCKET", CNK_SO_RXQ_OVFL, "SO_RXQ_OVFL", .flag) }
    /// Lets the kernel coalesce consecutive datagrams of one flow into a super-datagram
    /// on receive (UDP GRO); ``ControlMessages/segmentSize`` gives the original size.
    /// The corresponding C constant is `UDP_GRO`.
    public static var udpReceiveOffload: Self { Self(CNK_IPPROTO_UDP, "IPPROTO_UDP", CNK_UDP_GRO, "UDP_GRO", .flag) }
}

extension SocketOption where Value == Int {
    /// Splits every send into datagrams of this many bytes in the kernel (UDP GSO); 0 turns it off.
    /// The corresponding C constant is `UDP_SEGMENT`.
    public static var udpSegment: Self {
        Self(CNK_IPPROTO_UDP, "IPPROTO_UDP", CNK_UDP_SEGMENT, "UDP_SEGMENT", .integer)
    }
}
#endif
