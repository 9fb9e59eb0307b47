import CNetKitShims

// Socket files of Unix-domain listeners: telling a stale one (no listener behind
// it) from a live one, and removing it.

extension SocketCalls {
    /// `bind(2)`; when the address is a Unix socket file in use (`EADDRINUSE`) that
    /// nobody listens on any more, removes the file and binds again.
    static func bind(_ fd: CInt, to address: SocketAddress, removingStaleFile: Bool) throws(SocketError) {
        do {
            try bind(fd, to: address)
        } catch {
            guard removingStaleFile, error.errno == .addressInUse, case .unix(let path) = address, !path.isAbstract,
                try isStaleSocketFile(path)
            else { throw error }
            try removeSocketFile(path)
            try bind(fd, to: address)
        }
    }

    /// Whether `path` is a socket file that refuses connections (no listener).
    /// A live listener, a full backlog, another socket type or a non-socket file is not stale.
    static func isStaleSocketFile(_ path: UnixSocketPath) throws(SocketError) -> Bool {
        let isSocket = try withPathCString(path) { (cPath) throws(SocketError) in
            try syscall(.bind) { system_lstat_is_socket(cPath) }
        }
        guard isSocket == 1 else { return false }
        let probe = try open(family: .unix, type: CNK_SOCK_STREAM | CNK_SOCK_NONBLOCK, protocol: 0)
        defer { _ = system_close(probe) }
        // Refused means nobody is listening; anything else (connected, EAGAIN from a
        // full backlog, EPROTOTYPE from a datagram socket) means the file is in use.
        return connectOnce(probe, to: .unix(path)) == .connectionRefused
    }

    /// `unlink(2)` of a socket file; a file already gone is fine.
    static func removeSocketFile(_ path: UnixSocketPath) throws(SocketError) {
        _ = try withPathCString(path) { (cPath) throws(SocketError) in
            do throws(Errno) {
                return try retryingOnInterrupt { system_unlink(cPath) }
            } catch  where error == .noSuchFileOrDirectory {
                return 0
            } catch {
                throw SocketError(.unlink, errno: error, address: .unix(path))
            }
        }
    }

    /// Lends a file-system socket path as a C string.
    private static func withPathCString<R>(
        _ path: UnixSocketPath, _ body: (UnsafePointer<CChar>) throws(SocketError) -> R
    ) throws(SocketError) -> R {
        try path.withUnsafeBytes { (bytes) throws(SocketError) -> R in
            try withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) {
                (buffer) throws(SocketError) -> R in
                let base = buffer.baseAddress!
                UnsafeMutableRawPointer(base).copyMemory(
                    from: bytes.baseAddress ?? UnsafeRawPointer(base), byteCount: bytes.count)
                base[bytes.count] = 0
                return try body(base)
            }
        }
    }
}
