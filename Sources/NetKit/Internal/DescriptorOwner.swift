import CNetKitShims

/// The one owner of an open descriptor, shared by every socket type (and the
/// epoll set): `deinit` closes it exactly once, ``close()`` reports the close
/// error (never retried), ``release()`` hands it out without closing. Being
/// `~Copyable`, it cannot be closed twice or used after either.
@usableFromInline
struct DescriptorOwner: ~Copyable, Sendable {
    @usableFromInline
    let rawValue: CInt

    @inlinable
    init(_ rawValue: CInt) {
        self.rawValue = rawValue
    }

    deinit {
        _ = system_close(rawValue)
    }

    consuming func close() throws(SocketError) {
        let fd = rawValue
        discard self
        try SocketCalls.close(fd)
    }

    consuming func release() -> CInt {
        let fd = rawValue
        discard self
        return fd
    }
}
