#if os(Linux)
import CNetKitShims

extension EventPoller {
    /// What an ``EventPoller`` watches a socket for, and what it reports as ready.
    public struct Interest: OptionSet, Hashable, Sendable {
        /// The raw C `epoll` event bits.
        public var rawValue: UInt32
        /// Creates interest from raw C `epoll` event bits.
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Data can be read, a connection accepted, or the peer closed. The corresponding C constant is `EPOLLIN`.
        public static let readable = Interest(rawValue: EPOLLIN.rawValue)
        /// Data can be written. The corresponding C constant is `EPOLLOUT`.
        public static let writable = Interest(rawValue: EPOLLOUT.rawValue)
        /// The peer shut down its sending side. The corresponding C constant is `EPOLLRDHUP`.
        public static let peerClosed = Interest(rawValue: EPOLLRDHUP.rawValue)
        /// Urgent (out-of-band) data is there. The corresponding C constant is `EPOLLPRI`.
        public static let priority = Interest(rawValue: EPOLLPRI.rawValue)
        /// An error is pending (always reported). The corresponding C constant is `EPOLLERR`.
        public static let error = Interest(rawValue: EPOLLERR.rawValue)
        /// The connection hung up (always reported). The corresponding C constant is `EPOLLHUP`.
        public static let hangup = Interest(rawValue: EPOLLHUP.rawValue)
        /// Report changes only, not the state; read until "would block". The corresponding C constant is `EPOLLET`.
        public static let edgeTriggered = Interest(rawValue: EPOLLET.rawValue)
        /// Report once, then stay quiet until re-armed with ``EventPoller/modify(_:interest:token:)``.
        /// The corresponding C constant is `EPOLLONESHOT`.
        public static let oneShot = Interest(rawValue: EPOLLONESHOT.rawValue)
    }
}
#endif
