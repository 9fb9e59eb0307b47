import CNetKitShims

/// Waits until one of `items` is ready or `timeout` passes. The corresponding C call is `poll(2)`.
///
/// - Parameters:
///   - items: the descriptors and interests; each item's ``PollItem/ready`` is filled in.
///     May be empty: the call then only waits out the timeout.
///   - timeout: how long to wait; `nil` waits forever, `.zero` only checks (the
///     meaning every NetKit timeout has; see ``SocketOption/receiveTimeout``).
///     Longer than `CInt.max` milliseconds (24.8 days) waits that long.
/// - Returns: how many items are ready; 0 when the timeout passed.
/// - Throws: ``SocketError`` from `poll`. `EINTR` is retried with the full timeout.
@discardableResult
public func poll(_ items: inout [PollItem], timeout: Duration?) throws(SocketError) -> Int {
    try items.withUnsafeMutableBufferPointer { (buffer) throws(SocketError) in try poll(buffer, timeout: timeout) }
}

/// Waits until one of the items in `buffer` is ready or `timeout` passes; see ``poll(_:timeout:)-([PollItem],_)``.
///
/// - Throws: ``SocketError`` from `poll`.
@discardableResult
public func poll(_ items: UnsafeMutableBufferPointer<PollItem>, timeout: Duration?) throws(SocketError) -> Int {
    try SocketCalls.poll(items, timeout: timeout)
}
