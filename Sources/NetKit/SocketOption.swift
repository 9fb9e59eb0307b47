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

/// A Swift type that can be the value of a socket option.
///
/// NetKit provides `Bool`, `Int`, `Duration` (timeouts, as `timeval`) and the
/// structured option values; conform your own type to reach an option NetKit
/// does not model.
public protocol SocketOptionValue: Sendable {
    /// Reads the option with `getsockopt`.
    static func getOption(fd: CInt, level: CInt, name: CInt) throws(SocketError) -> Self
    /// Writes the option with `setsockopt`.
    func setOption(fd: CInt, level: CInt, name: CInt) throws(SocketError)
}

// MARK: - Plain C values

/// Reads a plain C value option, zero-filling the out-buffer first.
func getRawOption<T>(fd: CInt, level: CInt, name: CInt, as _: T.Type, zero: T) throws(SocketError) -> T {
    var value = zero
    var length = socklen_t(MemoryLayout<T>.size)
    _ = try withUnsafeMutableBytes(of: &value) { (raw) throws(SocketError) in
        try syscall(.getSocketOption) { system_getsockopt(fd, level, name, raw.baseAddress!, &length) }
    }
    return value
}

/// Writes a plain C value option.
func setRawOption<T>(fd: CInt, level: CInt, name: CInt, _ value: T) throws(SocketError) {
    var value = value
    _ = try withUnsafeBytes(of: &value) { (raw) throws(SocketError) in
        try syscall(.setSocketOption) { system_setsockopt(fd, level, name, raw.baseAddress!, socklen_t(raw.count)) }
    }
}

extension Bool: SocketOptionValue {
    /// Reads a C `int` flag option as a `Bool`.
    public static func getOption(fd: CInt, level: CInt, name: CInt) throws(SocketError) -> Bool {
        try getRawOption(fd: fd, level: level, name: name, as: CInt.self, zero: 0) != 0
    }
    /// Writes a `Bool` as a C `int` flag option.
    public func setOption(fd: CInt, level: CInt, name: CInt) throws(SocketError) {
        try setRawOption(fd: fd, level: level, name: name, CInt(self ? 1 : 0))
    }
}

extension Int: SocketOptionValue {
    /// Reads a C `int` option.
    public static func getOption(fd: CInt, level: CInt, name: CInt) throws(SocketError) -> Int {
        Int(try getRawOption(fd: fd, level: level, name: name, as: CInt.self, zero: 0))
    }
    /// Writes a C `int` option; a value outside `CInt`'s range is refused.
    public func setOption(fd: CInt, level: CInt, name: CInt) throws(SocketError) {
        guard let raw = CInt(exactly: self) else {
            throw SocketError(.setSocketOption, .invalidArgument("option value \(self) does not fit a C int"))
        }
        try setRawOption(fd: fd, level: level, name: name, raw)
    }
}

extension Duration: SocketOptionValue {
    /// Reads a `timeval` option (a timeout) as a `Duration`; zero means "no timeout".
    public static func getOption(fd: CInt, level: CInt, name: CInt) throws(SocketError) -> Duration {
        let tv = try getRawOption(fd: fd, level: level, name: name, as: timeval.self, zero: timeval())
        return .seconds(Int64(tv.tv_sec)) + .microseconds(Int64(tv.tv_usec))
    }
    /// Writes a `Duration` as a `timeval` option; negative durations are refused, zero means "no timeout".
    public func setOption(fd: CInt, level: CInt, name: CInt) throws(SocketError) {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 else {
            throw SocketError(.setSocketOption, .invalidArgument("a timeout must not be negative (\(self))"))
        }
        var micro = attoseconds / 1_000_000_000_000
        // Round a non-zero sub-microsecond timeout up, so it never becomes "no timeout".
        if seconds == 0, micro == 0, attoseconds > 0 { micro = 1 }
        var tv = timeval()
        tv.tv_sec = .init(seconds)
        tv.tv_usec = .init(micro)
        try setRawOption(fd: fd, level: level, name: name, tv)
    }
}

// MARK: - The catalogue: SOL_SOCKET

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
