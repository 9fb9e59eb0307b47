import CNetKitShims

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
