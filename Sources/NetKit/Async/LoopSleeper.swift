/// One task sleeping on a loop timer (``IOLoop/sleep(until:)``): resumed exactly
/// once, by the timer, by cancellation or by the loop's shutdown, whichever is first.
final class LoopSleeper: Sendable {
    private enum State {
        /// Armed; no continuation yet.
        case armed
        /// Suspended.
        case waiting(WaiterContinuation)
        /// Ended before the continuation arrived, or resumed.
        case finished(WakeReason)
    }

    private let state = Lock(State.armed)

    /// Keeps the continuation, or resumes it at once when the sleep already ended.
    func store(_ continuation: WaiterContinuation) {
        let ended = state.withLock { state -> WakeReason? in
            if case .finished(let reason) = state { return reason }
            state = .waiting(continuation)
            return nil
        }
        if let ended { continuation.resume(returning: ended) }
    }

    /// Ends the sleep with `reason`; a no-op when it already ended.
    func finish(_ reason: WakeReason) {
        let continuation = state.withLock { state -> WaiterContinuation? in
            switch state {
            case .finished:
                return nil
            case .armed:
                state = .finished(reason)
                return nil
            case .waiting(let continuation):
                state = .finished(reason)
                return continuation
            }
        }
        continuation?.resume(returning: reason)
    }
}

extension IOLoop {
    /// Suspends until `instant` on one of the loop's timers: no `Task`, no thread of its own.
    ///
    /// - Throws: `CancellationError` when the task is cancelled first, or a
    ///   ``SocketError`` whose reason is ``SocketError/Reason/loopShutDown``.
    func sleep(until instant: ContinuousClock.Instant, for operation: SocketError.Operation) async throws {
        try Task.checkCancellation()
        let sleeper = LoopSleeper()
        // No timer once the loop has shut down: the sleep ends at once.
        let id = addTimer(instant, TimerHeap.Target(sleeper: sleeper))
        if id == nil { sleeper.finish(.loopShutDown) }
        let reason = await withTaskCancellationHandler {
            await withWaiterContinuation { continuation in sleeper.store(continuation) }
        } onCancel: {
            sleeper.finish(.cancelled)
        }
        if let id { cancelTimer(id) }
        switch reason {
        case .timedOut: return
        default: throw reason.error(operation)
        }
    }
}
