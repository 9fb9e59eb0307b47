import CNetKitShims

// MARK: - IPPROTO_IP: IPv4 options (each named `ipv4…`; its IPv6 twin is `ipv6…`)

extension SocketOption where Value == Int {
    /// The time-to-live of outgoing unicast IPv4 packets (1...255); the IPv6 twin is
    /// ``ipv6HopLimit``. The corresponding C constant is `IP_TTL`.
    public static var ipv4TimeToLive: Self { Self(CNK_IPPROTO_IP, "IPPROTO_IP", IP_TTL, "IP_TTL", .integer) }
    /// The type-of-service byte (DSCP and ECN) of outgoing IPv4 packets; the IPv6 twin
    /// is ``ipv6TrafficClass``. The corresponding C constant is `IP_TOS`.
    public static var ipv4TypeOfService: Self { Self(CNK_IPPROTO_IP, "IPPROTO_IP", IP_TOS, "IP_TOS", .integer) }
    /// The time-to-live of outgoing IPv4 multicast packets (default 1: this link only);
    /// the IPv6 twin is ``ipv6MulticastHopLimit``. The corresponding C constant is `IP_MULTICAST_TTL`.
    public static var ipv4MulticastTimeToLive: Self {
        Self(CNK_IPPROTO_IP, "IPPROTO_IP", IP_MULTICAST_TTL, "IP_MULTICAST_TTL", .integer)
    }
}

extension SocketOption where Value == Bool {
    /// Whether IPv4 multicast this socket sends is looped back to local members (default on).
    /// The corresponding C constant is `IP_MULTICAST_LOOP`.
    public static var ipv4MulticastLoop: Self {
        Self(CNK_IPPROTO_IP, "IPPROTO_IP", IP_MULTICAST_LOOP, "IP_MULTICAST_LOOP", .flag)
    }
}
