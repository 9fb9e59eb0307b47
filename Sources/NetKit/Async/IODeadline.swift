/// When an async socket call gives up: a point on the continuous clock.
///
/// ```swift
/// let datagram = try await socket.receive(into: &buffer, deadline: .after(.seconds(2)))
/// let start = ContinuousClock.now
/// try await connection.sendAll(reply, deadline: .at(start + .milliseconds(500)))
/// ```
/// A call that passes its deadline throws ``SocketError`` with errno `.timedOut`
/// (``SocketError/isTimeout``); the socket stays usable. Deadlines are timers
/// kept by the socket's ``IOLoop``: no task or thread is started per call.
public struct IODeadline: Sendable, Hashable, Comparable {
    /// The instant the call gives up.
    public var instant: ContinuousClock.Instant

    /// A deadline at `instant`.
    public init(_ instant: ContinuousClock.Instant) {
        self.instant = instant
    }

    /// A deadline at `instant`, for use with the `deadline:` parameter.
    public static func at(_ instant: ContinuousClock.Instant) -> IODeadline {
        IODeadline(instant)
    }

    /// A deadline `timeout` from now (a per-call timeout). A negative timeout has already passed.
    public static func after(_ timeout: Duration) -> IODeadline {
        IODeadline(ContinuousClock.now + timeout)
    }

    /// Orders deadlines by instant.
    public static func < (lhs: IODeadline, rhs: IODeadline) -> Bool {
        lhs.instant < rhs.instant
    }
}
