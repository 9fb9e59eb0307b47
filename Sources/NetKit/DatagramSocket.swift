import CNetKitShims

/// A datagram socket: UDP over IPv4 or IPv6, or a Unix-domain datagram socket.
///
/// ```swift
/// let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
/// var buffer = [UInt8](repeating: 0, count: 2048)
/// let datagram = try socket.receive(into: &buffer)
/// try socket.send(buffer[..<datagram.count], to: datagram.sender!)
/// ```
///
/// The socket owns its descriptor: `deinit` closes it, ``close()`` closes it and
/// reports the error, ``release()`` hands it out. It is `~Copyable`, so it
/// cannot be closed twice or used after close.
public struct DatagramSocket: ~Copyable, Socket, Sendable {
    @usableFromInline
    let descriptor: CInt

    /// Creates an unbound datagram socket. The corresponding C call is `socket(family, SOCK_DGRAM, 0)`.
    ///
    /// - Parameter family: `.ipv4`, `.ipv6` or `.unix`.
    /// - Throws: ``SocketError`` from `socket`.
    public init(family: AddressFamily) throws(SocketError) {
        descriptor = try SocketCalls.open(family: family, type: CNK_SOCK_DGRAM, protocol: 0)
    }

    /// Creates a datagram socket and binds it to `address`. Bind to port 0 for an ephemeral port.
    ///
    /// - Throws: ``SocketError`` from `socket` or `bind` (such as `.addressInUse`).
    public init(bindingTo address: SocketAddress) throws(SocketError) {
        let socket = try DatagramSocket(family: address.family)
        try socket.bind(to: address)
        self = socket
    }

    /// Takes ownership of a raw descriptor, which must be an open datagram socket.
    public init(unsafeAdopting descriptor: CInt) {
        self.descriptor = descriptor
    }

    /// Creates two connected Unix-domain datagram sockets. The corresponding C call is `socketpair(2)`.
    ///
    /// - Throws: ``SocketError`` from `socketpair`.
    public static func pair() throws(SocketError) -> SocketPair<DatagramSocket> {
        let (a, b) = try SocketCalls.pair(family: .unix, type: CNK_SOCK_DGRAM)
        return SocketPair(first: DatagramSocket(unsafeAdopting: a), second: DatagramSocket(unsafeAdopting: b))
    }

    deinit {
        _ = system_close(descriptor)
    }

    /// Closes the socket and reports the error `close` gives. Never retried.
    ///
    /// - Throws: ``SocketError`` from `close`; the descriptor is released either way.
    public consuming func close() throws(SocketError) {
        let fd = descriptor
        discard self
        try SocketCalls.close(fd)
    }

    /// Hands out the raw descriptor without closing it; the caller now owns it.
    public consuming func release() -> CInt {
        let fd = descriptor
        discard self
        return fd
    }

    /// Lends the raw descriptor to `body`. Do not close it or keep it past `body`.
    public func withUnsafeDescriptor<R, E: Error>(_ body: (CInt) throws(E) -> R) throws(E) -> R {
        try body(descriptor)
    }

    // MARK: - Addresses

    /// Binds the socket to a local address. The corresponding C call is `bind(2)`.
    ///
    /// - Throws: ``SocketError`` from `bind`, with the address.
    public func bind(to address: SocketAddress) throws(SocketError) {
        try SocketCalls.bind(descriptor, to: address)
    }

    /// Fixes the peer: `send(_:)` goes there and only its datagrams are received.
    /// The corresponding C call is `connect(2)`. Nothing is sent on the network.
    ///
    /// Once connected, an ICMP port-unreachable from the peer shows up as a
    /// `.connectionRefused` error on a later call; the socket stays usable.
    /// - Throws: ``SocketError`` from `connect`.
    public func connect(to address: SocketAddress) throws(SocketError) {
        try SocketCalls.connect(descriptor, to: address)
    }

    /// Dissolves the association made by ``connect(to:)``. The corresponding C call is `connect` with `AF_UNSPEC`.
    ///
    /// - Throws: ``SocketError`` from `connect`.
    public func disconnect() throws(SocketError) {
        var address = sockaddr()
        address.sa_family = sa_family_t(AF_UNSPEC)
        let fd = descriptor
        _ = try syscall(.connect) { system_connect(fd, &address, socklen_t(MemoryLayout<sockaddr>.size)) }
    }

    /// The connected peer's address. The corresponding C call is `getpeername(2)`.
    ///
    /// - Throws: ``SocketError`` with `.notConnected` when not connected.
    public var remoteAddress: SocketAddress {
        get throws(SocketError) { try SocketCalls.remoteAddress(descriptor) }
    }
}

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

// MARK: - Helpers shared by the socket types

/// Runs a blocking call; "would block" here means a send or receive timeout
/// passed, and is reported as `.timedOut`.
@inline(__always)
func blockingResult<R: FixedWidthInteger>(
    _ operation: SocketError.Operation, address: SocketAddress? = nil, _ call: () -> R
) throws(SocketError) -> R {
    do {
        return try retryingOnInterrupt(call)
    } catch {
        // Built out of line: the hot path keeps a small frame and no error code.
        // Without an address nothing is passed: a `nil` `SocketAddress?` would be
        // a 115-byte value built on the stack on every call.
        guard let address else { throw blockingFailure(operation, error) }
        throw blockingFailure(operation, error, address: address)
    }
}

/// The error for a failed blocking call; "would block" becomes `.timedOut`.
@inline(never)
func blockingFailure(_ operation: SocketError.Operation, _ error: Errno, address: SocketAddress?) -> SocketError {
    SocketError(operation, errno: error == .wouldBlock ? .timedOut : error, address: address)
}

/// The error for a failed blocking call with no address; "would block" becomes `.timedOut`.
@inline(never)
func blockingFailure(_ operation: SocketError.Operation, _ error: Errno) -> SocketError {
    SocketError(operation, errno: error == .wouldBlock ? .timedOut : error)
}

/// Lends a byte sequence as contiguous raw bytes: in place when it can, else via one copy.
func withContiguousBytes<Bytes: Sequence<UInt8>, R>(
    _ bytes: Bytes, _ body: (UnsafeRawBufferPointer) throws(SocketError) -> R
) throws(SocketError) -> R {
    let result = bytes.withContiguousStorageIfAvailable { buffer in
        Result { () throws(SocketError) in try body(UnsafeRawBufferPointer(buffer)) }
    }
    if let result { return try result.get() }
    let copy = Array(bytes)
    return try copy.withUnsafeBytes { raw in Result { () throws(SocketError) in try body(raw) } }.get()
}
