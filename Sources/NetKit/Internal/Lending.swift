import CNetKitShims

// MARK: - Lending buffers across closure APIs

/// Carries a typed error through a closure API that only rethrows untyped
/// errors (`Array.withUnsafeMutableBytes`, `String.withCString`, ...): `lend`
/// runs the API with the closure it is given, `body` does the work.
///
/// ```swift
/// try carryingTypedError(through: { text.withCString($0) }) { (pointer) throws(SocketError) in ... }
/// ```
/// (`Array.withUnsafeMutableBufferPointer` and the span types throw typed
/// errors themselves and need no carrier.)
@inline(__always)
func carryingTypedError<Argument, R, E: Error>(
    through lend: ((Argument) -> Result<R, E>) -> Result<R, E>,
    _ body: (Argument) throws(E) -> R
) throws(E) -> R {
    try withoutActuallyEscaping(body) { body in
        lend { argument in Result { () throws(E) in try body(argument) } }
    }.get()
}

/// Lends a byte sequence as contiguous raw bytes: in place when it can, else via one copy.
@inline(__always)
func withContiguousBytes<Bytes: Sequence<UInt8>, R>(
    _ bytes: Bytes, _ body: (UnsafeRawBufferPointer) throws(SocketError) -> R
) throws(SocketError) -> R {
    let inPlace: Result<R, SocketError>? = bytes.withContiguousStorageIfAvailable { buffer in
        Result { () throws(SocketError) in try body(UnsafeRawBufferPointer(buffer)) }
    }
    if let inPlace { return try inPlace.get() }
    let copy = Array(bytes)
    return try carryingTypedError(through: { copy.withUnsafeBytes($0) }, body)
}
