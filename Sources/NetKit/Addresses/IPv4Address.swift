import CNetKitShims

/// An IPv4 address: a small value that is cheap to copy, compare and hash.
///
/// The address is kept as a host-order `UInt32` (`1.2.3.4` is `0x01020304`) and
/// converted to network order only at the `sockaddr` edge.
public struct IPv4Address: Hashable, Sendable, Comparable {
    /// The address as a host-order integer: `1.2.3.4` is `0x0102_0304`.
    public var value: UInt32

    /// Creates an address from a host-order integer (`0x7F00_0001` is `127.0.0.1`).
    public init(_ value: UInt32) { self.value = value }

    /// Creates an address from its four octets, most significant first.
    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) {
        value = UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
    }

    /// The four octets, most significant first, as they appear on the wire.
    public var octets: (UInt8, UInt8, UInt8, UInt8) {
        (
            UInt8(truncatingIfNeeded: value >> 24), UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value)
        )
    }

    /// `127.0.0.1`. The corresponding C constant is `INADDR_LOOPBACK`.
    public static let loopback = IPv4Address(127, 0, 0, 1)
    /// `0.0.0.0`, every local address. The corresponding C constant is `INADDR_ANY`.
    public static let any = IPv4Address(0)
    /// `255.255.255.255`. The corresponding C constant is `INADDR_BROADCAST`.
    public static let broadcast = IPv4Address(0xFFFF_FFFF)

    /// Whether the address is in `127.0.0.0/8`.
    public var isLoopback: Bool { value >> 24 == 127 }
    /// Whether the address is in `224.0.0.0/4`.
    public var isMulticast: Bool { value >> 28 == 0xE }

    /// Orders addresses numerically.
    public static func < (lhs: IPv4Address, rhs: IPv4Address) -> Bool { lhs.value < rhs.value }

    /// The C `in_addr` (network byte order).
    var inAddr: in_addr { in_addr(s_addr: value.bigEndian) }

    /// Creates an address from a C `in_addr` (network byte order).
    init(_ address: in_addr) { value = UInt32(bigEndian: address.s_addr) }
}
