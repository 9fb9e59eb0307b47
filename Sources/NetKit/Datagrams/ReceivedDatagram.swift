import CNetKitShims

/// What a datagram receive produced: how many bytes, from whom, and whether it was cut.
public struct ReceivedDatagram: Hashable, Sendable {
    /// The number of bytes written into the caller's buffer. Zero is a real, empty datagram.
    public var count: Int
    /// The datagram's full length. Larger than ``count`` when the buffer was too small.
    public var length: Int
    /// The sender's address, or `nil` when the call did not ask for it.
    public var sender: SocketAddress?

    /// Creates a receipt.
    public init(count: Int, length: Int, sender: SocketAddress?) {
        self.count = count
        self.length = length
        self.sender = sender
    }

    /// Whether the datagram was longer than the buffer and only its first ``count`` bytes were kept.
    /// The corresponding C flag is `MSG_TRUNC`.
    public var isTruncated: Bool { length > count }
}
