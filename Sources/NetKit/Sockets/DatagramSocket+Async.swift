import CNetKitShims

// MARK: - Async send and receive

// The async calls share the blocking calls' names; `await` picks them. Each is
// the non-blocking system call (`MSG_DONTWAIT`, so blocking calls on the same
// socket still block) tried at once while the socket is marked ready, and again
// after the socket's IOLoop reports readiness. Every one is cancel safe: a
// cancelled call has sent or consumed nothing.

extension DatagramSocket {
    /// Registers the socket with `loop`, so its async calls wait there instead of
    /// on ``IOLoop/default``. Call it before the first async call.
    ///
    /// - Throws: ``SocketError`` when the socket is already registered with another
    ///   loop, the loop was shut down, or from `epoll_ctl`.
    public func register(on loop: IOLoop) throws(SocketError) {
        _ = try owner.register(on: loop)
    }

    /// Waits for a datagram and receives it into `buffer`, with its sender.
    /// The corresponding C call is `recvfrom(2)` with `MSG_DONTWAIT`.
    ///
    /// Cancel safe: a cancelled call consumes no datagram.
    /// - Parameters:
    ///   - buffer: where the datagram goes; a longer one is cut to fit (``ReceivedDatagram/isTruncated``).
    ///   - flags: extra `recvfrom` flags, such as ``MessageFlags/peek``.
    ///   - deadline: when to give up; `nil` waits as long as it takes.
    /// - Throws: ``SocketError`` from `recvfrom`, or with `.timedOut` when the
    ///   deadline passes, ``SocketError/Reason/closed`` or ``SocketError/Reason/loopShutDown``;
    ///   `CancellationError` when the task is cancelled.
    public func receive(
        into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = [], deadline: IODeadline? = nil
    ) async throws -> ReceivedDatagram {
        let registration = try owner.registration()
        return try await registration.perform(.read, .receiveFrom, deadline: deadline) { () throws(SocketError) in
            try tryReceive(into: buffer, flags: flags)
        }
    }

    /// Waits for a datagram and receives it into a byte array's existing storage, with its sender.
    ///
    /// The array's count is the buffer size and is not changed. Cancel safe.
    /// - Throws: as ``receive(into:flags:deadline:)-(UnsafeMutableRawBufferPointer,_,_)``.
    public func receive(
        into buffer: inout [UInt8], flags: MessageFlags = [], deadline: IODeadline? = nil
    ) async throws -> ReceivedDatagram {
        let registration = try owner.registration()
        return try await registration.perform(.read, .receiveFrom, deadline: deadline) { () throws(SocketError) in
            try tryReceive(into: &buffer, flags: flags)
        }
    }

    /// Waits for a datagram from the connected peer, without decoding the sender.
    /// The corresponding C call is `recv(2)` with `MSG_DONTWAIT`.
    ///
    /// Cancel safe.
    /// - Returns: the receipt, with `sender` `nil`.
    /// - Throws: as ``receive(into:flags:deadline:)-(UnsafeMutableRawBufferPointer,_,_)``;
    ///   `.connectionRefused` after an ICMP port-unreachable.
    public func receiveFromPeer(
        into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = [], deadline: IODeadline? = nil
    ) async throws -> ReceivedDatagram {
        let registration = try owner.registration()
        return try await registration.perform(.read, .receive, deadline: deadline) { () throws(SocketError) in
            try tryReceiveFromPeer(into: buffer, flags: flags)
        }
    }

    /// Sends one datagram to `address`, waiting while the send buffer is full.
    /// The corresponding C call is `sendto(2)` with `MSG_DONTWAIT`.
    ///
    /// Cancel safe: a cancelled call has sent nothing.
    /// - Returns: the number of bytes sent (the whole datagram).
    /// - Throws: ``SocketError`` from `sendto` (such as `.messageTooLong`), or with
    ///   `.timedOut`, ``SocketError/Reason/closed`` or ``SocketError/Reason/loopShutDown``;
    ///   `CancellationError`.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress, deadline: IODeadline? = nil)
        async throws -> Int
    {
        let registration = try owner.registration()
        return try await registration.perform(.write, .sendTo, deadline: deadline) { () throws(SocketError) in
            try trySend(bytes, to: address)
        }
    }

    /// Sends one datagram from any byte sequence (`[UInt8]`, `ArraySlice`, `Data`, ...) to `address`.
    ///
    /// Contiguous collections are sent in place; others are copied once per attempt. Cancel safe.
    /// - Throws: as ``send(_:to:deadline:)-(UnsafeRawBufferPointer,_,_)``.
    @discardableResult
    public func send<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to address: SocketAddress, deadline: IODeadline? = nil)
        async throws -> Int
    {
        let registration = try owner.registration()
        return try await registration.perform(.write, .sendTo, deadline: deadline) { () throws(SocketError) in
            try withContiguousBytes(bytes) { (raw) throws(SocketError) in try trySend(raw, to: address) }
        }
    }

    /// Sends one datagram to the connected peer. The corresponding C call is `send(2)` with `MSG_DONTWAIT`.
    ///
    /// Cancel safe.
    /// - Throws: as ``send(_:to:deadline:)-(UnsafeRawBufferPointer,_,_)``;
    ///   `.destinationAddressRequired` when not connected.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, deadline: IODeadline? = nil) async throws -> Int {
        let registration = try owner.registration()
        let fd = descriptor
        return try await registration.perform(.write, .send, deadline: deadline) { () throws(SocketError) in
            try nonBlockingSyscall(.send) {
                system_send(fd, bytes.baseAddress, bytes.count, SocketCalls.sendFlags | CInt(MSG_DONTWAIT))
            }
        }
    }

    /// Sends one datagram from any byte sequence to the connected peer. Cancel safe.
    ///
    /// - Throws: as ``send(_:deadline:)-(UnsafeRawBufferPointer,_)``.
    @discardableResult
    public func send<Bytes: Sequence<UInt8>>(_ bytes: Bytes, deadline: IODeadline? = nil) async throws -> Int {
        let registration = try owner.registration()
        let fd = descriptor
        return try await registration.perform(.write, .send, deadline: deadline) { () throws(SocketError) in
            try withContiguousBytes(bytes) { (raw) throws(SocketError) in
                try nonBlockingSyscall(.send) {
                    system_send(fd, raw.baseAddress, raw.count, SocketCalls.sendFlags | CInt(MSG_DONTWAIT))
                }
            }
        }
    }
}

// MARK: - Async messages with control data, and batches

extension DatagramSocket {
    /// Waits for a datagram and receives it with its control messages. The corresponding
    /// C call is `recvmsg(2)` with `MSG_DONTWAIT`.
    ///
    /// Cancel safe: a cancelled call consumes no datagram.
    /// - Throws: ``SocketError`` from `recvmsg`, or with `.timedOut`,
    ///   ``SocketError/Reason/closed`` or ``SocketError/Reason/loopShutDown``; `CancellationError`.
    public func receiveMessage(
        into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = [], deadline: IODeadline? = nil
    ) async throws -> ReceivedMessage {
        let registration = try owner.registration()
        return try await registration.perform(.read, .receiveMessage, deadline: deadline) { () throws(SocketError) in
            try tryReceiveMessage(into: buffer, flags: flags)
        }
    }

    /// Sends one datagram with control messages, to `address` or (with `nil`) to the
    /// connected peer, waiting while the send buffer is full. The corresponding C call
    /// is `sendmsg(2)` with `MSG_DONTWAIT`.
    ///
    /// Cancel safe: a cancelled call has sent nothing.
    /// - Throws: as ``send(_:to:deadline:)-(UnsafeRawBufferPointer,_,_)``, from `sendmsg`.
    @discardableResult
    public func send(
        _ bytes: UnsafeRawBufferPointer, to address: SocketAddress?, control: ControlMessages,
        deadline: IODeadline? = nil
    ) async throws -> Int {
        let registration = try owner.registration()
        return try await registration.perform(.write, .sendMessage, deadline: deadline) { () throws(SocketError) in
            try trySendMessage(bytes, to: address, control: control)
        }
    }

    /// Sends one datagram from any byte sequence with control messages; see
    /// ``send(_:to:control:deadline:)-(UnsafeRawBufferPointer,_,_,_)``. Cancel safe.
    ///
    /// - Throws: as ``send(_:to:control:deadline:)-(UnsafeRawBufferPointer,_,_,_)``.
    @discardableResult
    public func send<Bytes: Sequence<UInt8>>(
        _ bytes: Bytes, to address: SocketAddress?, control: ControlMessages, deadline: IODeadline? = nil
    ) async throws -> Int {
        let registration = try owner.registration()
        return try await registration.perform(.write, .sendMessage, deadline: deadline) { () throws(SocketError) in
            try withContiguousBytes(bytes) { (raw) throws(SocketError) in
                try trySendMessage(raw, to: address, control: control)
            }
        }
    }

    /// Waits for the first datagram, then takes up to `batch.capacity` that are queued,
    /// each with its sender. The corresponding C call is `recvmmsg(2)` with
    /// `MSG_WAITFORONE | MSG_DONTWAIT` (elsewhere a `recvmsg` loop).
    ///
    /// Cancel safe: a cancelled call consumes no datagram.
    /// - Returns: the number of datagrams received (at least 1), also ``DatagramBatch/count``.
    /// - Throws: as ``receive(into:flags:deadline:)-(UnsafeMutableRawBufferPointer,_,_)``, from `recvmmsg`.
    @discardableResult
    public func receive(into batch: inout DatagramBatch, deadline: IODeadline? = nil) async throws -> Int {
        let registration = try owner.registration()
        return try await registration.perform(.read, .receiveMultipleMessages, deadline: deadline) {
            () throws(SocketError) in
            try tryReceive(into: &batch)
        }
    }

    /// Sends the datagrams staged in `batch`, waiting while the send buffer is full
    /// before the first one. The corresponding C call is `sendmmsg(2)` with `MSG_DONTWAIT`.
    ///
    /// Like one `sendmmsg`, it can send fewer than all: once some datagrams went, a
    /// full buffer or an error ends the call with the count so far. Cancel safe: a
    /// cancelled call has sent nothing.
    /// - Returns: the number of datagrams sent, at least 1 (0 for an empty batch).
    /// - Throws: as ``send(_:to:deadline:)-(UnsafeRawBufferPointer,_,_)``, when not even the first datagram went.
    @discardableResult
    public func send(_ batch: borrowing DatagramBatch, deadline: IODeadline? = nil) async throws -> Int {
        guard batch.count > 0 else { return 0 }
        let registration = try owner.registration()
        let fd = descriptor
        let messages = batch.messages
        let count = batch.count
        var sent = try await registration.perform(.write, .sendMultipleMessages, deadline: deadline) {
            () throws(SocketError) in
            try Self.trySendMessages(fd, messages, count)
        }
        // Whatever else fits now, without waiting.
        while sent < count {
            do {
                guard let more = try Self.trySendMessages(fd, messages + sent, count - sent) else { break }
                sent += more
            } catch {
                break  // reported by the next call
            }
        }
        return sent
    }

    /// One non-blocking `sendmmsg` (elsewhere `sendmsg`): how many went, or `nil` when the buffer is full.
    static func trySendMessages(_ fd: CInt, _ messages: UnsafeMutablePointer<cnk_mmsghdr>, _ count: Int)
        throws(SocketError) -> Int?
    {
        #if os(Linux)
        let n = CUnsignedInt(Swift.min(count, 1024))
        return try nonBlockingSyscall(.sendMultipleMessages) {
            system_sendmmsg(fd, messages, n, SocketCalls.sendFlags | CInt(MSG_DONTWAIT))
        }.map(Int.init)
        #else
        let header = UnsafeMutableRawPointer(messages).assumingMemoryBound(to: msghdr.self)
        return try nonBlockingSyscall(.sendMessage) {
            system_sendmsg(fd, header, SocketCalls.sendFlags | CInt(MSG_DONTWAIT))
        }.map { _ in 1 }
        #endif
    }

    /// One non-blocking `sendmsg` with control messages; `nil` when the buffer is full.
    func trySendMessage(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress?, control: ControlMessages)
        throws(SocketError) -> Int?
    {
        let fd = descriptor
        let flags = SocketCalls.sendFlags | CInt(MSG_DONTWAIT)
        let family =
            address?.family ?? control.packetInfo.map { $0.address.isIPv6 ? AddressFamily.ipv6 : .ipv4 } ?? .ipv4
        return try withUnsafeTemporaryAllocation(byteCount: controlBufferSize, alignment: 16) {
            (controlBuffer) throws(SocketError) -> Int? in
            var writer = ControlMessageWriter(controlBuffer)
            guard control.encode(into: &writer, family: family) else {
                throw SocketError(.sendMessage, .invalidArgument("too many control messages"), address: address)
            }
            let used = writer.used
            var vector = iovec(iov_base: UnsafeMutableRawPointer(mutating: bytes.baseAddress), iov_len: bytes.count)
            return try withUnsafeMutablePointer(to: &vector) { (vectorPointer) throws(SocketError) -> Int? in
                var header = msghdr()
                header.msg_iov = vectorPointer
                header.msg_iovlen = 1
                header.msg_control = used > 0 ? controlBuffer.baseAddress : nil
                header.msg_controllen = .init(used)
                guard let address else {
                    return try nonBlockingSyscall(.sendMessage) { system_sendmsg(fd, &header, flags) }
                }
                return try address.withFastSockaddr { (pointer, length) throws(SocketError) -> Int? in
                    header.msg_name = UnsafeMutableRawPointer(mutating: pointer)
                    header.msg_namelen = length
                    return try nonBlockingSyscall(.sendMessage, address: address) { system_sendmsg(fd, &header, flags) }
                }
            }
        }
    }
}
