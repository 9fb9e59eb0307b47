import CNetKitShims

// poll(2) and the timeout conversion shared with epoll_wait: the only code that
// calls poll or builds a pollfd.

extension SocketCalls {
    /// `poll(2)` over `items` (layout-compatible with `pollfd`). An empty buffer
    /// is allowed: it waits for the timeout alone, as C's `poll(NULL, 0, ms)` does.
    static func poll(_ items: UnsafeMutableBufferPointer<PollItem>, timeout: Duration?) throws(SocketError) -> Int {
        let milliseconds = try timeoutMilliseconds(timeout, for: .poll)
        let count = nfds_t(items.count)
        return Int(
            try items.withMemoryRebound(to: pollfd.self) { (raw) throws(SocketError) in
                try syscall(.poll) { system_poll(raw.baseAddress, count, milliseconds) }
            })
    }

    /// Waits until `fd` is ready for `interest` or `timeout` passes: 1 when ready, 0 on timeout.
    static func waitUntilReady(_ fd: CInt, _ interest: Readiness, timeout: Duration?) throws(SocketError) -> Int {
        var item = PollItem(descriptor: fd, interest: interest)
        return try withUnsafeMutablePointer(to: &item) { (pointer) throws(SocketError) in
            try poll(UnsafeMutableBufferPointer(start: pointer, count: 1), timeout: timeout)
        }
    }

    /// A `pollfd` for `fd`.
    static func pollDescriptor(_ fd: CInt, events: Int16) -> pollfd {
        pollfd(fd: fd, events: events, revents: 0)
    }
}

/// A wait timeout in whole milliseconds for `poll` and `epoll_wait`: `-1` for
/// `nil` ("forever"), `0` for `.zero` ("only check"), rounded up so a short
/// timeout still waits rather than spinning, and capped at `CInt.max` (24.8 days).
func timeoutMilliseconds(_ timeout: Duration?, for operation: SocketError.Operation) throws(SocketError) -> CInt {
    guard let timeout else { return -1 }
    let (seconds, attoseconds) = timeout.components
    guard seconds >= 0, attoseconds >= 0 else {
        throw SocketError(operation, .invalidArgument("a wait timeout must not be negative (\(timeout))"))
    }
    let (milliseconds, overflow) = seconds.multipliedReportingOverflow(by: 1000)
    if overflow { return CInt.max }
    let part = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    let (total, tooLong) = milliseconds.addingReportingOverflow(part)
    if tooLong { return CInt.max }
    return CInt(clamping: total)
}
