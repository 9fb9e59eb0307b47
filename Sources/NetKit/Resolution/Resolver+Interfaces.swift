import CNetKitShims

// MARK: - Network interface names

extension Resolver {
    /// Room for an interface name and its NUL: the C constant `IF_NAMESIZE`.
    static let interfaceNameSize = 16

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
            do throws(Errno) {
                return UInt32(try nonZeroOrErrno { system_if_nametoindex(cName) })
            } catch {
                throw SocketError(.interfaceIndex, errno: error)
            }
        }
    }

    /// Finds the name of a network interface from its index. The corresponding C call is `if_indextoname(3)`.
    ///
    /// - Parameter index: The interface index, such as an IPv6 address's ``IPv6Address/scopeID``.
    /// - Returns: The interface name, such as `"lo"`.
    /// - Throws: ``SocketError`` with operation ``SocketError/Operation/interfaceIndex`` and the
    ///   system error (`ENXIO` for an unknown index).
    public static func interfaceName(index: UInt32) throws(SocketError) -> String {
        var buffer = [CChar](repeating: 0, count: interfaceNameSize)
        let failure = buffer.withUnsafeMutableBufferPointer { name -> Errno? in
            guard let base = name.baseAddress else { return .noMemory }  // never: 16 elements
            do throws(Errno) {
                _ = try nonNilOrErrno { system_if_indextoname(CUnsignedInt(index), base) }
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw SocketError(.interfaceIndex, errno: failure) }
        return string(fromNulTerminated: buffer)
    }
}
