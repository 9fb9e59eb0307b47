/// Why a task waiting on a socket's readiness was resumed.
enum WakeReason: Sendable {
    /// The socket may be ready: try the call again.
    case ready
    /// The task was cancelled.
    case cancelled
    /// The call's deadline passed.
    case timedOut
    /// The socket was closed or released.
    case closed
    /// The loop was shut down.
    case loopShutDown

    /// The error a call reports for this reason, or `nil` for ``ready``.
    func error(_ operation: SocketError.Operation) -> any Error {
        switch self {
        case .ready, .cancelled: return CancellationError()
        case .timedOut: return SocketError(operation, errno: .timedOut)
        case .closed: return SocketError(operation, .closed)
        case .loopShutDown: return SocketError(operation, .loopShutDown)
        }
    }
}

// Unsafe continuations in release builds (no allocation when resumed inline),
// checked ones in debug builds (a missed or double resume traps in tests).
#if DEBUG
typealias WaiterContinuation = CheckedContinuation<WakeReason, Never>

@inline(__always)
func withWaiterContinuation(_ body: (WaiterContinuation) -> Void) async -> WakeReason {
    await withCheckedContinuation(isolation: nil, body)
}
#else
typealias WaiterContinuation = UnsafeContinuation<WakeReason, Never>

@inline(__always)
func withWaiterContinuation(_ body: (WaiterContinuation) -> Void) async -> WakeReason {
    await withUnsafeContinuation(isolation: nil, body)
}
#endif

/// A continuation taken out of a lock, to resume once the lock is released.
struct Resumption {
    let continuation: WaiterContinuation
    let reason: WakeReason

    func resume() { continuation.resume(returning: reason) }
}

extension SocketError.Operation {
    /// `eventfd(2)`: the async loop's wake-up descriptor.
    public static let eventfd = SocketError.Operation(rawValue: "eventfd")
    /// Registering a socket with an ``IOLoop``.
    public static let register = SocketError.Operation(rawValue: "register")
    /// Starting an ``IOLoop``'s thread (`pthread_create`).
    public static let startLoop = SocketError.Operation(rawValue: "pthread_create")
}
