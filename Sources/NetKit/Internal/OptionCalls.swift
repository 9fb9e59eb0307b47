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

