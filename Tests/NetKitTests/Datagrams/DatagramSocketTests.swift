import Testing
@testable import NetKit

@Suite("Datagram sockets on loopback")
struct DatagramSocketTests {
    static let families: [SocketAddress] = [.ipv4(.loopback, port: 0), .ipv6(.loopback, port: 0)]

    @Test("a datagram goes out and comes back with its sender", arguments: families)
    func roundTrip(any: SocketAddress) throws {
        let server = try DatagramSocket(bindingTo: any)
        let client = try DatagramSocket(bindingTo: any)
        let serverAddress = try server.localAddress
        #expect(serverAddress.port != 0)
        let sent = try client.send(Array("hello".utf8), to: serverAddress)
        #expect(sent == 5)
        var buffer = [UInt8](repeating: 0, count: 64)
        let datagram = try server.receive(into: &buffer)
        #expect(datagram.count == 5)
        #expect(!datagram.isTruncated)
        #expect(Array(buffer[..<5]) == Array("hello".utf8))
        #expect(datagram.sender == (try client.localAddress))
    }

    @Test("a zero-length datagram is data, with its sender")
    func zeroLength() throws {
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let client = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try client.send([UInt8](), to: try server.localAddress)
        var buffer = [UInt8](repeating: 0, count: 16)
        let datagram = try server.receive(into: &buffer)
        #expect(datagram.count == 0)
        #expect(datagram.length == 0)
        #expect(datagram.sender == (try client.localAddress))
    }

    @Test("a datagram larger than the buffer is reported as truncated with its full length")
    func truncation() throws {
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let client = try DatagramSocket(family: .ipv4)
        try client.send([UInt8](repeating: 7, count: 1000), to: try server.localAddress)
        var buffer = [UInt8](repeating: 0, count: 100)
        let datagram = try server.receive(into: &buffer)
        #expect(datagram.isTruncated)
        #expect(datagram.count == 100)
        #expect(datagram.length == 1000)
    }

    @Test("ICMP port unreachable on a connected socket is .connectionRefused, and the socket stays usable")
    func connectionRefused() throws {
        let closedPort: SocketAddress
        do {
            let placeholder = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
            closedPort = try placeholder.localAddress
        }
        let client = try DatagramSocket(family: .ipv4)
        try client.connect(to: closedPort)
        try client.send(Array("ping".utf8))
        var buffer = [UInt8](repeating: 0, count: 16)
        try client.setOption(.receiveTimeout, .seconds(5))
        #expect {
            _ = try buffer.withUnsafeMutableBytes { try client.receiveFromPeer(into: $0) }
        } throws: { error in
            (error as? SocketError)?.errno == .connectionRefused
        }
        // Still usable: reconnect to a live peer and talk.
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try client.connect(to: try server.localAddress)
        try client.send(Array("again".utf8))
        let datagram = try server.receive(into: &buffer)
        #expect(datagram.count == 5)
    }

    @Test("a receive timeout gives a typed .timedOut, not a hang")
    func receiveTimeout() throws {
        let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        try socket.setOption(.receiveTimeout, .milliseconds(50))
        var buffer = [UInt8](repeating: 0, count: 16)
        let error = #expect(throws: SocketError.self) { try socket.receive(into: &buffer) }
        #expect(error?.errno == .timedOut)
        #expect(error?.operation == .receiveFrom)
    }

    @Test("tryReceive returns nil when nothing is queued")
    func wouldBlock() throws {
        let socket = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        var buffer = [UInt8](repeating: 0, count: 16)
        let result = try buffer.withUnsafeMutableBytes { try socket.tryReceive(into: $0) }
        #expect(result == nil)
    }

    #if DEBUG
    @Test("EINTR is retried, other errors surface typed")
    func interruptedIsRetried() throws {
        let server = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let client = try DatagramSocket(family: .ipv4)
        let driver = MockingDriver()
        driver.failNext("sendto", with: [.interrupted, .interrupted])
        driver.failNext("recvfrom", with: [.interrupted])
        var buffer = [UInt8](repeating: 0, count: 16)
        let datagram = try MockingDriver.$current.withValue(driver) {
            try client.send(Array("x".utf8), to: try server.localAddress)
            return try server.receive(into: &buffer)
        }
        #expect(datagram.count == 1)
        #expect(driver.calls.filter { $0 == "sendto" }.count == 3)
        #expect(driver.calls.filter { $0 == "recvfrom" }.count == 2)

        let failing = MockingDriver()
        failing.failNext("sendto", with: [.noBufferSpace])
        let error = #expect(throws: SocketError.self) {
            try MockingDriver.$current.withValue(failing) {
                try client.send(Array("x".utf8), to: .ipv4(.loopback, port: 9))
            }
        }
        #expect(error?.errno == .noBufferSpace)
        #expect(error?.description.hasPrefix("sendto(127.0.0.1:9) failed: ") == true)
    }
    #endif

    @Test("binding a taken address is .addressInUse with the address in the message")
    func addressInUse() throws {
        let first = try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0))
        let taken = try first.localAddress
        let error = #expect(throws: SocketError.self) { _ = try DatagramSocket(bindingTo: taken) }
        #expect(error?.errno == .addressInUse)
        #expect(error?.description == "bind(\(taken)) failed: Address already in use (EADDRINUSE)")
    }
}
