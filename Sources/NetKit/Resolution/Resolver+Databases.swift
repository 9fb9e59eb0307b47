import CNetKitShims

// MARK: - Services and protocols databases

extension Resolver {
    /// Looks up a service by name. The corresponding C call is `getservbyname_r(3)`.
    ///
    /// ```swift
    /// try Resolver.service(named: "http", protocol: "tcp")?.port   // 80
    /// ```
    ///
    /// - Parameters:
    ///   - name: The service's name or one of its aliases, such as `"http"` or `"www"`.
    ///   - protocol: The protocol name, such as `"tcp"` or `"udp"`, or `nil` for the first entry of any protocol.
    /// - Returns: The entry, or `nil` when no entry matches. A system without
    ///   `/etc/services` (Debian and Ubuntu package `netbase`) knows no services.
    /// - Throws: ``SocketError`` with operation ``SocketError/Operation/getServiceEntry``: the system
    ///   error, or ``SocketError/Reason/invalidArgument(_:)`` when a name holds a NUL byte.
    public static func service(named name: String, protocol: String? = nil) throws(SocketError) -> ServiceEntry? {
        try withCheckedCString(name, named: "service", for: .getServiceEntry) { (cName) throws(SocketError) in
            try withOptionalCString(`protocol`, named: "protocol", for: .getServiceEntry) { (cProtocol) throws(SocketError) in
                try growingLookup(.getServiceEntry, entry: servent()) { entry, buffer, length, result in
                    system_getservbyname_r(cName, cProtocol, entry, buffer, length, result)
                } convert: { ServiceEntry($0) }
            }
        }
    }

    /// Looks up a service by port. The corresponding C call is `getservbyport_r(3)`.
    ///
    /// ```swift
    /// try Resolver.service(port: 53, protocol: "udp")?.name   // "domain"
    /// ```
    ///
    /// - Parameters:
    ///   - port: The port, in host byte order.
    ///   - protocol: The protocol name, such as `"tcp"` or `"udp"`, or `nil` for the first entry of any protocol.
    /// - Returns: The entry, or `nil` when no entry matches (or there is no `/etc/services`).
    /// - Throws: ``SocketError`` with operation ``SocketError/Operation/getServiceEntry``: the system
    ///   error, or ``SocketError/Reason/invalidArgument(_:)`` when `protocol` holds a NUL byte.
    public static func service(port: UInt16, protocol: String? = nil) throws(SocketError) -> ServiceEntry? {
        let networkPort = CInt(port.bigEndian)
        return try withOptionalCString(`protocol`, named: "protocol", for: .getServiceEntry) { (cProtocol) throws(SocketError) in
            try growingLookup(.getServiceEntry, entry: servent()) { entry, buffer, length, result in
                system_getservbyport_r(networkPort, cProtocol, entry, buffer, length, result)
            } convert: { ServiceEntry($0) }
        }
    }

    /// Looks up a protocol by name. The corresponding C call is `getprotobyname_r(3)`.
    ///
    /// ```swift
    /// try Resolver.protocolEntry(named: "udp")?.number   // 17
    /// ```
    ///
    /// - Parameter name: The protocol's name or one of its aliases, such as `"udp"` or `"UDP"`.
    /// - Returns: The entry, or `nil` when no entry matches (or there is no `/etc/protocols`).
    /// - Throws: ``SocketError`` with operation ``SocketError/Operation/getProtocolEntry``: the system
    ///   error, or ``SocketError/Reason/invalidArgument(_:)`` when `name` holds a NUL byte.
    public static func protocolEntry(named name: String) throws(SocketError) -> ProtocolEntry? {
        try withCheckedCString(name, named: "protocol", for: .getProtocolEntry) { (cName) throws(SocketError) in
            try growingLookup(.getProtocolEntry, entry: protoent()) { entry, buffer, length, result in
                system_getprotobyname_r(cName, entry, buffer, length, result)
            } convert: { ProtocolEntry($0) }
        }
    }

    /// Looks up a protocol by number. The corresponding C call is `getprotobynumber_r(3)`.
    ///
    /// ```swift
    /// try Resolver.protocolEntry(number: 6)?.name   // "tcp"
    /// ```
    ///
    /// - Parameter number: The protocol number, such as 6.
    /// - Returns: The entry, or `nil` when no entry matches (or there is no `/etc/protocols`).
    /// - Throws: ``SocketError`` with operation ``SocketError/Operation/getProtocolEntry`` and the system error.
    public static func protocolEntry(number: CInt) throws(SocketError) -> ProtocolEntry? {
        try growingLookup(.getProtocolEntry, entry: protoent()) { entry, buffer, length, result in
            system_getprotobynumber_r(number, entry, buffer, length, result)
        } convert: { ProtocolEntry($0) }
    }

    /// The first buffer size tried for the strings of an entry.
    static let initialLookupBufferSize = 1024
    /// The largest buffer tried before giving up with `ERANGE`.
    static let maximumLookupBufferSize = 1 << 20

    /// Runs a glibc `get*_r` lookup, doubling the string buffer on `ERANGE` and
    /// retrying `EINTR`. Returns the entry converted by `convert`, or `nil` when there is none.
    ///
    /// The C entry's strings point into a temporary buffer, so `convert` runs while
    /// the buffer lives and must copy everything it keeps. `ENOENT` means "no entry"
    /// too: glibc returns it when the database file is missing.
    static func growingLookup<Entry, Value>(
        _ operation: SocketError.Operation, entry: Entry, initialSize: Int = initialLookupBufferSize,
        _ call: (UnsafeMutablePointer<Entry>, UnsafeMutablePointer<CChar>, Int,
                 UnsafeMutablePointer<UnsafeMutablePointer<Entry>?>) -> CInt,
        convert: (Entry) -> Value
    ) throws(SocketError) -> Value? {
        var size = max(initialSize, 1)
        var entry = entry
        while true {
            let outcome: LookupOutcome<Value> = withUnsafeTemporaryAllocation(of: CChar.self, capacity: size) { buffer in
                // Never nil: the capacity is at least 1.
                guard let base = buffer.baseAddress else { return .failed(.noMemory) }
                var result: UnsafeMutablePointer<Entry>? = nil
                let code = call(&entry, base, buffer.count, &result)
                switch code {
                case 0: return result.map { .found(convert($0.pointee)) } ?? .notFound
                case ENOENT: return .notFound
                case ERANGE: return .tooSmall
                case EINTR: return .interrupted
                default: return .failed(Errno(rawValue: code))
                }
            }
            switch outcome {
            case .found(let value): return value
            case .notFound: return nil
            case .interrupted: continue
            case .tooSmall:
                guard size < maximumLookupBufferSize else {
                    throw SocketError(operation, errno: Errno(rawValue: ERANGE))
                }
                size *= 2
            case .failed(let error): throw SocketError(operation, errno: error)
            }
        }
    }
}

/// What one call of a `get*_r` lookup gave.
private enum LookupOutcome<Value> {
    case found(Value), notFound, tooSmall, interrupted, failed(Errno)
}
