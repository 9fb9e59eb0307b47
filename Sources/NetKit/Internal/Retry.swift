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

/// The one error funnel: runs a system call through ``retryingOnInterrupt(_:)``
/// and turns a failure into a ``SocketError`` naming the operation and, where
/// given, the address.
///
/// A call meant to wait passes `waitingOn:` its descriptor (and the `flags` it
/// used): its "would block" is then told apart from a socket timeout (see
/// ``refiningWouldBlock(_:descriptor:flags:)``), on the error path only.
@inline(__always)
func syscall<R: FixedWidthInteger>(
    _ operation: SocketError.Operation, address: SocketAddress? = nil, waitingOn descriptor: CInt = -1, flags: CInt = 0,
    _ call: () -> R
) throws(SocketError) -> R {
    do {
        return try retryingOnInterrupt(call)
    } catch {
        // Built out of line: the hot path keeps a small frame and no error code, and
        // catches only the 4-byte `Errno`. Without an address nothing is passed: a
        // `nil` `SocketAddress?` would be a 115-byte value built on the stack on every call.
        guard let address else { throw callFailure(operation, error, descriptor: descriptor, flags: flags) }
        throw callFailure(operation, error, address: address, descriptor: descriptor, flags: flags)
    }
}

/// A call meant to wait: ``syscall(_:address:waitingOn:flags:_:)`` with its descriptor.
@inline(__always)
func blockingSyscall<R: FixedWidthInteger>(
    _ operation: SocketError.Operation, descriptor: CInt, flags: CInt = 0, _ call: () -> R
) throws(SocketError) -> R {
    try syscall(operation, waitingOn: descriptor, flags: flags, call)
}

/// The error for a failed call.
@usableFromInline
@inline(never)
func callFailure(_ operation: SocketError.Operation, _ error: Errno, descriptor: CInt, flags: CInt) -> SocketError {
    SocketError(operation, errno: refiningWouldBlock(error, descriptor: descriptor, flags: flags))
}

/// The error for a failed call on `address`.
@usableFromInline
@inline(never)
func callFailure(
    _ operation: SocketError.Operation, _ error: Errno, address: SocketAddress, descriptor: CInt, flags: CInt
) -> SocketError {
    SocketError(operation, errno: refiningWouldBlock(error, descriptor: descriptor, flags: flags), address: address)
}

/// "Would block" from a call that was meant to wait (`descriptor` is not -1): a
/// send or receive timeout (`SO_SNDTIMEO`/`SO_RCVTIMEO`) expired on a blocking
/// socket, which is `.timedOut`; with `MSG_DONTWAIT` or on a non-blocking socket it
/// stays `.wouldBlock`. Other errors pass through.
func refiningWouldBlock(_ error: Errno, descriptor: CInt, flags: CInt) -> Errno {
    guard error == .wouldBlock, descriptor != -1, flags & CInt(MSG_DONTWAIT) == 0 else { return error }
    let status = system_fcntl(descriptor, F_GETFL, 0)
    guard status != -1, status & O_NONBLOCK == 0 else { return error }
    return .timedOut
}

/// The result of a non-blocking call: a value, or "would block" as a value
/// rather than an error.
@inline(__always)
func nonBlockingSyscall<R: FixedWidthInteger>(
    _ operation: SocketError.Operation, address: SocketAddress? = nil, _ call: () -> R
) throws(SocketError) -> R? {
    do {
        return try retryingOnInterrupt(call)
    } catch {
        // Compared in the body: a `catch .wouldBlock` pattern boxes the error
        // (a heap allocation each time a non-blocking socket runs dry).
        if error == .wouldBlock { return nil }
        throw SocketError(operation, errno: error, address: address)
    }
}

// MARK: - Calls that signal failure some other way than -1

// `getaddrinfo` and `getnameinfo` return an `EAI_*` code instead of `-1`, and
// only `EAI_SYSTEM` means "see errno".
/// Calls `call` until it returns something other than `EAI_SYSTEM` with `EINTR`
/// (both calls are safe to repeat). Returns `nil` on success, or the failure
/// with `errno` captured at once when the code is `EAI_SYSTEM`.
@inline(__always)
func retryingResolverCall(_ call: () -> CInt) -> ResolverError? {
    while true {
        let code = call()
        if code == 0 { return nil }
        guard code == EAI_SYSTEM else { return ResolverError(code: code) }
        let error = Errno.current  // read at once; nothing runs in between
        if error != .interrupted { return ResolverError(code: code, systemError: error) }
    }
}

/// Calls `call` once; a `0` result (the failure value of `if_nametoindex`) throws the current error.
@inline(__always)
func nonZeroOrErrno<R: FixedWidthInteger>(_ call: () -> R) throws(Errno) -> R {
    let result = call()
    if result != 0 { return result }
    throw Errno.current
}

/// Calls `call` once; a `nil` result (the failure value of `if_indextoname`) throws the current error.
@inline(__always)
func nonNilOrErrno<R>(_ call: () -> R?) throws(Errno) -> R {
    if let result = call() { return result }
    throw Errno.current
}
