import CNetKitShims

// MARK: - Sending

extension DatagramSocket {
    /// Sends one datagram to `address`. The corresponding C call is `sendto(2)`.
    ///
    /// - Returns: the number of bytes sent (the whole datagram).
    /// - Throws: ``SocketError`` from `sendto`, such as `.messageTooLong`; with a
    ///   send timeout set, `.timedOut`.
    @discardableResult
    @inlinable
    public func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress) throws(SocketError) -> Int {
        // Inlined into the caller: an IPv4 destination becomes a 16-byte
        // `sockaddr_in` right there, and only the system call is out of line.
        if case .ipv4(let ip, let port) = address {
            var sin = sockaddr_in(ip, port: port)
            return try withUnsafePointer(to: &sin) { (pointer) throws(SocketError) -> Int in
                try _sendTo(bytes, UnsafeRawPointer(pointer).assumingMemoryBound(to: sockaddr.self),
                            socklen_t(MemoryLayout<sockaddr_in>.size), address)
            }
        }
        return try _sendTo(bytes, address)
    }

    /// `sendto` to an encoded address; the address is only for the error.
    @usableFromInline
    func _sendTo(
        _ bytes: UnsafeRawBufferPointer, _ pointer: UnsafePointer<sockaddr>, _ length: socklen_t, _ address: borrowing SocketAddress
    ) throws(SocketError) -> Int {
        let fd = descriptor
        // The address joins the error only when there is one: passing it in
        // up front would copy it (and release it) on every datagram.
        do throws(SocketError) {
            return try blockingResult(.sendTo) {
                system_sendto(fd, bytes.baseAddress, bytes.count, SocketCalls.sendFlags, pointer, length)
            }
        } catch {
            throw error.addingAddress(copy address)
        }
    }

    /// `sendto` to any address, encoded here.
    @usableFromInline
    func _sendTo(_ bytes: UnsafeRawBufferPointer, _ address: SocketAddress) throws(SocketError) -> Int {
        try address.withUnsafeSockaddr { (pointer, length) throws(SocketError) -> Int in
            try _sendTo(bytes, pointer, length, address)
        }
    }

    /// Sends one datagram from any byte sequence (`[UInt8]`, `ArraySlice`, `Data`, ...) to `address`.
    ///
    /// Contiguous collections are sent in place; others are copied once.
    /// - Throws: ``SocketError`` from `sendto`.
    @discardableResult
    public func send<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to address: SocketAddress) throws(SocketError) -> Int {
        try withContiguousBytes(bytes) { (raw) throws(SocketError) in try send(raw, to: address) }
    }

    /// Sends one datagram from a `RawSpan` to `address`.
    ///
    /// - Throws: ``SocketError`` from `sendto`.
    @discardableResult
    public func send(_ bytes: RawSpan, to address: SocketAddress) throws(SocketError) -> Int {
        try bytes.withUnsafeBytes { (raw) throws(SocketError) in try send(raw, to: address) }
    }

    /// Sends one datagram to the connected peer. The corresponding C call is `send(2)`.
    ///
    /// - Throws: ``SocketError`` from `send`: `.destinationAddressRequired` when not
    ///   connected, `.connectionRefused` after an ICMP port-unreachable.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer) throws(SocketError) -> Int {
        let fd = descriptor
        return try blockingResult(.send) { system_send(fd, bytes.baseAddress, bytes.count, SocketCalls.sendFlags) }
    }

    /// Sends one datagram from any byte sequence to the connected peer.
    ///
    /// - Throws: ``SocketError`` from `send`.
    @discardableResult
    public func send<Bytes: Sequence<UInt8>>(_ bytes: Bytes) throws(SocketError) -> Int {
        try withContiguousBytes(bytes) { (raw) throws(SocketError) in try send(raw) }
    }

    /// Sends one datagram without blocking; `nil` when the send buffer is full.
    ///
    /// - Throws: ``SocketError`` from `sendto` for anything but "would block".
    public func trySend(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress) throws(SocketError) -> Int? {
        let fd = descriptor
        return try address.withFastSockaddr { (pointer, length) throws(SocketError) -> Int? in
            do throws(SocketError) {
                return try nonBlockingSyscall(.sendTo) {
                    system_sendto(fd, bytes.baseAddress, bytes.count, SocketCalls.sendFlags | CInt(MSG_DONTWAIT), pointer, length)
                }
            } catch {
                throw error.addingAddress(address)
            }
        }
    }
}
