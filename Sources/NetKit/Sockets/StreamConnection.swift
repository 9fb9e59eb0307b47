import CNetKitShims

/// A connected stream socket: a TCP connection, or a Unix-domain stream connection.
///
/// ```swift
/// let connection = try StreamConnection(connectingTo: .ipv4(.loopback, port: 7))
/// try connection.sendAll(Array("hello".utf8))
/// var buffer = [UInt8](repeating: 0, count: 1024)
/// let count = try connection.receive(into: &buffer)   // 0 means the peer closed
/// ```
///
/// Owns its descriptor, like every NetKit socket: `deinit` closes it.
public struct StreamConnection: ~Copyable, Socket, Sendable {
    /// The descriptor's one owner (see `DescriptorOwner`).
    @usableFromInline
    let owner: DescriptorOwner

    /// The raw descriptor, for NetKit's own calls.
    @usableFromInline
    var descriptor: CInt { owner.descriptor }

    /// Connects to `address`, waiting at most `timeout` when one is given.
    /// The corresponding C call is `connect(2)`.
    ///
    /// With a timeout the connect runs non-blocking and waits with `poll`; the
    /// connection is handed back in blocking mode either way. A connect
    /// interrupted by a signal (`EINTR`) is not restarted (the kernel carries on
    /// with it): NetKit waits for it to finish, as with `EINPROGRESS`.
    /// - Parameters:
    ///   - address: the peer.
    ///   - source: the local address to bind to first (`bind(2)`), such as one of
    ///     several local addresses or a fixed source port; `nil` lets the kernel choose.
    ///   - timeout: how long to wait; `nil` waits as long as the kernel does, `.zero`
    ///     only checks whether the connection is made at once.
    /// - Throws: ``SocketError`` from `bind` or `connect` such as `.connectionRefused`,
    ///   or `.timedOut` when the timeout passes first.
    public init(connectingTo address: SocketAddress, from source: SocketAddress? = nil, timeout: Duration? = nil)
        throws(SocketError)
    {
        let connection = try StreamConnection(family: address.family)
        if let source { try connection.bind(to: source) }
        try connection.connect(to: address, timeout: timeout)
        self = connection
    }

    /// Creates an unconnected stream socket, to configure (options, ``bind(to:)``)
    /// before ``connect(to:timeout:)``. The corresponding C call is `socket(family, SOCK_STREAM, 0)`.
    ///
    /// ```swift
    /// let connection = try StreamConnection(family: .ipv4)
    /// try connection.setOption(.receiveBufferSize, 1 << 20)   // before the handshake
    /// try connection.bind(to: .ipv4(IPv4Address(127, 0, 0, 2), port: 0))
    /// try connection.connect(to: server, timeout: .seconds(2))
    /// ```
    /// - Throws: ``SocketError`` from `socket`.
    public init(family: AddressFamily) throws(SocketError) {
        owner = DescriptorOwner(try SocketCalls.open(family: family, type: CNK_SOCK_STREAM, protocol: 0))
    }

    /// A handle on a descriptor owner NetKit already holds (an accepted connection, a table entry).
    init(owner: DescriptorOwner) {
        self.owner = owner
    }

    /// Binds the unconnected socket to a local address before ``connect(to:timeout:)``.
    /// The corresponding C call is `bind(2)`.
    ///
    /// - Throws: ``SocketError`` from `bind`, such as `.addressNotAvailable`.
    public func bind(to address: SocketAddress) throws(SocketError) {
        try SocketCalls.bind(descriptor, to: address)
    }

    /// Connects the socket made with ``init(family:)``, waiting at most `timeout`;
    /// see ``init(connectingTo:from:timeout:)``. The corresponding C call is `connect(2)`.
    ///
    /// - Throws: ``SocketError`` from `connect`, or `.timedOut`.
    public func connect(to address: SocketAddress, timeout: Duration? = nil) throws(SocketError) {
        let fd = descriptor
        if let timeout {
            guard timeout >= .zero else {
                throw SocketError(
                    .connect, .invalidArgument("a connect timeout must not be negative (\(timeout))"), address: address)
            }
            let wasNonBlocking = try SocketCalls.isNonBlocking(fd)
            try SocketCalls.setNonBlocking(fd, true)
            try finishConnecting(to: address, deadline: ContinuousClock.now + timeout)
            try SocketCalls.setNonBlocking(fd, wasNonBlocking)
        } else {
            try finishConnecting(to: address, deadline: nil)
        }
    }

    /// Runs `connect` to completion: calls it, and while it is under way
    /// (`EINPROGRESS`, `EALREADY`, `EINTR`) waits for writability, reads
    /// `SO_ERROR`, and confirms with `getpeername` (a wake-up can be spurious).
    private func finishConnecting(to address: SocketAddress, deadline: ContinuousClock.Instant?) throws(SocketError) {
        let fd = descriptor
        while true {
            let failure = SocketCalls.connectOnce(fd, to: address)
            guard let failure, failure != .isConnected else { return }
            guard failure == .inProgress || failure == .alreadyInProgress || failure == .interrupted else {
                throw SocketError(.connect, errno: failure, address: address)
            }
            // Past the deadline the wait only checks (`.zero`): a refusal that has
            // already arrived is reported as such, not as a timeout.
            let remaining = deadline.map { Swift.max($0 - ContinuousClock.now, .zero) }
            let ready = try SocketCalls.waitUntilReady(fd, .writable, timeout: remaining)
            if let pending = try pendingError {
                throw SocketError(.connect, errno: pending, address: address)
            }
            if ready == 0 { throw SocketError(.connect, errno: .timedOut, address: address) }
            if (try? SocketCalls.remoteAddress(fd)) != nil { return }
            if let deadline, ContinuousClock.now >= deadline {
                throw SocketError(.connect, errno: .timedOut, address: address)
            }
            // Not connected after all: ask `connect` again, which reports where it stands.
        }
    }

    /// Takes ownership of a raw descriptor, which must be a connected stream socket.
    public init(unsafeAdopting descriptor: CInt) {
        owner = DescriptorOwner(descriptor)
    }

    /// Creates two connected Unix-domain stream sockets. The corresponding C call is `socketpair(2)`.
    ///
    /// - Throws: ``SocketError`` from `socketpair`.
    public static func pair() throws(SocketError) -> SocketPair<StreamConnection> {
        let (a, b) = try SocketCalls.pair(family: .unix, type: CNK_SOCK_STREAM)
        return SocketPair(first: StreamConnection(unsafeAdopting: a), second: StreamConnection(unsafeAdopting: b))
    }

    /// Closes the connection and reports the error `close` gives. Never retried.
    ///
    /// - Throws: ``SocketError`` from `close`; the descriptor is released either way.
    public consuming func close() throws(SocketError) {
        try owner.close()
    }

    /// Hands out the raw descriptor without closing it; the caller now owns it.
    public consuming func release() -> CInt {
        owner.release()
    }

    /// The raw descriptor, still owned by the socket: do not close it or use it after the socket is gone.
    /// socket2 calls this `as_raw_fd`.
    public var unsafeDescriptor: CInt { descriptor }

    /// The peer's address. The corresponding C call is `getpeername(2)`.
    ///
    /// - Throws: ``SocketError`` from `getpeername`.
    public var remoteAddress: SocketAddress {
        get throws(SocketError) { try SocketCalls.remoteAddress(descriptor) }
    }

    /// Shuts down one or both directions; `.write` makes the peer see end-of-stream.
    /// The corresponding C call is `shutdown(2)`.
    ///
    /// - Throws: ``SocketError`` from `shutdown`.
    public func shutdown(_ how: ShutdownKind) throws(SocketError) {
        try SocketCalls.shutdown(descriptor, how)
    }
}

// MARK: - I/O

// The family: every blocking send and receive has a non-blocking `try` twin with
// the same buffers and the same `flags`.

extension StreamConnection {
    /// Sends some of `bytes`, returning how many were taken (possibly fewer than all).
    /// The corresponding C call is `send(2)`. Never raises `SIGPIPE`.
    ///
    /// - Parameters:
    ///   - bytes: the bytes to send.
    ///   - flags: such as ``MessageFlags/outOfBand``.
    /// - Throws: ``SocketError`` from `send`, such as `.brokenPipe` or
    ///   `.connectionReset`; `.timedOut` when a send timeout passes; `.wouldBlock`
    ///   on a non-blocking socket or with ``MessageFlags/dontWait``.
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, flags: MessageFlags = []) throws(SocketError) -> Int {
        try SocketCalls.send(descriptor, bytes, flags: flags.rawValue)
    }

    /// Sends some of any byte sequence (`[UInt8]`, `ArraySlice`, `Data`, `String.UTF8View`, ...).
    ///
    /// - Throws: ``SocketError`` from `send`.
    @discardableResult
    public func send<Bytes: Sequence<UInt8>>(_ bytes: Bytes, flags: MessageFlags = []) throws(SocketError) -> Int {
        try withContiguousBytes(bytes) { (raw) throws(SocketError) in try send(raw, flags: flags) }
    }

    /// Sends some of a `RawSpan`.
    ///
    /// - Throws: ``SocketError`` from `send`.
    @discardableResult
    public func send(_ bytes: RawSpan, flags: MessageFlags = []) throws(SocketError) -> Int {
        try bytes.withUnsafeBytes { (raw) throws(SocketError) in try send(raw, flags: flags) }
    }

    /// Sends some of `bytes` without blocking; `nil` when the send buffer is full.
    /// The corresponding C call is `send(2)` with `MSG_DONTWAIT`.
    ///
    /// - Throws: ``SocketError`` from `send` for anything but "would block".
    public func trySend(_ bytes: UnsafeRawBufferPointer, flags: MessageFlags = []) throws(SocketError) -> Int? {
        try SocketCalls.trySend(descriptor, bytes, flags: flags.rawValue)
    }

    /// Sends some of any byte sequence without blocking; `nil` when the send buffer is full.
    ///
    /// - Throws: ``SocketError`` from `send` for anything but "would block".
    public func trySend<Bytes: Sequence<UInt8>>(_ bytes: Bytes, flags: MessageFlags = []) throws(SocketError) -> Int? {
        try withContiguousBytes(bytes) { (raw) throws(SocketError) in try trySend(raw, flags: flags) }
    }

    /// Sends some of a `RawSpan` without blocking; `nil` when the send buffer is full.
    ///
    /// - Throws: ``SocketError`` from `send` for anything but "would block".
    public func trySend(_ bytes: RawSpan, flags: MessageFlags = []) throws(SocketError) -> Int? {
        try bytes.withUnsafeBytes { (raw) throws(SocketError) in try trySend(raw, flags: flags) }
    }

    /// Sends all of `bytes`, looping over short writes.
    ///
    /// On a non-blocking socket a full send buffer is waited out with `poll`, so
    /// `sendAll` always finishes or fails; on a blocking socket with a
    /// ``SocketOption/sendTimeout`` it fails with `.timedOut` when the peer stops reading.
    /// - Throws: ``SocketError`` from `send`, such as `.brokenPipe` or
    ///   `.connectionReset`; some bytes may have been sent before the error.
    public func sendAll(_ bytes: UnsafeRawBufferPointer, flags: MessageFlags = []) throws(SocketError) {
        let fd = descriptor
        var rest = bytes
        while !rest.isEmpty {
            let chunk = rest
            guard
                let sent = try SocketCalls.sendUnlessWouldBlock(fd, chunk, flags: flags.rawValue & ~CInt(MSG_DONTWAIT))
            else {
                // "Would block": a send timeout on a blocking socket, or a full buffer on a non-blocking one.
                guard try SocketCalls.isNonBlocking(fd) else { throw SocketError(.send, errno: .timedOut) }
                _ = try SocketCalls.waitUntilReady(fd, .writable, timeout: nil)
                continue
            }
            rest = UnsafeRawBufferPointer(rebasing: rest[sent...])
        }
    }

    /// Sends all of any byte sequence (`[UInt8]`, `ArraySlice`, `Data`, `String.UTF8View`, ...).
    ///
    /// - Throws: ``SocketError`` from `send`.
    public func sendAll<Bytes: Sequence<UInt8>>(_ bytes: Bytes, flags: MessageFlags = []) throws(SocketError) {
        try withContiguousBytes(bytes) { (raw) throws(SocketError) in try sendAll(raw, flags: flags) }
    }

    /// Sends all of a `RawSpan`, looping over short writes.
    ///
    /// - Throws: ``SocketError`` from `send`.
    public func sendAll(_ bytes: RawSpan, flags: MessageFlags = []) throws(SocketError) {
        try bytes.withUnsafeBytes { (raw) throws(SocketError) in try sendAll(raw, flags: flags) }
    }

    /// Receives up to `buffer.count` bytes. The corresponding C call is `recv(2)`.
    ///
    /// - Returns: the number of bytes received; `0` means the peer closed its
    ///   sending side (end of stream), which is not an error.
    /// - Throws: ``SocketError`` from `recv`, such as `.connectionReset`;
    ///   `.timedOut` when a receive timeout passes; `.wouldBlock` on a non-blocking
    ///   socket or with ``MessageFlags/dontWait``; `invalidArgument` for an empty
    ///   buffer, whose 0 would look like end of stream.
    public func receive(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []) throws(SocketError) -> Int
    {
        try SocketCalls.receiveStream(descriptor, buffer, flags: flags.rawValue)
    }

    /// Receives up to `buffer.count` bytes into a byte array's existing storage.
    ///
    /// - Returns: the number of bytes received; `0` means end of stream.
    /// - Throws: ``SocketError`` from `recv`; `invalidArgument` for an empty array.
    public func receive(into buffer: inout [UInt8], flags: MessageFlags = []) throws(SocketError) -> Int {
        try buffer.withUnsafeMutableBufferPointer { (elements) throws(SocketError) in
            let raw = UnsafeMutableRawBufferPointer(elements)
            return try receive(into: raw, flags: flags)
        }
    }

    /// Receives into a `MutableRawSpan`.
    ///
    /// - Returns: the number of bytes received; `0` means end of stream.
    /// - Throws: ``SocketError`` from `recv`; `invalidArgument` for an empty span.
    public func receive(into buffer: inout MutableRawSpan, flags: MessageFlags = []) throws(SocketError) -> Int {
        try buffer.withUnsafeMutableBytes { (raw) throws(SocketError) in try receive(into: raw, flags: flags) }
    }

    /// Receives into the free capacity of an `OutputRawSpan`, which grows by the bytes received.
    ///
    /// - Returns: the number of bytes received; `0` means end of stream.
    /// - Throws: ``SocketError`` from `recv`; `invalidArgument` when the span has no free capacity.
    public func receive(into buffer: inout OutputRawSpan, flags: MessageFlags = []) throws(SocketError) -> Int {
        try buffer.withUnsafeMutableBytes { (raw, initialized) throws(SocketError) -> Int in
            let received = try receive(into: UnsafeMutableRawBufferPointer(rebasing: raw[initialized...]), flags: flags)
            initialized += received
            return received
        }
    }

    /// Receives up to `maxCount` bytes as a new array; empty means end of stream.
    ///
    /// Allocates the array; the allocation-free calls take a buffer.
    /// - Throws: ``SocketError`` from `recv`; `invalidArgument` when `maxCount` is not positive.
    public func receive(maxCount: Int, flags: MessageFlags = []) throws(SocketError) -> [UInt8] {
        guard maxCount > 0 else {
            throw SocketError(.receive, .invalidArgument("maxCount must be positive (\(maxCount))"))
        }
        var bytes = [UInt8](repeating: 0, count: maxCount)
        let count = try receive(into: &bytes, flags: flags)
        bytes.removeSubrange(count...)
        return bytes
    }

    /// Receives without blocking; `nil` when nothing is there yet, `0` at end of stream.
    /// The corresponding C call is `recv(2)` with `MSG_DONTWAIT`.
    ///
    /// - Throws: ``SocketError`` from `recv` for anything but "would block".
    public func tryReceive(into buffer: UnsafeMutableRawBufferPointer, flags: MessageFlags = []) throws(SocketError)
        -> Int?
    {
        try SocketCalls.tryReceiveStream(descriptor, buffer, flags: flags.rawValue)
    }

    /// Receives into a byte array's existing storage without blocking; `nil` when nothing is there yet.
    ///
    /// - Throws: ``SocketError`` from `recv` for anything but "would block".
    public func tryReceive(into buffer: inout [UInt8], flags: MessageFlags = []) throws(SocketError) -> Int? {
        try buffer.withUnsafeMutableBufferPointer { (elements) throws(SocketError) in
            let raw = UnsafeMutableRawBufferPointer(elements)
            return try tryReceive(into: raw, flags: flags)
        }
    }

    /// Receives into a `MutableRawSpan` without blocking; `nil` when nothing is there yet.
    ///
    /// - Throws: ``SocketError`` from `recv` for anything but "would block".
    public func tryReceive(into buffer: inout MutableRawSpan, flags: MessageFlags = []) throws(SocketError) -> Int? {
        try buffer.withUnsafeMutableBytes { (raw) throws(SocketError) in try tryReceive(into: raw, flags: flags) }
    }

    /// Receives into the free capacity of an `OutputRawSpan` without blocking; `nil`
    /// when nothing is there yet, `0` at end of stream.
    ///
    /// - Throws: ``SocketError`` from `recv` for anything but "would block".
    public func tryReceive(into buffer: inout OutputRawSpan, flags: MessageFlags = []) throws(SocketError) -> Int? {
        try buffer.withUnsafeMutableBytes { (raw, initialized) throws(SocketError) -> Int? in
            guard
                let received = try tryReceive(
                    into: UnsafeMutableRawBufferPointer(rebasing: raw[initialized...]), flags: flags)
            else { return nil }
            initialized += received
            return received
        }
    }
}
