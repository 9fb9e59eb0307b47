import CNetKitShims

// The sockaddr edge: the one place a socket address becomes a C `sockaddr_in`,
// `sockaddr_in6` or `sockaddr_un` and back, with byte order converted here.

extension sockaddr_in {
    /// `address:port` as a C `sockaddr_in`: the one place an IPv4 socket address
    /// is built, with the byte order converted here.
    // `@inlinable`: the inlined `sendto` hot path (DatagramSocket+HotPaths.swift) builds it in the caller.
    @inlinable
    init(_ address: IPv4Address, port: UInt16) {
        self.init()
        #if !os(Linux)
        sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        sin_family = sa_family_t(AF_INET)
        sin_port = port.bigEndian
        sin_addr = in_addr(s_addr: address.value.bigEndian)
    }
}

extension SocketAddress {
    /// Writes the address into `storage` and returns the length used.
    @usableFromInline
    func fill(_ storage: inout sockaddr_storage) -> socklen_t {
        withUnsafeMutableBytes(of: &storage) { raw -> socklen_t in
            switch self {
            case .ipv4(let address, let port):
                raw.storeBytes(of: sockaddr_in(address, port: port), as: sockaddr_in.self)
                return socklen_t(MemoryLayout<sockaddr_in>.size)
            case .ipv6(let address, let port, let flowInfo):
                var sin6 = sockaddr_in6()
                #if !os(Linux)
                sin6.sin6_len = UInt8(MemoryLayout<sockaddr_in6>.size)
                #endif
                sin6.sin6_family = sa_family_t(AF_INET6)
                sin6.sin6_port = port.bigEndian
                sin6.sin6_flowinfo = flowInfo.bigEndian
                sin6.sin6_addr = address.in6Addr
                sin6.sin6_scope_id = address.scopeID
                raw.storeBytes(of: sin6, as: sockaddr_in6.self)
                return socklen_t(MemoryLayout<sockaddr_in6>.size)
            case .unix(let path):
                let familyOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_family)!
                let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
                raw.storeBytes(of: sa_family_t(AF_UNIX), toByteOffset: familyOffset, as: sa_family_t.self)
                var offset = pathOffset
                if path.isAbstract {
                    raw[offset] = 0
                    offset += 1
                }
                path.withUnsafeBytes { name in
                    UnsafeMutableRawBufferPointer(rebasing: raw[offset..<(offset + name.count)]).copyMemory(from: name)
                }
                offset += Int(path.count)
                // Abstract names are exactly as long as given; paths are NUL-terminated.
                if !path.isAbstract { raw[offset] = 0; offset += 1 }
                return socklen_t(offset)
            }
        }
    }

    /// Decodes a C `sockaddr` of the given length; `nil` for a family NetKit does
    /// not model or a length too short for its family.
    static func decode(_ address: UnsafePointer<sockaddr>, length: socklen_t) -> SocketAddress? {
        let decoded: SocketAddress
        let raw = UnsafeRawPointer(address)
        guard Int(length) >= MemoryLayout<sa_family_t>.size + MemoryLayout<sockaddr>.offset(of: \.sa_family)! else {
            return nil
        }
        switch CInt(address.pointee.sa_family) {
        case AF_INET:
            guard Int(length) >= MemoryLayout<sockaddr_in>.size else { return nil }
            let sin = raw.loadUnaligned(as: sockaddr_in.self)
            decoded = .ipv4(IPv4Address(sin.sin_addr), port: UInt16(bigEndian: sin.sin_port))
        case AF_INET6:
            guard Int(length) >= MemoryLayout<sockaddr_in6>.size else { return nil }
            let sin6 = raw.loadUnaligned(as: sockaddr_in6.self)
            decoded = .ipv6(
                IPv6Address(sin6.sin6_addr, scopeID: sin6.sin6_scope_id),
                port: UInt16(bigEndian: sin6.sin6_port),
                flowInfo: UInt32(bigEndian: sin6.sin6_flowinfo))
        case AF_UNIX:
            let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
            let count = min(Int(length), MemoryLayout<sockaddr_un>.size) - pathOffset
            guard count > 0 else {
                // An unnamed socket (socketpair, unbound client).
                decoded = .unix(
                    UnixSocketPath(copying: UnsafeRawBufferPointer(start: nil, count: 0), isAbstract: false))
                return decoded
            }
            let bytes = UnsafeRawBufferPointer(start: raw + pathOffset, count: count)
            if bytes[0] == 0 {
                decoded = .unix(
                    UnixSocketPath(copying: UnsafeRawBufferPointer(rebasing: bytes[1...]), isAbstract: true))
            } else {
                let end = bytes.firstIndex(of: 0) ?? count
                decoded = .unix(
                    UnixSocketPath(copying: UnsafeRawBufferPointer(rebasing: bytes[..<end]), isAbstract: false))
            }
        default:
            return nil
        }
        return decoded
    }
}
