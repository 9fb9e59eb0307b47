import Synchronization

/// The grace period of a draining `serve`: inside a connection's task, NetKit's
/// async calls keep going after the task is cancelled, until the period ends,
/// then fail with `CancellationError`.
///
/// Set as a task-local value around each connection handler; the period starts
/// at the first cancellation any of the server's connections sees.
final class DrainShield: Sendable {
    @TaskLocal static var current: DrainShield?

    private let grace: Duration
    private let started = Mutex<ContinuousClock.Instant?>(nil)

    init(grace: Duration) {
        self.grace = grace
    }

    /// When the grace period ends (fixed at the first call).
    func end() -> ContinuousClock.Instant {
        started.withLock { start in
            if let start { return start + grace }
            let now = ContinuousClock.now
            start = now
            return now + grace
        }
    }
}
