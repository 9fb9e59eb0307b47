import CNetKitShims

// sendmsg / recvmsg with control messages, the error queue, and the offload
// probe: the only code that calls them or builds a msghdr or iovec.

/// Room for every control message NetKit decodes at once (packet info, traffic
/// class, GRO segment size, timestamp, drop counter, an error with its offender).
let controlBufferSize = 512

extension SocketCalls {
    /// `sendmsg(2)` of `bytes` with `control`, to `address` or the connected peer.
    static func sendMessage(
        _ fd: CInt, _ bytes: UnsafeRawBufferPointer, to address: SocketAddress?, control: ControlMessages, flags: CInt
    ) throws(SocketError) -> Int {
        let flags = flags | sendFlags
        let family =
            address?.family ?? control.packetInfo.map { $0.address.isIPv6 ? AddressFamily.ipv6 : .ipv4 } ?? .ipv4
        return try withUnsafeTemporaryAllocation(byteCount: controlBufferSize, alignment: 16) {
            (controlBuffer) throws(SocketError) -> Int in
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
                    return try blockingSyscall(.sendMessage, descriptor: fd, flags: flags) {
                        system_sendmsg(fd, &header, flags)
                    }
                }
                return try address.withFastSockaddr { (pointer, length) throws(SocketError) -> Int in
                    header.msg_name = UnsafeMutableRawPointer(mutating: pointer)
                    header.msg_namelen = length
                    do throws(SocketError) {
                        return try blockingSyscall(.sendMessage, descriptor: fd, flags: flags) {
                            system_sendmsg(fd, &header, flags)
                        }
                    } catch {
                        throw error.addingAddress(address)
                    }
                }
            }
        }
    }

    /// Blocking `recvmsg(2)` of one datagram with its control messages.
    static func receiveMessage(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, flags: CInt) throws(SocketError)
        -> ReceivedMessage
    {
        let flags = flags | truncFlag
        return try withReceiveHeader(buffer) { (header, address) throws(SocketError) -> ReceivedMessage in
            // Inline closures stay non-escaping: no boxed `header`, no dynamic exclusivity checks.
            let length = try blockingSyscall(.receiveMessage, descriptor: fd, flags: flags) {
                system_recvmsg(fd, &header, flags)
            }
            return received(header, address, length: length, buffer: buffer)
        }
    }

    /// Non-blocking `recvmsg(2)`: `nil` when no datagram is queued.
    static func tryReceiveMessage(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, flags: CInt) throws(SocketError)
        -> ReceivedMessage?
    {
        let flags = flags | truncFlag | dontWait
        return try withReceiveHeader(buffer) { (header, address) throws(SocketError) -> ReceivedMessage? in
            guard let length = try nonBlockingSyscall(.receiveMessage, { system_recvmsg(fd, &header, flags) }) else {
                return nil
            }
            return received(header, address, length: length, buffer: buffer)
        }
    }

    @inline(__always)
    private static func received(
        _ header: msghdr, _ address: UnsafePointer<sockaddr>, length: Int, buffer: UnsafeMutableRawBufferPointer
    ) -> ReceivedMessage {
        let sender = SocketAddress.decodeFast(address, length: header.msg_namelen)
        var ignored: ErrorQueueEntry?
        let control = ControlMessages(
            decoding: ControlMessageReader(header.msg_control, length: Int(header.msg_controllen)), error: &ignored)
        return ReceivedMessage(
            datagram: ReceivedDatagram(count: Swift.min(length, buffer.count), length: length, sender: sender),
            control: control,
            isControlTruncated: header.msg_flags & CInt(MSG_CTRUNC) != 0)
    }

    /// Lends `body` a `msghdr` for one `recvmsg` into `buffer`, with room on the
    /// stack for the sender's address (passed as the second argument) and the
    /// control messages.
    @inline(__always)
    static func withReceiveHeader<R>(
        _ buffer: UnsafeMutableRawBufferPointer,
        _ body: (inout msghdr, UnsafePointer<sockaddr>) throws(SocketError) -> R
    ) throws(SocketError) -> R {
        try withUnsafeTemporaryAllocation(of: sockaddr_storage.self, capacity: 1) { (name) throws(SocketError) -> R in
            try withUnsafeTemporaryAllocation(byteCount: controlBufferSize, alignment: 16) {
                (controlBuffer) throws(SocketError) -> R in
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

    #if os(Linux)
    /// `recvmsg(2)` with `MSG_ERRQUEUE`, never waiting: `nil` when the queue is empty.
    static func tryReceiveError(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer) throws(SocketError)
        -> ErrorQueueEntry?
    {
        try withReceiveHeader(buffer) { (header, address) throws(SocketError) -> ErrorQueueEntry? in
            let length = try nonBlockingSyscall(.receiveMessage) {
                system_recvmsg(fd, &header, CNK_MSG_ERRQUEUE | CInt(MSG_DONTWAIT))
            }
            guard let length else { return nil }
            var entry: ErrorQueueEntry?
            _ = ControlMessages(
                decoding: ControlMessageReader(header.msg_control, length: Int(header.msg_controllen)), error: &entry)
            guard var entry else {
                throw SocketError(.receiveMessage, .invalidArgument("the error queue held a message without an error"))
            }
            entry.destination = SocketAddress.decodeFast(address, length: header.msg_namelen)
            entry.count = Swift.min(length, buffer.count)
            return entry
        }
    }

    /// The kernel's offload support, probed once with a throwaway socket.
    static let offloadSupport: (segmentation: Bool, receive: Bool) = {
        guard let fd = try? SocketCalls.open(family: .ipv4, type: CNK_SOCK_DGRAM, protocol: 0) else {
            return (false, false)
        }
        defer { _ = system_close(fd) }
        let segmentation =
            (try? getRawOption(fd: fd, level: CNK_IPPROTO_UDP, name: CNK_UDP_SEGMENT, as: CInt.self, zero: 0)) != nil
        let receive = (try? setRawOption(fd: fd, level: CNK_IPPROTO_UDP, name: CNK_UDP_GRO, CInt(1))) != nil
        return (segmentation, receive)
    }()
    #endif
}
