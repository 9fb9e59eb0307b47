import CNetKitShims

/// A socket option: its level and name travel together, and its value type is fixed.
///
/// ```swift
/// try socket.setOption(.reuseAddress, true)
/// let size = try socket.option(.receiveBufferSize)   // Int
/// ```
/// The catalogue of options lives in static members grouped by level; each
/// member's documentation names its C constant.
public struct SocketOption<Value: SocketOptionValue>: Sendable, Hashable {
    /// The C level (`SOL_SOCKET`, `IPPROTO_IP`, `IPPROTO_IPV6`, `IPPROTO_TCP`, ...).
    public let level: CInt
    /// The C option name (`SO_REUSEADDR`, ...).
    public let name: CInt

    /// Creates an option from its raw level and name. Prefer the named options.
    public init(level: CInt, name: CInt) {
        self.level = level
        self.name = name
    }

    func get(_ fd: CInt) throws(SocketError) -> Value {
        do {
            return try Value.getOption(fd: fd, level: level, name: name)
        } catch {
            throw annotated(error)
        }
    }

    func set(_ fd: CInt, _ value: Value) throws(SocketError) {
        do {
            try value.setOption(fd: fd, level: level, name: name)
        } catch {
            throw annotated(error)
        }
    }

    /// The error with this option's C names attached, so it reads
    /// `setsockopt(IPPROTO_IPV6, IPV6_UNICAST_HOPS) failed: ...`.
    private func annotated(_ error: SocketError) -> SocketError {
        var error = error
        if error.option == nil { error.option = optionDescription(level: level, name: name) }
        return error
    }
}

extension SocketOption where Value == Bool {
    /// Allows binding an address still in TIME_WAIT. The corresponding C constant is `SO_REUSEADDR`.
    public static var reuseAddress: Self { Self(level: SOL_SOCKET, name: SO_REUSEADDR) }
    /// Lets several sockets bind the same address and port. The corresponding C constant is `SO_REUSEPORT`.
    public static var reusePort: Self { Self(level: SOL_SOCKET, name: SO_REUSEPORT) }
    /// Sends TCP keep-alive probes. The corresponding C constant is `SO_KEEPALIVE`.
    public static var keepAlive: Self { Self(level: SOL_SOCKET, name: SO_KEEPALIVE) }
    /// Allows sending to broadcast addresses. The corresponding C constant is `SO_BROADCAST`.
    public static var broadcast: Self { Self(level: SOL_SOCKET, name: SO_BROADCAST) }
    /// Whether the socket is listening (read-only). The corresponding C constant is `SO_ACCEPTCONN`.
    public static var acceptsConnections: Self { Self(level: SOL_SOCKET, name: SO_ACCEPTCONN) }
}

extension SocketOption where Value == Int {
    /// The kernel's receive buffer size in bytes (Linux reports double what was set). The corresponding C constant is `SO_RCVBUF`.
    public static var receiveBufferSize: Self { Self(level: SOL_SOCKET, name: SO_RCVBUF) }
    /// The kernel's send buffer size in bytes (Linux reports double what was set). The corresponding C constant is `SO_SNDBUF`.
    public static var sendBufferSize: Self { Self(level: SOL_SOCKET, name: SO_SNDBUF) }
}

extension SocketOption where Value == Duration {
    /// How long a blocking receive waits before failing with `.timedOut`; zero waits forever. The corresponding C constant is `SO_RCVTIMEO`.
    public static var receiveTimeout: Self { Self(level: SOL_SOCKET, name: SO_RCVTIMEO) }
    /// How long a blocking send waits before failing with `.timedOut`; zero waits forever. The corresponding C constant is `SO_SNDTIMEO`.
    public static var sendTimeout: Self { Self(level: SOL_SOCKET, name: SO_SNDTIMEO) }
}

extension SocketOption where Value == Linger {
    /// What `close` does with unsent stream data: return at once, wait, or reset. The corresponding C constant is `SO_LINGER`.
    public static var linger: Self { Self(level: SOL_SOCKET, name: SO_LINGER) }
}
