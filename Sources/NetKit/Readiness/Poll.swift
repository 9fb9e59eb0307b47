import CNetKitShims

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
