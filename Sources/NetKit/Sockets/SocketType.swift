import CNetKitShims

/// The kind of a socket: a byte stream, datagrams, raw packets or sequenced packets.
///
/// A thin wrapper over the C `SOCK_*` value; any other value can be made with
/// ``init(rawValue:)``.
public struct SocketType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The raw C value (`SOCK_STREAM`, ...).
    public var rawValue: CInt
    /// Creates a socket type from its raw C value.
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// A reliable, ordered byte stream (TCP). The corresponding C constant is `SOCK_STREAM`.
    public static let stream = SocketType(rawValue: CNK_SOCK_STREAM)
    /// Unreliable, unordered datagrams with boundaries (UDP). The corresponding C constant is `SOCK_DGRAM`.
    public static let datagram = SocketType(rawValue: CNK_SOCK_DGRAM)
    /// Raw network-layer packets. The corresponding C constant is `SOCK_RAW`.
    public static let raw = SocketType(rawValue: CNK_SOCK_RAW)
    /// A reliable, ordered, connected stream of datagrams. The corresponding C constant is `SOCK_SEQPACKET`.
    public static let seqPacket = SocketType(rawValue: CNK_SOCK_SEQPACKET)

    /// A short name: `stream`, `datagram`, `raw`, `seqPacket`, or `type(N)`.
    public var description: String {
        switch rawValue {
        case CNK_SOCK_STREAM: "stream"
        case CNK_SOCK_DGRAM: "datagram"
        case CNK_SOCK_RAW: "raw"
        case CNK_SOCK_SEQPACKET: "seqPacket"
        default: "type(\(rawValue))"
        }
    }
}
