import CNetKitShims

// MARK: - Sending

// The family: every blocking send has a non-blocking `trySend` twin with the
// same buffers (raw bytes, any byte sequence, `RawSpan`) and the same `flags`.
// The raw-pointer `send(_:to:flags:)` is in DatagramSocket+HotPaths.swift.

extension DatagramSocket {
    /// Sends one datagram from any byte sequence (`[UInt8]`, `ArraySlice`, `Data`, ...) to `address`.
    ///
    /// Contiguous collections are sent in place; others are copied once.
    /// - Throws: ``SocketError`` from `sendto`.
    @discardableResult
    public func send<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to address: SocketAddress, flags: MessageFlags = [])
        throws(SocketError) -> Int
    {
        try withContiguousBytes(bytes) { (raw) throws(SocketError) in try send(raw, to: address, flags: flags) }
    }

    /// Sends one datagram from a `RawSpan` to `address`.
    ///
    /// - Throws: ``SocketError`` from `sendto`.
    @discardableResult
    public func send(_ bytes: RawSpan, to address: SocketAddress, flags: MessageFlags = []) throws(SocketError) -> Int {
        try bytes.withUnsafeBytes { (raw) throws(SocketError) in try send(raw, to: address, flags: flags) }
    }

    /// Sends one datagram without blocking; `nil` when the send buffer is full.
    /// The corresponding C call is `sendto(2)` with `MSG_DONTWAIT`.
    ///
    /// - Throws: ``SocketError`` from `sendto` for anything but "would block".
    public func trySend(_ bytes: UnsafeRawBufferPointer, to address: SocketAddress, flags: MessageFlags = [])
        throws(SocketError) -> Int?
    {
        try SocketCalls.trySendTo(descriptor, bytes, flags: flags.rawValue, address)
    }

    /// Sends one datagram from any byte sequence without blocking; `nil` when the send buffer is full.
    ///
    /// - Throws: ``SocketError`` from `sendto` for anything but "would block".
    public func trySend<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to address: SocketAddress, flags: MessageFlags = [])
        throws(SocketError) -> Int?
    {
        try withContiguousBytes(bytes) { (raw) throws(SocketError) in try trySend(raw, to: address, flags: flags) }
    }

    /// Sends one datagram from a `RawSpan` without blocking; `nil` when the send buffer is full.
    ///
    /// - Throws: ``SocketError`` from `sendto` for anything but "would block".
    public func trySend(_ bytes: RawSpan, to address: SocketAddress, flags: MessageFlags = []) throws(SocketError)
        -> Int?
    {
        try bytes.withUnsafeBytes { (raw) throws(SocketError) in try trySend(raw, to: address, flags: flags) }
    }

    // MARK: To the connected peer

    /// Sends one datagram to the connected peer. The corresponding C call is `send(2)`.
    ///
    /// - Throws: ``SocketError`` from `send`: `.destinationAddressRequired` when not
    ///   connected, `.connectionRefused` after an ICMP port-unreachable, `.timedOut`
    ///   when a send timeout passes, `.wouldBlock` on a non-blocking socket.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, flags: MessageFlags = []) throws(SocketError) -> Int {
        try SocketCalls.send(descriptor, bytes, flags: flags.rawValue)
    }

    /// Sends one datagram from any byte sequence to the connected peer.
    ///
    /// - Throws: ``SocketError`` from `send`.
    @discardableResult
    public func send<Bytes: Sequence<UInt8>>(_ bytes: Bytes, flags: MessageFlags = []) throws(SocketError) -> Int {
        try withContiguousBytes(bytes) { (raw) throws(SocketError) in try send(raw, flags: flags) }
    }

    /// Sends one datagram from a `RawSpan` to the connected peer.
    ///
    /// - Throws: ``SocketError`` from `send`.
    @discardableResult
    public func send(_ bytes: RawSpan, flags: MessageFlags = []) throws(SocketError) -> Int {
        try bytes.withUnsafeBytes { (raw) throws(SocketError) in try send(raw, flags: flags) }
    }

    /// Sends one datagram to the connected peer without blocking; `nil` when the send buffer is full.
    /// The corresponding C call is `send(2)` with `MSG_DONTWAIT`.
    ///
    /// - Throws: ``SocketError`` from `send` for anything but "would block".
    public func trySend(_ bytes: UnsafeRawBufferPointer, flags: MessageFlags = []) throws(SocketError) -> Int? {
        try SocketCalls.trySend(descriptor, bytes, flags: flags.rawValue)
    }

    /// Sends one datagram from any byte sequence to the connected peer without blocking.
    ///
    /// - Throws: ``SocketError`` from `send` for anything but "would block".
    public func trySend<Bytes: Sequence<UInt8>>(_ bytes: Bytes, flags: MessageFlags = []) throws(SocketError) -> Int? {
        try withContiguousBytes(bytes) { (raw) throws(SocketError) in try trySend(raw, flags: flags) }
    }

    /// Sends one datagram from a `RawSpan` to the connected peer without blocking.
    ///
    /// - Throws: ``SocketError`` from `send` for anything but "would block".
    public func trySend(_ bytes: RawSpan, flags: MessageFlags = []) throws(SocketError) -> Int? {
        try bytes.withUnsafeBytes { (raw) throws(SocketError) in try trySend(raw, flags: flags) }
    }
}
