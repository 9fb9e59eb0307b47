import CNetKitShims

/// Readiness events for ``poll(_:timeout:)-([PollItem],_)``.
public struct Readiness: OptionSet, Hashable, Sendable {
    /// The raw C `poll` events.
    public var rawValue: Int16
    /// Creates events from raw C `poll` events.
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// Data can be read, a connection accepted, or the peer closed. The corresponding C constant is `POLLIN`.
    public static let readable = Readiness(rawValue: Int16(POLLIN))
    /// Data can be written. The corresponding C constant is `POLLOUT`.
    public static let writable = Readiness(rawValue: Int16(POLLOUT))
    /// An error is pending (reported, never asked for). The corresponding C constant is `POLLERR`.
    public static let error = Readiness(rawValue: Int16(POLLERR))
    /// The peer hung up (reported, never asked for). The corresponding C constant is `POLLHUP`.
    public static let hangup = Readiness(rawValue: Int16(POLLHUP))
    /// The descriptor is not open (reported, never asked for). The corresponding C constant is `POLLNVAL`.
    public static let invalid = Readiness(rawValue: Int16(POLLNVAL))
}

/// One descriptor to watch with ``poll(_:timeout:)-([PollItem],_)``: what to wait for, and what happened.
///
/// Layout-compatible with C `struct pollfd`, so a buffer of these is passed to
/// `poll(2)` as it is.
public struct PollItem: Hashable, Sendable {
    private var raw: pollfd

    /// Creates an item for a raw descriptor.
    public init(descriptor: CInt, interest: Readiness) {
        raw = pollfd(fd: descriptor, events: interest.rawValue, revents: 0)
    }

    /// Creates an item for a socket.
    public init<S: Socket & ~Copyable>(_ socket: borrowing S, interest: Readiness) {
        self.init(descriptor: socket.withUnsafeDescriptor { $0 }, interest: interest)
    }

    /// The watched descriptor.
    public var descriptor: CInt { raw.fd }
    /// What to wait for.
    public var interest: Readiness {
        get { Readiness(rawValue: raw.events) }
        set { raw.events = newValue.rawValue }
    }
    /// What `poll` reported; empty until a call fills it.
    public var ready: Readiness { Readiness(rawValue: raw.revents) }

    /// Compares descriptor, interest and result.
    public static func == (lhs: PollItem, rhs: PollItem) -> Bool {
        (lhs.raw.fd, lhs.raw.events, lhs.raw.revents) == (rhs.raw.fd, rhs.raw.events, rhs.raw.revents)
    }
    /// Hashes descriptor, interest and result.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(raw.fd)
        hasher.combine(raw.events)
        hasher.combine(raw.revents)
    }
}

/// Waits until one of `items` is ready or `timeout` passes. The corresponding C call is `poll(2)`.
///
/// - Parameters:
///   - items: the descriptors and interests; each item's ``PollItem/ready`` is filled in.
///   - timeout: how long to wait; `nil` waits forever, `.zero` only checks.
/// - Returns: how many items are ready; 0 when the timeout passed.
/// - Throws: ``SocketError`` from `poll`. `EINTR` is retried with the full timeout.
@discardableResult
public func poll(_ items: inout [PollItem], timeout: Duration?) throws(SocketError) -> Int {
    try items.withUnsafeMutableBufferPointer { buffer in
        Result { () throws(SocketError) in try poll(buffer, timeout: timeout) }
    }.get()
}

/// Waits until one of the items in `buffer` is ready or `timeout` passes; see ``poll(_:timeout:)-([PollItem],_)``.
///
/// - Throws: ``SocketError`` from `poll`.
@discardableResult
public func poll(_ items: UnsafeMutableBufferPointer<PollItem>, timeout: Duration?) throws(SocketError) -> Int {
    let milliseconds = try timeoutMilliseconds(timeout, for: .poll)
    let count = nfds_t(items.count)
    return Int(try items.withMemoryRebound(to: pollfd.self) { (raw) throws(SocketError) in
        try syscall(.poll) { system_poll(raw.baseAddress!, count, milliseconds) }
    })
}

/// A wait timeout in whole milliseconds for `poll` and `epoll_wait`: `-1` for
/// "forever", rounded up so a short timeout still waits rather than spinning.
func timeoutMilliseconds(_ timeout: Duration?, for operation: SocketError.Operation) throws(SocketError) -> CInt {
    guard let timeout else { return -1 }
    let (seconds, attoseconds) = timeout.components
    guard seconds >= 0, attoseconds >= 0 else {
        throw SocketError(operation, .invalidArgument("a wait timeout must not be negative (\(timeout))"))
    }
    let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
    if overflow { return CInt.max }
    let total = milliseconds + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return CInt(clamping: total)
}
