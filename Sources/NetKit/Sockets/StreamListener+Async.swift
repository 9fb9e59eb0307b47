import CNetKitShims

// MARK: - Async accept

extension StreamListener {
    /// Registers the listener with `loop`, so its async calls wait there instead of
    /// on ``IOLoop/default``. Call it before the first async call.
    ///
    /// - Throws: ``SocketError`` when already registered with another loop, the loop
    ///   was shut down, or from `epoll_ctl`.
    public func register(on loop: IOLoop) throws(SocketError) {
        _ = try owner.register(on: loop)
    }

    /// Waits for a connection and returns it with the peer's address. The corresponding
    /// C call is `accept4(2)` with `SOCK_CLOEXEC` (`accept` on Darwin).
    ///
    /// `accept` has no per-call "don't wait" flag, so the first async accept puts the
    /// listener in non-blocking mode (``Socket/isNonBlocking`` then reads `true`).
    /// The blocking ``accept()`` still blocks afterwards: it waits with `poll`,
    /// honouring ``SocketOption/receiveTimeout``. The accepted connection is in
    /// blocking mode, as from the blocking call, and its first async call registers
    /// it with the listener's loop.
    ///
    /// Cancel safe: a cancelled call accepts nothing; the connection stays queued.
    /// - Parameter deadline: when to give up; `nil` waits as long as it takes.
    /// - Throws: ``SocketError`` from `accept` (such as `.tooManyOpenFiles`), or with
    ///   `.timedOut`, ``SocketError/Reason/closed`` or ``SocketError/Reason/loopShutDown``;
    ///   `CancellationError` when the task is cancelled.
    public func accept(deadline: IODeadline? = nil) async throws -> AcceptedConnection {
        let registration = try owner.registration()
        try prepareForAsyncAccept(registration)
        let fd = descriptor
        let (accepted, peer) = try await registration.perform(.read, .accept, deadline: deadline) {
            () throws(SocketError) in
            try Self.acceptNonBlocking(fd)
        }
        return AcceptedConnection(owner: DescriptorOwner(accepted, homeLoop: registration.loop), peer: peer)
    }

    /// Switches the listener to non-blocking mode once, for async accept.
    func prepareForAsyncAccept(_ registration: Registration) throws(SocketError) {
        guard !registration.madeNonBlocking.load(ordering: .acquiring) else { return }
        try SocketCalls.setNonBlocking(descriptor, true)
        registration.madeNonBlocking.store(true, ordering: .releasing)
    }

    /// Whether an async accept switched the listener to non-blocking mode.
    var isNonBlockingForAsync: Bool {
        owner.existingRegistration?.madeNonBlocking.load(ordering: .acquiring) ?? false
    }

    /// The blocking accept on a listener async accept made non-blocking: waits with
    /// `poll` (at most the receive timeout, if one is set) and accepts.
    func acceptWaitingWithPoll() throws(SocketError) -> AcceptedConnection {
        let fd = descriptor
        let timeout = try option(.receiveTimeout)
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while true {
            if let (accepted, peer) = try Self.acceptNonBlocking(fd) {
                return AcceptedConnection(
                    owner: DescriptorOwner(accepted, homeLoop: owner.existingRegistration?.loop), peer: peer)
            }
            var remaining: Duration? = nil
            if let deadline {
                remaining = deadline - .now
                if remaining! <= .zero { throw SocketError(.accept, errno: .timedOut) }
            }
            var item = PollItem(descriptor: fd, interest: .readable)
            let ready = try withUnsafeMutablePointer(to: &item) { (pointer) throws(SocketError) in
                try poll(UnsafeMutableBufferPointer(start: pointer, count: 1), timeout: remaining)
            }
            if ready == 0 { throw SocketError(.accept, errno: .timedOut) }
        }
    }

    /// One non-blocking `accept`: the new descriptor and the peer, or `nil` when none is queued.
    static func acceptNonBlocking(_ fd: CInt) throws(SocketError) -> (CInt, SocketAddress)? {
        try SocketCalls.tryAccept(fd)
    }
}
