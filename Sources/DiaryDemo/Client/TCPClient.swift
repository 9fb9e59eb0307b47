import NetKit

/// One TCP client of the server: its connection, unread input and unsent output.
final class TCPClient {
    let connection: StreamConnection
    let peer: SocketAddress
    let descriptor: CInt
    var input: [UInt8] = []
    var output: [UInt8] = []
    var outputOffset = 0
    /// Replies not yet in ``output``, in order (a sync is turned into lines as the output drains).
    var queue: [DiaryService.Payload] = []
    var peerClosed = false
    /// When bytes last went either way.
    var lastActivity: ContinuousClock.Instant

    init(connection: consuming StreamConnection, peer: SocketAddress, now: ContinuousClock.Instant) {
        lastActivity = now
        descriptor = connection.withUnsafeDescriptor { $0 }
        self.connection = connection
        self.peer = peer
    }

    var pendingOutput: Int { output.count - outputOffset }
    var hasOutput: Bool { pendingOutput > 0 || !queue.isEmpty }

    /// Moves queued replies into the output, turning syncs into lines, up to 64 KiB at a time.
    func refill(from entries: [DiaryEntry]) {
        if outputOffset > 0, outputOffset == output.count {
            output.removeAll(keepingCapacity: true)
            outputOffset = 0
        }
        while pendingOutput < 65536, let next = queue.first {
            switch next {
            case .bytes(let bytes):
                output += bytes
                queue.removeFirst()
            case .entries(var range):
                while !range.isEmpty, pendingOutput < 65536 {
                    entries[range.lowerBound].appendLine(to: &output)
                    range = range.dropFirst()
                }
                if range.isEmpty { queue.removeFirst() } else { queue[0] = .entries(range) }
            }
        }
    }
}
