import CNetKitShims

/// An IP protocol number, as in the `protocol` argument of `socket(2)` and `/etc/protocols`.
///
/// A thin wrapper over the C `IPPROTO_*` value; any other number can be made with
/// ``init(rawValue:)``.
public struct IPProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The raw C protocol number (`IPPROTO_TCP`, ...).
    public var rawValue: CInt
    /// Creates a protocol from its raw C number.
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// The Transmission Control Protocol. The corresponding C constant is `IPPROTO_TCP`.
    public static let tcp = IPProtocol(rawValue: CNK_IPPROTO_TCP)
    /// The User Datagram Protocol. The corresponding C constant is `IPPROTO_UDP`.
    public static let udp = IPProtocol(rawValue: CNK_IPPROTO_UDP)

    /// A short name: `tcp`, `udp`, or `protocol(N)`.
    public var description: String {
        switch rawValue {
        case CNK_IPPROTO_TCP: "tcp"
        case CNK_IPPROTO_UDP: "udp"
        default: "protocol(\(rawValue))"
        }
    }
}
