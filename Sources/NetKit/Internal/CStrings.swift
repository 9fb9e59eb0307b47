import CNetKitShims

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
    return try carryingTypedError(through: { text.withCString($0) }, body)
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
