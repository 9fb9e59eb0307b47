#if os(Linux)
import CNetKitShims

extension EventPoller {
    /// One ready socket reported by ``EventPoller/wait(into:timeout:)-(UnsafeMutableBufferPointer<Event>,_)``:
    /// the token it was registered with and what it is ready for.
    ///
    /// Layout-compatible with C `struct epoll_event`, so a buffer of these is
    /// passed to `epoll_wait(2)` as it is.
    public struct Event: Hashable, Sendable {
        private var raw: RawEpollEvent

        /// An empty event, to fill a buffer before waiting.
        public init() { raw = SocketCalls.epollEvent(events: 0, token: 0) }

        /// Creates an event from a token and readiness (for tests and adapters).
        public init(token: UInt64, ready: Interest) {
            raw = SocketCalls.epollEvent(events: ready.rawValue, token: token)
        }

        /// The token given when the socket was registered.
        public var token: UInt64 { raw.data.u64 }
        /// What the socket is ready for; may include ``Interest/error`` and ``Interest/hangup``.
        public var ready: Interest { Interest(rawValue: raw.events) }

        /// Compares token and readiness.
        public static func == (lhs: Event, rhs: Event) -> Bool {
            lhs.token == rhs.token && lhs.ready == rhs.ready
        }
        /// Hashes token and readiness.
        public func hash(into hasher: inout Hasher) {
            hasher.combine(token)
            hasher.combine(ready.rawValue)
        }
    }
}
#endif
