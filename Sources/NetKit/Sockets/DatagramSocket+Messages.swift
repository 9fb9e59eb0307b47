import CNetKitShims

// MARK: - recvmsg / sendmsg with control messages

/// Room for every control message NetKit decodes at once (packet info, traffic
/// class, GRO segment size, timestamp, drop counter, an error with its offender).
let controlBufferSize = 512

extension DatagramSocket {
    /// Receives one datagram with its control messages. The corresponding C call is `recvmsg(2)`.
    ///
    /// Switch on the options for what you want delivered first, such as
    /// ``SocketOption/receivePacketInfo`` or ``SocketOption/udpReceiveOffload``.
    /// Allocates nothing: the address and control buffers live on the stack.
    /// - Throws: ``SocketError`` from `recvmsg`; `.timedOut` when a receive timeout passes.
    public func receiveMessage(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []) throws(SocketError) -> ReceivedMessage {
        try receiveMessage(buffer, flags: flags.rawValue, blocking: true)!
    }

    /// Receives one datagram with its control messages without blocking; `nil` when none is queued.
    ///
    /// - Throws: ``SocketError`` from `recvmsg` for anything but "would block".
    public func tryReceiveMessage(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []) throws(SocketError) -> ReceivedMessage? {
        try receiveMessage(buffer, flags: flags.rawValue | CInt(MSG_DONTWAIT), blocking: false)
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
    public func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress?, control: ControlMessages) throws(SocketError) -> Int {
        let fd = descriptor
        let family = address?.family ?? control.packetInfo.map { $0.address.isIPv6 ? AddressFamily.ipv6 : .ipv4 } ?? .ipv4
        return try withUnsafeTemporaryAllocation(byteCount: controlBufferSize, alignment: 16) { (controlBuffer) throws(SocketError) -> Int in
            var writer = ControlMessageWriter(controlBuffer)
            guard control.encode(into: &writer, family: family) else {
                throw SocketError(.sendMessage, .invalidArgument("too many control messages"), address: address)
            }
            let used = writer.used
            var vector = iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
            return try withUnsafeMutablePointer(to: &vector) { (vectorPointer) throws(SocketError) -> Int in
                var header = msghdr()
                header.msg_iov = vectorPointer
                header.msg_iovlen = 1
                header.msg_control = used > 0 ? controlBuffer.baseAddress : nil
                header.msg_controllen = .init(used)
                guard let address else {
                    return try blockingResult(.sendMessage) { system_sendmsg(fd, &header, SocketCalls.sendFlags) }
                }
                return try address.withFastSockaddr { (pointer, length) throws(SocketError) -> Int in
                    header.msg_name = UnsafeMutableRawPointer(mutating: pointer)
                    header.msg_namelen = length
                    return try blockingResult(.sendMessage, address: address) { system_sendmsg(fd, &header, SocketCalls.sendFlags) }
                }
            }
        }
    }

    @inline(__always)
    func receiveMessage(_ buffer: UnsafeMutableRawBufferPointer, flags: CInt, blocking: Bool) throws(SocketError) -> ReceivedMessage? {
        let fd = descriptor
        return try withReceiveHeader(buffer) { (header, address) throws(SocketError) -> ReceivedMessage? in
            // Inline closures stay non-escaping: no boxed `header`, no dynamic exclusivity checks.
            let length: Int
            if blocking {
                length = try blockingResult(.receiveMessage) { system_recvmsg(fd, &header, flags | Self.truncFlag) }
            } else {
                guard let received = try nonBlockingSyscall(.receiveMessage, { system_recvmsg(fd, &header, flags | Self.truncFlag) })
                else { return nil }
                length = received
            }
            let sender = SocketAddress.decodeFast(address, length: header.msg_namelen)
            var ignored: ErrorQueueEntry?
            let control = ControlMessages(
                decoding: ControlMessageReader(header.msg_control, length: Int(header.msg_controllen)), error: &ignored)
            return ReceivedMessage(
                datagram: ReceivedDatagram(count: Swift.min(length, buffer.count), length: length, sender: sender),
                control: control,
                isControlTruncated: header.msg_flags & CInt(MSG_CTRUNC) != 0)
        }
    }

    /// Lends `body` a `msghdr` for one `recvmsg` into `buffer`, with room on the
    /// stack for the sender's address (passed as the second argument) and the
    /// control messages.
    @inline(__always)
    func withReceiveHeader<R>(
        _ buffer: UnsafeMutableRawBufferPointer,
        _ body: (inout msghdr, UnsafePointer<sockaddr>) throws(SocketError) -> R
    ) throws(SocketError) -> R {
        try withUnsafeTemporaryAllocation(of: sockaddr_storage.self, capacity: 1) { (name) throws(SocketError) -> R in
            try withUnsafeTemporaryAllocation(byteCount: controlBufferSize, alignment: 16) { (controlBuffer) throws(SocketError) -> R in
                var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
                return try withUnsafeMutablePointer(to: &vector) { (vectorPointer) throws(SocketError) -> R in
                    var header = msghdr()
                    header.msg_name = UnsafeMutableRawPointer(name.baseAddress!)
                    header.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                    header.msg_iov = vectorPointer
                    header.msg_iovlen = 1
                    header.msg_control = controlBuffer.baseAddress
                    header.msg_controllen = .init(controlBufferSize)
                    let address = UnsafeRawPointer(name.baseAddress!).assumingMemoryBound(to: sockaddr.self)
                    return try body(&header, address)
                }
            }
        }
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
    public func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress, segmentSize: Int) throws(SocketError) -> Int {
        try send(bytes, to: address, control: ControlMessages(segmentSize: segmentSize))
    }

    /// Whether the running kernel supports UDP segmentation offload (`UDP_SEGMENT`, Linux 4.18+).
    ///
    /// Probed once, with a throwaway socket.
    public static var supportsSegmentationOffload: Bool { offloadSupport.segmentation }

    /// Whether the running kernel supports UDP receive offload (`UDP_GRO`, Linux 5.0+).
    ///
    /// Probed once, with a throwaway socket.
    public static var supportsReceiveOffload: Bool { offloadSupport.receive }

    /// Reads one entry from the socket's error queue, without blocking; `nil` when it is empty.
    /// The corresponding C call is `recvmsg(2)` with `MSG_ERRQUEUE`.
    ///
    /// Switch on ``SocketOption/receiveErrors`` (or ``SocketOption/receiveErrorsIPv6``)
    /// first. The error queue signals readiness as ``Readiness/error`` in a poll.
    /// - Parameter buffer: receives the start of the offending datagram; may be empty.
    /// - Throws: ``SocketError`` from `recvmsg` for anything but "would block".
    public func receiveError(into buffer: UnsafeMutableRawBufferPointer = UnsafeMutableRawBufferPointer(start: nil, count: 0)) throws(SocketError) -> ErrorQueueEntry? {
        let fd = descriptor
        return try withReceiveHeader(buffer) { (header, address) throws(SocketError) -> ErrorQueueEntry? in
            let length = try nonBlockingSyscall(.receiveMessage) {
                system_recvmsg(fd, &header, CNK_MSG_ERRQUEUE | CInt(MSG_DONTWAIT))
            }
            guard let length else { return nil }
            var entry: ErrorQueueEntry?
            _ = ControlMessages(decoding: ControlMessageReader(header.msg_control, length: Int(header.msg_controllen)), error: &entry)
            guard var entry else {
                throw SocketError(.receiveMessage, .invalidArgument("the error queue held a message without an error"))
            }
            entry.destination = SocketAddress.decodeFast(address, length: header.msg_namelen)
            entry.count = Swift.min(length, buffer.count)
            return entry
        }
    }
}

/// The kernel's offload support, probed once.
private let offloadSupport: (segmentation: Bool, receive: Bool) = {
    guard let fd = try? SocketCalls.open(family: .ipv4, type: CNK_SOCK_DGRAM, protocol: 0) else { return (false, false) }
    defer { _ = system_close(fd) }
    let segmentation = (try? getRawOption(fd: fd, level: CNK_IPPROTO_UDP, name: CNK_UDP_SEGMENT, as: CInt.self, zero: 0)) != nil
    let receive = (try? setRawOption(fd: fd, level: CNK_IPPROTO_UDP, name: CNK_UDP_GRO, CInt(1))) != nil
    return (segmentation, receive)
}()
#endif

extension IPAddress {
    /// Whether this is an IPv6 address.
    var isIPv6: Bool {
        if case .v6 = self { return true }
        return false
    }
}
