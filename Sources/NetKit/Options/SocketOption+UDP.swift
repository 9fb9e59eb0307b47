import CNetKitShims

// MARK: - Datagram options: control messages, offload, the error queue

extension SocketOption where Value == Bool {
    /// Delivers the receiving interface and destination address with each IPv4 datagram
    /// (``ControlMessages/packetInfo``). The corresponding C constant is `IP_PKTINFO`
    /// (`IP_RECVPKTINFO` on Darwin).
    public static var receivePacketInfo: Self {
        #if os(Linux)
        Self(level: CNK_IPPROTO_IP, name: IP_PKTINFO)
        #else
        Self(level: CNK_IPPROTO_IP, name: IP_RECVPKTINFO)
        #endif
    }
    /// Delivers the receiving interface and destination address with each IPv6 datagram.
    /// The corresponding C constant is `IPV6_RECVPKTINFO`.
    public static var receivePacketInfoIPv6: Self { Self(level: CNK_IPPROTO_IPV6, name: IPV6_RECVPKTINFO) }
    /// Delivers the type-of-service byte (ECN included) with each IPv4 datagram
    /// (``ControlMessages/trafficClass``). The corresponding C constant is `IP_RECVTOS`.
    public static var receiveTypeOfService: Self { Self(level: CNK_IPPROTO_IP, name: IP_RECVTOS) }
    /// Delivers the traffic class (ECN included) with each IPv6 datagram.
    /// The corresponding C constant is `IPV6_RECVTCLASS`.
    public static var receiveTrafficClass: Self { Self(level: CNK_IPPROTO_IPV6, name: IPV6_RECVTCLASS) }
}

#if os(Linux)
extension SocketOption where Value == Bool {
    /// Queues ICMP errors for the socket, to be read with ``DatagramSocket/tryReceiveError(into:)``.
    /// The corresponding C constant is `IP_RECVERR`.
    public static var receiveErrors: Self { Self(level: CNK_IPPROTO_IP, name: IP_RECVERR) }
    /// Queues ICMPv6 errors for the socket. The corresponding C constant is `IPV6_RECVERR`.
    public static var receiveErrorsIPv6: Self { Self(level: CNK_IPPROTO_IPV6, name: IPV6_RECVERR) }
    /// Delivers the kernel's receive time with each datagram (``ControlMessages/timestamp``).
    /// The corresponding C constant is `SO_TIMESTAMPNS`.
    public static var receiveTimestamp: Self { Self(level: SOL_SOCKET, name: CNK_SO_TIMESTAMPNS) }
    /// Delivers the socket's drop counter with each datagram (``ControlMessages/dropCount``).
    /// The corresponding C constant is `SO_RXQ_OVFL`.
    public static var receiveDropCount: Self { Self(level: SOL_SOCKET, name: CNK_SO_RXQ_OVFL) }
    /// Lets the kernel coalesce consecutive datagrams of one flow into a super-datagram
    /// on receive (UDP GRO); ``ControlMessages/segmentSize`` gives the original size.
    /// The corresponding C constant is `UDP_GRO`.
    public static var udpReceiveOffload: Self { Self(level: CNK_IPPROTO_UDP, name: CNK_UDP_GRO) }
}

extension SocketOption where Value == Int {
    /// Splits every send into datagrams of this many bytes in the kernel (UDP GSO); 0 turns it off.
    /// The corresponding C constant is `UDP_SEGMENT`.
    public static var udpSegment: Self { Self(level: CNK_IPPROTO_UDP, name: CNK_UDP_SEGMENT) }
}
#endif
