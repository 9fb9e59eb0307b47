import CNetKitShims

/// The control messages (ancillary data) that travel with a datagram: decoded
/// from a receive, or given to a send.
///
/// ```swift
/// try socket.setOption(.ipv4ReceivePacketInfo, true)
/// let message = try socket.receiveMessage(into: buffer)
/// if let info = message.control.packetInfo {
///     // Reply from the address the datagram was sent to.
///     try socket.send(reply, to: message.sender!, control: ControlMessages(packetInfo: info))
/// }
/// ```
///
/// Each field is `nil` unless the kernel delivered it (after the matching
/// receive option is switched on) or the caller set it for a send. Fields a
/// send does not use are ignored there.
public struct ControlMessages: Hashable, Sendable {
    /// The receiving interface and the datagram's destination address; on send, the
    /// interface and source address to use. The corresponding C messages are
    /// `IP_PKTINFO` and `IPV6_PKTINFO`.
    public var packetInfo: PacketInfo?
    /// The IPv4 type-of-service byte or IPv6 traffic class, ECN bits included.
    /// The corresponding C messages are `IP_TOS` and `IPV6_TCLASS`.
    public var trafficClass: UInt8?
    /// The UDP segment size: on receive, the size of the datagrams a GRO
    /// super-datagram coalesces; on send, the size to split the buffer into.
    /// The corresponding C messages are `UDP_GRO` and `UDP_SEGMENT` (Linux).
    public var segmentSize: Int?
    /// When the kernel received the datagram, since the Unix epoch (receive only).
    /// The corresponding C message is `SCM_TIMESTAMPNS` (Linux).
    public var timestamp: Duration?
    /// How many datagrams the socket has dropped so far for want of buffer space
    /// (receive only). The corresponding C message is `SO_RXQ_OVFL` (Linux).
    public var dropCount: UInt32?

    /// Creates control messages; every field defaults to absent.
    public init(
        packetInfo: PacketInfo? = nil, trafficClass: UInt8? = nil, segmentSize: Int? = nil,
        timestamp: Duration? = nil, dropCount: UInt32? = nil
    ) {
        self.packetInfo = packetInfo
        self.trafficClass = trafficClass
        self.segmentSize = segmentSize
        self.timestamp = timestamp
        self.dropCount = dropCount
    }

    /// The ECN codepoint: the low two bits of ``trafficClass``.
    public var ecn: ExplicitCongestionNotification? {
        trafficClass.map { ExplicitCongestionNotification(rawValue: $0 & 0b11)! }
    }
}
