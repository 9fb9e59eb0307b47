import NetKit

/// Wakes a poll loop from another thread (the signal watcher, a test): one end of a
/// socket pair is written here, the other is in the loop's poll set.
final class Waker: Sendable {
    private let sender: StreamConnection

    init(sender: consuming StreamConnection) {
        self.sender = sender
    }

    /// Makes the loop's end readable. Never blocks; a full buffer already means "wake up".
    func wake() {
        let byte: [UInt8] = [1]
        _ = try? byte.withUnsafeBytes { (raw) throws(SocketError) in try sender.trySend(raw) }
    }
}
