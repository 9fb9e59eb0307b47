import NetKit

/// One TCP client of the server: its connection, unread input and unsent output.
final class TCPClient {
    let connection: StreamConnection
    let peer: SocketAddress
    /// The peer's host (what the per-source connection cap counts).
    let host: String
    let descriptor: CInt
    var input: [UInt8] = []
    /// How much of ``input`` has been handled already.
    var inputStart = 0
    /// Whether ``input`` holds complete lines not handled yet (they wait for the next turn).
    var hasPendingLines = false
    /// When the incomplete line at the end of ``input`` began; `nil` when there is none.
    var partialLineSince: ContinuousClock.Instant?
    var output: [UInt8] = []
    var outputOffset = 0
    /// Replies not yet in ``output``, in order (a sync is turned into lines as the output drains).
    var queue: [DiaryService.Payload] = []
    /// The entries (indices) of the sync being streamed.
    var streaming: Range<Int>?
    var peerClosed = false
    /// When bytes last went either way.
    var lastActivity: ContinuousClock.Instant
    /// When output was last sent, or began to wait.
    var lastSendProgress: ContinuousClock.Instant

    init(connection: consuming StreamConnection, peer: SocketAddress, now: ContinuousClock.Instant) {
        lastActivity = now
        lastSendProgress = now
        descriptor = connection.withUnsafeDescriptor { $0 }
        self.connection = connection
        self.peer = peer
        host = String(DiaryService.host(ofDisplayed: DiaryService.display(peer)))
    }

    var pendingOutput: Int { output.count - outputOffset }
    var hasOutput: Bool { pendingOutput > 0 || !queue.isEmpty || !(streaming?.isEmpty ?? true) }

    /// The most output prepared ahead of the socket.
    static let outputChunk = 64 * 1024

    /// Moves queued replies into the output, turning syncs into lines read from
    /// the file, up to ``outputChunk`` bytes at a time.
    func refill(from store: DiaryStore) {
        if outputOffset > 0, outputOffset == output.count {
            output.removeAll(keepingCapacity: true)
            outputOffset = 0
        }
        while pendingOutput < Self.outputChunk {
            if let range = streaming, !range.isEmpty {
                do {
                    let next = try store.appendLines(of: range, to: &output, limit: Self.outputChunk - pendingOutput)
                    streaming = next..<range.upperBound
                } catch {
                    output += Array("error \(error)\n".utf8)
                    streaming = nil
                }
                continue
            }
            streaming = nil
            guard !queue.isEmpty else { break }
            switch queue.removeFirst() {
            case .bytes(let bytes):
                output += bytes
            case .entries(let after, let through):
                let lower = after == .max ? store.count : store.index(ofFirstFrom: after + 1)
                let upper = through == .max ? store.count : store.index(ofFirstFrom: through + 1)
                streaming = lower..<max(lower, upper)
            }
        }
    }
}
