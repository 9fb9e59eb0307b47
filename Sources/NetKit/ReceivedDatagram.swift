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

/// Flags for a send or receive call.
public struct MessageFlags: OptionSet, Hashable, Sendable {
    /// The raw C flags.
    public var rawValue: CInt
    /// Creates flags from raw C flags.
    public init(rawValue: CInt) { self.rawValue = rawValue }

    /// Look at the data without removing it from the queue. The corresponding C constant is `MSG_PEEK`.
    public static let peek = MessageFlags(rawValue: CInt(MSG_PEEK))
    /// Wait for the full amount (streams). The corresponding C constant is `MSG_WAITALL`.
    public static let waitAll = MessageFlags(rawValue: CInt(MSG_WAITALL))
    /// Don't block for this call only. The corresponding C constant is `MSG_DONTWAIT`.
    public static let dontWait = MessageFlags(rawValue: CInt(MSG_DONTWAIT))
    /// Send out-of-band data. The corresponding C constant is `MSG_OOB`.
    public static let outOfBand = MessageFlags(rawValue: CInt(MSG_OOB))
    /// Bypass routing; send only to directly connected hosts. The corresponding C constant is `MSG_DONTROUTE`.
    public static let dontRoute = MessageFlags(rawValue: CInt(MSG_DONTROUTE))
}
