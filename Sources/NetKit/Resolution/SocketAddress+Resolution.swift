import CNetKitShims

// MARK: - Resolving a host to socket addresses

extension SocketAddress {
    /// Resolves a host name or numeric address to the socket addresses to reach it on `port`.
    /// The corresponding C call is `getaddrinfo(3)`.
    ///
    /// A shortcut for `Resolver.resolve(host:service:hints:)` when all you want is
    /// where to `connect` or `sendto`:
    ///
    /// ```swift
    /// let server = try SocketAddress.addresses(host: "localhost", port: 9999, type: .datagram)
    /// // [127.0.0.1:9999] (and [::1]:9999 where /etc/hosts lists it)
    /// ```
    ///
    /// - Parameters:
    ///   - host: A host name or numeric address: `"localhost"`, `"127.0.0.1"`, `"::1"`, `"example.com"`.
    ///   - port: The port, in host byte order.
    ///   - type: The socket type the addresses are for.
    ///   - family: ``AddressFamily/ipv4`` or ``AddressFamily/ipv6`` to get only that family.
    /// - Returns: The addresses in the resolver's order of preference, without duplicates; never empty.
    /// - Throws: ``SocketError`` as `Resolver.resolve(host:service:hints:)` throws it.
    public static func addresses(
        host: String, port: UInt16, type: SocketType = .stream, family: AddressFamily = .unspecified
    ) throws(SocketError) -> [SocketAddress] {
        let results = try Resolver.resolve(
            host: host, service: String(port),
            hints: resolutionHints(type: type, family: family))
        return uniqueAddresses(results)
    }

    /// Resolves a host to socket addresses without blocking the caller.
    /// The corresponding C call is `getaddrinfo(3)`, made on a thread of its own.
    ///
    /// The `async` form of ``addresses(host:port:type:family:)``, with the cancellation
    /// behaviour of the `async` `Resolver.resolve(host:service:hints:)`.
    ///
    /// - Parameters:
    ///   - host: A host name or numeric address.
    ///   - port: The port, in host byte order.
    ///   - type: The socket type the addresses are for.
    ///   - family: ``AddressFamily/ipv4`` or ``AddressFamily/ipv6`` to get only that family.
    /// - Returns: The addresses in the resolver's order of preference, without duplicates; never empty.
    /// - Throws: ``SocketError`` as the `async` `Resolver.resolve(host:service:hints:)` throws it.
    public static func addresses(
        host: String, port: UInt16, type: SocketType = .stream, family: AddressFamily = .unspecified
    ) async throws(SocketError) -> [SocketAddress] {
        let results = try await Resolver.resolve(
            host: host, service: String(port),
            hints: resolutionHints(type: type, family: family))
        return uniqueAddresses(results)
    }

    private static func resolutionHints(type: SocketType, family: AddressFamily) -> AddressInfoHints {
        AddressInfoHints(family: family, socketType: type, flags: .numericService)
    }

    private static func uniqueAddresses(_ results: [AddressInfo]) -> [SocketAddress] {
        var seen: Set<SocketAddress> = []
        return results.map(\.address).filter { seen.insert($0).inserted }
    }
}
