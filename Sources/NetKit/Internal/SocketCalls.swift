import CNetKitShims

// The operations every socket kind shares, written once over a raw descriptor.
// The public socket types own the descriptor and forward here.

@usableFromInline
enum SocketCalls {
    /// `socket(2)`, close-on-exec, and no SIGPIPE on Darwin.
    static func open(family: AddressFamily, type: CInt, protocol proto: CInt) throws(SocketError) -> CInt {
        let fd = try syscall(.socket) { system_socket(family.rawValue, type | CNK_SOCK_CLOEXEC, proto) }
        #if !os(Linux)
        try makeSafe(fd)
        #endif
        return fd
    }

    #if !os(Linux)
    /// Darwin has no `SOCK_CLOEXEC` or `MSG_NOSIGNAL`: sets `FD_CLOEXEC` and
    /// `SO_NOSIGPIPE` on a new descriptor, closing it when either fails (a socket
    /// that could kill the process with SIGPIPE must not be handed out).
    static func makeSafe(_ fd: CInt) throws(SocketError) {
        do {
            _ = try syscall(.fcntl) { system_fcntl(fd, F_SETFD, FD_CLOEXEC) }
            try setRawOption(fd: fd, level: SOL_SOCKET, name: SO_NOSIGPIPE, CInt(1))
        } catch {
            _ = system_close(fd)
            throw error
        }
    }
    #endif

    /// `accept4(2)` with `SOCK_CLOEXEC` (`accept` + ``makeSafe(_:)`` on Darwin),
    /// waiting for a connection: the new descriptor and the peer's address.
    static func accept(_ fd: CInt) throws(SocketError) -> (CInt, SocketAddress) {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let accepted = try withUnsafeMutablePointer(to: &storage) { (pointer) throws(SocketError) -> CInt in
            let address = UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: sockaddr.self)
            return try blockingSyscall(.accept, descriptor: fd) { system_accept(fd, address, &length) }
        }
        return try adoptAccepted(accepted, storage, length)
    }

    /// `accept` on a listener that has a connection waiting or is non-blocking:
    /// `nil` when none is waiting.
    static func tryAccept(_ fd: CInt) throws(SocketError) -> (CInt, SocketAddress)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let accepted = try withUnsafeMutablePointer(to: &storage) { (pointer) throws(SocketError) -> CInt? in
            let address = UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: sockaddr.self)
            return try nonBlockingSyscall(.accept) { system_accept(fd, address, &length) }
        }
        guard let accepted else { return nil }
        return try adoptAccepted(accepted, storage, length)
    }

    /// Makes an accepted descriptor safe (Darwin) and decodes the peer.
    private static func adoptAccepted(
        _ accepted: CInt, _ storage: sockaddr_storage, _ length: socklen_t
    ) throws(SocketError) -> (CInt, SocketAddress) {
        #if !os(Linux)
        try makeSafe(accepted)
        #endif
        // An unnamed Unix-domain peer has an empty name.
        let peer =
            SocketAddress(storage: storage, length: length) ?? .unix(UnixSocketPath(rawBytes: [], isAbstract: false))
        return (accepted, peer)
    }

    /// `socketpair(2)`: two connected, close-on-exec descriptors.
    static func pair(family: AddressFamily, type: CInt) throws(SocketError) -> (CInt, CInt) {
        var fds: (CInt, CInt) = (-1, -1)
        _ = try withUnsafeMutableBytes(of: &fds) { (raw) throws(SocketError) -> CInt in
            let pointer = raw.baseAddress!.assumingMemoryBound(to: CInt.self)
            return try syscall(.socketPair) { system_socketpair(family.rawValue, type | CNK_SOCK_CLOEXEC, 0, pointer) }
        }
        return fds
    }

    static func bind(_ fd: CInt, to address: SocketAddress) throws(SocketError) {
        _ = try address.withUnsafeSockaddr { (pointer, length) throws(SocketError) in
            try syscall(.bind, address: address) { system_bind(fd, pointer, length) }
        }
    }

    static func connect(_ fd: CInt, to address: SocketAddress) throws(SocketError) {
        _ = try address.withUnsafeSockaddr { (pointer, length) throws(SocketError) in
            try syscall(.connect, address: address) { system_connect(fd, pointer, length) }
        }
    }

    /// One `connect(2)`, not retried on `EINTR` (the kernel carries on with it):
    /// `nil` when connected, else the error, for ``StreamConnection`` to wait on.
    static func connectOnce(_ fd: CInt, to address: SocketAddress) -> Errno? {
        address.withUnsafeSockaddr { pointer, length in
            do throws(Errno) {
                _ = try withoutRetrying { system_connect(fd, pointer, length) }
                return nil
            } catch {
                return error
            }
        }
    }

    /// Dissolves a datagram socket's association: `connect` with `AF_UNSPEC`.
    static func disconnect(_ fd: CInt) throws(SocketError) {
        var address = sockaddr()
        address.sa_family = sa_family_t(AF_UNSPEC)
        _ = try syscall(.connect) { system_connect(fd, &address, socklen_t(MemoryLayout<sockaddr>.size)) }
    }

    static func listen(_ fd: CInt, backlog: Int) throws(SocketError) {
        _ = try syscall(.listen) { system_listen(fd, CInt(clamping: backlog)) }
    }

    static func localAddress(_ fd: CInt) throws(SocketError) -> SocketAddress {
        try readAddress(.getSocketName) { system_getsockname(fd, $0, $1) }
    }

    static func remoteAddress(_ fd: CInt) throws(SocketError) -> SocketAddress {
        try readAddress(.getPeerName) { system_getpeername(fd, $0, $1) }
    }

    /// Runs a call that fills a `sockaddr`, and decodes it.
    static func readAddress(
        _ operation: SocketError.Operation,
        _ call: (UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> CInt
    ) throws(SocketError) -> SocketAddress {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let address: SocketAddress? = try withUnsafeMutablePointer(to: &storage) { (pointer) throws(SocketError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { (address) throws(SocketError) in
                _ = try syscall(operation) { call(address, &length) }
                return SocketAddress(unsafeSockaddr: address, length: length)
            }
        }
        guard let address else {
            throw SocketError(
                operation, .invalidArgument("the socket has an address of a family NetKit does not model"))
        }
        return address
    }

    static func shutdown(_ fd: CInt, _ how: ShutdownKind) throws(SocketError) {
        _ = try syscall(.shutdown) { system_shutdown(fd, how.rawValue) }
    }

    /// `close(2)`, never retried: after `EINTR` the descriptor is gone on Linux.
    static func close(_ fd: CInt) throws(SocketError) {
        do {
            _ = try withoutRetrying { system_close(fd) }
        } catch {
            throw SocketError(.close, errno: error)
        }
    }

    static func isNonBlocking(_ fd: CInt) throws(SocketError) -> Bool {
        let flags = try syscall(.fcntl) { system_fcntl(fd, F_GETFL, 0) }
        return flags & O_NONBLOCK != 0
    }

    static func setNonBlocking(_ fd: CInt, _ on: Bool) throws(SocketError) {
        let flags = try syscall(.fcntl) { system_fcntl(fd, F_GETFL, 0) }
        let wanted = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK
        if wanted != flags {
            _ = try syscall(.fcntl) { system_fcntl(fd, F_SETFL, wanted) }
        }
    }

    /// Sends flags every send uses: no SIGPIPE.
    @usableFromInline
    static var sendFlags: CInt { CNK_MSG_NOSIGNAL }
}
