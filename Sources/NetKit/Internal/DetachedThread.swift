import CNetKitShims

// A minimal "run this on its own thread" for blocking calls that must not tie
// up Swift's cooperative thread pool. No Foundation: a detached pthread.

/// Runs `body` on a new detached thread.
///
/// In debug builds the caller's mocking driver goes along, so tests see the
/// calls made on the thread.
///
/// - Throws: The `pthread_create` error number, such as `EAGAIN`; `body` then never runs.
func runOnDetachedThread(_ body: @escaping @Sendable () -> Void) throws(Errno) {
    #if DEBUG
    let driver = MockingDriver.current
    let work: @Sendable () -> Void = { MockingDriver.$current.withValue(driver) { body() } }
    #else
    let work = body
    #endif
    let box = Unmanaged.passRetained(ThreadWork(work))
    let error = system_pthread_create(detachedThreadEntry, box.toOpaque())
    if error != 0 {
        box.release()
        throw Errno(rawValue: error)
    }
}

/// The closure a detached thread runs, boxed to pass through `void *`.
private final class ThreadWork: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

/// The C entry point of every detached thread: takes back the box and runs it.
private func detachedThreadEntry(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    guard let argument else { return nil }
    Unmanaged<ThreadWork>.fromOpaque(argument).takeRetainedValue().body()
    return nil
}
