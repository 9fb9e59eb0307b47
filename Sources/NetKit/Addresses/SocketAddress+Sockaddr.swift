import CNetKitShims

// MARK: - To and from C sockaddr, with no heap allocation

extension SocketAddress {
    /// Lends the address as a C `sockaddr` pointer and length for the duration of `body`.
    ///
    /// The storage lives on the stack; byte order is converted here and nowhere else.
    // `@inlinable`: generic over the body's result and error, like `withUnsafeBytes`,
    // so the caller's closure is inlined rather than called through a context.
    @inlinable
    public func withUnsafeSockaddr<R, E: Error>(
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws(E) -> R
    ) throws(E) -> R {
        var storage = sockaddr_storage()
        let length = fill(&storage)
        return try withUnsafePointer(to: &storage) { (pointer) throws(E) -> R in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (address) throws(E) -> R in
                try body(address, length)
            }
        }
    }

    /// Reads an address from a C `sockaddr` of the given length.
    ///
    /// Returns `nil` for a family NetKit does not model or a length too short
    /// for its family.
    public init?(unsafeSockaddr address: UnsafePointer<sockaddr>, length: socklen_t) {
        guard let decoded = SocketAddress.decode(address, length: length) else { return nil }
        self = decoded
    }

    /// Reads an address from a C `sockaddr_storage` of the given length.
    public init?(storage: sockaddr_storage, length: socklen_t) {
        var copy = storage
        let result = withUnsafePointer(to: &copy) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress(unsafeSockaddr: $0, length: length) }
        }
        guard let result else { return nil }
        self = result
    }

    /// The address as a C `sockaddr_storage` and the length in use.
    public var storage: (sockaddr_storage, socklen_t) {
        var storage = sockaddr_storage()
        let length = fill(&storage)
        return (storage, length)
    }
}
