import CNetKitShims

/// Name resolution: host names and services to socket addresses and back,
/// the services and protocols databases, and network interface names.
///
/// ```swift
/// let results = try Resolver.resolve(
///     host: "localhost", service: "9999",
///     hints: AddressInfoHints(socketType: .datagram))
/// for info in results { print(info.address) }   // 127.0.0.1:9999, [::1]:9999
/// ```
///
/// Every call blocks the calling thread while it reads `/etc/hosts`,
/// `/etc/services` or asks DNS; from Swift concurrency, use the `async`
/// variant of `resolve(host:service:hints:)`, which runs on its own thread.
public enum Resolver {}

// MARK: - getaddrinfo

extension Resolver {
    /// Resolves a host and service to the addresses to connect or bind to. The corresponding C call is `getaddrinfo(3)`.
    ///
    /// Results come in the order `getaddrinfo` gives them (RFC 6724 preference);
    /// entries with an address family NetKit does not model are skipped.
    ///
    /// - Parameters:
    ///   - host: A host name or numeric address (`"example.com"`, `"127.0.0.1"`, `"::1"`), or `nil`
    ///     for the wildcard (with ``AddressInfoFlags/passive``) or loopback address.
    ///   - service: A service name (`"http"`) or port number (`"80"`), or `nil` for port 0.
    ///   - hints: The family, socket type, protocol and flags wanted.
    /// - Returns: The results, never empty.
    /// - Throws: ``SocketError`` with operation ``SocketError/Operation/getaddrinfo`` and reason
    ///   ``SocketError/Reason/resolution(_:)`` carrying the `EAI_*` code, the `errno` for
    ///   `EAI_SYSTEM`, and the host and service; ``SocketError/Reason/invalidArgument(_:)``
    ///   when `host` or `service` holds a NUL byte.
    public static func resolve(
        host: String?, service: String?, hints: AddressInfoHints = .init()
    ) throws(SocketError) -> [AddressInfo] {
        let outcome = try withOptionalCString(host, named: "host", for: .getaddrinfo) { (cHost) throws(SocketError) in
            try withOptionalCString(service, named: "service", for: .getaddrinfo) { (cService) throws(SocketError) in
                ResolverCalls.addressInfo(host: cHost, service: cService, hints: hints)
            }
        }
        switch outcome {
        case .success(let results):
            return results
        case .failure(var failure):
            failure.host = host
            failure.service = service
            throw SocketError(.getaddrinfo, .resolution(failure))
        }
    }
}
