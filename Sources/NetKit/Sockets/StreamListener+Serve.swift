import CNetKitShims
import Synchronization

// MARK: - A structured accept loop

/// What ``StreamListener/serve(maximumConnections:whenCancelled:_:)`` does with open
/// connections when its task is cancelled. Either way it stops accepting first.
public enum ServeCancellation: Sendable, Hashable {
    /// Cancel every connection's task at once: their pending NetKit calls throw
    /// `CancellationError` promptly.
    case cancelConnections
    /// Let connections finish for up to `grace`, then cancel them. During the grace
    /// period the connection tasks are cancelled (`Task.isCancelled` is true, so a
    /// handler can stop after its current request), but NetKit's async calls in
    /// them go on working; when it ends they throw `CancellationError`.
    case drain(grace: Duration)
}

extension StreamListener {
    /// Accepts connections until the task is cancelled, running `handler` for each in
    /// a child task of a discarding task group.
    ///
    /// ```swift
    /// try await listener.serve(maximumConnections: 256) { connection, peer in
    ///     var buffer = [UInt8](repeating: 0, count: 4096)
    ///     while case let count = try await connection.receive(into: &buffer), count > 0 {
    ///         try await connection.sendAll(buffer[..<count])
    ///     }
    /// }
    /// ```
    ///
    /// - A handler that throws ends its connection only (the connection closes when
    ///   the handler returns or throws); the server goes on.
    /// - At most `maximumConnections` handlers run at once; further connections wait
    ///   in the listen backlog until one finishes.
    /// - When `accept` fails for lack of descriptors or memory (`EMFILE`, `ENFILE`,
    ///   `ENOBUFS`, `ENOMEM`), the server backs off on a loop timer (5 ms doubling to
    ///   1 s) instead of spinning, while open connections go on being served.
    ///   Aborted handshakes (`ECONNABORTED`, `EPROTO`, `EPERM`) are skipped.
    /// - Cancelling the calling task stops accepting, then treats open connections
    ///   as `whenCancelled` says; `serve` returns once every handler has finished.
    ///
    /// - Parameters:
    ///   - maximumConnections: the most handlers running at once (at least 1).
    ///   - whenCancelled: cancel open connections at once, or let them drain.
    ///   - handler: serves one connection; it owns the connection.
    /// - Throws: ``SocketError`` when the listener fails for good (it was closed, its
    ///   loop shut down, or `accept` failed with an error that is not transient).
    ///   Cancellation is not an error: `serve` returns normally.
    public func serve(
        maximumConnections: Int = 1024,
        whenCancelled: ServeCancellation = .cancelConnections,
        _ handler: @escaping @Sendable (consuming StreamConnection, SocketAddress) async throws -> Void
    ) async throws {
        let registration = try owner.registration()
        let limiter = ConnectionLimiter(maximum: Swift.max(1, maximumConnections), loop: registration.loop)
        let backoff = Registration(eventOnlyOn: registration.loop)
        let shield: DrainShield? = if case .drain(let grace) = whenCancelled { DrainShield(grace: grace) } else { nil }
        var delay = Duration.milliseconds(5)
        var failure: (any Error)? = nil

        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                do {
                    try await limiter.acquire()
                } catch {
                    if !(error is CancellationError) { failure = error }
                    break
                }
                let accepted: AcceptedConnection
                do {
                    accepted = try await accept()
                } catch let error as SocketError where Self.isResourceExhaustion(error) {
                    limiter.release()
                    do {
                        try await backoff.sleep(until: .now + delay)
                    } catch {
                        if !(error is CancellationError) { failure = error }
                        break
                    }
                    delay = Swift.min(delay * 2, .seconds(1))
                    continue
                } catch let error as SocketError where Self.isTransient(error) {
                    limiter.release()
                    continue
                } catch {
                    limiter.release()
                    if !(error is CancellationError) { failure = error }
                    break
                }
                delay = .milliseconds(5)
                let handoff = ConnectionHandoff(accepted.connection)
                let peer = accepted.peer
                group.addTask {
                    defer { limiter.release() }
                    await DrainShield.$current.withValue(shield) {
                        guard let connection = handoff.take() else { return }
                        do {
                            try await handler(connection, peer)
                        } catch {
                            // The handler's own failure ends only its connection.
                        }
                    }
                }
            }
        }
        if let failure { throw failure }
    }

    /// `accept` failed for lack of descriptors, buffers or memory: worth retrying later.
    static func isResourceExhaustion(_ error: SocketError) -> Bool {
        guard let errno = error.errno else { return false }
        return errno == .tooManyOpenFiles || errno == Errno(rawValue: ENFILE)
            || errno == .noBufferSpace || errno == .noMemory
    }

    /// `accept` failed for this one connection only: skip it.
    static func isTransient(_ error: SocketError) -> Bool {
        guard let errno = error.errno else { return false }
        return errno == .connectionAborted || errno == Errno(rawValue: EPROTO) || errno == .notPermitted
            || errno == .interrupted || errno == .wouldBlock
    }
}

/// Moves an accepted connection into its child task (an escaping closure cannot
/// consume a `~Copyable` capture; it can take it out of a box once).
final class ConnectionHandoff: @unchecked Sendable {
    // @unchecked: written once at creation, taken once by the one child task.
    private var connection: StreamConnection?

    init(_ connection: consuming StreamConnection) {
        self.connection = consume connection
    }

    func take() -> StreamConnection? {
        connection.take()
    }
}

/// Bounds how many connection handlers run at once. The serve loop waits on an
/// event-only registration, so the wait is cancel safe and shut down with the loop.
final class ConnectionLimiter: Sendable {
    private let maximum: Int
    private let active = Atomic<Int>(0)
    private let slotFreed: Registration

    init(maximum: Int, loop: IOLoop) {
        self.maximum = maximum
        self.slotFreed = Registration(eventOnlyOn: loop)
    }

    /// Takes a slot, waiting until one is free.
    /// - Throws: `CancellationError`, or ``SocketError`` when the loop shut down.
    func acquire() async throws {
        while true {
            let snapshot = slotFreed.readiness.load(ordering: .acquiring)
            var current = active.load(ordering: .relaxed)
            while current < maximum {
                let (exchanged, original) = active.compareExchange(
                    expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
                if exchanged { return }
                current = original
            }
            // Full: wait for a release that comes after this look.
            slotFreed.clearReadiness(.read, snapshot: snapshot)
            let reason = await slotFreed.waitUntilReady(.read, deadline: nil)
            if case .ready = reason { continue }
            throw reason.error(.accept)
        }
    }

    /// Gives a slot back and wakes the serve loop if it waits for one.
    func release() {
        active.subtract(1, ordering: .acquiringAndReleasing)
        slotFreed.signal()
    }
}
