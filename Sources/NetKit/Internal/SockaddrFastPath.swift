import CNetKitShims

// The per-datagram address work, kept as small as C's: an IPv4 destination is
// written into a 16-byte `sockaddr_in` on the stack (no 128-byte storage to zero),
// and an IPv4 sender is decoded straight from the `sockaddr_in` the kernel wrote.
// Other families take the general path in Addresses/.

extension SocketAddress {
    /// Lends the address as a C `sockaddr`, with a `sockaddr_in` fast path for IPv4.
    @inline(__always)
    func withFastSockaddr<R, E: Error>(
        _ body: (UnsafePointer<sockaddr>, socklen_t) throws(E) -> R
    ) throws(E) -> R {
        if case .ipv4(let address, let port) = self {
            var sin = sockaddr_in(address, port: port)
            return try withUnsafePointer(to: &sin) { (pointer) throws(E) -> R in
                try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (raw) throws(E) -> R in
                    try body(raw, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        return try withUnsafeSockaddr(body)
    }

    /// Decodes an address the kernel wrote, with a fast path for `sockaddr_in`.
    /// `nil` for an empty or unknown address.
    @inline(__always)
    static func decodeFast(_ address: UnsafePointer<sockaddr>, length: socklen_t) -> SocketAddress? {
        if length == socklen_t(MemoryLayout<sockaddr_in>.size), CInt(address.pointee.sa_family) == AF_INET {
            let sin = UnsafeRawPointer(address).load(as: sockaddr_in.self)
            return .ipv4(IPv4Address(UInt32(bigEndian: sin.sin_addr.s_addr)), port: UInt16(bigEndian: sin.sin_port))
        }
        if length == 0 { return nil }
        return SocketAddress(unsafeSockaddr: address, length: length)
    }

    /// ``decodeFast(_:length:)`` for the inlined hot path (DatagramSocket+HotPaths.swift).
    @inlinable
    static func decodeInline(_ address: UnsafePointer<sockaddr>, length: socklen_t) -> SocketAddress? {
        if length == socklen_t(MemoryLayout<sockaddr_in>.size), CInt(address.pointee.sa_family) == AF_INET {
            let sin = UnsafeRawPointer(address).load(as: sockaddr_in.self)
            return .ipv4(IPv4Address(UInt32(bigEndian: sin.sin_addr.s_addr)), port: UInt16(bigEndian: sin.sin_port))
        }
        return length == 0 ? nil : SocketAddress(unsafeSockaddr: address, length: length)
    }

    /// Writes the address into `storage` (which must hold a `sockaddr_storage`)
    /// and returns the length used.
    @inline(__always)
    func encode(into storage: UnsafeMutablePointer<sockaddr_storage>) -> socklen_t {
        if case .ipv4(let address, let port) = self {
            UnsafeMutableRawPointer(storage).storeBytes(of: sockaddr_in(address, port: port), as: sockaddr_in.self)
            return socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        return fill(&storage.pointee)
    }
}

extension SocketError {
    /// The same error, naming `address` (added on the error path only).
    @inline(never)
    func addingAddress(_ address: SocketAddress) -> SocketError {
        var error = self
        error.address = address
        return error
    }
}
