// The seam where tests inject failures into system calls. Compiled only in
// debug builds; release builds call the system directly.

#if DEBUG
import CNetKitShims
import Synchronization

/// Records the system calls made while it is installed, and can make chosen
/// calls fail with a chosen error number instead of reaching the system.
///
/// Install it for the current task with `MockingDriver.$current.withValue(driver) { ... }`.
/// Task-local, so Swift Testing's parallel tests don't see each other's drivers.
final class MockingDriver: Sendable {
    @TaskLocal static var current: MockingDriver?

    private struct State {
        var forced: [String: [CInt]] = [:]
        var calls: [String] = []
    }
    private let state = Mutex(State())

    init() {}

    /// Makes the next calls of `call` (its C name) fail with these errors, in order.
    func failNext(_ call: String, with errors: [Errno]) {
        state.withLock { $0.forced[call, default: []].append(contentsOf: errors.map(\.rawValue)) }
    }

    /// The C names of the calls made so far, in order.
    var calls: [String] { state.withLock { $0.calls } }

    /// Records `call`; returns true, with `errno` set, when it must fail.
    func intercept(_ call: String) -> Bool {
        let forced: CInt? = state.withLock { state in
            state.calls.append(call)
            guard var queue = state.forced[call], !queue.isEmpty else { return nil }
            let first = queue.removeFirst()
            state.forced[call] = queue
            return first
        }
        guard let forced else { return false }
        cnk_set_errno(forced)
        return true
    }
}
#endif

/// True when a test's mocking driver makes this call fail; `errno` is then set.
@inline(__always)
func mockedFailure(_ call: StaticString) -> Bool {
    #if DEBUG
    guard let driver = MockingDriver.current else { return false }
    return driver.intercept(call.description)
    #else
    return false
    #endif
}
