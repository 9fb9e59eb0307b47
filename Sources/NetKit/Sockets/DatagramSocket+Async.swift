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
        let flags = flags.rawValue | CInt(MSG_DONTWAIT)
        return try await registration.perform(.read, .receiveFrom, deadline: deadline) { () throws(SocketError) in
            try receiveFrom(buffer, flags: flags, blocking: false)
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
        let flags = flags.rawValue | CInt(MSG_DONTWAIT)
        return try await registration.perform(.read, .receiveFrom, deadline: deadline) { () throws(SocketError) in
            try buffer.withUnsafeMutableBytes { raw in
                Result { () throws(SocketError) in try receiveFrom(raw, flags: flags, blocking: false) }
            }.get()
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
        let fd = descriptor
        let flags = flags.rawValue | CInt(MSG_DONTWAIT) | Self.truncFlag
        let length = try await registration.perform(.read, .receive, deadline: deadline) { () throws(SocketError) in
            try nonBlockingSyscall(.receive) { system_recv(fd, buffer.baseAddress, buffer.count, flags) }
        }
        return ReceivedDatagram(count: Swift.min(length, buffer.count), length: length, sender: nil)
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
    public func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress, deadline: IODeadline? = nil) async throws -> Int {
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
    public func send<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to address: SocketAddress, deadline: IODeadline? = nil) async throws -> Int {
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
