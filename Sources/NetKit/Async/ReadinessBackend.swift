import CNetKitShims

/// The seam between ``IOLoop`` and the operating system's readiness API: epoll on
/// Linux, `poll(2)` everywhere. A kqueue backend would be a third conformance.
///
/// Tokens are opaque to the backend: the loop packs a slot index and a
/// generation into them, never the raw descriptor.
protocol ReadinessBackend: AnyObject, Sendable {
    /// Whether the backend is level-triggered and so must be told which
    /// directions have waiters (``setInterest(_:token:readable:writable:)``).
    var needsInterest: Bool { get }

    /// Starts watching `descriptor`; its events carry `token`. Any thread.
    func register(_ descriptor: CInt, token: UInt64) throws(SocketError)

    /// Stops watching `descriptor`, before it is closed. Any thread.
    func deregister(_ descriptor: CInt, token: UInt64)

    /// Which directions of `descriptor` some task waits for. Only called when
    /// ``needsInterest`` is true. Any thread.
    func setInterest(_ descriptor: CInt, token: UInt64, readable: Bool, writable: Bool)

    /// Waits at most `timeout` (`nil`: until woken) and reports each event to
    /// `handler`. The loop thread only.
    func wait(timeout: Duration?, _ handler: (UInt64, ReadyBits) -> Void) throws(SocketError)

    /// Makes the current or next ``wait(timeout:_:)`` return soon. Any thread.
    func wake()
}

/// Which readiness API an ``IOLoop`` uses.
public struct IOLoopBackend: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable { case epoll, poll }
    let kind: Kind

    #if os(Linux)
    /// Linux `epoll`, edge-triggered: each socket is registered once. The default on Linux.
    public static let epoll = IOLoopBackend(kind: .epoll)
    #endif

    /// Portable `poll(2)`, level-triggered: only directions with waiters are watched.
    /// Each wait that has to suspend wakes the loop to update its descriptor list.
    public static let poll = IOLoopBackend(kind: .poll)

    /// The best backend on this platform: ``epoll`` on Linux, else ``poll``.
    public static var platformDefault: IOLoopBackend {
        #if os(Linux)
        .epoll
        #else
        .poll
        #endif
    }

    /// `epoll` or `poll`.
    public var description: String { kind == .epoll ? "epoll" : "poll" }
}
