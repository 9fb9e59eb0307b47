import CNetKitShims
import Synchronization

// MARK: - async getaddrinfo

extension Resolver {
    /// Resolves a host and service without blocking the caller or Swift's cooperative
    /// thread pool. The corresponding C call is `getaddrinfo(3)`, made on a thread of its own.
    ///
    /// Each call starts a detached thread that makes the blocking `getaddrinfo` call and
    /// resumes the caller when it returns.
    ///
    /// Cancellation: cancelling the task resumes the caller at once with a
    /// ``ResolverError/isCancellation`` error (`EAI_SYSTEM` with `ECANCELED`). The
    /// `getaddrinfo` call itself cannot be interrupted: it runs to completion on its
    /// thread, and its result is freed and discarded. A task cancelled before the call
    /// starts no thread.
    ///
    /// - Parameters:
    ///   - host: A host name or numeric address, or `nil`; as for the blocking variant.
    ///   - service: A service name or port number, or `nil`.
    ///   - hints: The family, socket type, protocol and flags wanted.
    /// - Returns: The same results as the blocking variant.
    /// - Throws: ``SocketError`` with operation ``SocketError/Operation/getaddrinfo``: as for the
    ///   blocking variant; `EAI_SYSTEM` with `ECANCELED` when cancelled; `EAI_SYSTEM` with the
    ///   `pthread_create` error (such as `EAGAIN`) when no thread could be started.
    public static func resolve(
        host: String?, service: String?, hints: AddressInfoHints = .init()
    ) async throws(SocketError) -> [AddressInfo] {
        let pending = PendingResolution(host: host, service: service)
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: PendingResolution.Continuation) in
                guard pending.install(continuation) else { return }
                do throws(Errno) {
                    try runOnDetachedThread {
                        let result = Result { () throws(SocketError) in
                            try resolve(host: host, service: service, hints: hints)
                        }
                        pending.finish(result)
                    }
                } catch {
                    pending.finish(.failure(pending.failure(systemError: error)))
                }
            }
        } onCancel: {
            pending.cancel()
        }
        return try result.get()
    }
}

/// One async resolution: resumes its continuation exactly once, with the result
/// or with cancellation, whichever comes first.
final class PendingResolution: Sendable {
    typealias Continuation = CheckedContinuation<Result<[AddressInfo], SocketError>, Never>

    private enum State {
        /// Neither a continuation nor a cancellation yet.
        case starting
        /// Cancelled before the continuation arrived.
        case cancelled
        /// Waiting for the result.
        case waiting(Continuation)
        /// Resumed; anything later is discarded.
        case resumed
    }

    private let state = Mutex(State.starting)
    private let host: String?
    private let service: String?

    init(host: String?, service: String?) {
        self.host = host
        self.service = service
    }

    /// The error for a system failure around the resolution, naming the query.
    func failure(systemError: Errno) -> SocketError {
        SocketError(
            .getaddrinfo,
            .resolution(
                ResolverError(code: EAI_SYSTEM, systemError: systemError, host: host, service: service)))
    }

    /// Keeps the continuation; returns false, having resumed it with cancellation,
    /// when the task was already cancelled.
    func install(_ continuation: Continuation) -> Bool {
        let cancelled = state.withLock { state -> Bool in
            if case .cancelled = state {
                state = .resumed
                return true
            }
            state = .waiting(continuation)
            return false
        }
        if cancelled { continuation.resume(returning: .failure(failure(systemError: Errno(rawValue: ECANCELED)))) }
        return !cancelled
    }

    /// Resumes with the result, unless cancellation came first.
    func finish(_ result: Result<[AddressInfo], SocketError>) {
        take()?.resume(returning: result)
    }

    /// Resumes with cancellation, unless the result came first.
    func cancel() {
        let continuation = state.withLock { state -> Continuation? in
            switch state {
            case .starting:
                state = .cancelled
                return nil
            case .waiting(let continuation):
                state = .resumed
                return continuation
            case .cancelled, .resumed:
                return nil
            }
        }
        continuation?.resume(returning: .failure(failure(systemError: Errno(rawValue: ECANCELED))))
    }

    /// The waiting continuation, once; nil if there is none or it was resumed.
    private func take() -> Continuation? {
        state.withLock { state -> Continuation? in
            guard case .waiting(let continuation) = state else { return nil }
            state = .resumed
            return continuation
        }
    }
}
