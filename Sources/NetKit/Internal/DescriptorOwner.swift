import CNetKitShims

/// The one owner of an open descriptor, shared by every socket type and the
/// epoll set: `deinit` closes it exactly once, ``close()`` reports the close
/// error (never retried), ``release()`` hands the descriptor out unclosed.
///
/// It is a class, not a `~Copyable` struct, for two reasons:
/// - the socket types hold it in a `let`, so they need no `deinit` of their own.
///   A struct owner put a resilient `deinit` inside the `@frozen`
///   ``AcceptedConnection``, and the Swift 6.3.1 optimizer crashed inlining it
///   into the field's setter in release builds;
/// - the halves of a split connection share one owner, and the async layer keeps
///   the socket's loop registration here, so the descriptor is removed from the
///   loop, and its waiters resumed, before `close(2)`, whichever half goes last.
///
/// The socket types are `~Copyable` and hold the only reference (or, when split,
/// one per half), so the compiler still forbids use after close and double close.
/// Creating a socket allocates this object once; no send or receive touches the
/// reference count.
@usableFromInline
final class DescriptorOwner: @unchecked Sendable {
    /// The descriptor. Valid while the owner is alive and neither closed nor released.
    @usableFromInline
    let descriptor: CInt

    /// Whether ``close()`` or ``release()`` already ran. Only the unique owner
    /// (a consuming method of a socket type) calls them, so no lock is needed.
    private var isDisowned = false

    @inlinable
    init(_ descriptor: CInt) {
        self.descriptor = descriptor
    }

    deinit {
        guard !isDisowned else { return }
        _ = system_close(descriptor)
    }

    /// Closes the descriptor now and reports the error `close(2)` gives. Never retried.
    func close() throws(SocketError) {
        isDisowned = true
        try SocketCalls.close(descriptor)
    }

    /// Gives the descriptor up without closing it.
    func release() -> CInt {
        isDisowned = true
        return descriptor
    }
}
