import CNetKitShims

// The resolver's counterpart to Retry.swift: `getaddrinfo` and `getnameinfo`
// return an `EAI_*` code instead of `-1`, and only `EAI_SYSTEM` means "see errno".

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

/// Lends `text` as a C string for the duration of `body`.
///
/// Throws when the text holds a NUL byte, which C would silently cut the name at.
@inline(__always)
func withCheckedCString<R>(
    _ text: String, named label: String, for operation: SocketError.Operation,
    _ body: (UnsafePointer<CChar>) throws(SocketError) -> R
) throws(SocketError) -> R {
    if text.utf8.contains(0) {
        throw SocketError(operation, .invalidArgument("\(label) \(text.debugDescription) contains a NUL byte"))
    }
    // `withCString` only rethrows untyped errors; carry the typed one across in a `Result`.
    let result = text.withCString { pointer in
        Result { () throws(SocketError) -> R in try body(pointer) }
    }
    return try result.get()
}

/// Lends `text` as a C string, or `nil` as a null pointer; see ``withCheckedCString(_:named:for:_:)``.
@inline(__always)
func withOptionalCString<R>(
    _ text: String?, named label: String, for operation: SocketError.Operation,
    _ body: (UnsafePointer<CChar>?) throws(SocketError) -> R
) throws(SocketError) -> R {
    guard let text else { return try body(nil) }
    return try withCheckedCString(text, named: label, for: operation) { (pointer) throws(SocketError) -> R in
        try body(pointer)
    }
}
