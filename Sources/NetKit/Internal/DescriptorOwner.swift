import CNetKitShims
import Synchronization

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

    /// Whether more than one handle may hold this owner (``shared()``): an accepted
    /// connection's ``AcceptedConnection/connection`` reads and the entries of a
    /// ``ConnectionTable``. Then ``close()`` must not free the descriptor number while
    /// another handle could still use it, and a later socket could reuse it.
    private let isShared = Atomic<Bool>(false)

    /// The socket's place in an ``IOLoop``, made on its first async call.
    private let loopRegistration = AtomicLazyReference<Registration>()
    /// Serialises making the registration (the first async call of two tasks at once).
    private let registering = Lock(())
    /// The loop the first async call registers with when none was chosen
    /// (``IOLoop/default`` when `nil`): an accepted connection's listener's loop.
    @usableFromInline
    let homeLoop: IOLoop?

    @inlinable
    init(_ descriptor: CInt) {
        self.descriptor = descriptor
        self.homeLoop = nil
    }

    /// An owner whose first async call registers with `homeLoop` (``IOLoop/default`` when `nil`).
    init(_ descriptor: CInt, homeLoop: IOLoop?) {
        self.descriptor = descriptor
        self.homeLoop = homeLoop
    }

    deinit {
        detachFromLoop()
        guard !isDisowned else { return }
        _ = system_close(descriptor)
    }

    /// Closes the descriptor now and reports the error `close(2)` gives. Never retried.
    ///
    /// Pending async calls are resumed with ``SocketError/Reason/closed`` first. When the
    /// owner is ``shared()``, the connection is shut down in both directions instead
    /// (the peer sees end of stream at once, the other handles' calls fail) and the
    /// descriptor itself is closed with the last handle, so its number cannot be
    /// reused under a handle that is still alive.
    func close() throws(SocketError) {
        detachFromLoop()
        if isShared.load(ordering: .relaxed) {
            do {
                try SocketCalls.shutdown(descriptor, .both)
            } catch  where error.errno == .notConnected {
                // The peer is gone already: nothing to shut down.
            } catch {
                throw error
            }
            return
        }
        isDisowned = true
        try SocketCalls.close(descriptor)
    }

    /// Marks the owner as held by more than one handle and returns it (see ``close()``).
    func shared() -> DescriptorOwner {
        isShared.store(true, ordering: .relaxed)
        return self
    }

    func release() -> CInt {
        isDisowned = true
        detachFromLoop()
        return descriptor
    }

    // MARK: - The async loop

    /// The registration async calls wait on: the existing one, or a new one on the
    /// home loop (an accepted connection's listener's), else ``IOLoop/default``.
    @inline(__always)
    func registration() throws(SocketError) -> Registration {
        if let registration = loopRegistration.load() { return registration }
        if let homeLoop { return try register(on: homeLoop) }
        return try register(on: try IOLoop.default)
    }

    /// The registration on `loop`, made now if the socket has none.
    ///
    /// - Throws: ``SocketError`` when the socket is already registered on another loop,
    ///   or from the backend (`epoll_ctl`).
    func register(on loop: IOLoop) throws(SocketError) -> Registration {
        try registering.withLock { (_) throws(SocketError) -> Registration in
            if let existing = loopRegistration.load() {
                guard existing.loop === loop else { throw Self.otherLoop }
                return existing
            }
            let registration = try loop.register(descriptor)
            return loopRegistration.storeIfNil(registration)
        }
    }

    /// The registration, if an async call made one.
    var existingRegistration: Registration? { loopRegistration.load() }

    private static var otherLoop: SocketError {
        SocketError(.register, .invalidArgument("the socket is already registered with another IOLoop"))
    }

    /// Resumes pending async calls with "closed" and leaves the loop; runs before `close(2)`.
    private func detachFromLoop() {
        guard let registration = loopRegistration.load() else { return }
        registration.close(.closed)
        registration.loop.deregister(registration)
    }

    /// Marks the socket closed for async calls (they fail with ``SocketError/Reason/closed``)
    /// and leaves the loop, without closing the descriptor: for a split half that
    /// closes while the other half still holds the descriptor.
    func closeForAsync() {
        detachFromLoop()
    }
}
