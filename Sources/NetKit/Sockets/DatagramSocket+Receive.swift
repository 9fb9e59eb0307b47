import CNetKitShims

// MARK: - Receiving

extension DatagramSocket {
    /// Receives one datagram into `buffer`, with its sender. The corresponding C call is `recvfrom(2)`.
    ///
    /// A zero-length datagram is data: ``ReceivedDatagram/count`` is 0 and the
    /// sender is set. A datagram longer than the buffer is cut to fit and
    /// reported with ``ReceivedDatagram/isTruncated`` and its full
    /// ``ReceivedDatagram/length``. No allocation, no copy.
    /// - Throws: ``SocketError`` from `recvfrom`; `.timedOut` when a
    ///   ``SocketOption/receiveTimeout`` passes; `.connectionRefused` on a
    ///   connected socket after an ICMP port-unreachable.
    @inlinable
    public func receive(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []) throws(SocketError) -> ReceivedDatagram {
        // Inlined into the caller, with only the system call out of line: a
        // caller that never reads `sender` pays nothing for decoding it, and an
        // IPv4 sender is decoded in a few instructions.
        var storage = sockaddr_storage()
        var addressLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return try withUnsafeMutablePointer(to: &storage) { (pointer) throws(SocketError) -> ReceivedDatagram in
            let address = UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: sockaddr.self)
            let length = try _receiveFrom(buffer, flags.rawValue, address, &addressLength)
            let sender: SocketAddress?
            if addressLength == socklen_t(MemoryLayout<sockaddr_in>.size), CInt(address.pointee.sa_family) == AF_INET {
                let sin = UnsafeRawPointer(address).load(as: sockaddr_in.self)
                sender = .ipv4(IPv4Address(UInt32(bigEndian: sin.sin_addr.s_addr)), port: UInt16(bigEndian: sin.sin_port))
            } else {
                sender = addressLength == 0 ? nil : SocketAddress(unsafeSockaddr: address, length: addressLength)
            }
            return ReceivedDatagram(count: Swift.min(length, buffer.count), length: length, sender: sender)
        }
    }

    /// Blocking `recvfrom`: the datagram's full length; the kernel writes the sender into `address`.
    @usableFromInline
    func _receiveFrom(
        _ buffer: UnsafeMutableRawBufferPointer, _ flags: CInt, _ address: UnsafeMutablePointer<sockaddr>,
        _ addressLength: UnsafeMutablePointer<socklen_t>
    ) throws(SocketError) -> Int {
        let fd = descriptor
        return try blockingResult(.receiveFrom) {
            system_recvfrom(fd, buffer.baseAddress, buffer.count, flags | Self.truncFlag, address, addressLength)
        }
    }

    /// Receives one datagram into a byte array's existing storage, with its sender.
    ///
    /// The array's count is the buffer size and is not changed; bytes past
    /// ``ReceivedDatagram/count`` are left as they were.
    /// - Throws: ``SocketError`` from `recvfrom`.
    public func receive(into buffer: inout [UInt8], flags: MessageFlags = []) throws(SocketError) -> ReceivedDatagram {
        try buffer.withUnsafeMutableBytes { raw in
            Result { () throws(SocketError) in try receive(into: raw, flags: flags) }
        }.get()
    }

    /// Receives one datagram without blocking; `nil` when none is queued.
    ///
    /// - Throws: ``SocketError`` from `recvfrom` for anything but "would block".
    public func tryReceive(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []) throws(SocketError) -> ReceivedDatagram? {
        try receiveFrom(buffer, flags: flags.rawValue | CInt(MSG_DONTWAIT), blocking: false)
    }

    /// Receives one datagram from the connected peer, without decoding the sender.
    /// The corresponding C call is `recv(2)`.
    ///
    /// - Returns: the receipt, with `sender` `nil`.
    /// - Throws: ``SocketError`` from `recv`; `.connectionRefused` after an ICMP port-unreachable.
    @inlinable
    public func receiveFromPeer(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []) throws(SocketError) -> ReceivedDatagram {
        // Inlined: the caller sees the receipt has no sender and destroys nothing.
        let length = try _receive(buffer, flags.rawValue)
        return ReceivedDatagram(count: Swift.min(length, buffer.count), length: length, sender: nil)
    }

    /// Blocking `recv`: the datagram's full length.
    @usableFromInline
    func _receive(_ buffer: UnsafeMutableRawBufferPointer, _ flags: CInt) throws(SocketError) -> Int {
        let fd = descriptor
        return try blockingResult(.receive) {
            system_recv(fd, buffer.baseAddress, buffer.count, flags | Self.truncFlag)
        }
    }

    /// `MSG_TRUNC` makes Linux return a datagram's full length even when cut.
    static var truncFlag: CInt {
        #if os(Linux)
        CInt(MSG_TRUNC)
        #else
        0
        #endif
    }

    @inline(__always)
    func receiveFrom(_ buffer: UnsafeMutableRawBufferPointer, flags: CInt, blocking: Bool) throws(SocketError) -> ReceivedDatagram? {
        let fd = descriptor
        // Uninitialised stack storage, as C would declare it: the kernel writes it.
        return try withUnsafeTemporaryAllocation(of: sockaddr_storage.self, capacity: 1) { (storage) throws(SocketError) -> ReceivedDatagram? in
            let address = UnsafeMutableRawPointer(storage.baseAddress!).assumingMemoryBound(to: sockaddr.self)
            var addressLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            // The closures are written inline (not stored in a constant) so they stay
            // non-escaping: a stored closure would box `addressLength` and pay for
            // dynamic exclusivity checks on every datagram.
            let length: Int
            if blocking {
                length = try blockingResult(.receiveFrom) {
                    system_recvfrom(fd, buffer.baseAddress, buffer.count, flags | Self.truncFlag, address, &addressLength)
                }
            } else {
                guard let received = try nonBlockingSyscall(.receiveFrom, {
                    system_recvfrom(fd, buffer.baseAddress, buffer.count, flags | Self.truncFlag, address, &addressLength)
                }) else { return nil }
                length = received
            }
            let sender = SocketAddress.decodeFast(address, length: addressLength)
            return ReceivedDatagram(count: Swift.min(length, buffer.count), length: length, sender: sender)
        }
    }
}
