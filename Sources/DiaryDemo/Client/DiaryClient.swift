import NetKit

/// The client side of the framed protocol: requests with ids, retries with
/// back-off, and paged sync reassembled into entries.
final class DiaryClient {
    struct Configuration {
        var host = "localhost"
        var port: UInt16 = 9999
        var name = ""
        /// How long the first attempt waits for an answer; each retry waits twice as long (at most 2 s).
        var timeout: Duration = .milliseconds(500)
        /// How many times a request is sent again when no answer comes.
        var retries = 5
    }

    let configuration: Configuration
    /// Where the server may be (the resolver's order); ``server`` is the one in use.
    let candidates: [SocketAddress]
    private var current = 0
    private var socket: DatagramSocket
    private var buffer = [UInt8](repeating: 0, count: 65536)
    private var generator = SystemRandomNumberGenerator()

    /// Every entry fetched so far, in order.
    private(set) var entries: [DiaryEntry] = []
    /// Where the next sync starts.
    private(set) var cursor = SyncCursor.start
    /// The part of a long entry received so far, while a sync is split inside it.
    private var partial: EntryChunk?
    /// This client's address as the server saw it (known after the first sync).
    private(set) var ownAddress: String?

    /// Resolves the server's host with NetKit.
    ///
    /// - Throws: ``DiaryError`` when the host does not resolve or no socket can be made.
    init(configuration: Configuration) throws(DiaryError) {
        self.configuration = configuration
        if let problem = DiaryLimits.problem(withName: configuration.name) { throw .usage("bad --name: \(problem)") }
        do {
            candidates = try SocketAddress.addresses(host: configuration.host, port: configuration.port, type: .datagram)
            socket = try Self.connectedSocket(to: candidates[0])
        } catch {
            if error.resolverError != nil {
                throw .usage("unknown host \(configuration.host): \(error.reason)")
            }
            throw .socket(error)
        }
    }

    /// The server address in use.
    var server: SocketAddress { candidates[current] }

    private static func connectedSocket(to address: SocketAddress) throws(SocketError) -> DatagramSocket {
        let socket = try DatagramSocket(family: address.family)
        try socket.connect(to: address)
        return socket
    }

    // MARK: - Requests

    /// Sends `request` until an answer with its id arrives, retrying with back-off.
    ///
    /// A refused send (ICMP port unreachable) moves on to the host's next address.
    /// - Throws: ``DiaryError/noAnswer(server:attempts:)`` after the last retry.
    func send(_ request: RequestFrame.Request) throws(DiaryError) -> ResponseFrame.Response {
        let id = UInt64.random(in: 1...UInt64.max, using: &generator)
        let datagram = WireFormat.encode(RequestFrame(id: id, request: request))
        var wait = configuration.timeout
        let attempts = configuration.retries + 1
        var refusals = 0
        for _ in 0..<attempts {
            do {
                try socket.send(datagram)
                if let response = try awaitResponse(id: id, within: wait) { return response }
            } catch {
                guard error.errno == .connectionRefused else { throw .socket(error) }
                // Refused means not delivered, so trying another address cannot duplicate the entry.
                refusals += 1
                try useNextCandidate()
                continue
            }
            wait = min(wait * 2, max(configuration.timeout, .seconds(2)))
        }
        if refusals == attempts {
            throw .notListening(server: "\(configuration.host) port \(configuration.port)")
        }
        throw .noAnswer(server: "\(server)", attempts: attempts)
    }

    private func useNextCandidate() throws(DiaryError) {
        guard candidates.count > 1 else { return }
        current = (current + 1) % candidates.count
        do {
            socket = try Self.connectedSocket(to: candidates[current])
        } catch {
            throw .socket(error)
        }
    }

    /// Waits up to `wait` for the response with `id`, skipping stale and unreadable datagrams.
    private func awaitResponse(id: UInt64, within wait: Duration) throws(SocketError) -> ResponseFrame.Response? {
        let clock = ContinuousClock()
        let deadline = clock.now + wait
        while true {
            let left = deadline - clock.now
            guard left > .zero else { return nil }
            try socket.setOption(.receiveTimeout, max(left, .milliseconds(1)))
            let received: ReceivedDatagram
            do {
                received = try socket.receive(into: &buffer)
            } catch {
                if error.isTimeout { return nil }
                throw error
            }
            guard let frame = try? WireFormat.decodeResponse(buffer[..<received.count]), frame.id == id else { continue }
            return frame.response
        }
    }

    // MARK: - Operations

    /// Appends an entry and returns it as stored once the server confirms it is on disk.
    ///
    /// - Throws: ``DiaryError/usage(_:)`` for an empty or too-long text (checked
    ///   before sending), ``DiaryError/refused(_:)``, ``DiaryError/noAnswer(server:attempts:)``.
    func append(_ text: String) throws(DiaryError) -> (sequence: UInt64, time: Int64) {
        if let problem = DiaryLimits.problem(withText: text) { throw .usage(problem) }
        switch try send(.append(name: configuration.name, text: text)) {
        case .appended(let sequence, let time):
            return (sequence, time)
        case .error(_, let message):
            throw .refused(message)
        case .page:
            throw .badReply("a sync page in answer to an append")
        }
    }

    /// Fetches every entry added since the last sync.
    ///
    /// - Returns: the new entries, in order.
    /// - Throws: ``DiaryError`` when the server does not answer or answers nonsense.
    func sync() throws(DiaryError) -> [DiaryEntry] {
        let known = entries.count
        while true {
            let response = try send(.sync(from: cursor.sequence, offset: cursor.offset))
            guard case .page(let page) = response else {
                if case .error(_, let message) = response { throw .refused(message) }
                throw .badReply("an append confirmation in answer to a sync")
            }
            ownAddress = page.clientAddress
            for chunk in page.chunks {
                if let entry = try take(chunk) { entries.append(entry) }
            }
            let advanced = page.next != cursor
            cursor = page.next
            if page.isComplete { break }
            guard advanced || !page.chunks.isEmpty else { throw .badReply("a sync page that does not advance") }
        }
        return Array(entries[known...])
    }

    /// Joins a chunk to the entry in progress; returns the entry when its text is complete.
    private func take(_ chunk: EntryChunk) throws(DiaryError) -> DiaryEntry? {
        var whole = chunk
        if chunk.offset > 0 {
            guard var started = partial, started.sequence == chunk.sequence, started.bytes.count == Int(chunk.offset) else {
                throw .badReply("a text chunk for entry \(chunk.sequence) out of order")
            }
            started.bytes += chunk.bytes
            whole = started
        }
        if whole.bytes.count < Int(whole.textLength) {
            partial = whole
            return nil
        }
        partial = nil
        guard let text = String(validating: whole.bytes, as: UTF8.self) else {
            throw .badReply("entry \(whole.sequence) is not valid UTF-8")
        }
        return DiaryEntry(sequence: whole.sequence, time: whole.time, address: whole.address, name: whole.name, text: text)
    }
}
