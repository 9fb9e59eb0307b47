import CNetKitShims

/// Flags that change how ``Resolver/name(of:flags:)`` answers: the `NI_*` flags of `getnameinfo(3)`.
public struct NameInfoFlags: OptionSet, Hashable, Sendable {
    /// The raw C flags.
    public var rawValue: CInt
    /// Creates flags from their raw C value.
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// Return the host as a numeric address; never query DNS. The corresponding C constant is `NI_NUMERICHOST`.
    public static let numericHost = NameInfoFlags(rawValue: NI_NUMERICHOST)
    /// Return the service as a port number; never read `/etc/services`. The corresponding C constant is `NI_NUMERICSERV`.
    public static let numericService = NameInfoFlags(rawValue: NI_NUMERICSERV)
    /// Fail with `EAI_NONAME` rather than fall back to the numeric host. The corresponding C constant is `NI_NAMEREQD`.
    public static let nameRequired = NameInfoFlags(rawValue: NI_NAMEREQD)
    /// Look the port up as a UDP service (some ports differ). The corresponding C constant is `NI_DGRAM`.
    public static let datagram = NameInfoFlags(rawValue: NI_DGRAM)
    /// Return only the host part of local fully qualified names. The corresponding C constant is `NI_NOFQDN`.
    public static let noFullyQualifiedDomain = NameInfoFlags(rawValue: NI_NOFQDN)
}
