import CNetKitShims

/// An IPv6 address, with an optional scope (zone) for link-local addresses.
///
/// The 128 bits are kept as two host-order `UInt64` halves, so the value is
/// small, compares numerically, and never allocates.
public struct IPv6Address: Hashable, Sendable, Comparable {
    /// The most significant 64 bits, host order.
    public var high: UInt64
    /// The least significant 64 bits, host order.
    public var low: UInt64
    /// The scope (zone) as an interface index, `0` for none: the `%eth0` in `fe80::1%eth0`.
    public var scopeID: UInt32

    /// Creates an address from its two host-order halves and an optional scope.
    public init(high: UInt64, low: UInt64, scopeID: UInt32 = 0) {
        self.high = high
        self.low = low
        self.scopeID = scopeID
    }

    /// Creates an address from its eight 16-bit groups, most significant first.
    public init(
        _ g0: UInt16, _ g1: UInt16, _ g2: UInt16, _ g3: UInt16,
        _ g4: UInt16, _ g5: UInt16, _ g6: UInt16, _ g7: UInt16, scopeID: UInt32 = 0
    ) {
        high = UInt64(g0) << 48 | UInt64(g1) << 32 | UInt64(g2) << 16 | UInt64(g3)
        low = UInt64(g4) << 48 | UInt64(g5) << 32 | UInt64(g6) << 16 | UInt64(g7)
        self.scopeID = scopeID
    }

    /// The group at `index` (0 to 7), most significant first.
    public func group(_ index: Int) -> UInt16 {
        let half = index < 4 ? high : low
        return UInt16(truncatingIfNeeded: half >> (UInt64(3 - index % 4) * 16))
    }

    /// `::1`. The corresponding C constant is `in6addr_loopback`.
    public static let loopback = IPv6Address(high: 0, low: 1)
    /// `::`, every local address. The corresponding C constant is `in6addr_any`.
    public static let any = IPv6Address(high: 0, low: 0)

    /// Creates the IPv4-mapped address `::ffff:a.b.c.d`.
    public init(ipv4Mapped address: IPv4Address) {
        self.init(high: 0, low: 0xFFFF_0000_0000 | UInt64(address.value))
    }

    /// The IPv4 address inside an IPv4-mapped address (`::ffff:a.b.c.d`), or `nil`.
    public var ipv4Mapped: IPv4Address? {
        guard high == 0, low >> 32 == 0xFFFF else { return nil }
        return IPv4Address(UInt32(truncatingIfNeeded: low))
    }

    /// Whether this is `::1`.
    public var isLoopback: Bool { high == 0 && low == 1 }
    /// Whether the address is in `fe80::/10`.
    public var isLinkLocal: Bool { high >> 54 == 0x3FA }
    /// Whether the address is in `ff00::/8`.
    public var isMulticast: Bool { high >> 56 == 0xFF }

    /// Orders addresses numerically, then by scope.
    public static func < (lhs: IPv6Address, rhs: IPv6Address) -> Bool {
        (lhs.high, lhs.low, lhs.scopeID) < (rhs.high, rhs.low, rhs.scopeID)
    }

    /// The C `in6_addr` (network byte order).
    var in6Addr: in6_addr {
        var result = in6_addr()
        withUnsafeMutableBytes(of: &result) { raw in
            raw.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
        return result
    }

    /// Creates an address from a C `in6_addr` (network byte order).
    init(_ address: in6_addr, scopeID: UInt32 = 0) {
        var copy = address
        (high, low) = withUnsafeBytes(of: &copy) { raw in
            (
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            )
        }
        self.scopeID = scopeID
    }
}
