import Testing
@testable import NetKit

/// An address on loopback where nothing listens (a socket was bound there and closed).
func closedDatagramPort(_ family: AddressFamily) throws -> SocketAddress {
    let placeholder = try DatagramSocket(
        bindingTo: family == .ipv4 ? .ipv4(.loopback, port: 0) : .ipv6(.loopback, port: 0))
    return try placeholder.localAddress
}

@Suite("Datagram semantics on IPv4 and IPv6")
struct DatagramSemanticsTests {
    static let families: [AddressFamily] = [.ipv4, .ipv6]

    static func loopback(_ family: AddressFamily) -> SocketAddress {
        family == .ipv4 ? .ipv4(.loopback, port: 0) : .ipv6(.loopback, port: 0)
    }

    @Test("a zero-length datagram is data, blocking or not", arguments: families)
    func zeroLength(family: AddressFamily) throws {
        let server = try DatagramSocket(bindingTo: Self.loopback(family))
        let client = try DatagramSocket(bindingTo: Self.loopback(family))
        try client.send([UInt8](), to: try server.localAddress)
        try client.send([UInt8](), to: try server.localAddress)
        var buffer = [UInt8](repeating: 0, count: 8)
        var items = [PollItem(server, interest: .readable)]
        #expect(try poll(&items, timeout: .seconds(5)) == 1)
        let first = try #require(try buffer.withUnsafeMutableBytes { try server.tryReceive(into: $0) })
        #expect(first.count == 0 && first.length == 0 && !first.isTruncated)
        #expect(first.sender == (try client.localAddress))
        let second = try server.receive(into: &buffer)
        #expect(second.count == 0)
        #expect(second.sender == (try client.localAddress))
    }

    @Test("truncation is reported with the full length, also when peeking and when connected", arguments: families)
    func truncation(family: AddressFamily) throws {
        let server = try DatagramSocket(bindingTo: Self.loopback(family))
        let client = try DatagramSocket(bindingTo: Self.loopback(family))
        try server.connect(to: try client.localAddress)
        let payload = (0..<3000).map { UInt8(truncatingIfNeeded: $0) }
        try client.send(payload, to: try server.localAddress)
        var small = [UInt8](repeating: 0, count: 10)
        let peeked = try server.receive(into: &small, flags: .peek)
        #expect(peeked.isTruncated && peeked.count == 10 && peeked.length == 3000)
        let cut = try small.withUnsafeMutableBytes { try server.receiveFromPeer(into: $0) }
        #expect(cut.isTruncated && cut.count == 10 && cut.length == 3000)
        #expect(small == Array(payload[..<10]))
        // The rest of a cut datagram is gone: the next receive gets the next datagram.
        try client.send(Array("next".utf8), to: try server.localAddress)
        var buffer = [UInt8](repeating: 0, count: 64)
        let next = try server.receive(into: &buffer)
        #expect(Array(buffer[..<next.count]) == Array("next".utf8))
    }

    @Test("ICMP port unreachable: .connectionRefused on the next call, then the socket is usable", arguments: families)
    func connectionRefused(family: AddressFamily) throws {
        let client = try DatagramSocket(family: family)
        try client.connect(to: try closedDatagramPort(family))
        try client.send(Array("hello?".utf8))
        // Wait (bounded) until the ICMP error is queued: poll reports it as an error.
        var items = [PollItem(client, interest: .readable)]
        #expect(try poll(&items, timeout: .seconds(5)) == 1)
        #expect(items[0].ready.contains(.error))
        var buffer = [UInt8](repeating: 0, count: 16)
        let refused = #expect(throws: SocketError.self) {
            _ = try buffer.withUnsafeMutableBytes { try client.tryReceive(into: $0) }
        }
        #expect(refused?.errno == .connectionRefused)
        // The error was consumed by that call: nothing is pending, and the socket carries on.
        #expect(try client.pendingError == nil)
        #expect(try buffer.withUnsafeMutableBytes { try client.tryReceive(into: $0) } == nil)
        let server = try DatagramSocket(bindingTo: Self.loopback(family))
        try client.connect(to: try server.localAddress)
        try client.send(Array("again".utf8))
        let datagram = try server.receive(into: &buffer)
        #expect(Array(buffer[..<datagram.count]) == Array("again".utf8))
    }

    @Test("the refusal also surfaces on a send", arguments: families)
    func refusedOnSend(family: AddressFamily) throws {
        let client = try DatagramSocket(family: family)
        try client.connect(to: try closedDatagramPort(family))
        try client.send(Array("one".utf8))
        var items = [PollItem(client, interest: .readable)]
        #expect(try poll(&items, timeout: .seconds(5)) == 1)
        let error = #expect(throws: SocketError.self) { try client.send(Array("two".utf8)) }
        #expect(error?.errno == .connectionRefused)
        #expect(error?.operation == .send)
    }

    @Test("a receive timeout gives .timedOut quickly, not a hang", arguments: families)
    func receiveTimeout(family: AddressFamily) throws {
        let socket = try DatagramSocket(bindingTo: Self.loopback(family))
        try socket.setOption(.receiveTimeout, .milliseconds(50))
        var buffer = [UInt8](repeating: 0, count: 16)
        let clock = ContinuousClock()
        let start = clock.now
        let error = #expect(throws: SocketError.self) { _ = try socket.receive(into: &buffer) }
        let elapsed = clock.now - start
        #expect(error?.isTimeout == true)
        #expect(elapsed >= .milliseconds(40) && elapsed < .seconds(2), "took \(elapsed)")
        let peer = #expect(throws: SocketError.self) {
            _ = try buffer.withUnsafeMutableBytes { try socket.receiveFromPeer(into: $0) }
        }
        #expect(peer?.isTimeout == true)
        #expect(peer?.operation == .receive)
    }

    #if DEBUG
    @Test("EINTR is retried on the connected calls too, once each, and the real call then succeeds")
    func interruptedConnected() throws {
        let server = try DatagramSocket(bindingTo: .ipv6(.loopback, port: 0))
        let client = try DatagramSocket(bindingTo: .ipv6(.loopback, port: 0))
        try client.connect(to: try server.localAddress)
        try server.connect(to: try client.localAddress)
        let driver = MockingDriver()
        driver.failNext("send", with: [.interrupted])
        driver.failNext("recv", with: [.interrupted])
        var buffer = [UInt8](repeating: 0, count: 16)
        let datagram = try MockingDriver.$current.withValue(driver) {
            try client.send(Array("eintr".utf8))
            return try buffer.withUnsafeMutableBytes { try server.receiveFromPeer(into: $0) }
        }
        #expect(datagram.count == 5)
        #expect(driver.calls == ["send", "send", "recv", "recv"])
    }
    #endif
}
