import CNetKitShims

/// A value behind a `pthread_mutex_t`, for the async layer's shared state.
///
/// Not `Synchronization.Mutex`: on Linux its lock and unlock live in the
/// uninstrumented runtime, so ThreadSanitizer cannot see the ordering it gives
/// and reports every access under it as a race. TSan intercepts pthread mutexes.
/// One allocation for the object and one for the mutex, when created; none per use.
final class Lock<Value: ~Copyable>: @unchecked Sendable {
    // @unchecked: `value` is only touched with `mutex` held.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    init(_ value: consuming Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        _ = system_pthread_mutex_init(mutex)
        self.value = value
    }

    deinit {
        _ = system_pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock.
    @inline(__always)
    func withLock<R, E: Error>(_ body: (inout Value) throws(E) -> R) throws(E) -> R {
        _ = system_pthread_mutex_lock(mutex)
        defer { _ = system_pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
