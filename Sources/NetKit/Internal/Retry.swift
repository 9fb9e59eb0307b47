import CNetKitShims

// The only code in NetKit that reads `errno`. Every system call goes through
// one of these functions, which retry `EINTR` and capture `errno` once, at once.

/// Calls `call` until it returns something other than `-1` with `EINTR`;
/// a `-1` with any other error throws that error.
@inline(__always)
func retryingOnInterrupt<R: FixedWidthInteger>(_ call: () -> R) throws(Errno) -> R {
    while true {
        let result = call()
        if result != -1 { return result }
        let error = Errno.current  // read at once; nothing runs in between
        if error != .interrupted { throw error }
    }
}

/// Calls `call` once; `-1` throws the current error. For `close`, which must
/// never be retried.
@inline(__always)
func withoutRetrying<R: FixedWidthInteger>(_ call: () -> R) throws(Errno) -> R {
    let result = call()
    if result != -1 { return result }
    throw Errno.current
}

/// Runs a system call through ``retryingOnInterrupt(_:)`` and turns a failure
/// into a ``SocketError`` naming the operation and, where given, the address.
@inline(__always)
func syscall<R: FixedWidthInteger>(
    _ operation: SocketError.Operation, address: SocketAddress? = nil, _ call: () -> R
) throws(SocketError) -> R {
    do {
        return try retryingOnInterrupt(call)
    } catch {
        throw SocketError(operation, errno: error, address: address)
    }
}

/// The result of a non-blocking call: a value, or "would block" as a value
/// rather than an error.
@inline(__always)
func nonBlockingSyscall<R: FixedWidthInteger>(
    _ operation: SocketError.Operation, address: SocketAddress? = nil, _ call: () -> R
) throws(SocketError) -> R? {
    do {
        return try retryingOnInterrupt(call)
    } catch .wouldBlock {
        return nil
    } catch {
        throw SocketError(operation, errno: error, address: address)
    }
}
