#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import NetKit

/// The diary server: one UDP socket and one TCP listener on the same address and
/// port, served by one `poll` loop on one thread.
///
/// Each round of the loop takes a bounded share of work from every source (at
/// most ``datagramsPerRound`` datagrams, one read and ``linesPerTurn`` lines per
/// connection, a share of ``sendBudgetPerRound`` bytes sent per connection), stages the
/// appends, commits them with one `write` and one `fsync`, and only then sends
/// the acknowledgements. No client can hold the loop for longer than its turn.
final class DiaryServer {
    struct Configuration {
        var host = "127.0.0.1"
        var port: UInt16 = 9999
        var file = Arguments.defaultDiaryFile
        /// A TCP connection with no traffic either way for this long is closed.
        var idleTimeout: Duration = .seconds(300)
        /// A TCP line must be complete this long after its first byte arrived.
        var lineTimeout: Duration = .seconds(10)
        /// A TCP connection whose output has not moved for this long is closed.
        var sendTimeout: Duration = .seconds(10)
        /// The most TCP connections at once.
        var maximumConnections = 256
        /// The most TCP connections from one host at once.
        var connectionsPerHost = 32
        /// A full server makes room for a newcomer by closing the connection idle
        /// longest, if it has been idle at least this long.
        var evictableIdle: Duration = .zero
        /// The largest the diary file may grow.
        var maximumBytes = DiaryStore.defaultMaximumBytes
        /// Bytes of entries each host may append per second; 0 for no limit.
        var appendBytesPerSecond = DiaryService.defaultAppendBytesPerSecond
        /// UDP datagrams handled per second from each host while the server is behind (the rest
        /// are dropped unread); 0 for no limit.
        var requestsPerSecond = DiaryService.defaultRequestsPerSecond
    }

    /// The address both sockets are bound to (with the real port when 0 was asked for).
    let address: SocketAddress
    let service: DiaryService
    let configuration: Configuration
    private let udp: DatagramSocket
    private let listener: StreamListener
    private let wakeReceiver: StreamConnection
    /// Call ``Waker/wake()`` from any thread to stop ``run()``.
    let waker: Waker

    private var connections: [Int: TCPClient] = [:]
    private var connectionsByHost: [String: Int] = [:]
    private let clock = ContinuousClock()
    private var nextConnectionID = 0
    private let receiveBuffer: UnsafeMutableRawBufferPointer
    /// Datagrams are taken 32 at a time (`recvmmsg`); each buffer holds the largest valid request.
    private var datagrams: DatagramBatch
    /// Replies to datagrams, sent 64 at a time (`sendmmsg`).
    private var replies: DatagramBatch
    /// A descriptor held in reserve: closed to accept (and drop) one connection when out of descriptors.
    private var spareDescriptor: CInt = -1
    /// When the listener is polled again after running out of descriptors.
    private var listenerPausedUntil: ContinuousClock.Instant?
    /// How many accepts failed for lack of descriptors (for tests and the log).
    private(set) var descriptorShortages = 0

    static let datagramsPerRound = 1024
    static let acceptsPerRound = 64
    static let linesPerTurn = 64
    /// Bytes sent per round to all connections together, shared among those with output
    /// (each gets at least ``minimumSendPerTurn``): many slow readers cannot make a round long.
    static let sendBudgetPerRound = 1024 * 1024
    static let minimumSendPerTurn = 8 * 1024
    static let maximumSendPerTurn = 256 * 1024
    /// The kernel send buffer of each connection (no autotuning to megabytes per never-reading client).
    static let connectionSendBuffer = 256 * 1024
    static let queuedRepliesPerConnection = 16
    static let maximumLineBytes = 4 * DiaryLimits.maximumTextBytes + 64
    /// How long the listener rests after an accept failed for lack of descriptors.
    static let acceptPause: Duration = .milliseconds(100)

    /// Opens the store and binds UDP and TCP on the same port.
    ///
    /// - Throws: ``DiaryError`` when the file is locked or unusable, the host does
    ///   not resolve, or the port is taken.
    init(configuration: Configuration) throws(DiaryError) {
        self.configuration = configuration
        if configuration.file == Arguments.defaultDiaryFile {
            // The default lives in a per-user directory that may not exist yet (private to the user).
            let directory = URL(fileURLWithPath: configuration.file).deletingLastPathComponent().path
            try? FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700])
        }
        let store = try DiaryStore(path: configuration.file, maximumBytes: configuration.maximumBytes)
        for warning in store.warnings { Console.error("warning: " + warning) }
        service = DiaryService(
            store: store, appendBytesPerSecond: configuration.appendBytesPerSecond,
            requestsPerSecond: configuration.requestsPerSecond)
        do {
            guard
                let resolved = try SocketAddress.addresses(
                    host: configuration.host, port: configuration.port,
                    type: .datagram
                ).first
            else {
                throw DiaryError.usage("cannot resolve \(configuration.host)")
            }
            var attempt = 0
            while true {
                attempt += 1
                let udp = try DatagramSocket(bindingTo: resolved)
                let bound = try udp.localAddress
                do {
                    let listener = try StreamListener(bindingTo: bound)
                    try udp.setNonBlocking()
                    try listener.setNonBlocking()
                    Self.enlargeReceiveQueue(of: udp)
                    self.udp = udp
                    self.listener = listener
                    self.address = bound
                    break
                } catch {
                    // With port 0 the kernel may hand UDP a port TCP already uses; try another.
                    guard configuration.port == 0, error.errno == .addressInUse, attempt < 20 else { throw error }
                }
            }
            let pair = try StreamConnection.pair()
            let sender = pair.first
            let receiver = pair.second
            try receiver.setNonBlocking()
            wakeReceiver = receiver
            waker = Waker(sender: sender)
            datagrams = try DatagramBatch(capacity: 32, bufferSize: 8192)
            replies = try DatagramBatch(capacity: 64, bufferSize: DiaryLimits.maximumPageBytes)
        } catch let error as DiaryError {
            throw error
        } catch let error as SocketError {
            throw DiaryError.socket(error)
        } catch {
            throw DiaryError.storage("\(error)")
        }
        receiveBuffer = .allocate(byteCount: 65536, alignment: 16)
        spareDescriptor = (try? FileCalls.system_open("/dev/null", flags: O_RDONLY)) ?? -1
    }

    /// The UDP receive queue the server asks for: what a flood from one host fills while the
    /// server waits for the CPU (a normal request behind it is not lost, only delayed).
    static let receiveQueueBytes = 32 << 20

    /// Asks for ``receiveQueueBytes`` of receive queue: with `SO_RCVBUFFORCE` where the process
    /// may (root, or `CAP_NET_ADMIN`), else `SO_RCVBUF`, which the kernel caps at
    /// `net.core.rmem_max`. Best effort: the size only changes how long a flood can go on
    /// while the server is off the CPU before requests are dropped.
    private static func enlargeReceiveQueue(of socket: borrowing DatagramSocket) {
        #if os(Linux)
        let forced = SocketOption<Int>(level: SOL_SOCKET, name: SO_RCVBUFFORCE)
        if (try? socket.setOption(forced, receiveQueueBytes)) != nil { return }
        #endif
        try? socket.setOption(.receiveBufferSize, receiveQueueBytes)
    }

    deinit {
        receiveBuffer.deallocate()
        if spareDescriptor >= 0 { FileCalls.system_close(spareDescriptor) }
    }

    /// The line the server prints first: where it listens and which file it uses.
    var banner: String {
        "diary server listening on \(address) (UDP and TCP), file \(service.store.path), \(service.store.count) entries"
    }

    /// Serves until ``waker`` is woken, then commits what is pending and closes.
    ///
    /// Storage failures do not stop it: appends are refused with the reason
    /// (and tried again later), syncs go on. - Throws: ``DiaryError`` when `poll` fails.
    func run() throws(DiaryError) {
        var items: [PollItem] = []
        var order: [Int] = []
        while true {
            let now = clock.now
            items.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            items.append(PollItem(wakeReceiver, interest: .readable))
            items.append(PollItem(udp, interest: .readable))
            if let until = listenerPausedUntil, now >= until { listenerPausedUntil = nil }
            items.append(PollItem(listener, interest: listenerPausedUntil == nil ? .readable : []))
            var deadline = listenerPausedUntil
            func sooner(_ instant: ContinuousClock.Instant) {
                if deadline.map({ instant < $0 }) ?? true { deadline = instant }
            }
            for (id, client) in connections {
                var interest: Readiness = []
                if wantsInput(client) { interest.insert(.readable) }
                if client.hasOutput {
                    interest.insert(.writable)
                    sooner(client.lastSendProgress + configuration.sendTimeout)
                }
                if client.hasPendingLines { sooner(now) }
                if let since = client.partialLineSince { sooner(since + configuration.lineTimeout) }
                sooner(client.lastActivity + configuration.idleTimeout)
                items.append(PollItem(descriptor: client.descriptor, interest: interest))
                order.append(id)
            }
            do {
                try poll(&items, timeout: deadline.map { max(.zero, $0 - clock.now) })
            } catch {
                throw .socket(error)
            }
            if !items[0].ready.isEmpty { break }
            if !items[1].ready.isEmpty { receiveDatagrams() }
            if !items[2].ready.isEmpty { acceptConnections() }
            for (offset, id) in order.enumerated() {
                guard let client = connections[id] else { continue }
                let ready = items[3 + offset].ready
                if ready.contains(.readable) || ready.contains(.hangup) || ready.contains(.error) {
                    guard read(client, id: id) else { continue }
                }
                if client.hasPendingLines || client.inputStart < client.input.count { handleLines(client, id: id) }
            }
            finishRound()
            let writers = order.reduce(0) { count, id in count + (connections[id]?.hasOutput == true ? 1 : 0) }
            let share = min(
                Self.maximumSendPerTurn, max(Self.minimumSendPerTurn, Self.sendBudgetPerRound / max(writers, 1)))
            for id in order {
                guard let client = connections[id] else { continue }
                if client.hasOutput {
                    write(client, id: id, budget: share)
                } else if client.peerClosed, !client.hasPendingLines {
                    close(id)
                }
            }
            closeExpired()
        }
        finishRound()
        for (id, client) in connections where client.hasOutput {
            write(client, id: id, budget: Self.maximumSendPerTurn)
        }
        for id in Array(connections.keys) { close(id) }
    }

    /// Whether to read more from `client` now: not while it has lines waiting or
    /// output it has not taken (it cannot make the server buffer without bound).
    private func wantsInput(_ client: TCPClient) -> Bool {
        !client.peerClosed && !client.hasPendingLines && client.pendingOutput < TCPClient.outputChunk
            && client.queue.count < Self.queuedRepliesPerConnection
    }

    /// Commits staged appends (one `fsync`) and hands out every ready reply.
    private func finishRound() {
        if service.hasUncommitted { service.commit() }
        for outgoing in service.outbox {
            switch (outgoing.destination, outgoing.payload) {
            case (.datagram(let address), .bytes(let bytes)):
                if !bytes.withUnsafeBytes({ replies.append($0, to: address) }) {
                    sendReplies()
                    _ = bytes.withUnsafeBytes { replies.append($0, to: address) }
                }
            case (.stream(let id), let payload):
                guard let client = connections[id] else { continue }
                if !client.hasOutput { client.lastSendProgress = clock.now }
                client.queue.append(payload)
            case (.datagram, .entries):
                break
            }
        }
        service.outbox.removeAll(keepingCapacity: true)
        sendReplies()
    }

    /// Sends the staged datagram replies; what does not fit the send buffer is dropped (the client retries).
    private func sendReplies() {
        guard replies.count > 0 else { return }
        _ = try? udp.send(replies)
        replies.removeAll()
    }

    private func receiveDatagrams() {
        var taken = 0
        while taken < Self.datagramsPerRound {
            let count: Int?
            do {
                count = try udp.tryReceive(into: &datagrams)
            } catch {
                taken += 1
                continue  // A pending ICMP error or similar: not fatal for a server.
            }
            guard let count, count > 0 else { return }
            taken += count
            // A full batch: more were waiting than one call takes, so the server is not keeping up.
            if count == datagrams.capacity { service.noteDatagramBacklog() }
            for index in 0..<count {
                // Longer than any valid request (8 KiB): dropped.
                guard let sender = datagrams.sender(at: index), !datagrams.isTruncated(at: index) else { continue }
                datagrams.withBytes(at: index) { bytes in service.handleDatagram(bytes, from: sender) }
            }
        }
    }

    private func acceptConnections() {
        for _ in 0..<Self.acceptsPerRound {
            let accepted: AcceptedConnection?
            do {
                accepted = try listener.tryAccept()
            } catch {
                if let errno = error.errno,
                    [Errno.tooManyOpenFiles, Errno(rawValue: ENFILE), .noBufferSpace, .noMemory].contains(errno)
                {
                    shedOneConnection()
                }
                return  // ECONNABORTED and the like: try again next round.
            }
            guard let accepted else { return }
            let peer = accepted.peer
            let connection = accepted.connection
            guard (try? connection.setNonBlocking()) != nil else { continue }
            try? connection.setOption(.sendBufferSize, Self.connectionSendBuffer)
            let client = TCPClient(connection: connection, peer: peer, now: clock.now)
            guard admit(client) else { continue }  // Dropping `client` closes the connection.
            nextConnectionID += 1
            connections[nextConnectionID] = client
            connectionsByHost[client.host, default: 0] += 1
        }
    }

    /// Out of descriptors: stop polling the listener for ``acceptPause`` (no busy
    /// loop of failing accepts), and use the spare descriptor to accept one waiting
    /// connection and close it at once, so its client hears "closed" instead of hanging.
    private func shedOneConnection() {
        descriptorShortages += 1
        listenerPausedUntil = clock.now + Self.acceptPause
        guard spareDescriptor >= 0 else { return }
        FileCalls.system_close(spareDescriptor)
        spareDescriptor = -1
        if let accepted = try? listener.tryAccept() { _ = accepted }
        spareDescriptor = (try? FileCalls.system_open("/dev/null", flags: O_RDONLY)) ?? -1
    }

    /// Whether a new connection may stay: at most ``Configuration/connectionsPerHost``
    /// from its host; when the server is full, the connection idle longest makes room
    /// (if it has been idle for ``Configuration/evictableIdle``), otherwise the newcomer is refused.
    private func admit(_ client: TCPClient) -> Bool {
        if connectionsByHost[client.host, default: 0] >= configuration.connectionsPerHost {
            refuse(client, "error too many connections from \(client.host)\n")
            return false
        }
        guard connections.count >= configuration.maximumConnections else { return true }
        let now = clock.now
        guard let (oldest, victim) = connections.min(by: { $0.value.lastActivity < $1.value.lastActivity }),
            now - victim.lastActivity >= configuration.evictableIdle
        else {
            refuse(client, "error the server is full; try again later\n")
            return false
        }
        close(oldest, resettingUnsentOutput: true)
        return true
    }

    private func refuse(_ client: TCPClient, _ message: String) {
        let bytes = Array(message.utf8)
        _ = try? bytes.withUnsafeBytes { (raw) throws(SocketError) in try client.connection.trySend(raw) }
    }

    /// Closes connection `id`. An evicted or expired connection that still has output waiting
    /// is reset, so the kernel does not keep an orphan that holds its send buffer until its own
    /// retries give up; at shutdown and after the peer's end of stream, output is still delivered.
    private func close(_ id: Int, resettingUnsentOutput: Bool = false) {
        guard let client = connections.removeValue(forKey: id) else { return }
        if resettingUnsentOutput, client.hasOutput { try? client.connection.setOption(.linger, .reset) }
        let left = (connectionsByHost[client.host] ?? 1) - 1
        connectionsByHost[client.host] = left > 0 ? left : nil
    }

    /// Closes connections idle too long, with a line begun too long ago, or whose output has not moved.
    private func closeExpired() {
        let now = clock.now
        var expired: [Int] = []
        for (id, client) in connections {
            if now - client.lastActivity >= configuration.idleTimeout
                || client.partialLineSince.map({ now - $0 >= configuration.lineTimeout }) ?? false
                || (client.hasOutput && now - client.lastSendProgress >= configuration.sendTimeout)
            {
                expired.append(id)
            }
        }
        for id in expired {
            if let client = connections[id], client.partialLineSince != nil, !client.hasOutput {
                refuse(client, "error line not finished within \(configuration.lineTimeout)\n")
            }
            close(id, resettingUnsentOutput: true)
        }
    }

    /// One read (at most 64 KiB); `false` when the connection was closed.
    private func read(_ client: TCPClient, id: Int) -> Bool {
        guard wantsInput(client) else { return true }
        var received = 0
        do {
            received = try client.connection.tryReceive(into: receiveBuffer) ?? -1
        } catch {
            close(id)
            return false
        }
        if received < 0 { return true }
        let now = clock.now
        client.lastActivity = now
        if received == 0 {
            client.peerClosed = true
            client.partialLineSince = nil
            return true
        }
        if client.inputStart == client.input.count { client.partialLineSince = now }
        client.input.append(contentsOf: UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<received]))
        return true
    }

    /// Handles at most ``linesPerTurn`` complete lines; the rest wait for the next round.
    private func handleLines(_ client: TCPClient, id: Int) {
        var handled = 0
        while handled < Self.linesPerTurn,
            let newline = client.input[client.inputStart...].firstIndex(of: UInt8(ascii: "\n"))
        {
            service.handleLine(client.input[client.inputStart..<newline], connection: id, peer: client.peer)
            client.inputStart = newline + 1
            handled += 1
        }
        client.hasPendingLines =
            handled == Self.linesPerTurn
            && client.input[client.inputStart...].contains(UInt8(ascii: "\n"))
        if client.inputStart == client.input.count || client.inputStart >= 32 * 1024 {
            client.input.removeSubrange(..<client.inputStart)
            client.inputStart = 0
        }
        let partial = client.input.count - client.inputStart
        if partial == 0 {
            client.partialLineSince = nil
        } else if handled > 0, !client.hasPendingLines {
            client.partialLineSince = clock.now  // A new line began in this read.
        }
        if client.peerClosed, partial > 0, !client.hasPendingLines {
            // The last line, without its newline.
            service.handleLine(client.input[client.inputStart...], connection: id, peer: client.peer)
            client.input.removeAll()
            client.inputStart = 0
            client.partialLineSince = nil
        } else if partial > Self.maximumLineBytes, !client.hasPendingLines {
            client.queue.append(.bytes(Array("error line too long (at most \(Self.maximumLineBytes) bytes)\n".utf8)))
            client.input.removeAll()
            client.inputStart = 0
            client.partialLineSince = nil
            client.peerClosed = true
        }
    }

    /// Sends at most `budget` bytes, then lets the others have their turn.
    private func write(_ client: TCPClient, id: Int, budget: Int) {
        let store = service.store
        client.refill(from: store)
        var sent = 0
        while client.hasOutput, sent < budget {
            let end = min(client.output.count, client.outputOffset + budget - sent)
            let count: Int?
            do {
                count = try client.output[client.outputOffset..<end].withUnsafeBytes { (raw) throws(SocketError) in
                    try client.connection.trySend(raw)
                }
            } catch {
                close(id)
                return
            }
            guard let count else { return }
            let now = clock.now
            client.lastActivity = now
            client.lastSendProgress = now
            client.outputOffset += count
            sent += count
            client.refill(from: store)
        }
        if client.peerClosed, !client.hasOutput { close(id) }
    }
}
