import CNetKitShims

/// What `Resolver.resolve(host:service:hints:)` should return: the `hints` argument of `getaddrinfo(3)`.
///
/// The default asks for every family, socket type and protocol with no flags.
/// (This differs from passing `NULL` hints in C, which glibc treats as
/// `AI_V4MAPPED | AI_ADDRCONFIG`.)
public struct AddressInfoHints: Hashable, Sendable {
    /// The address family wanted, or ``AddressFamily/unspecified`` for any. The C field is `ai_family`.
    public var family: AddressFamily
    /// The socket type wanted, or `nil` for any. The C field is `ai_socktype`.
    public var socketType: SocketType?
    /// The protocol wanted, or `nil` for any. The C field is `ai_protocol`.
    public var `protocol`: IPProtocol?
    /// Flags that change how names are resolved. The C field is `ai_flags`.
    public var flags: AddressInfoFlags

    /// Creates hints; every argument defaults to "any".
    ///
    /// - Parameters:
    ///   - family: The address family wanted (`ai_family`).
    ///   - socketType: The socket type wanted (`ai_socktype`).
    ///   - protocol: The protocol wanted (`ai_protocol`).
    ///   - flags: The `AI_*` flags (`ai_flags`).
    public init(
        family: AddressFamily = .unspecified,
        socketType: SocketType? = nil,
        protocol: IPProtocol? = nil,
        flags: AddressInfoFlags = []
    ) {
        self.family = family
        self.socketType = socketType
        self.protocol = `protocol`
        self.flags = flags
    }

    /// The hints as a C `addrinfo`, all other fields zero.
    var cValue: addrinfo {
        var hints = addrinfo()
        hints.ai_flags = flags.rawValue
        hints.ai_family = family.rawValue
        hints.ai_socktype = socketType?.rawValue ?? 0
        hints.ai_protocol = self.protocol?.rawValue ?? 0
        return hints
    }
}
