import CNetKitShims

/// A socket option: its level and name travel together, and its value type is fixed.
///
/// ```swift
/// try socket.setOption(.reuseAddress, true)
/// let size = try socket.option(.receiveBufferSize)   // Int
/// ```
/// The catalogue of options lives in static members grouped by level; each
/// member's documentation names its C constant, and the option carries that name
/// for error messages (`setsockopt(IPPROTO_IPV6, IPV6_UNICAST_HOPS) failed: ...`).
///
/// Options pair IPv4 and IPv6 forms by prefix: `ipv4…` for `IPPROTO_IP`,
/// `ipv6…` for `IPPROTO_IPV6` (``ipv4TimeToLive`` and ``ipv6HopLimit``,
/// ``ipv4MulticastLoop`` and ``ipv6MulticastLoop``, ...).
public struct SocketOption<Value: SocketOptionValue>: Sendable, Hashable, CustomStringConvertible {
    /// The C level (`SOL_SOCKET`, `IPPROTO_IP`, `IPPROTO_IPV6`, `IPPROTO_TCP`, ...).
    public let level: CInt
    /// The C option name (`SO_REUSEADDR`, ...).
    public let name: CInt
    /// The C spelling of the level and name, such as `SOL_SOCKET` and `SO_RCVBUF`;
    /// `nil` for an option made from raw numbers.
    let cNames: (level: StaticString, name: StaticString)?
    /// How the value travels through `getsockopt`/`setsockopt`.
    let codec: OptionCodec<Value>

    /// A named option of the catalogue.
    init(
        _ level: CInt, _ levelName: StaticString, _ name: CInt, _ optionName: StaticString, _ codec: OptionCodec<Value>
    ) {
        self.level = level
        self.name = name
        self.cNames = (levelName, optionName)
        self.codec = codec
    }

    /// An option from raw numbers.
    init(level: CInt, name: CInt, codec: OptionCodec<Value>) {
        self.level = level
        self.name = name
        self.cNames = nil
        self.codec = codec
    }

    /// The C level and option names, such as `SOL_SOCKET, SO_RCVBUF` (numbers for a raw option).
    public var description: String {
        if let cNames { return "\(cNames.level), \(cNames.name)" }
        return "\(levelDescription(level)), option \(name)"
    }

    /// Options are equal when their level and name are.
    public static func == (lhs: SocketOption, rhs: SocketOption) -> Bool {
        lhs.level == rhs.level && lhs.name == rhs.name
    }

    /// Hashes the level and name.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(level)
        hasher.combine(name)
    }

    func get(_ fd: CInt) throws(SocketError) -> Value {
        do {
            return try codec.get(fd, level, name)
        } catch {
            throw annotated(error)
        }
    }

    func set(_ fd: CInt, _ value: Value) throws(SocketError) {
        do {
            try codec.set(fd, level, name, value)
        } catch {
            throw annotated(error)
        }
    }

    /// The error with this option's C names attached.
    private func annotated(_ error: SocketError) -> SocketError {
        var error = error
        if error.option == nil { error.option = description }
        return error
    }
}

extension SocketOption where Value == Bool {
    /// An option NetKit does not name, with a C `int` flag value.
    public init(level: CInt, name: CInt) { self.init(level: level, name: name, codec: .flag) }
}

extension SocketOption where Value == Int {
    /// An option NetKit does not name, with a C `int` value.
    public init(level: CInt, name: CInt) { self.init(level: level, name: name, codec: .integer) }
}

// MARK: - SOL_SOCKET

extension SocketOption where Value == Bool {
    /// Allows binding an address still in TIME_WAIT. The corresponding C constant is `SO_REUSEADDR`.
    public static var reuseAddress: Self { Self(SOL_SOCKET, "SOL_SOCKET", SO_REUSEADDR, "SO_REUSEADDR", .flag) }
    /// Lets several sockets bind the same address and port; the kernel spreads
    /// connections (and datagrams) over them. Set it on each before ``StreamListener/bind(to:removingStaleFile:)``.
    /// The corresponding C constant is `SO_REUSEPORT`.
    public static var reusePort: Self { Self(SOL_SOCKET, "SOL_SOCKET", SO_REUSEPORT, "SO_REUSEPORT", .flag) }
    /// Sends TCP keep-alive probes. The corresponding C constant is `SO_KEEPALIVE`.
    public static var keepAlive: Self { Self(SOL_SOCKET, "SOL_SOCKET", SO_KEEPALIVE, "SO_KEEPALIVE", .flag) }
    /// Allows sending to broadcast addresses. The corresponding C constant is `SO_BROADCAST`.
    public static var broadcast: Self { Self(SOL_SOCKET, "SOL_SOCKET", SO_BROADCAST, "SO_BROADCAST", .flag) }
    /// Whether the socket is listening (read-only; see ``Socket/isListening``). The corresponding C constant is `SO_ACCEPTCONN`.
    static var acceptsConnections: Self { Self(SOL_SOCKET, "SOL_SOCKET", SO_ACCEPTCONN, "SO_ACCEPTCONN", .flag) }
}

extension SocketOption where Value == Int {
    /// The kernel's receive buffer size in bytes (Linux reports double what was set);
    /// a negative size is refused. The corresponding C constant is `SO_RCVBUF`.
    public static var receiveBufferSize: Self { Self(SOL_SOCKET, "SOL_SOCKET", SO_RCVBUF, "SO_RCVBUF", .size) }
    /// The kernel's send buffer size in bytes (Linux reports double what was set);
    /// a negative size is refused. The corresponding C constant is `SO_SNDBUF`.
    public static var sendBufferSize: Self { Self(SOL_SOCKET, "SOL_SOCKET", SO_SNDBUF, "SO_SNDBUF", .size) }
    /// The pending error (read-only; see ``Socket/pendingError``). The corresponding C constant is `SO_ERROR`.
    static var pendingErrorOption: Self { Self(SOL_SOCKET, "SOL_SOCKET", SO_ERROR, "SO_ERROR", .integer) }
    /// The socket type (read-only; see ``Socket/socketType``). The corresponding C constant is `SO_TYPE`.
    static var typeOption: Self { Self(SOL_SOCKET, "SOL_SOCKET", SO_TYPE, "SO_TYPE", .integer) }
}

extension SocketOption where Value == Duration? {
    /// How long a blocking receive waits before failing with `.timedOut`; `nil`
    /// (the default) waits forever. The corresponding C constant is `SO_RCVTIMEO`.
    ///
    /// NetKit timeouts mean one thing everywhere: `nil` waits forever and `.zero`
    /// does not wait. The kernel cannot give a socket a "don't wait" timeout (its 0
    /// means forever), so `.zero` is refused here: use ``DatagramSocket/tryReceive(into:flags:)-(UnsafeMutableRawBufferPointer,_)``,
    /// ``MessageFlags/dontWait`` or non-blocking mode instead. A timeout under a
    /// microsecond is rounded up to one.
    public static var receiveTimeout: Self { Self(SOL_SOCKET, "SOL_SOCKET", SO_RCVTIMEO, "SO_RCVTIMEO", .timeout) }
    /// How long a blocking send waits before failing with `.timedOut`; `nil` (the
    /// default) waits forever, and `.zero` is refused as for ``receiveTimeout``.
    /// The corresponding C constant is `SO_SNDTIMEO`.
    public static var sendTimeout: Self { Self(SOL_SOCKET, "SOL_SOCKET", SO_SNDTIMEO, "SO_SNDTIMEO", .timeout) }
}

extension SocketOption where Value == Linger {
    /// What `close` does with unsent stream data: return at once, wait, or reset. The corresponding C constant is `SO_LINGER`.
    public static var linger: Self { Self(SOL_SOCKET, "SOL_SOCKET", SO_LINGER, "SO_LINGER", .linger) }
}
