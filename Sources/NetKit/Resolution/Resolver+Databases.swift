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
            try withOptionalCString(`protocol`, named: "protocol", for: .getServiceEntry) {
                (cProtocol) throws(SocketError) in
                try ResolverCalls.service(named: cName, protocol: cProtocol)
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
        return try withOptionalCString(`protocol`, named: "protocol", for: .getServiceEntry) {
            (cProtocol) throws(SocketError) in
            try ResolverCalls.service(port: networkPort, protocol: cProtocol)
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
            try ResolverCalls.protocolEntry(named: cName)
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
        try ResolverCalls.protocolEntry(number: number)
    }
}
