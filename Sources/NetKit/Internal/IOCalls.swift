import CNetKitShims

// Sends and receives over a raw descriptor: the only code that calls send,
// sendto, recv and recvfrom. Each call has a blocking form (waits; "would block"
// is `.wouldBlock`, or `.timedOut` when a socket timeout expired) and a `try`
// form (adds `MSG_DONTWAIT`; "would block" is `nil`).
//
// The per-datagram forms are `@inlinable`/`@usableFromInline` so that
// DatagramSocket+HotPaths.swift can inline them into the caller; see
// Benchmarks/RESULTS.md for the instruction counts that ask for it. Only the
// system call and the error path stay out of line.

extension SocketCalls {
    /// `MSG_TRUNC` makes Linux return a datagram's full length even when cut.
    @usableFromInline
    static var truncFlag: CInt {
        #if os(Linux)
        CInt(MSG_TRUNC)
        #else
        0
        #endif
    }

    /// `MSG_DONTWAIT`, for the `try` forms.
    @usableFromInline
    static var dontWait: CInt { CInt(MSG_DONTWAIT) }

    /// The error for a receive into an empty buffer, which would drop a datagram
    /// or look like end of stream.
    @usableFromInline
    @inline(never)
    static func emptyBuffer(_ operation: SocketError.Operation, stream: Bool) -> SocketError {
        SocketError(
            operation,
            .invalidArgument(
                stream
                    ? "cannot receive into an empty buffer: a 0-byte result would look like end of stream"
                    : "cannot receive into an empty buffer: the datagram would be dropped (use .peek to look at its length)"
            ))
    }

    /// Whether a receive into `buffer` with `flags` would lose data unseen.
    @usableFromInline
    @inline(__always)
    static func dropsData(_ buffer: UnsafeMutableRawBufferPointer, _ flags: CInt) -> Bool {
        buffer.count == 0 && flags & CInt(MSG_PEEK) == 0
    }

    // MARK: - send / recv (streams and connected datagram sockets)

    /// Blocking `send(2)`; never raises `SIGPIPE`. Inlined into each socket type's `send`.
    @inline(__always)
    static func send(_ fd: CInt, _ bytes: UnsafeRawBufferPointer, flags: CInt) throws(SocketError) -> Int {
        let flags = flags | sendFlags
        return try blockingSyscall(.send, descriptor: fd, flags: flags) {
            system_send(fd, bytes.baseAddress, bytes.count, flags)
        }
    }

    /// Non-blocking `send(2)`: `nil` when the send buffer is full.
    static func trySend(_ fd: CInt, _ bytes: UnsafeRawBufferPointer, flags: CInt) throws(SocketError) -> Int? {
        let flags = flags | sendFlags | dontWait
        return try nonBlockingSyscall(.send) { system_send(fd, bytes.baseAddress, bytes.count, flags) }
    }

    /// `send(2)` as the socket's mode has it, with "would block" (a send timeout
    /// on a blocking socket, a full buffer on a non-blocking one) as `nil`.
    static func sendUnlessWouldBlock(_ fd: CInt, _ bytes: UnsafeRawBufferPointer, flags: CInt) throws(SocketError)
        -> Int?
    {
        let flags = flags | sendFlags
        return try nonBlockingSyscall(.send) { system_send(fd, bytes.baseAddress, bytes.count, flags) }
    }

    /// Blocking `recv(2)` on a stream: refuses an empty buffer (its 0 would read as end of stream).
    static func receiveStream(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, flags: CInt) throws(SocketError)
        -> Int
    {
        guard !buffer.isEmpty else { throw emptyBuffer(.receive, stream: true) }
        return try blockingSyscall(.receive, descriptor: fd, flags: flags) {
            system_recv(fd, buffer.baseAddress, buffer.count, flags)
        }
    }

    /// Non-blocking `recv(2)` on a stream: `nil` when nothing is there yet, 0 at end of stream.
    static func tryReceiveStream(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, flags: CInt) throws(SocketError)
        -> Int?
    {
        guard !buffer.isEmpty else { throw emptyBuffer(.receive, stream: true) }
        let flags = flags | dontWait
        return try nonBlockingSyscall(.receive) { system_recv(fd, buffer.baseAddress, buffer.count, flags) }
    }

    /// Blocking `recv(2)` of one datagram: its full length (`MSG_TRUNC`).
    @inlinable
    static func receiveDatagram(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, flags: CInt) throws(SocketError)
        -> Int
    {
        try _receiveDatagram(fd, buffer, flags)
    }

    /// Non-blocking `recv(2)` of one datagram: its full length, or `nil` when none is queued.
    static func tryReceiveDatagram(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, flags: CInt) throws(SocketError)
        -> Int?
    {
        if dropsData(buffer, flags) { throw emptyBuffer(.receive, stream: false) }
        let flags = flags | truncFlag | dontWait
        return try nonBlockingSyscall(.receive) { system_recv(fd, buffer.baseAddress, buffer.count, flags) }
    }

    // MARK: - sendto / recvfrom (datagrams with an address)

    /// Blocking `sendto(2)`. Inlined into the caller: an IPv4 destination becomes a
    /// 16-byte `sockaddr_in` right there, and only the system call is out of line.
    @inlinable
    static func sendTo(
        _ fd: CInt, _ bytes: UnsafeRawBufferPointer, flags: CInt, _ address: SocketAddress
    ) throws(SocketError) -> Int {
        if case .ipv4(let ip, let port) = address {
            var sin = sockaddr_in(ip, port: port)
            return try withUnsafePointer(to: &sin) { (pointer) throws(SocketError) -> Int in
                try _sendToEncoded(
                    fd, bytes, flags, UnsafeRawPointer(pointer).assumingMemoryBound(to: sockaddr.self),
                    socklen_t(MemoryLayout<sockaddr_in>.size), address)
            }
        }
        return try _sendToAny(fd, bytes, flags, address)
    }

    /// Non-blocking `sendto(2)`: `nil` when the send buffer is full.
    static func trySendTo(
        _ fd: CInt, _ bytes: UnsafeRawBufferPointer, flags: CInt, _ address: SocketAddress
    ) throws(SocketError) -> Int? {
        let flags = flags | sendFlags | dontWait
        return try address.withFastSockaddr { (pointer, length) throws(SocketError) -> Int? in
            do throws(SocketError) {
                return try nonBlockingSyscall(.sendTo) {
                    system_sendto(fd, bytes.baseAddress, bytes.count, flags, pointer, length)
                }
            } catch {
                throw error.addingAddress(address)
            }
        }
    }

    /// Blocking `recvfrom(2)` of one datagram, with its sender. Inlined into the
    /// caller with only the system call out of line: a caller that never reads
    /// `sender` pays nothing for decoding it, and an IPv4 sender is decoded in a
    /// few instructions.
    @inlinable
    static func receiveFrom(
        _ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, flags: CInt
    ) throws(SocketError) -> ReceivedDatagram {
        var storage = sockaddr_storage()
        var addressLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        return try withUnsafeMutablePointer(to: &storage) { (pointer) throws(SocketError) -> ReceivedDatagram in
            let address = UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: sockaddr.self)
            let length = try _receiveFromInto(fd, buffer, flags, address, &addressLength)
            return ReceivedDatagram(
                count: Swift.min(length, buffer.count), length: length,
                sender: SocketAddress.decodeInline(address, length: addressLength))
        }
    }

    /// Non-blocking `recvfrom(2)`: `nil` when no datagram is queued.
    static func tryReceiveFrom(
        _ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, flags: CInt
    ) throws(SocketError) -> ReceivedDatagram? {
        if dropsData(buffer, flags) { throw emptyBuffer(.receiveFrom, stream: false) }
        let flags = flags | truncFlag | dontWait
        // Uninitialised stack storage, as C would declare it: the kernel writes it.
        return try withUnsafeTemporaryAllocation(of: sockaddr_storage.self, capacity: 1) {
            (storage) throws(SocketError) -> ReceivedDatagram? in
            let address = UnsafeMutableRawPointer(storage.baseAddress!).assumingMemoryBound(to: sockaddr.self)
            var addressLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            // The closure is written inline (not stored in a constant) so it stays
            // non-escaping: a stored closure would box `addressLength` and pay for
            // dynamic exclusivity checks on every datagram.
            guard
                let length = try nonBlockingSyscall(
                    .receiveFrom,
                    {
                        system_recvfrom(fd, buffer.baseAddress, buffer.count, flags, address, &addressLength)
                    })
            else { return nil }
            let sender = SocketAddress.decodeFast(address, length: addressLength)
            return ReceivedDatagram(count: Swift.min(length, buffer.count), length: length, sender: sender)
        }
    }
}

// MARK: - The out-of-line halves of the hot paths

// Free functions, not static members: a static member's unused metatype argument
// makes the optimizer emit a forwarding thunk at the public symbol, a few
// instructions on every datagram (callgrind shows them).

/// Blocking `recv(2)` of one datagram: its full length.
@usableFromInline
func _receiveDatagram(_ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, _ flags: CInt) throws(SocketError) -> Int {
    if SocketCalls.dropsData(buffer, flags) { throw SocketCalls.emptyBuffer(.receive, stream: false) }
    let flags = flags | SocketCalls.truncFlag
    return try blockingSyscall(.receive, descriptor: fd, flags: flags) {
        system_recv(fd, buffer.baseAddress, buffer.count, flags)
    }
}

/// `sendto` to an encoded address; the address is only for the error.
@usableFromInline
func _sendToEncoded(
    _ fd: CInt, _ bytes: UnsafeRawBufferPointer, _ flags: CInt, _ pointer: UnsafePointer<sockaddr>, _ length: socklen_t,
    _ address: borrowing SocketAddress
) throws(SocketError) -> Int {
    let flags = flags | SocketCalls.sendFlags
    // The address joins the error only when there is one: passing it in
    // up front would copy it (and release it) on every datagram.
    do throws(SocketError) {
        return try blockingSyscall(.sendTo, descriptor: fd, flags: flags) {
            system_sendto(fd, bytes.baseAddress, bytes.count, flags, pointer, length)
        }
    } catch {
        throw error.addingAddress(copy address)
    }
}

/// `sendto` to any address, encoded here.
@usableFromInline
func _sendToAny(_ fd: CInt, _ bytes: UnsafeRawBufferPointer, _ flags: CInt, _ address: SocketAddress)
    throws(SocketError) -> Int
{
    try address.withUnsafeSockaddr { (pointer, length) throws(SocketError) -> Int in
        try _sendToEncoded(fd, bytes, flags, pointer, length, address)
    }
}

/// Blocking `recvfrom`: the datagram's full length; the kernel writes the sender into `address`.
@usableFromInline
func _receiveFromInto(
    _ fd: CInt, _ buffer: UnsafeMutableRawBufferPointer, _ flags: CInt, _ address: UnsafeMutablePointer<sockaddr>,
    _ addressLength: UnsafeMutablePointer<socklen_t>
) throws(SocketError) -> Int {
    if SocketCalls.dropsData(buffer, flags) { throw SocketCalls.emptyBuffer(.receiveFrom, stream: false) }
    let flags = flags | SocketCalls.truncFlag
    return try blockingSyscall(.receiveFrom, descriptor: fd, flags: flags) {
        system_recvfrom(fd, buffer.baseAddress, buffer.count, flags, address, addressLength)
    }
}
