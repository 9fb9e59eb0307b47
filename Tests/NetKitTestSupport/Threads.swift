import Foundation
import Synchronization
import Testing
import NetKit

/// A plain thread for the blocking half of a test (a client or a reader), joined
/// with a bound. Swift concurrency's small pool must not be blocked, so blocking
/// peers get a thread of their own.
public final class BackgroundThread: Sendable {
    private let finished = DispatchSemaphore(value: 0)
    private let failure = Mutex<(any Error)?>(nil)

    /// Starts `body` on a new thread named `name`.
    public init(_ name: String = "test peer", _ body: @escaping @Sendable () throws -> Void) {
        let thread = Thread { [self] in
            do { try body() } catch { failure.withLock { $0 = error } }
            finished.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Waits for the thread to finish (at most `timeout`) and rethrows its error.
    public func join(timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation) throws {
        let (seconds, attoseconds) = timeout.components
        let deadline =
            DispatchTime.now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        guard finished.wait(timeout: deadline) == .success else {
            Issue.record("background thread did not finish within \(timeout)", sourceLocation: sourceLocation)
            return
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }
}

/// A one-shot value handed from one thread to another (such as a port a peer printed).
public final class Handoff<Value: Sendable>: Sendable {
    private let ready = DispatchSemaphore(value: 0)
    private let value = Mutex<Value?>(nil)

    /// An empty handoff.
    public init() {}

    /// Hands `newValue` over, waking the taker.
    public func put(_ newValue: Value) {
        value.withLock { $0 = newValue }
        ready.signal()
    }

    /// The value, or nil when none came within `timeout`.
    public func take(timeout: Duration = .seconds(10)) -> Value? {
        let (seconds, _) = timeout.components
        guard ready.wait(timeout: .now() + .seconds(Int(seconds))) == .success else { return nil }
        return value.withLock { $0 }
    }
}

/// A connection in a class box, for arrays and dictionaries (which hold copyable values)
/// and for handing to another thread.
public final class ConnectionBox: Sendable {
    /// The connection.
    public let connection: StreamConnection
    /// Boxes `connection`.
    public init(_ connection: consuming StreamConnection) { self.connection = connection }
}
