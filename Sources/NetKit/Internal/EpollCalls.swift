#if os(Linux)
import CNetKitShims

// epoll(7): the only code that calls epoll_create1, epoll_ctl and epoll_wait or
// builds an epoll_event.

/// The C `struct epoll_event` that ``EventPoller/Event`` wraps (layout-compatible).
typealias RawEpollEvent = epoll_event

extension SocketCalls {
    /// An `epoll_event` carrying `events` and the caller's `token`.
    static func epollEvent(events: UInt32, token: UInt64) -> RawEpollEvent {
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        return event
    }

    /// `epoll_create1(EPOLL_CLOEXEC)`.
    static func epollCreate() throws(SocketError) -> CInt {
        let flags = CInt(EPOLL_CLOEXEC)
        return try syscall(.epoll) { system_epoll_create1(flags) }
    }

    /// `epoll_ctl` with `EPOLL_CTL_ADD` (`modify` false) or `EPOLL_CTL_MOD`.
    static func epollControl(_ epfd: CInt, _ watched: CInt, events: UInt32, token: UInt64, modify: Bool)
        throws(SocketError)
    {
        var event = epollEvent(events: events, token: token)
        let operation = CInt(modify ? EPOLL_CTL_MOD : EPOLL_CTL_ADD)
        _ = try syscall(.epoll) { system_epoll_ctl(epfd, operation, watched, &event) }
    }

    /// `epoll_ctl` with `EPOLL_CTL_DEL`.
    static func epollRemove(_ epfd: CInt, _ watched: CInt) throws(SocketError) {
        _ = try syscall(.epoll) { system_epoll_ctl(epfd, CInt(EPOLL_CTL_DEL), watched, nil) }
    }

    /// `epoll_wait` into `events` (layout-compatible with `epoll_event`), at least one.
    static func epollWait(_ epfd: CInt, _ events: UnsafeMutableBufferPointer<EventPoller.Event>, timeout: Duration?)
        throws(SocketError) -> Int
    {
        guard let base = events.baseAddress, !events.isEmpty else {
            throw SocketError(.epoll, .invalidArgument("epoll_wait needs room for at least one event"))
        }
        let milliseconds = try timeoutMilliseconds(timeout, for: .epoll)
        let capacity = CInt(clamping: events.count)
        return Int(
            try base.withMemoryRebound(to: epoll_event.self, capacity: events.count) { (raw) throws(SocketError) in
                try syscall(.epoll) { system_epoll_wait(epfd, raw, capacity, milliseconds) }
            })
    }
}
#endif
