import CNetKitShims

// MARK: - The per-datagram hot paths, inlined into the caller

// These are the only `@inlinable` socket calls. Inlined, an IPv4 destination
// becomes a 16-byte `sockaddr_in` in the caller's frame, a receive's sender is
// decoded only when the caller reads it, and only the system call (and the error
// path) stays out of line: Benchmarks/RESULTS.md ("User-space instructions per
// datagram (callgrind)") has the instruction counts this buys. Everything they
// call lives in Internal/IOCalls.swift; the out-of-line halves are free functions
// there. Keep new code out of here unless a callgrind run shows it pays.

extension DatagramSocket {
    /// Sends one datagram to `address`. The corresponding C call is `sendto(2)`.
    ///
    /// - Parameters:
    ///   - bytes: the datagram.
    ///   - address: where to send it.
    ///   - flags: such as ``MessageFlags/dontRoute``; with ``MessageFlags/dontWait``
    ///     a full send buffer throws `.wouldBlock` (``trySend(_:to:flags:)-(UnsafeRawBufferPointer,_,_)`` returns `nil` instead).
    /// - Returns: the number of bytes sent (the whole datagram).
    /// - Throws: ``SocketError`` from `sendto`, such as `.messageTooLong`; `.timedOut`
    ///   when a ``SocketOption/sendTimeout`` passes; `.wouldBlock` on a non-blocking socket.
    @discardableResult
    @inlinable
    public func send(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress, flags: MessageFlags = [])
        throws(SocketError) -> Int
    {
        try SocketCalls.sendTo(descriptor, bytes, flags: flags.rawValue, address)
    }

    /// Receives one datagram into `buffer`, with its sender. The corresponding C call is `recvfrom(2)`.
    ///
    /// A zero-length datagram is data: ``ReceivedDatagram/count`` is 0 and the
    /// sender is set. A datagram longer than the buffer is cut to fit and
    /// reported with ``ReceivedDatagram/isTruncated`` and its full
    /// ``ReceivedDatagram/length``. No allocation, no copy.
    /// - Throws: ``SocketError`` from `recvfrom`; `.timedOut` when a
    ///   ``SocketOption/receiveTimeout`` passes; `.wouldBlock` on a non-blocking socket
    ///   or with ``MessageFlags/dontWait``; `.connectionRefused` on a connected socket
    ///   after an ICMP port-unreachable; `invalidArgument` for an empty buffer
    ///   (which would drop the datagram) unless `flags` has ``MessageFlags/peek``.
    @inlinable
    public func receive(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []) throws(SocketError)
        -> ReceivedDatagram
    {
        try SocketCalls.receiveFrom(descriptor, buffer, flags: flags.rawValue)
    }

    /// Receives one datagram from the connected peer, without decoding the sender.
    /// The corresponding C call is `recv(2)`.
    ///
    /// - Returns: the receipt, with `sender` `nil`.
    /// - Throws: as ``receive(into:flags:)-(UnsafeMutableRawBufferPointer,_)``; `.connectionRefused`
    ///   after an ICMP port-unreachable.
    @inlinable
    public func receiveFromPeer(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = [])
        throws(SocketError) -> ReceivedDatagram
    {
        // Inlined: the caller sees the receipt has no sender and destroys nothing.
        let length = try SocketCalls.receiveDatagram(descriptor, buffer, flags: flags.rawValue)
        return ReceivedDatagram(count: Swift.min(length, buffer.count), length: length, sender: nil)
    }
}

extension DatagramBatch {
    /// The full length of the datagram in slot `index`; larger than ``count(at:)`` when it was truncated.
    ///
    /// - Precondition: `index < count`.
    @inlinable
    public func length(at index: Int) -> Int {
        precondition(index >= 0 && index < count, "DatagramBatch index out of range")
        return _length(index)
    }

    /// The number of bytes of slot `index` held in its buffer.
    ///
    /// - Precondition: `index < count`.
    @inlinable
    public func count(at index: Int) -> Int {
        Swift.min(length(at: index), bufferSize)
    }

    /// Lends the bytes of slot `index` (its first ``count(at:)`` bytes).
    @inlinable
    public func withBytes<R, E: Error>(at index: Int, _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let bytes = count(at: index)
        return try body(UnsafeRawBufferPointer(start: _buffer(index), count: bytes))
    }

    @inlinable
    func _length(_ index: Int) -> Int { Int(messages[index].msg_len) }
}
