import CNetKitShims

// getsockopt / setsockopt over a raw descriptor: the only code that calls them.

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

/// The C `struct linger` (inside `OptionCodec`, `linger` names the codec).
typealias CLinger = linger

/// How one option value type travels through `getsockopt`/`setsockopt`: two
/// non-capturing functions, so an option is a few words and makes no allocation.
struct OptionCodec<Value>: Sendable {
    let get: @Sendable (_ fd: CInt, _ level: CInt, _ name: CInt) throws(SocketError) -> Value
    let set: @Sendable (_ fd: CInt, _ level: CInt, _ name: CInt, _ value: Value) throws(SocketError) -> Void
}

extension OptionCodec where Value == Bool {
    /// A C `int` flag.
    static var flag: Self {
        Self(
            get: { (fd, level, name) throws(SocketError) in
                try getRawOption(fd: fd, level: level, name: name, as: CInt.self, zero: 0) != 0
            },
            set: { (fd, level, name, value) throws(SocketError) in
                try setRawOption(fd: fd, level: level, name: name, CInt(value ? 1 : 0))
            })
    }
}

extension OptionCodec where Value == Int {
    /// A C `int`; a value outside `CInt`'s range is refused.
    static var integer: Self {
        Self(
            get: { (fd, level, name) throws(SocketError) in
                Int(try getRawOption(fd: fd, level: level, name: name, as: CInt.self, zero: 0))
            },
            set: { (fd, level, name, value) throws(SocketError) in
                guard let raw = CInt(exactly: value) else {
                    throw SocketError(.setSocketOption, .invalidArgument("option value \(value) does not fit a C int"))
                }
                try setRawOption(fd: fd, level: level, name: name, raw)
            })
    }

    /// A size in bytes: a C `int` that must not be negative (Linux would take a
    /// negative buffer size as its maximum).
    static var size: Self {
        Self(
            get: integer.get,
            set: { (fd, level, name, value) throws(SocketError) in
                guard value >= 0 else {
                    throw SocketError(
                        .setSocketOption, .invalidArgument("a buffer size must not be negative (\(value))"))
                }
                try integer.set(fd, level, name, value)
            })
    }
}

extension OptionCodec where Value == Duration? {
    /// A `timeval` timeout: `nil` is the kernel's 0 ("no timeout"); `.zero` and
    /// negative durations are refused; under a microsecond rounds up to one.
    static var timeout: Self {
        Self(
            get: { (fd, level, name) throws(SocketError) -> Duration? in
                let tv = try getRawOption(fd: fd, level: level, name: name, as: timeval.self, zero: timeval())
                if tv.tv_sec == 0 && tv.tv_usec == 0 { return nil }
                return .seconds(Int64(tv.tv_sec)) + .microseconds(Int64(tv.tv_usec))
            },
            set: { (fd, level, name, value) throws(SocketError) in
                var tv = timeval()
                if let value {
                    let (seconds, attoseconds) = value.components
                    guard seconds >= 0, attoseconds >= 0 else {
                        throw SocketError(
                            .setSocketOption, .invalidArgument("a timeout must not be negative (\(value))"))
                    }
                    guard value > .zero else {
                        throw SocketError(
                            .setSocketOption,
                            .invalidArgument(
                                "a zero socket timeout would mean \"wait forever\" to the kernel: pass nil for no timeout, "
                                    + "or use a try-call, .dontWait or non-blocking mode for not waiting"))
                    }
                    var micro = attoseconds / 1_000_000_000_000
                    // Round a non-zero sub-microsecond timeout up, so it never becomes "no timeout".
                    if seconds == 0, micro == 0 { micro = 1 }
                    guard let whole = Int(exactly: seconds) else {
                        throw SocketError(
                            .setSocketOption, .invalidArgument("a timeout of \(value) does not fit a timeval"))
                    }
                    tv.tv_sec = .init(whole)
                    tv.tv_usec = .init(micro)
                }
                try setRawOption(fd: fd, level: level, name: name, tv)
            })
    }
}

extension OptionCodec where Value == Linger {
    /// A C `struct linger`; negative or too long timeouts are refused.
    static var linger: Self {
        Self(
            get: { (fd, level, name) throws(SocketError) -> Linger in
                let raw = try getRawOption(fd: fd, level: level, name: name, as: CLinger.self, zero: CLinger())
                return Linger(timeout: raw.l_onoff == 0 ? nil : .seconds(Int64(raw.l_linger)))
            },
            set: { (fd, level, name, value) throws(SocketError) in
                var raw = CLinger()
                if let timeout = value.timeout {
                    let (seconds, attoseconds) = timeout.components
                    guard seconds >= 0, attoseconds >= 0 else {
                        throw SocketError(
                            .setSocketOption, .invalidArgument("a linger timeout must not be negative (\(timeout))"))
                    }
                    // Checked before rounding up: Int64.max seconds plus a fraction overflowed.
                    guard let whole = CInt(exactly: seconds), whole < CInt.max || attoseconds == 0 else {
                        throw SocketError(
                            .setSocketOption, .invalidArgument("a linger timeout of \(timeout) does not fit a C int"))
                    }
                    raw.l_onoff = 1
                    raw.l_linger = whole + (attoseconds > 0 ? 1 : 0)
                }
                try setRawOption(fd: fd, level: level, name: name, raw)
            })
    }
}

/// The C name of an option level, for a raw option's description.
func levelDescription(_ level: CInt) -> String {
    switch level {
    case SOL_SOCKET: "SOL_SOCKET"
    case CNK_IPPROTO_IP: "IPPROTO_IP"
    case CNK_IPPROTO_IPV6: "IPPROTO_IPV6"
    case CNK_IPPROTO_TCP: "IPPROTO_TCP"
    case CNK_IPPROTO_UDP: "IPPROTO_UDP"
    default: "level \(level)"
    }
}
