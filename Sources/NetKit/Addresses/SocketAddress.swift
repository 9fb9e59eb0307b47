import CNetKitShims

/// The address of a socket endpoint: an IPv4 or IPv6 address with a port, or a Unix-domain path.
///
/// Ports are kept in host order and converted to network order only when the
/// address is turned into a C `sockaddr`. IP addresses never allocate.
public enum SocketAddress: Hashable, Sendable {
    /// An IPv4 address and port (`sockaddr_in`).
    case ipv4(IPv4Address, port: UInt16)
    /// An IPv6 address and port, with its flow label (`sockaddr_in6`). The scope is the address's ``IPv6Address/scopeID``.
    case ipv6(IPv6Address, port: UInt16, flowInfo: UInt32 = 0)
    /// A Unix-domain path or Linux abstract name (`sockaddr_un`).
    case unix(UnixSocketPath)

    /// The address family of this address.
    public var family: AddressFamily {
        switch self {
        case .ipv4: .ipv4
        case .ipv6: .ipv6
        case .unix: .unix
        }
    }

    /// The port, or `nil` for a Unix-domain address.
    public var port: UInt16? {
        switch self {
        case .ipv4(_, let port), .ipv6(_, let port, _): port
        case .unix: nil
        }
    }

    /// The IP address, or `nil` for a Unix-domain address.
    public var ipAddress: IPAddress? {
        switch self {
        case .ipv4(let address, _): .v4(address)
        case .ipv6(let address, _, _): .v6(address)
        case .unix: nil
        }
    }

    /// Creates an address from an IP address and a port.
    public init(_ address: IPAddress, port: UInt16) {
        switch address {
        case .v4(let v4): self = .ipv4(v4, port: port)
        case .v6(let v6): self = .ipv6(v6, port: port)
        }
    }

    /// The same address with another port; Unix-domain addresses are returned unchanged.
    public func withPort(_ port: UInt16) -> SocketAddress {
        switch self {
        case .ipv4(let address, _): .ipv4(address, port: port)
        case .ipv6(let address, _, let flow): .ipv6(address, port: port, flowInfo: flow)
        case .unix: self
        }
    }
}

/// An address family.
public struct AddressFamily: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The raw C value (`AF_INET`, ...).
    public var rawValue: CInt
    /// Creates a family from its raw C value.
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// IPv4. The corresponding C constant is `AF_INET`.
    public static let ipv4 = AddressFamily(rawValue: AF_INET)
    /// IPv6. The corresponding C constant is `AF_INET6`.
    public static let ipv6 = AddressFamily(rawValue: AF_INET6)
    /// Unix domain. The corresponding C constant is `AF_UNIX`.
    public static let unix = AddressFamily(rawValue: AF_UNIX)
    /// Any family (for resolver hints). The corresponding C constant is `AF_UNSPEC`.
    public static let unspecified = AddressFamily(rawValue: AF_UNSPEC)

    /// A short name: `ipv4`, `ipv6`, `unix`, `unspecified`.
    public var description: String {
        switch rawValue {
        case AF_INET: "ipv4"
        case AF_INET6: "ipv6"
        case AF_UNIX: "unix"
        case AF_UNSPEC: "unspecified"
        default: "family(\(rawValue))"
        }
    }
}
