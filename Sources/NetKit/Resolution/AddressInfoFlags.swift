import CNetKitShims

/// Flags that change how `Resolver.resolve(host:service:hints:)` resolves: the `AI_*` flags of `getaddrinfo(3)`.
public struct AddressInfoFlags: OptionSet, Hashable, Sendable {
    /// The raw C flags.
    public var rawValue: CInt
    /// Creates flags from their raw C value.
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// With no host, return the wildcard address, for `bind`. The corresponding C constant is `AI_PASSIVE`.
    public static let passive = AddressInfoFlags(rawValue: AI_PASSIVE)
    /// The host must be a numeric address; never query DNS. The corresponding C constant is `AI_NUMERICHOST`.
    public static let numericHost = AddressInfoFlags(rawValue: AI_NUMERICHOST)
    /// The service must be a port number; never read `/etc/services`. The corresponding C constant is `AI_NUMERICSERV`.
    public static let numericService = AddressInfoFlags(rawValue: AI_NUMERICSERV)
    /// Report the host's canonical name in the first result. The corresponding C constant is `AI_CANONNAME`.
    public static let canonicalName = AddressInfoFlags(rawValue: AI_CANONNAME)
    /// Return IPv4 or IPv6 addresses only if a non-loopback address of that family is configured.
    /// The corresponding C constant is `AI_ADDRCONFIG`.
    public static let addressConfig = AddressInfoFlags(rawValue: AI_ADDRCONFIG)
    /// With family ``AddressFamily/ipv6``, return IPv4-mapped addresses when there are no IPv6 ones.
    /// The corresponding C constant is `AI_V4MAPPED`.
    public static let v4Mapped = AddressInfoFlags(rawValue: AI_V4MAPPED)
    /// With ``v4Mapped``, return IPv6 and IPv4-mapped addresses both. The corresponding C constant is `AI_ALL`.
    public static let all = AddressInfoFlags(rawValue: AI_ALL)
}
