import CNetKitShims

// MARK: - Async connect, send and receive

extension StreamConnection {
    /// Registers the connection with `loop`, so its async calls wait there instead of
    /// on ``IOLoop/default``. Call it before the first async call.
    ///
    /// - Throws: ``SocketError`` when already registered with another loop, the loop
    ///   was shut down, or from `epoll_ctl`.
    public func register(on loop: IOLoop) throws(SocketError) {
        _ = try owner.register(on: loop)
    }

    /// Connects to `address` without blocking a thread. The corresponding C calls are
    /// `connect(2)` on a non-blocking socket, then `getsockopt(SO_ERROR)` once it is writable.
    ///
    /// The connection is handed back in blocking mode, registered with `loop`
    /// (``IOLoop/default`` when `nil`).
    ///
    /// Cancel safe in the sense that nothing leaks: a cancelled or timed-out connect
    /// closes its socket.
    /// - Parameters:
    ///   - address: the peer.
    ///   - deadline: when to give up; `nil` waits as long as the kernel does.
    ///   - loop: the loop to register with.
    /// - Throws: ``SocketError`` from `socket` or `connect` (such as `.connectionRefused`),
    ///   or with `.timedOut` or ``SocketError/Reason/loopShutDown``; `CancellationError`.
    public init(connectingTo address: SocketAddress, deadline: IODeadline? = nil, loop: IOLoop? = nil) async throws {
        let fd = try SocketCalls.open(family: address.family, type: CNK_SOCK_STREAM, protocol: 0)
        let connection = StreamConnection(unsafeAdopting: fd)
        let registration =
            if let loop { try connection.owner.register(on: loop) } else { try connection.owner.registration() }
        try SocketCalls.setNonBlocking(fd, true)
        let failure: Errno? = address.withUnsafeSockaddr { pointer, length in
            do throws(Errno) {
                _ = try withoutRetrying { system_connect(fd, pointer, length) }
                return nil
            } catch {
                return error
            }
        }
        if let failure, failure != .isConnected {
            guard failure == .inProgress || failure == .alreadyInProgress || failure == .interrupted else {
                throw SocketError(.connect, errno: failure, address: address)
            }
            do {
                _ = try await registration.perform(.write, .connect, deadline: deadline) {
                    () throws(SocketError) -> Bool? in
                    if let pending = try SocketCalls.pendingError(fd) {
                        throw SocketError(.connect, errno: pending, address: address)
                    }
                    // Writable and no error, but a wake-up can be spurious: confirm.
                    return (try? SocketCalls.remoteAddress(fd)) != nil ? true : nil
                }
            } catch var error as SocketError {
                if error.address == nil { error.address = address }
                throw error
            }
        }
        try SocketCalls.setNonBlocking(fd, false)
        self = connection
    }

    /// Sends some of `bytes`, waiting while the send buffer is full; returns how many
    /// were taken. The corresponding C call is `send(2)` with `MSG_DONTWAIT`.
    ///
    /// Cancel safe: a cancelled call has sent nothing.
    /// - Throws: ``SocketError`` from `send` (such as `.brokenPipe`), or with `.timedOut`,
    ///   ``SocketError/Reason/closed`` or ``SocketError/Reason/loopShutDown``; `CancellationError`.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, deadline: IODeadline? = nil) async throws -> Int {
        try await AsyncStreamCalls.send(owner, bytes, deadline: deadline)
    }

    /// Sends all of `bytes`, waiting while the send buffer is full.
    ///
    /// Not cancel safe: when cancelled (or past its deadline) part of the bytes may
    /// have been sent, and the call cannot say how many. Use ``send(_:deadline:)``
    /// in a loop to keep count.
    /// - Throws: as ``send(_:deadline:)``.
    public func sendAll(_ bytes: UnsafeRawBufferPointer, deadline: IODeadline? = nil) async throws {
        try await AsyncStreamCalls.sendAll(owner, bytes, deadline: deadline)
    }

    /// Sends all of any byte collection (`[UInt8]`, `ArraySlice`, `Data`, `String.UTF8View`, ...).
    ///
    /// Contiguous collections are sent in place. Not cancel safe (see ``sendAll(_:deadline:)-(UnsafeRawBufferPointer,_)``).
    /// - Throws: as ``send(_:deadline:)``.
    public func sendAll<Bytes: Collection<UInt8>>(_ bytes: Bytes, deadline: IODeadline? = nil) async throws {
        try await AsyncStreamCalls.sendAll(owner, bytes, deadline: deadline)
    }

    /// Waits for bytes and receives up to `buffer.count` of them. The corresponding
    /// C call is `recv(2)` with `MSG_DONTWAIT`.
    ///
    /// Cancel safe: a cancelled call consumes no bytes.
    /// - Returns: the number of bytes received; `0` means end of stream.
    /// - Throws: ``SocketError`` from `recv` (such as `.connectionReset`), or with
    ///   `.timedOut`, ``SocketError/Reason/closed`` or ``SocketError/Reason/loopShutDown``;
    ///   `CancellationError`.
    public func receive(
        into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = [], deadline: IODeadline? = nil
    ) async throws -> Int {
        try await AsyncStreamCalls.receive(owner, buffer, flags: flags, deadline: deadline)
    }

    /// Waits for bytes and receives them into a byte array's existing storage.
    ///
    /// Cancel safe.
    /// - Returns: the number of bytes received; `0` means end of stream.
    /// - Throws: as ``receive(into:flags:deadline:)-(UnsafeMutableRawBufferPointer,_,_)``.
    public func receive(into buffer: inout [UInt8], flags: MessageFlags = [], deadline: IODeadline? = nil) async throws
        -> Int
    {
        try await AsyncStreamCalls.receive(owner, &buffer, flags: flags, deadline: deadline)
    }
}

/// The async stream calls, written once over a descriptor owner for
/// ``StreamConnection`` and its split halves.
///
/// A short receive (fewer bytes than asked, no flags, not end of stream) or a
/// short send means the kernel buffer was emptied or filled: the direction's ready
/// mark is cleared then, so the next call waits for readiness instead of failing
/// with `EAGAIN` first. Not for datagrams, where a short result says nothing.
enum AsyncStreamCalls {
    static func send(_ owner: DescriptorOwner, _ bytes: UnsafeRawBufferPointer, deadline: IODeadline?) async throws
        -> Int
    {
        let registration = try owner.registration()
        let fd = owner.descriptor
        let count = bytes.count
        return try await registration.perform(.write, .send, deadline: deadline, drained: { $0 < count }) {
            () throws(SocketError) in
            try nonBlockingSyscall(.send) {
                system_send(fd, bytes.baseAddress, bytes.count, SocketCalls.sendFlags | CInt(MSG_DONTWAIT))
            }
        }
    }

    static func sendAll(_ owner: DescriptorOwner, _ bytes: UnsafeRawBufferPointer, deadline: IODeadline?) async throws {
        let registration = try owner.registration()
        let fd = owner.descriptor
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            let count = rest.count
            offset += try await registration.perform(.write, .send, deadline: deadline, drained: { $0 < count }) {
                () throws(SocketError) in
                try nonBlockingSyscall(.send) {
                    system_send(fd, rest.baseAddress, rest.count, SocketCalls.sendFlags | CInt(MSG_DONTWAIT))
                }
            }
        }
    }

    static func sendAll<Bytes: Collection<UInt8>>(_ owner: DescriptorOwner, _ bytes: Bytes, deadline: IODeadline?)
        async throws
    {
        let registration = try owner.registration()
        let fd = owner.descriptor
        var offset = 0
        let total = bytes.count
        while offset < total {
            let start = offset
            let count = total - start
            offset += try await registration.perform(.write, .send, deadline: deadline, drained: { $0 < count }) {
                () throws(SocketError) in
                try withContiguousBytes(bytes) { (raw) throws(SocketError) in
                    let rest = UnsafeRawBufferPointer(rebasing: raw[start...])
                    return try nonBlockingSyscall(.send) {
                        system_send(fd, rest.baseAddress, rest.count, SocketCalls.sendFlags | CInt(MSG_DONTWAIT))
                    }
                }
            }
        }
    }

    static func receive(
        _ owner: DescriptorOwner, _ buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags, deadline: IODeadline?
    ) async throws -> Int {
        let registration = try owner.registration()
        let fd = owner.descriptor
        let drains = flags.isEmpty
        let capacity = buffer.count
        let flags = flags.rawValue | CInt(MSG_DONTWAIT)
        return try await registration.perform(
            .read, .receive, deadline: deadline, drained: { drains && $0 > 0 && $0 < capacity }
        ) { () throws(SocketError) in
            try nonBlockingSyscall(.receive) { system_recv(fd, buffer.baseAddress, buffer.count, flags) }
        }
    }

    static func receive(
        _ owner: DescriptorOwner, _ buffer: inout [UInt8], flags: MessageFlags, deadline: IODeadline?
    ) async throws -> Int {
        let registration = try owner.registration()
        let fd = owner.descriptor
        let drains = flags.isEmpty
        let capacity = buffer.count
        let flags = flags.rawValue | CInt(MSG_DONTWAIT)
        return try await registration.perform(
            .read, .receive, deadline: deadline, drained: { drains && $0 > 0 && $0 < capacity }
        ) { () throws(SocketError) in
            try buffer.withUnsafeMutableBytes { raw in
                Result { () throws(SocketError) in
                    try nonBlockingSyscall(.receive) { system_recv(fd, raw.baseAddress, raw.count, flags) }
                }
            }.get()
        }
    }
}

extension SocketCalls {
    /// The pending error (`SO_ERROR`), cleared by reading it; `nil` when none.
    static func pendingError(_ fd: CInt) throws(SocketError) -> Errno? {
        let raw = try SocketOption<Int>(level: SOL_SOCKET, name: SO_ERROR).get(fd)
        return raw == 0 ? nil : Errno(rawValue: CInt(raw))
    }
}
