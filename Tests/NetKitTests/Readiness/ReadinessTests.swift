import Testing
@testable import NetKit
import CNetKitShims
import NetKitTestSupport

/// The course's "TCP and UDP at once": one thread, one readiness wait, a UDP echo
/// socket, a TCP listener and its connections.
final class EchoService {
    let udp: DatagramSocket
    let listener: StreamListener
    var connections: [CInt: ConnectionBox] = [:]
    var datagramsEchoed = 0
    var connectionsAccepted = 0
    var connectionsClosed = 0
    var buffer = [UInt8](repeating: 0, count: 2048)

    init() throws {
        udp = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        try udp.setNonBlocking()
        try listener.setNonBlocking()
    }

    var udpDescriptor: CInt { udp.withUnsafeDescriptor { $0 } }
    var listenerDescriptor: CInt { listener.withUnsafeDescriptor { $0 } }

    /// Serves one ready descriptor. Returns a newly accepted descriptor, or one that closed.
    enum Change { case none, accepted(CInt), closed(CInt) }

    func serve(_ descriptor: CInt) throws -> Change {
        if descriptor == udpDescriptor {
            while let datagram = try buffer.withUnsafeMutableBytes({ try udp.tryReceive(into: $0) }) {
                try udp.send(buffer[..<datagram.count], to: try #require(datagram.sender))
                datagramsEchoed += 1
            }
            return .none
        }
        if descriptor == listenerDescriptor {
            guard let accepted = try listener.tryAccept() else { return .none }
            let fd = accepted.connection.withUnsafeDescriptor { $0 }
            let connection = accepted.connection
            connections[fd] = ConnectionBox(connection)
            connectionsAccepted += 1
            return .accepted(fd)
        }
        guard let box = connections[descriptor] else { return .none }
        let count = try box.connection.receive(into: &buffer)
        if count == 0 {
            connections[descriptor] = nil  // closes it
            connectionsClosed += 1
            return .closed(descriptor)
        }
        try box.connection.sendAll(buffer[..<count])
        return .none
    }
}

/// The client half: TCP connections held open while UDP traffic flows, echoes on each.
func runEchoClients(udp: SocketAddress, tcp: SocketAddress, connections: Int) throws {
    let datagramClient = try DatagramSocket(family: .ipv4)
    try datagramClient.setOption(.receiveTimeout, .seconds(5))
    var buffer = [UInt8](repeating: 0, count: 256)
    func udpPing(_ text: String) throws {
        try datagramClient.send(Array(text.utf8), to: udp)
        let reply = try datagramClient.receive(into: &buffer)
        #expect(Array(buffer[..<reply.count]) == Array(text.utf8))
        #expect(reply.sender == udp)
    }
    var open: [ConnectionBox] = []
    for index in 0..<connections {
        let connection = try StreamConnection(connectingTo: tcp, timeout: .seconds(5))
        try connection.setOption(.receiveTimeout, .seconds(5))
        open.append(ConnectionBox(connection))
        try udpPing("udp \(index)")
    }
    for (index, box) in open.enumerated().reversed() {
        let text = Array("tcp \(index) ".utf8) + [UInt8](repeating: UInt8(index), count: 100)
        try box.connection.sendAll(text)
        var received = 0
        while received < text.count {
            let count = try box.connection.receive(into: &buffer)
            try #require(count > 0, "end of stream before the echo came back")
            #expect(Array(buffer[..<count]) == Array(text[received..<received + count]))
            received += count
        }
        try udpPing("between \(index)")
    }
    open.removeAll()  // closes every connection: the server sees end of stream
}

@Suite("Readiness: one thread serving UDP and TCP together")
struct ReadinessTests {
    static let connectionCount = 5
    static var expectedDatagrams: Int { 2 * connectionCount }

    @Test("with poll: UDP echo, TCP listener and its connections in one loop")
    func servedWithPoll() throws {
        let service = try EchoService()
        let client = BackgroundThread { [udp = try service.udp.localAddress, tcp = try service.listener.localAddress] in
            try runEchoClients(udp: udp, tcp: tcp, connections: Self.connectionCount)
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        var iterations = 0
        var items: [PollItem] = []
        while service.connectionsClosed < Self.connectionCount || service.datagramsEchoed < Self.expectedDatagrams {
            iterations += 1
            try #require(iterations < 10_000 && clock.now < deadline, "the poll loop did not finish in bounds")
            items.removeAll(keepingCapacity: true)
            items.append(PollItem(service.udp, interest: .readable))
            items.append(PollItem(service.listener, interest: .readable))
            for descriptor in service.connections.keys {
                items.append(PollItem(descriptor: descriptor, interest: .readable))
            }
            let ready = try poll(&items, timeout: .seconds(1))
            guard ready > 0 else { continue }
            for item in items where !item.ready.isEmpty {
                #expect(!item.ready.contains(.invalid))
                _ = try service.serve(item.descriptor)
            }
        }
        try client.join()
        #expect(service.connectionsAccepted == Self.connectionCount)
        #expect(service.connections.isEmpty)
    }

    #if os(Linux)
    @Test("with epoll: the same service, registered once, waited into a reused buffer")
    func servedWithEventPoller() throws {
        let service = try EchoService()
        let poller = try EventPoller()
        try poller.register(service.udp, interest: .readable, token: UInt64(service.udpDescriptor))
        try poller.register(service.listener, interest: .readable, token: UInt64(service.listenerDescriptor))
        let client = BackgroundThread { [udp = try service.udp.localAddress, tcp = try service.listener.localAddress] in
            try runEchoClients(udp: udp, tcp: tcp, connections: Self.connectionCount)
        }
        var events = [EventPoller.Event](repeating: .init(), count: 4)  // fewer than the sockets: waits report in turns
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        var iterations = 0
        while service.connectionsClosed < Self.connectionCount || service.datagramsEchoed < Self.expectedDatagrams {
            iterations += 1
            try #require(iterations < 10_000 && clock.now < deadline, "the epoll loop did not finish in bounds")
            let count = try poller.wait(into: &events, timeout: .seconds(1))
            for event in events[..<count] {
                switch try service.serve(CInt(event.token)) {
                case .accepted(let fd):
                    try poller.register(descriptor: fd, interest: [.readable, .peerClosed], token: UInt64(fd))
                case .closed, .none:
                    break  // closing a descriptor removes it from the epoll set
                }
            }
        }
        try client.join()
        #expect(service.connectionsAccepted == Self.connectionCount)
    }

    @Test("EventPoller: register, modify, one-shot, unregister, and their errors")
    func eventPollerBasics() throws {
        #expect(MemoryLayout<EventPoller.Event>.stride == MemoryLayout<epoll_event>.stride)
        let poller = try EventPoller()
        let pair = try DatagramSocket.pair()
        let a = pair.first
        let b = pair.second
        var events = [EventPoller.Event](repeating: .init(), count: 8)

        try poller.register(b, interest: [.readable, .oneShot], token: 42)
        #expect(try poller.wait(into: &events, timeout: .zero) == 0)
        try a.send(Array("x".utf8))
        #expect(try poller.wait(into: &events, timeout: .seconds(5)) == 1)
        #expect(events[0].token == 42)
        #expect(events[0].ready.contains(.readable))
        // One-shot: still readable, but not reported again until re-armed.
        #expect(try poller.wait(into: &events, timeout: .zero) == 0)
        try poller.modify(b, interest: .readable, token: 7)
        #expect(try poller.wait(into: &events, timeout: .zero) == 1)
        #expect(events[0] == EventPoller.Event(token: 7, ready: .readable))

        let twice = #expect(throws: SocketError.self) { try poller.register(b, interest: .readable, token: 1) }
        #expect(twice?.errno == Errno(rawValue: EEXIST))
        #expect(twice?.operation == .epoll)
        try poller.unregister(b)
        #expect(try poller.wait(into: &events, timeout: .zero) == 0)
        let missing = #expect(throws: SocketError.self) { try poller.unregister(b) }
        #expect(missing?.errno == .noSuchFileOrDirectory)

        var empty: [EventPoller.Event] = []
        let noRoom = #expect(throws: SocketError.self) { _ = try poller.wait(into: &empty, timeout: .zero) }
        #expect(noRoom?.errno == nil)
        let negative = #expect(throws: SocketError.self) { _ = try poller.wait(into: &events, timeout: .seconds(-1)) }
        #expect(negative?.errno == nil)
        try poller.close()
    }

    #if DEBUG
    @Test("epoll_wait retries EINTR")
    func eventPollerInterrupted() throws {
        let poller = try EventPoller()
        let pair = try StreamConnection.pair()
        try poller.register(pair.second, interest: .readable, token: 3)
        try pair.first.sendAll([1])
        var events = [EventPoller.Event](repeating: .init(), count: 2)
        let driver = MockingDriver()
        driver.failNext("epoll_wait", with: [.interrupted])
        let count = try MockingDriver.$current.withValue(driver) {
            try poller.wait(into: &events, timeout: .seconds(5))
        }
        #expect(count == 1)
        #expect(driver.calls == ["epoll_wait", "epoll_wait"])
    }
    #endif
    #endif

    @Test("poll: a zero timeout only checks; negative timeouts are refused; hangup is reported")
    func pollEdges() throws {
        let pair = try StreamConnection.pair()
        var items = [PollItem(pair.first, interest: .readable)]
        #expect(try poll(&items, timeout: .zero) == 0)
        #expect(items[0].ready.isEmpty)
        let negative = #expect(throws: SocketError.self) { try poll(&items, timeout: .milliseconds(-5)) }
        #expect(negative?.operation == .poll)
        try pair.second.close()
        #expect(try poll(&items, timeout: .seconds(5)) == 1)
        #expect(items[0].ready.contains(.readable))  // end of stream is readable
        #expect(items[0].ready.contains(.hangup))
    }
}
