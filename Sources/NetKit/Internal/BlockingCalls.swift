import CNetKitShims

// MARK: - Helpers shared by the socket types

/// Runs a blocking call; "would block" here means a send or receive timeout
/// passed, and is reported as `.timedOut`.
@inline(__always)
func blockingResult<R: FixedWidthInteger>(
    _ operation: SocketError.Operation, address: SocketAddress? = nil, _ call: () -> R
) throws(SocketError) -> R {
    do {
        return try retryingOnInterrupt(call)
    } catch {
        // Built out of line: the hot path keeps a small frame and no error code.
        // Without an address nothing is passed: a `nil` `SocketAddress?` would be
        // a 115-byte value built on the stack on every call.
        guard let address else { throw blockingFailure(operation, error) }
        throw blockingFailure(operation, error, address: address)
    }
}

/// The error for a failed blocking call; "would block" becomes `.timedOut`.
@inline(never)
func blockingFailure(_ operation: SocketError.Operation, _ error: Errno, address: SocketAddress?) -> SocketError {
    SocketError(operation, errno: error == .wouldBlock ? .timedOut : error, address: address)
}

/// The error for a failed blocking call with no address; "would block" becomes `.timedOut`.
@inline(never)
func blockingFailure(_ operation: SocketError.Operation, _ error: Errno) -> SocketError {
    SocketError(operation, errno: error == .wouldBlock ? .timedOut : error)
}

/// Lends a byte sequence as contiguous raw bytes: in place when it can, else via one copy.
func withContiguousBytes<Bytes: Sequence<UInt8>, R>(
    _ bytes: Bytes, _ body: (UnsafeRawBufferPointer) throws(SocketError) -> R
) throws(SocketError) -> R {
    let result = bytes.withContiguousStorageIfAvailable { buffer in
        Result { () throws(SocketError) in try body(UnsafeRawBufferPointer(buffer)) }
    }
    if let result { return try result.get() }
    let copy = Array(bytes)
    return try copy.withUnsafeBytes { raw in Result { () throws(SocketError) in try body(raw) } }.get()
}
