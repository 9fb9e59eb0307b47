import CNetKitShims

// MARK: - IPPROTO_IP: IPv4 options

extension SocketOption where Value == Int {
    /// The time-to-live of outgoing unicast IPv4 packets (1...255). The corresponding C constant is `IP_TTL`.
    public static var timeToLive: Self { Self(level: CNK_IPPROTO_IP, name: IP_TTL) }
    /// The type-of-service byte (DSCP and ECN) of outgoing IPv4 packets. The corresponding C constant is `IP_TOS`.
    public static var typeOfService: Self { Self(level: CNK_IPPROTO_IP, name: IP_TOS) }
    /// The time-to-live of outgoing IPv4 multicast packets (default 1: this link only).
    /// The corresponding C constant is `IP_MULTICAST_TTL`.
    public static var multicastTimeToLive: Self { Self(level: CNK_IPPROTO_IP, name: IP_MULTICAST_TTL) }
}

extension SocketOption where Value == Bool {
    /// Whether IPv4 multicast this socket sends is looped back to local members (default on).
    /// The corresponding C constant is `IP_MULTICAST_LOOP`.
    public static var multicastLoop: Self { Self(level: CNK_IPPROTO_IP, name: IP_MULTICAST_LOOP) }
}
