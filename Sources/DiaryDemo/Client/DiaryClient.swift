import Foundation
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
            candidates = try SocketAddress.addresses(
                host: configuration.host, port: configuration.port, type: .datagram)
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
    /// Each attempt has a slot (``Configuration/timeout``, doubling up to 2 s);
    /// the next attempt starts when the slot ends, whether no answer came or the
    /// send was refused (ICMP port unreachable: a server restarting), so the whole
    /// budget of retries is spread over time. A refusal first tries the host's
    /// other addresses at once (refused means not delivered, so that cannot
    /// duplicate an entry).
    /// - Throws: ``DiaryError/noAnswer(server:attempts:)`` after the last retry,
    ///   ``DiaryError/notListening(server:)`` when every attempt was refused.
    func send(_ request: RequestFrame.Request) throws(DiaryError) -> ResponseFrame.Response {
        let id = UInt64.random(in: 1...UInt64.max, using: &generator)
        let datagram = WireFormat.encode(RequestFrame(id: id, request: request))
        var wait = configuration.timeout
        let attempts = configuration.retries + 1
        var refusedAttempts = 0
        let clock = ContinuousClock()
        for attempt in 0..<attempts {
            let slotEnd = clock.now + wait
            var refusedHere = 0
            var answeredSomething = false
            while clock.now < slotEnd {
                do {
                    try socket.send(datagram)
                    if let response = try awaitResponse(id: id, until: slotEnd) { return response }
                    answeredSomething = true
                    break
                } catch {
                    guard error.errno == .connectionRefused else { throw .socket(error) }
                    refusedHere += 1
                    try useNextCandidate()
                    // Every address refused in this slot: wait for the slot to end (the server may be restarting).
                    if refusedHere >= candidates.count { break }
                }
            }
            if !answeredSomething, refusedHere > 0 { refusedAttempts += 1 }
            if attempt + 1 < attempts, clock.now < slotEnd {
                Thread.sleep(forTimeInterval: Self.seconds(slotEnd - clock.now))
            }
            wait = min(wait * 2, max(configuration.timeout, .seconds(2)))
        }
        if refusedAttempts == attempts {
            throw .notListening(server: "\(configuration.host) port \(configuration.port)")
        }
        throw .noAnswer(server: "\(server)", attempts: attempts)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
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

    /// Waits until `deadline` for the response with `id`, skipping stale and unreadable datagrams.
    private func awaitResponse(id: UInt64, until deadline: ContinuousClock.Instant) throws(SocketError) -> ResponseFrame
        .Response?
    {
        let clock = ContinuousClock()
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
            guard let frame = try? WireFormat.decodeResponse(buffer[..<received.count]), frame.id == id else {
                continue
            }
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
        case .page, .retry:
            throw .badReply("a sync reply in answer to an append")
        }
    }

    /// The most entries one ``sync()`` takes in, and the most text bytes: a
    /// hostile or broken server cannot make the client loop or grow without bound.
    static let maximumSyncEntries = 10_000_000
    static let maximumSyncBytes = 1 << 30
    /// How many `retry` frames in a row a sync accepts before giving up.
    static let maximumRetriesInARow = 3

    /// The address-validation token the server handed out (see PROTOCOL.md).
    private(set) var token: [UInt8] = []

    /// Fetches every entry added since the last sync.
    ///
    /// Every page must move the cursor forward (a page that does not is a bad
    /// reply); the entries and bytes taken in are bounded.
    /// - Returns: the new entries, in order.
    /// - Throws: ``DiaryError`` when the server does not answer or answers nonsense.
    func sync() throws(DiaryError) -> [DiaryEntry] {
        let known = entries.count
        var bytes = 0
        var retries = 0
        var emptyPages = 0
        while true {
            let response = try send(.sync(from: cursor.sequence, offset: cursor.offset, token: token))
            let page: SyncPage
            switch response {
            case .page(let received):
                page = received
                retries = 0
            case .retry(let fresh):
                retries += 1
                guard retries <= Self.maximumRetriesInARow, !fresh.isEmpty, fresh != token else {
                    throw .badReply("the server keeps asking for a new address token")
                }
                token = fresh
                continue
            case .error(_, let message):
                throw .refused(message)
            case .appended:
                throw .badReply("an append confirmation in answer to a sync")
            }
            ownAddress = page.clientAddress
            for chunk in page.chunks {
                guard chunk.sequence >= cursor.sequence else {
                    throw .badReply("a sync page with entry \(chunk.sequence) before the cursor \(cursor.sequence)")
                }
                bytes += chunk.bytes.count
                if let entry = try take(chunk) { entries.append(entry) }
            }
            if entries.count - known > Self.maximumSyncEntries || bytes > Self.maximumSyncBytes {
                throw .badReply(
                    "a sync of more than \(Self.maximumSyncEntries) entries or \(Self.maximumSyncBytes) bytes")
            }
            // A real server sends an empty page only to jump over a gap; then the next one has entries.
            emptyPages = page.chunks.isEmpty ? emptyPages + 1 : 0
            if emptyPages > 2 { throw .badReply("sync pages without entries that do not end") }
            let advanced = (page.next.sequence, page.next.offset) > (cursor.sequence, cursor.offset)
            if page.isComplete {
                if advanced { cursor = page.next }
                break
            }
            guard advanced else { throw .badReply("a sync page that does not advance") }
            cursor = page.next
        }
        return Array(entries[known...])
    }

    /// Joins a chunk to the entry in progress; returns the entry when its text is complete.
    private func take(_ chunk: EntryChunk) throws(DiaryError) -> DiaryEntry? {
        var whole = chunk
        if chunk.offset > 0 {
            guard var started = partial, started.sequence == chunk.sequence, started.bytes.count == Int(chunk.offset)
            else {
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
        return DiaryEntry(
            sequence: whole.sequence, time: whole.time, address: whole.address, name: whole.name, text: text)
    }
}
