import CNetKitShims

// MARK: - Network interface names

extension Resolver {
    /// Finds the index of a network interface, as used for IPv6 scope IDs and
    /// multicast options. The corresponding C call is `if_nametoindex(3)`.
    ///
    /// - Parameter name: The interface name, such as `"lo"` or `"eth0"`.
    /// - Returns: The interface index, never 0.
    /// - Throws: ``SocketError`` with operation ``SocketError/Operation/interfaceIndex``: the system
    ///   error (`ENODEV` on Linux for an unknown name), or ``SocketError/Reason/invalidArgument(_:)``
    ///   when `name` holds a NUL byte.
    public static func interfaceIndex(named name: String) throws(SocketError) -> UInt32 {
        try withCheckedCString(name, named: "interface", for: .interfaceIndex) { (cName) throws(SocketError) in
            try ResolverCalls.interfaceIndex(named: cName)
        }
    }

    /// Finds the name of a network interface from its index. The corresponding C call is `if_indextoname(3)`.
    ///
    /// - Parameter index: The interface index, such as an IPv6 address's ``IPv6Address/scopeID``.
    /// - Returns: The interface name, such as `"lo"`.
    /// - Throws: ``SocketError`` with operation ``SocketError/Operation/interfaceIndex`` and the
    ///   system error (`ENXIO` for an unknown index).
    public static func interfaceName(index: UInt32) throws(SocketError) -> String {
        switch ResolverCalls.interfaceName(index: index) {
        case .success(let name): return name
        case .failure(let error): throw SocketError(.interfaceIndex, errno: error)
        }
    }
}
