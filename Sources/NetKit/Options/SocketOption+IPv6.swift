import CNetKitShims

// MARK: - IPPROTO_IPV6: IPv6 options (each named `ipv6…`; its IPv4 twin is `ipv4…`)

extension SocketOption where Value == Bool {
    /// Restricts an IPv6 socket to IPv6 only (no IPv4-mapped traffic); set it before
    /// binding. The corresponding C constant is `IPV6_V6ONLY`.
    public static var ipv6Only: Self { Self(CNK_IPPROTO_IPV6, "IPPROTO_IPV6", IPV6_V6ONLY, "IPV6_V6ONLY", .flag) }
    /// Whether IPv6 multicast this socket sends is looped back to local members (default on).
    /// The corresponding C constant is `IPV6_MULTICAST_LOOP`.
    public static var ipv6MulticastLoop: Self {
        Self(CNK_IPPROTO_IPV6, "IPPROTO_IPV6", IPV6_MULTICAST_LOOP, "IPV6_MULTICAST_LOOP", .flag)
    }
}

extension SocketOption where Value == Int {
    /// The hop limit of outgoing unicast IPv6 packets (1...255; -1 restores the route's default).
    /// The corresponding C constant is `IPV6_UNICAST_HOPS`.
    public static var ipv6HopLimit: Self {
        Self(CNK_IPPROTO_IPV6, "IPPROTO_IPV6", IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS", .integer)
    }
    /// The hop limit of outgoing IPv6 multicast packets (default 1: this link only).
    /// The corresponding C constant is `IPV6_MULTICAST_HOPS`.
    public static var ipv6MulticastHopLimit: Self {
        Self(CNK_IPPROTO_IPV6, "IPPROTO_IPV6", IPV6_MULTICAST_HOPS, "IPV6_MULTICAST_HOPS", .integer)
    }
    /// The traffic-class byte (DSCP and ECN) of outgoing IPv6 packets. The corresponding C constant is `IPV6_TCLASS`.
    public static var ipv6TrafficClass: Self {
        Self(CNK_IPPROTO_IPV6, "IPPROTO_IPV6", IPV6_TCLASS, "IPV6_TCLASS", .integer)
    }
}
