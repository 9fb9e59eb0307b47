import NetKit

/// The diary server: one UDP socket and one TCP listener on the same address and
/// port, served by one `poll` loop on one thread.
///
/// Each round of the loop takes every request that is ready (up to a bound),
/// stages the appends, commits them with one `write` and one `fsync`, and only
/// then sends the acknowledgements.
final class DiaryServer {
    struct Configuration {
        var host = "127.0.0.1"
        var port: UInt16 = 9999
        var file = "diary.log"
        /// A TCP connection with no traffic either way for this long is closed.
        var idleTimeout: Duration = .seconds(300)
    }

    /// The address both sockets are bound to (with the real port when 0 was asked for).
    let address: SocketAddress
    let service: DiaryService
    private let udp: DatagramSocket
    private let listener: StreamListener
    private let wakeReceiver: StreamConnection
    /// Call ``Waker/wake()`` from any thread to stop ``run()``.
    let waker: Waker

    private var connections: [Int: TCPClient] = [:]
    private let idleTimeout: Duration
    private let clock = ContinuousClock()
    private var nextConnectionID = 0
    private let receiveBuffer: UnsafeMutableRawBufferPointer

    static let maximumConnections = 256
    static let datagramsPerRound = 256
    static let maximumLineBytes = 4 * DiaryLimits.maximumTextBytes + 64
    static let outputHighWater = 256 * 1024

    /// Opens the store and binds UDP and TCP on the same port.
    ///
    /// - Throws: ``DiaryError`` when the file is locked or unusable, the host does
    ///   not resolve, or the port is taken.
    init(configuration: Configuration) throws(DiaryError) {
        idleTimeout = configuration.idleTimeout
        let store = try DiaryStore(path: configuration.file)
        for warning in store.warnings { Console.error("warning: " + warning) }
        service = DiaryService(store: store)
        do {
            guard let resolved = try SocketAddress.addresses(host: configuration.host, port: configuration.port,
                                                             type: .datagram).first else {
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
                    // Room for bursts from many clients between two rounds (best effort; the kernel may cap it).
                    try? udp.setOption(.receiveBufferSize, 4 << 20)
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
        } catch let error as DiaryError {
            throw error
        } catch let error as SocketError {
            throw DiaryError.socket(error)
        } catch {
            throw DiaryError.storage("\(error)")
        }
        receiveBuffer = .allocate(byteCount: 65536, alignment: 16)
    }

    deinit {
        receiveBuffer.deallocate()
    }

    /// The line the server prints first: where it listens and which file it uses.
    var banner: String {
        "diary server listening on \(address) (UDP and TCP), file \(service.store.path), \(service.store.entries.count) entries"
    }

    /// Serves until ``waker`` is woken, then commits what is pending and closes.
    ///
    /// - Throws: ``DiaryError`` when the diary file cannot be written (the server
    ///   stops rather than acknowledge what is not on disk) or `poll` fails.
    func run() throws(DiaryError) {
        var items: [PollItem] = []
        var order: [Int] = []
        while true {
            items.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            items.append(PollItem(wakeReceiver, interest: .readable))
            items.append(PollItem(udp, interest: .readable))
            items.append(PollItem(listener, interest: connections.count < Self.maximumConnections ? .readable : []))
            for (id, client) in connections {
                var interest: Readiness = []
                if !client.peerClosed, client.pendingOutput < Self.outputHighWater, client.queue.count < 1024 { interest.insert(.readable) }
                if client.hasOutput { interest.insert(.writable) }
                items.append(PollItem(descriptor: client.descriptor, interest: interest))
                order.append(id)
            }
            // Wake up in time to close the connection that goes idle first.
            let oldest = connections.values.map(\.lastActivity).min()
            let timeout = oldest.map { max(.zero, $0 + idleTimeout - clock.now) }
            do {
                try poll(&items, timeout: timeout)
            } catch {
                throw .socket(error)
            }
            if !items[0].ready.isEmpty { break }
            if !items[1].ready.isEmpty { receiveDatagrams() }
            if !items[2].ready.isEmpty { acceptConnections() }
            for (offset, id) in order.enumerated() {
                let ready = items[3 + offset].ready
                guard !ready.isEmpty, let client = connections[id] else { continue }
                if ready.contains(.readable) || ready.contains(.hangup) || ready.contains(.error) { read(client, id: id) }
            }
            try finishRound()
            for id in order {
                guard let client = connections[id] else { continue }
                if client.hasOutput { write(client, id: id) } else if client.peerClosed { connections[id] = nil }
            }
            let now = clock.now
            for (id, client) in connections where now - client.lastActivity >= idleTimeout {
                connections[id] = nil
            }
        }
        try finishRound()
        for (id, client) in connections where client.hasOutput { write(client, id: id) }
        connections.removeAll()
    }

    /// Commits staged appends (one `fsync`) and hands out every ready reply.
    private func finishRound() throws(DiaryError) {
        if let failure = service.storageFailure { throw failure }
        if service.hasUncommitted { try service.commit() }
        for outgoing in service.outbox {
            switch (outgoing.destination, outgoing.payload) {
            case (.datagram(let address), .bytes(let bytes)):
                // A reply that does not fit the send buffer is dropped; the client retries.
                _ = try? bytes.withUnsafeBytes { (raw) throws(SocketError) in try udp.trySend(raw, to: address) }
            case (.stream(let id), let payload):
                connections[id]?.queue.append(payload)
            case (.datagram, .entries):
                break
            }
        }
        service.outbox.removeAll(keepingCapacity: true)
    }

    private func receiveDatagrams() {
        for _ in 0..<Self.datagramsPerRound {
            let received: ReceivedDatagram?
            do {
                received = try udp.tryReceive(into: receiveBuffer)
            } catch {
                continue   // A pending ICMP error or similar: not fatal for a server.
            }
            guard let received else { return }
            guard let sender = received.sender, !received.isTruncated else { continue }
            service.handleDatagram(UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<received.count]), from: sender)
        }
    }

    private func acceptConnections() {
        while connections.count < Self.maximumConnections {
            let accepted: AcceptedConnection?
            do {
                accepted = try listener.tryAccept()
            } catch {
                return   // EMFILE, ECONNABORTED, ...: try again next round.
            }
            guard let accepted else { return }
            let peer = accepted.peer
            let connection = accepted.connection
            guard (try? connection.setNonBlocking()) != nil else { continue }
            nextConnectionID += 1
            connections[nextConnectionID] = TCPClient(connection: connection, peer: peer, now: clock.now)
        }
    }

    private func read(_ client: TCPClient, id: Int) {
        var received = 0
        do {
            received = try client.connection.tryReceive(into: receiveBuffer) ?? -1
        } catch {
            connections[id] = nil
            return
        }
        if received < 0 { return }
        client.lastActivity = clock.now
        if received == 0 {
            client.peerClosed = true
            if !client.input.isEmpty {
                service.handleLine(client.input, connection: id, peer: client.peer)
                client.input.removeAll()
            }
            return
        }
        client.input.append(contentsOf: UnsafeRawBufferPointer(rebasing: receiveBuffer[0..<received]))
        var start = client.input.startIndex
        while let newline = client.input[start...].firstIndex(of: UInt8(ascii: "\n")) {
            service.handleLine(client.input[start..<newline], connection: id, peer: client.peer)
            start = newline + 1
        }
        client.input.removeSubrange(..<start)
        if client.input.count > Self.maximumLineBytes {
            client.output += Array("error line too long (at most \(Self.maximumLineBytes) bytes)\n".utf8)
            client.input.removeAll()
            client.peerClosed = true
        }
    }

    private func write(_ client: TCPClient, id: Int) {
        client.refill(from: service.store.entries)
        while client.hasOutput {
            let sent: Int?
            do {
                sent = try client.output[client.outputOffset...].withUnsafeBytes { (raw) throws(SocketError) in
                    try client.connection.trySend(raw)
                }
            } catch {
                connections[id] = nil
                return
            }
            guard let sent else { return }
            client.lastActivity = clock.now
            client.outputOffset += sent
            client.refill(from: service.store.entries)
        }
        if client.peerClosed { connections[id] = nil }
    }
}
