/// A received datagram with its own bytes, from ``DatagramSocket/receive(maxCount:flags:)``.
public struct Datagram: Hashable, Sendable {
    /// The bytes received (at most the `maxCount` asked for).
    public var bytes: [UInt8]
    /// The sender's address, or `nil` when the socket reports none.
    public var sender: SocketAddress?
    /// The datagram's full length; larger than `bytes.count` when it was cut.
    public var length: Int

    /// Creates a datagram.
    public init(bytes: [UInt8], sender: SocketAddress?, length: Int) {
        self.bytes = bytes
        self.sender = sender
        self.length = length
    }

    /// Whether the datagram was longer than `maxCount` and cut. The corresponding C flag is `MSG_TRUNC`.
    public var isTruncated: Bool { length > bytes.count }
}
