import Synchronization
import Testing

/// Keeps tests that open many descriptors at once away from tests that count
/// the process's open descriptors (which run in parallel with everything else).
///
/// Tests that use many descriptors take the gate shared (``Trait/usesManyDescriptors``);
/// tests that count them take it exclusively (``Trait/countsDescriptors``).
/// Waiting is asynchronous, so no thread of the cooperative pool is blocked.
final class DescriptorGate: Sendable {
    static let shared = DescriptorGate()

    private struct Waiter {
        let exclusive: Bool
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var readers = 0
        var writer = false
        var waiters: [Waiter] = []
    }

    private let state = Mutex(State())

    func acquire(exclusive: Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = state.withLock { state -> Bool in
                if exclusive {
                    if !state.writer && state.readers == 0 && state.waiters.isEmpty {
                        state.writer = true
                        return true
                    }
                } else if !state.writer && !state.waiters.contains(where: \.exclusive) {
                    state.readers += 1
                    return true
                }
                state.waiters.append(Waiter(exclusive: exclusive, continuation: continuation))
                return false
            }
            if admitted { continuation.resume() }
        }
    }

    func release(exclusive: Bool) {
        let admitted = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            if exclusive { state.writer = false } else { state.readers -= 1 }
            var admitted: [CheckedContinuation<Void, Never>] = []
            while let first = state.waiters.first {
                if first.exclusive {
                    guard state.readers == 0 && !state.writer else { break }
                    state.writer = true
                    admitted.append(state.waiters.removeFirst().continuation)
                    break
                }
                guard !state.writer else { break }
                state.readers += 1
                admitted.append(state.waiters.removeFirst().continuation)
            }
            return admitted
        }
        for continuation in admitted { continuation.resume() }
    }
}

/// Runs each test of a suite while holding the ``DescriptorGate``.
struct DescriptorGateTrait: SuiteTrait, TestTrait, TestScoping {
    let exclusive: Bool

    var isRecursive: Bool { true }

    func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? {
        testCase == nil ? nil : self
    }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        await DescriptorGate.shared.acquire(exclusive: exclusive)
        defer { DescriptorGate.shared.release(exclusive: exclusive) }
        try await function()
    }
}

extension Trait where Self == DescriptorGateTrait {
    /// The test opens many descriptors at once; it never runs beside one that counts them.
    static var usesManyDescriptors: Self { DescriptorGateTrait(exclusive: false) }
    /// The test counts the process's open descriptors; it runs alone among gated tests.
    static var countsDescriptors: Self { DescriptorGateTrait(exclusive: true) }
}
