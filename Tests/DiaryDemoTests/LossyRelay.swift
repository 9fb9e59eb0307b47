import Foundation
import NetKit
import NetKitTestSupport
@testable import DiaryDemo

/// A UDP relay between diary clients and a server that drops, duplicates and
/// reorders datagrams in both directions, from a seeded generator.
///
/// Each client gets its own upstream socket, so the server sees one stable
/// source address per client, as it would without the relay.
final class LossyRelay: @unchecked Sendable {
    struct Counters {
        var forwarded = 0, dropped = 0, duplicated = 0, reordered = 0
    }

    private final class Upstream {
        let socket: DatagramSocket
        let client: SocketAddress
        init(socket: consuming DatagramSocket, client: SocketAddress) {
            self.socket = socket
            self.client = client
        }
    }

    private enum Via { case front, upstream(Upstream) }

    let address: SocketAddress
    private let front: DatagramSocket
    private let server: SocketAddress
    private let wakeSender: StreamConnection
    private let wakeReceiver: StreamConnection
    private var upstreams: [SocketAddress: Upstream] = [:]
    private var held: [(bytes: [UInt8], via: Via, to: SocketAddress)] = []
    private var generator: SeededGenerator
    private let dropRate: Double, duplicateRate: Double, reorderRate: Double
    private let lock = NSLock()
    private var counters = Counters()
    private let finished = DispatchSemaphore(value: 0)

    init(server: SocketAddress, seed: UInt64, drop: Double = 0.2, duplicate: Double = 0.1, reorder: Double = 0.15)
        throws
    {
        self.server = server
        front = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try front.setNonBlocking()
        address = try front.localAddress
        let pair = try StreamConnection.pair()
        wakeSender = pair.first
        wakeReceiver = pair.second
        generator = SeededGenerator(seed: seed)
        dropRate = drop
        duplicateRate = duplicate
        reorderRate = reorder
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.start()
    }

    /// Stops the relay thread and returns what it did.
    func stop() -> Counters {
        _ = try? [UInt8(1)].withUnsafeBytes { (raw) throws(SocketError) in try wakeSender.trySend(raw) }
        finished.wait()
        lock.lock(); defer { lock.unlock() }
        return counters
    }

    private func run() {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            var items = [PollItem(wakeReceiver, interest: .readable), PollItem(front, interest: .readable)]
            let list = Array(upstreams.values)
            for upstream in list { items.append(PollItem(upstream.socket, interest: .readable)) }
            // Held datagrams are released by the next forwarded one, or after a short while.
            guard let ready = try? poll(&items, timeout: held.isEmpty ? .seconds(5) : .milliseconds(3)) else { return }
            if !items[0].ready.isEmpty { return }
            if ready == 0 { releaseHeld(); continue }
            if !items[1].ready.isEmpty {
                while let datagram = try? front.receive(into: &buffer, flags: .dontWait), let sender = datagram.sender {
                    let upstream = upstreams[sender] ?? makeUpstream(for: sender)
                    guard let upstream else { continue }
                    forward(Array(buffer[..<datagram.count]), via: .upstream(upstream), to: server)
                }
            }
            for (offset, upstream) in list.enumerated() where !items[2 + offset].ready.isEmpty {
                while let datagram = try? upstream.socket.receive(into: &buffer, flags: .dontWait) {
                    forward(Array(buffer[..<datagram.count]), via: .front, to: upstream.client)
                }
            }
        }
    }

    private func makeUpstream(for client: SocketAddress) -> Upstream? {
        guard let socket = try? DatagramSocket(bindingTo: .ipv4(.loopback, port: 0)) else { return nil }
        let upstream = Upstream(socket: socket, client: client)
        upstreams[client] = upstream
        return upstream
    }

    private func forward(_ bytes: [UInt8], via: Via, to destination: SocketAddress) {
        let roll = Double.random(in: 0..<1, using: &generator)
        lock.lock(); defer { lock.unlock() }
        if roll < dropRate {
            counters.dropped += 1
            return
        }
        if roll < dropRate + reorderRate {
            counters.reordered += 1
            held.append((bytes, via, destination))
            return
        }
        send(bytes, via: via, to: destination)
        if roll < dropRate + reorderRate + duplicateRate {
            counters.duplicated += 1
            send(bytes, via: via, to: destination)
        }
        // Whatever was held goes out after this newer datagram: reordered.
        let late = held
        held.removeAll()
        for item in late { send(item.bytes, via: item.via, to: item.to) }
    }

    private func releaseHeld() {
        lock.lock(); defer { lock.unlock() }
        for item in held { send(item.bytes, via: item.via, to: item.to) }
        held.removeAll()
    }

    private func send(_ bytes: [UInt8], via: Via, to destination: SocketAddress) {
        counters.forwarded += 1
        switch via {
        case .front: _ = try? front.send(bytes, to: destination)
        case .upstream(let upstream): _ = try? upstream.socket.send(bytes, to: destination)
        }
    }
}
