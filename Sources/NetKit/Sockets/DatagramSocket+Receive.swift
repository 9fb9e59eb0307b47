import CNetKitShims

// MARK: - Receiving

// The family: every blocking receive has a non-blocking `tryReceive` twin with
// the same buffers (raw bytes, `inout [UInt8]`, `MutableRawSpan`,
// `OutputRawSpan`) and the same `flags`. The raw-pointer `receive(into:flags:)`
// and `receiveFromPeer(into:flags:)` are in DatagramSocket+HotPaths.swift.

extension DatagramSocket {
    /// Receives one datagram into a byte array's existing storage, with its sender.
    ///
    /// The array's count is the buffer size and is not changed; bytes past
    /// ``ReceivedDatagram/count`` are left as they were.
    /// - Throws: ``SocketError`` from `recvfrom`; `invalidArgument` for an empty array.
    public func receive(into buffer: inout [UInt8], flags: MessageFlags = []) throws(SocketError) -> ReceivedDatagram {
        try buffer.withUnsafeMutableBufferPointer { (elements) throws(SocketError) in
            let raw = UnsafeMutableRawBufferPointer(elements)
            return try receive(into: raw, flags: flags)
        }
    }

    /// Receives one datagram into a `MutableRawSpan`, with its sender.
    ///
    /// - Throws: ``SocketError`` from `recvfrom`; `invalidArgument` for an empty span.
    public func receive(into buffer: inout MutableRawSpan, flags: MessageFlags = []) throws(SocketError)
        -> ReceivedDatagram
    {
        try buffer.withUnsafeMutableBytes { (raw) throws(SocketError) in try receive(into: raw, flags: flags) }
    }

    /// Receives one datagram into the free capacity of an `OutputRawSpan`, which
    /// grows by ``ReceivedDatagram/count`` bytes.
    ///
    /// - Throws: ``SocketError`` from `recvfrom`; `invalidArgument` when the span has no free capacity.
    public func receive(into buffer: inout OutputRawSpan, flags: MessageFlags = []) throws(SocketError)
        -> ReceivedDatagram
    {
        try buffer.withUnsafeMutableBytes { (raw, initialized) throws(SocketError) -> ReceivedDatagram in
            let free = UnsafeMutableRawBufferPointer(rebasing: raw[initialized...])
            let datagram = try receive(into: free, flags: flags)
            initialized += datagram.count
            return datagram
        }
    }

    /// Receives one datagram of at most `maxCount` bytes as a new array, with its sender.
    ///
    /// Allocates the array; the allocation-free calls take a buffer.
    /// - Throws: ``SocketError`` from `recvfrom`; `invalidArgument` when `maxCount` is not positive.
    public func receive(maxCount: Int, flags: MessageFlags = []) throws(SocketError) -> Datagram {
        guard maxCount > 0 else {
            throw SocketError(.receiveFrom, .invalidArgument("maxCount must be positive (\(maxCount))"))
        }
        var bytes = [UInt8](repeating: 0, count: maxCount)
        let received = try receive(into: &bytes, flags: flags)
        bytes.removeSubrange(received.count...)
        return Datagram(bytes: bytes, sender: received.sender, length: received.length)
    }

    /// Receives one datagram without blocking; `nil` when none is queued.
    /// The corresponding C call is `recvfrom(2)` with `MSG_DONTWAIT`.
    ///
    /// - Throws: ``SocketError`` from `recvfrom` for anything but "would block".
    public func tryReceive(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []) throws(SocketError)
        -> ReceivedDatagram?
    {
        try SocketCalls.tryReceiveFrom(descriptor, buffer, flags: flags.rawValue)
    }

    /// Receives one datagram into a byte array's existing storage without blocking; `nil` when none is queued.
    ///
    /// - Throws: ``SocketError`` from `recvfrom` for anything but "would block".
    public func tryReceive(into buffer: inout [UInt8], flags: MessageFlags = []) throws(SocketError)
        -> ReceivedDatagram?
    {
        try buffer.withUnsafeMutableBufferPointer { (elements) throws(SocketError) in
            let raw = UnsafeMutableRawBufferPointer(elements)
            return try tryReceive(into: raw, flags: flags)
        }
    }

    /// Receives one datagram into a `MutableRawSpan` without blocking; `nil` when none is queued.
    ///
    /// - Throws: ``SocketError`` from `recvfrom` for anything but "would block".
    public func tryReceive(into buffer: inout MutableRawSpan, flags: MessageFlags = []) throws(SocketError)
        -> ReceivedDatagram?
    {
        try buffer.withUnsafeMutableBytes { (raw) throws(SocketError) in try tryReceive(into: raw, flags: flags) }
    }

    /// Receives one datagram into the free capacity of an `OutputRawSpan` without
    /// blocking; `nil` when none is queued.
    ///
    /// - Throws: ``SocketError`` from `recvfrom` for anything but "would block".
    public func tryReceive(into buffer: inout OutputRawSpan, flags: MessageFlags = []) throws(SocketError)
        -> ReceivedDatagram?
    {
        try buffer.withUnsafeMutableBytes { (raw, initialized) throws(SocketError) -> ReceivedDatagram? in
            guard
                let datagram = try tryReceive(
                    into: UnsafeMutableRawBufferPointer(rebasing: raw[initialized...]), flags: flags)
            else { return nil }
            initialized += datagram.count
            return datagram
        }
    }

    // MARK: From the connected peer

    /// Receives one datagram from the connected peer into a byte array's existing storage.
    ///
    /// - Throws: ``SocketError`` from `recv`; `invalidArgument` for an empty array.
    public func receiveFromPeer(into buffer: inout [UInt8], flags: MessageFlags = []) throws(SocketError)
        -> ReceivedDatagram
    {
        try buffer.withUnsafeMutableBufferPointer { (elements) throws(SocketError) in
            let raw = UnsafeMutableRawBufferPointer(elements)
            return try receiveFromPeer(into: raw, flags: flags)
        }
    }

    /// Receives one datagram from the connected peer into a `MutableRawSpan`.
    ///
    /// - Throws: ``SocketError`` from `recv`; `invalidArgument` for an empty span.
    public func receiveFromPeer(into buffer: inout MutableRawSpan, flags: MessageFlags = []) throws(SocketError)
        -> ReceivedDatagram
    {
        try buffer.withUnsafeMutableBytes { (raw) throws(SocketError) in try receiveFromPeer(into: raw, flags: flags) }
    }

    /// Receives one datagram from the connected peer without blocking; `nil` when none is queued.
    /// The corresponding C call is `recv(2)` with `MSG_DONTWAIT`.
    ///
    /// - Throws: ``SocketError`` from `recv` for anything but "would block".
    public func tryReceiveFromPeer(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = [])
        throws(SocketError) -> ReceivedDatagram?
    {
        guard let length = try SocketCalls.tryReceiveDatagram(descriptor, buffer, flags: flags.rawValue) else {
            return nil
        }
        return ReceivedDatagram(count: Swift.min(length, buffer.count), length: length, sender: nil)
    }

    /// Receives one datagram from the connected peer into a byte array without blocking; `nil` when none is queued.
    ///
    /// - Throws: ``SocketError`` from `recv` for anything but "would block".
    public func tryReceiveFromPeer(into buffer: inout [UInt8], flags: MessageFlags = []) throws(SocketError)
        -> ReceivedDatagram?
    {
        try buffer.withUnsafeMutableBufferPointer { (elements) throws(SocketError) in
            let raw = UnsafeMutableRawBufferPointer(elements)
            return try tryReceiveFromPeer(into: raw, flags: flags)
        }
    }

    /// Receives one datagram from the connected peer into the free capacity of an
    /// `OutputRawSpan`, which grows by ``ReceivedDatagram/count`` bytes.
    ///
    /// - Throws: ``SocketError`` from `recv`; `invalidArgument` when the span has no free capacity.
    public func receiveFromPeer(into buffer: inout OutputRawSpan, flags: MessageFlags = []) throws(SocketError)
        -> ReceivedDatagram
    {
        try buffer.withUnsafeMutableBytes { (raw, initialized) throws(SocketError) -> ReceivedDatagram in
            let datagram = try receiveFromPeer(
                into: UnsafeMutableRawBufferPointer(rebasing: raw[initialized...]), flags: flags)
            initialized += datagram.count
            return datagram
        }
    }

    /// Receives one datagram from the connected peer into a `MutableRawSpan` without blocking; `nil` when none is queued.
    ///
    /// - Throws: ``SocketError`` from `recv` for anything but "would block".
    public func tryReceiveFromPeer(into buffer: inout MutableRawSpan, flags: MessageFlags = []) throws(SocketError)
        -> ReceivedDatagram?
    {
        try buffer.withUnsafeMutableBytes { (raw) throws(SocketError) in try tryReceiveFromPeer(into: raw, flags: flags)
        }
    }

    /// Receives one datagram from the connected peer into the free capacity of an
    /// `OutputRawSpan` without blocking; `nil` when none is queued.
    ///
    /// - Throws: ``SocketError`` from `recv` for anything but "would block".
    public func tryReceiveFromPeer(into buffer: inout OutputRawSpan, flags: MessageFlags = []) throws(SocketError)
        -> ReceivedDatagram?
    {
        try buffer.withUnsafeMutableBytes { (raw, initialized) throws(SocketError) -> ReceivedDatagram? in
            guard
                let datagram = try tryReceiveFromPeer(
                    into: UnsafeMutableRawBufferPointer(rebasing: raw[initialized...]), flags: flags)
            else { return nil }
            initialized += datagram.count
            return datagram
        }
    }
}
