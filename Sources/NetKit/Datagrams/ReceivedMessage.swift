/// What a message receive produced: the datagram and its decoded control messages.
public struct ReceivedMessage: Hashable, Sendable {
    /// The bytes written, the full length and the sender, as ``DatagramSocket/receive(into:flags:)-(UnsafeMutableRawBufferPointer,_)`` reports them.
    public var datagram: ReceivedDatagram
    /// The control messages that came with the datagram.
    public var control: ControlMessages
    /// Whether some control messages were dropped for want of room. The corresponding C flag is `MSG_CTRUNC`.
    public var isControlTruncated: Bool

    /// Creates a receipt.
    public init(datagram: ReceivedDatagram, control: ControlMessages, isControlTruncated: Bool = false) {
        self.datagram = datagram
        self.control = control
        self.isControlTruncated = isControlTruncated
    }

    /// The number of bytes written into the caller's buffer.
    public var count: Int { datagram.count }
    /// The sender's address.
    public var sender: SocketAddress? { datagram.sender }
}
