import CNetKitShims

// MARK: - getnameinfo

extension Resolver {
    /// Room for any host name: the C constant `NI_MAXHOST`.
    /// Room for any service name: the C constant `NI_MAXSERV`.

    /// Finds the host and service names of an address. The corresponding C call is `getnameinfo(3)`.
    ///
    /// Without flags a host with no name comes back as its numeric address, and a
    /// port with no service name as its number.
    ///
    /// ```swift
    /// let (host, service) = try Resolver.name(of: .ipv4(.loopback, port: 80), flags: [.numericHost, .numericService])
    /// // ("127.0.0.1", "80")
    /// ```
    ///
    /// - Parameters:
    ///   - address: An IPv4 or IPv6 socket address; a Unix-domain address throws `EAI_FAMILY`.
    ///   - flags: The `NI_*` flags.
    /// - Returns: The host name (or numeric address) and service name (or port number).
    /// - Throws: ``SocketError`` with operation ``SocketError/Operation/getnameinfo``, the address, and
    ///   reason ``SocketError/Reason/resolution(_:)`` carrying the `EAI_*` code: `EAI_FAMILY` for a
    ///   Unix-domain address, `EAI_NONAME` with ``NameInfoFlags/nameRequired`` when the host has no name.
    public static func name(
        of address: SocketAddress, flags: NameInfoFlags = []
    ) throws(SocketError) -> (host: String, service: String) {
        // glibc would answer for AF_UNIX with the machine's name and the path; other
        // systems refuse it. NetKit refuses it everywhere, before calling.
        if case .unix = address {
            throw SocketError(.getnameinfo, .resolution(ResolverError(code: EAI_FAMILY)), address: address)
        }
        let (failure, host, service) = ResolverCalls.nameInfo(of: address, flags: flags.rawValue)
        if let failure { throw SocketError(.getnameinfo, .resolution(failure), address: address) }
        return (host, service)
    }
}
