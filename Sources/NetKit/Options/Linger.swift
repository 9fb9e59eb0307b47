import CNetKitShims

/// What `close` does with unsent stream data: the value of ``SocketOption/linger``.
///
/// ```swift
/// try connection.setOption(.linger, Linger(timeout: .seconds(5)))  // close waits up to 5 s
/// try connection.setOption(.linger, .reset)                        // close sends RST at once
/// ```
/// The corresponding C type is `struct linger`.
public struct Linger: Hashable, Sendable, SocketOptionValue, CustomStringConvertible {
    /// How long `close` waits for unsent data to be delivered; `nil` turns lingering
    /// off (the default: `close` returns at once and the kernel keeps sending).
    /// `.zero` makes `close` discard the data and reset the connection.
    /// The system counts whole seconds; a part second is rounded up.
    public var timeout: Duration?

    /// Creates a linger setting.
    public init(timeout: Duration?) {
        self.timeout = timeout
    }

    /// Lingering off: `close` returns at once (`l_onoff = 0`).
    public static let off = Linger(timeout: nil)
    /// An abortive close: unsent data is dropped and the peer gets a reset (`l_onoff = 1, l_linger = 0`).
    public static let reset = Linger(timeout: .zero)

    /// `off`, `reset`, or `linger(N seconds)`.
    public var description: String {
        switch timeout {
        case nil: "off"
        case .zero?: "reset"
        case let timeout?: "linger(\(timeout))"
        }
    }

    /// Reads a C `struct linger`.
    public static func getOption(fd: CInt, level: CInt, name: CInt) throws(SocketError) -> Linger {
        let raw = try getRawOption(fd: fd, level: level, name: name, as: linger.self, zero: linger())
        return Linger(timeout: raw.l_onoff == 0 ? nil : .seconds(Int64(raw.l_linger)))
    }

    /// Writes a C `struct linger`; negative or too long timeouts are refused.
    public func setOption(fd: CInt, level: CInt, name: CInt) throws(SocketError) {
        var raw = linger()
        if let timeout {
            let (seconds, attoseconds) = timeout.components
            guard seconds >= 0, attoseconds >= 0 else {
                throw SocketError(.setSocketOption, .invalidArgument("a linger timeout must not be negative (\(timeout))"))
            }
            guard let whole = CInt(exactly: seconds + (attoseconds > 0 ? 1 : 0)) else {
                throw SocketError(.setSocketOption, .invalidArgument("a linger timeout of \(timeout) does not fit a C int"))
            }
            raw.l_onoff = 1
            raw.l_linger = whole
        }
        try setRawOption(fd: fd, level: level, name: name, raw)
    }
}
