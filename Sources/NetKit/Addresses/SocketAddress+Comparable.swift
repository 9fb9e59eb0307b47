// MARK: - Ordering

extension SocketAddress: Comparable {
    /// Orders IPv4 before IPv6 before Unix addresses; IP addresses by address, then
    /// port, then flow label; Unix addresses as ``UnixSocketPath`` orders them.
    public static func < (lhs: SocketAddress, rhs: SocketAddress) -> Bool {
        switch (lhs, rhs) {
        case (.ipv4(let a, let aPort), .ipv4(let b, let bPort)):
            (a.value, aPort) < (b.value, bPort)
        case (.ipv6(let a, let aPort, let aFlow), .ipv6(let b, let bPort, let bFlow)):
            a != b ? a < b : (aPort, aFlow) < (bPort, bFlow)
        case (.unix(let a), .unix(let b)):
            a < b
        default:
            lhs.rank < rhs.rank
        }
    }

    /// The family's place in the order: IPv4, IPv6, Unix.
    private var rank: Int {
        switch self {
        case .ipv4: 0
        case .ipv6: 1
        case .unix: 2
        }
    }
}

extension UnixSocketPath: Comparable {
    /// Orders file-system paths before abstract names, each by their bytes.
    public static func < (lhs: UnixSocketPath, rhs: UnixSocketPath) -> Bool {
        if lhs.isAbstract != rhs.isAbstract { return !lhs.isAbstract }
        return lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in a.lexicographicallyPrecedes(b) } }
    }
}
