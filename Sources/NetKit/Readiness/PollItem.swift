import CNetKitShims

/// One descriptor to watch with ``poll(_:timeout:)-([PollItem],_)``: what to wait for, and what happened.
///
/// Layout-compatible with C `struct pollfd`, so a buffer of these is passed to
/// `poll(2)` as it is.
public struct PollItem: Hashable, Sendable {
    private var raw: pollfd

    /// Creates an item for a raw descriptor.
    public init(descriptor: CInt, interest: Readiness) {
        raw = SocketCalls.pollDescriptor(descriptor, events: interest.rawValue)
    }

    /// Creates an item for a socket.
    public init<S: Socket & ~Copyable>(_ socket: borrowing S, interest: Readiness) {
        self.init(descriptor: socket.unsafeDescriptor, interest: interest)
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
