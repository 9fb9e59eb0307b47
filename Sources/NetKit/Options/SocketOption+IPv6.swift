import CNetKitShims

// MARK: - IPPROTO_IPV6: IPv6 options

extension SocketOption where Value == Bool {
    /// Restricts an IPv6 socket to IPv6 only (no IPv4-mapped traffic). The corresponding C constant is `IPV6_V6ONLY`.
    public static var ipv6Only: Self { Self(level: CNK_IPPROTO_IPV6, name: IPV6_V6ONLY) }
    /// Whether IPv6 multicast this socket sends is looped back to local members (default on).
    /// The corresponding C constant is `IPV6_MULTICAST_LOOP`.
    public static var ipv6MulticastLoop: Self { Self(level: CNK_IPPROTO_IPV6, name: IPV6_MULTICAST_LOOP) }
}

extension SocketOption where Value == Int {
    /// The hop limit of outgoing unicast IPv6 packets (1...255; -1 restores the route's default).
    /// The corresponding C constant is `IPV6_UNICAST_HOPS`.
    public static var hopLimit: Self { Self(level: CNK_IPPROTO_IPV6, name: IPV6_UNICAST_HOPS) }
    /// The hop limit of outgoing IPv6 multicast packets (default 1: this link only).
    /// The corresponding C constant is `IPV6_MULTICAST_HOPS`.
    public static var multicastHopLimit: Self { Self(level: CNK_IPPROTO_IPV6, name: IPV6_MULTICAST_HOPS) }
    /// The traffic-class byte (DSCP and ECN) of outgoing IPv6 packets. The corresponding C constant is `IPV6_TCLASS`.
    public static var trafficClass: Self { Self(level: CNK_IPPROTO_IPV6, name: IPV6_TCLASS) }
}
