/// An error the kernel queued for a socket, read with ``DatagramSocket/tryReceiveError(into:)``:
/// typically an ICMP message about a datagram this socket sent.
///
/// With ``SocketOption/ipv4ReceiveErrors`` (IPv4) or ``SocketOption/ipv6ReceiveErrors``
/// switched on, an unconnected UDP client learns "port unreachable" from the
/// error queue instead of waiting for a timeout. The corresponding C type is
/// `struct sock_extended_err`, read from `MSG_ERRQUEUE` (Linux).
public struct ErrorQueueEntry: Hashable, Sendable {
    /// Where the error came from. The corresponding C constants are `SO_EE_ORIGIN_*`.
    public struct Origin: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The raw `ee_origin` value.
        public var rawValue: UInt8
        /// Creates an origin from its raw value.
        public init(rawValue: UInt8) { self.rawValue = rawValue }

        /// No origin given. The corresponding C constant is `SO_EE_ORIGIN_NONE`.
        public static let none = Origin(rawValue: 0)
        /// The local stack (such as a too-long datagram). The corresponding C constant is `SO_EE_ORIGIN_LOCAL`.
        public static let local = Origin(rawValue: 1)
        /// An ICMP message. The corresponding C constant is `SO_EE_ORIGIN_ICMP`.
        public static let icmp = Origin(rawValue: 2)
        /// An ICMPv6 message. The corresponding C constant is `SO_EE_ORIGIN_ICMP6`.
        public static let icmpv6 = Origin(rawValue: 3)

        /// A short name: `local`, `icmp`, `icmpv6`, ...
        public var description: String {
            switch rawValue {
            case 0: "none"
            case 1: "local"
            case 2: "icmp"
            case 3: "icmpv6"
            default: "origin(\(rawValue))"
            }
        }
    }

    /// The error, such as `.connectionRefused` for ICMP port unreachable.
    public var errno: Errno
    /// Where the error came from.
    public var origin: Origin
    /// The ICMP type (3 is destination unreachable for ICMP; 1 for ICMPv6).
    public var type: UInt8
    /// The ICMP code (3 is port unreachable for ICMP; 4 for ICMPv6).
    public var code: UInt8
    /// Extra information, such as the MTU for "fragmentation needed".
    public var info: UInt32
    /// The address of the node that reported the error, when known. The corresponding C macro is `SO_EE_OFFENDER`.
    public var offender: SocketAddress?
    /// The destination of the datagram that caused the error.
    public var destination: SocketAddress?
    /// How many bytes of the offending datagram were returned into the caller's buffer.
    public var count: Int

    /// Creates an entry.
    public init(
        errno: Errno, origin: Origin, type: UInt8, code: UInt8, info: UInt32 = 0,
        offender: SocketAddress? = nil, destination: SocketAddress? = nil, count: Int = 0
    ) {
        self.errno = errno
        self.origin = origin
        self.type = type
        self.code = code
        self.info = info
        self.offender = offender
        self.destination = destination
        self.count = count
    }

    /// Whether this is ICMP or ICMPv6 "port unreachable": nobody listens at the destination port.
    public var isPortUnreachable: Bool {
        (origin == .icmp && type == 3 && code == 3) || (origin == .icmpv6 && type == 1 && code == 4)
    }
}
