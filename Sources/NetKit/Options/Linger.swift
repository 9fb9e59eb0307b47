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
}
