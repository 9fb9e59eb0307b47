/// An IP address of either version.
public enum IPAddress: Hashable, Sendable, Comparable {
    /// An IPv4 address.
    case v4(IPv4Address)
    /// An IPv6 address.
    case v6(IPv6Address)

    /// `127.0.0.1`, the IPv4 loopback address.
    public static let loopback = IPAddress.v4(.loopback)
    /// `0.0.0.0`, every local IPv4 address.
    public static let any = IPAddress.v4(.any)

    /// The address family: ``AddressFamily/ipv4`` or ``AddressFamily/ipv6``.
    public var family: AddressFamily {
        switch self {
        case .v4: .ipv4
        case .v6: .ipv6
        }
    }

    /// Orders all IPv4 addresses before all IPv6 addresses, each numerically.
    public static func < (lhs: IPAddress, rhs: IPAddress) -> Bool {
        switch (lhs, rhs) {
        case (.v4(let a), .v4(let b)): a < b
        case (.v6(let a), .v6(let b)): a < b
        case (.v4, .v6): true
        case (.v6, .v4): false
        }
    }
}
