import CNetKitShims

// MARK: - recvmsg / sendmsg with control messages

extension DatagramSocket {
    /// Receives one datagram with its control messages. The corresponding C call is `recvmsg(2)`.
    ///
    /// Switch on the options for what you want delivered first, such as
    /// ``SocketOption/ipv4ReceivePacketInfo`` or ``SocketOption/udpReceiveOffload``.
    /// Allocates nothing: the address and control buffers live on the stack.
    /// - Throws: ``SocketError`` from `recvmsg`; `.timedOut` when a receive timeout passes.
    public func receiveMessage(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []) throws(SocketError)
        -> ReceivedMessage
    {
        try SocketCalls.receiveMessage(descriptor, buffer, flags: flags.rawValue)
    }

    /// Receives one datagram with its control messages without blocking; `nil` when none is queued.
    ///
    /// - Throws: ``SocketError`` from `recvmsg` for anything but "would block".
    public func tryReceiveMessage(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = [])
        throws(SocketError) -> ReceivedMessage?
    {
        try SocketCalls.tryReceiveMessage(descriptor, buffer, flags: flags.rawValue)
    }

    /// Sends one datagram with control messages, to `address` or (with `nil`) to the
    /// connected peer. The corresponding C call is `sendmsg(2)`.
    ///
    /// ```swift
    /// // Answer from the address the request was sent to.
    /// try socket.send(reply, to: request.sender, control: ControlMessages(packetInfo: request.control.packetInfo))
    /// ```
    /// Uses ``ControlMessages/packetInfo`` (source address and interface),
    /// ``ControlMessages/trafficClass`` and ``ControlMessages/segmentSize``.
    /// - Throws: ``SocketError`` from `sendmsg`.
    @discardableResult
    public func send(
        _ bytes: UnsafeRawBufferPointer, to address: SocketAddress?, control: ControlMessages, flags: MessageFlags = []
    ) throws(SocketError) -> Int {
        try SocketCalls.sendMessage(descriptor, bytes, to: address, control: control, flags: flags.rawValue)
    }
}

#if os(Linux)
// MARK: - UDP segmentation offload and the error queue (Linux)

extension DatagramSocket {
    /// Sends `bytes` as datagrams of `segmentSize` bytes each (the last may be shorter),
    /// split by the kernel or the NIC: one system call for up to 64 datagrams.
    /// The corresponding C call is `sendmsg(2)` with a `UDP_SEGMENT` control message.
    ///
    /// `bytes` may hold at most 64 segments and 65,507 bytes (less for IPv6).
    /// Check ``supportsSegmentationOffload`` first.
    /// - Throws: ``SocketError`` from `sendmsg`: `.invalidArgument` when the
    ///   kernel refuses the size, `.messageTooLong` when `bytes` is too big.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress, segmentSize: Int) throws(SocketError)
        -> Int
    {
        try send(bytes, to: address, control: ControlMessages(segmentSize: segmentSize))
    }

    /// Whether the running kernel supports UDP segmentation offload (`UDP_SEGMENT`, Linux 4.18+).
    ///
    /// Probed once, with a throwaway socket.
    public static var supportsSegmentationOffload: Bool { SocketCalls.offloadSupport.segmentation }

    /// Whether the running kernel supports UDP receive offload (`UDP_GRO`, Linux 5.0+).
    ///
    /// Probed once, with a throwaway socket.
    public static var supportsReceiveOffload: Bool { SocketCalls.offloadSupport.receive }

    /// Reads one entry from the socket's error queue, without blocking; `nil` when it is empty.
    /// The corresponding C call is `recvmsg(2)` with `MSG_ERRQUEUE`.
    ///
    /// Switch on ``SocketOption/ipv4ReceiveErrors`` (or ``SocketOption/ipv6ReceiveErrors``)
    /// first. The error queue signals readiness as ``Readiness/error`` in a poll.
    /// - Parameter buffer: receives the start of the offending datagram; may be empty.
    /// - Throws: ``SocketError`` from `recvmsg` for anything but "would block".
    public func tryReceiveError(
        into buffer: UnsafeMutableRawBufferPointer = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    ) throws(SocketError) -> ErrorQueueEntry? {
        try SocketCalls.tryReceiveError(descriptor, buffer)
    }
}

#endif

extension IPAddress {
    /// Whether this is an IPv6 address.
    var isIPv6: Bool {
        if case .v6 = self { return true }
        return false
    }
}
