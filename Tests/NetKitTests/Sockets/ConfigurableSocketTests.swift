import Foundation
import Testing
import NetKitTestSupport
@testable import NetKit
import CNetKitShims

/// Sockets a user can configure before bind, listen and connect, and keep.
@Suite("Configurable sockets: options before bind/listen/connect, keeping connections")
struct ConfigurableSocketTests {
    // MARK: Options before bind and listen

    @Test("two listeners share a port with reusePort, and the kernel spreads connections over both")
    func reusePortSharesAPort() throws {
        let first = try StreamListener(family: .ipv4)
        try first.setOption(.reusePort, true)
        try first.bind(to: .ipv4(.loopback, port: 0))
        try first.listen()
        let address = try first.localAddress
        let second = try StreamListener(family: .ipv4)
        try second.setOption(.reusePort, true)
        try second.bind(to: address)
        try second.listen()
        #expect(try second.localAddress == address)

        // Without reusePort the same bind fails, as before.
        let third = try StreamListener(family: .ipv4)
        let refused = #expect(throws: SocketError.self) { try third.bind(to: address) }
        #expect(refused?.errno == .addressInUse)

        var clients = ConnectionTable()
        for _ in 0..<32 { clients.insert(try StreamConnection(connectingTo: address, timeout: .seconds(5))) }
        // Every handshake has completed: the connections wait in the two accept queues.
        var counts = [0, 0]
        for _ in 0..<64 where counts[0] + counts[1] < 32 {
            if try first.tryAccept() != nil { counts[0] += 1 }
            if try second.tryAccept() != nil { counts[1] += 1 }
        }
        #expect(counts[0] + counts[1] == 32)
        #expect(counts[0] > 0 && counts[1] > 0, "one listener got every connection: \(counts)")
    }

    @Test("ipv6Only set before bind lets an IPv4 listener take the same port")
    func ipv6OnlyBeforeListen() throws {
        let v6 = try StreamListener(family: .ipv6)
        try v6.setOption(.ipv6Only, true)
        try v6.setOption(.receiveBufferSize, 1 << 16)
        try v6.bind(to: .ipv6(.any, port: 0))
        try v6.listen(backlog: 8)
        #expect(try v6.isListening)
        #expect(try v6.option(.ipv6Only))
        let port = try #require(try v6.localAddress.port)
        // A dual-stack [::] listener would own the IPv4 port too.
        let v4 = try StreamListener(bindingTo: .ipv4(.any, port: port))
        #expect(try v4.localAddress.port == port)
    }

    @Test("a client bound to a chosen source address before connect")
    func clientBoundToSource() throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        let source = SocketAddress.ipv4(IPv4Address(127, 0, 0, 2), port: 0)
        let client = try StreamConnection(connectingTo: listener.localAddress, from: source, timeout: .seconds(5))
        let accepted = try listener.accept()
        #expect(accepted.peer.ipAddress == .v4(IPv4Address(127, 0, 0, 2)))
        #expect(try client.localAddress == accepted.peer)

        // The same in steps, with an option set before the handshake.
        let stepwise = try StreamConnection(family: .ipv4)
        try stepwise.setOption(.noDelay, true)
        try stepwise.bind(to: .ipv4(IPv4Address(127, 0, 0, 3), port: 0))
        try stepwise.connect(to: listener.localAddress)
        #expect(try listener.accept().peer.ipAddress == .v4(IPv4Address(127, 0, 0, 3)))
        #expect(try stepwise.option(.noDelay))
    }

    // MARK: Keeping connections

    @Test("let c = try listener.accept().connection compiles and works")
    func acceptConnectionInOneLine() throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        let client = try StreamConnection(connectingTo: listener.localAddress)
        let c = try listener.accept().connection
        try client.sendAll([1, 2, 3])
        #expect(try c.receive(maxCount: 8) == [1, 2, 3])
        #expect(try c.remoteAddress == (try client.localAddress))
    }

    @Test("a ConnectionTable keeps many connections for a poll loop without a class box")
    func connectionTable() throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        var clients = ConnectionTable()
        var servers = ConnectionTable()
        for _ in 0..<5 {
            clients.insert(try StreamConnection(connectingTo: listener.localAddress))
            servers.insert(try listener.accept().connection)
        }
        #expect(servers.count == 5 && clients.count == 5)
        // One client speaks; poll over the server table finds exactly that one.
        let speaker = try #require(clients.keys.first)
        _ = try clients.withConnection(speaker) { (connection) throws(SocketError) in try connection.sendAll([42]) }
        var (items, keys) = servers.pollItems(interest: .readable)
        #expect(try poll(&items, timeout: .seconds(5)) == 1)
        let readyKey = try #require(zip(items, keys).first { $0.0.ready.contains(.readable) }?.1)
        let bytes = try servers.withConnection(readyKey) { (connection) throws(SocketError) in
            try connection.receive(maxCount: 4)
        }
        #expect(bytes == [42])
        // Removing hands the connection back; a removed key finds nothing.
        guard let removed = servers.remove(readyKey) else {
            Issue.record("remove found nothing")
            return
        }
        try removed.close()
        #expect(servers.count == 4)
        let again = servers.remove(readyKey)
        let foundAgain = again != nil
        #expect(!foundAgain)
        #expect(servers.descriptor(for: readyKey) == nil)
        #expect(servers.withConnection(readyKey) { _ in 1 } == nil)
    }

    // MARK: Unix socket files

    @Test("bind(to:removingStaleFile:) replaces a socket file nobody listens on, never a live one or another file")
    func staleUnixSocketFile() throws {
        let directory = try TemporaryDirectory()
        let address = try directory.socketAddress("server.sock")
        let path = directory.path + "/server.sock"
        let live = try StreamListener(bindingTo: address)
        let second = try StreamListener(family: .unix)
        let inUse = #expect(throws: SocketError.self) { try second.bind(to: address, removingStaleFile: true) }
        #expect(inUse?.errno == .addressInUse, "a live listener's file must not be removed")
        // Closed without removing its file, as a crashed server leaves it: stale.
        try live.close()
        #expect(FileManager.default.fileExists(atPath: path))
        let plain = #expect(throws: SocketError.self) { try second.bind(to: address) }
        #expect(plain?.errno == .addressInUse)
        try second.bind(to: address, removingStaleFile: true)
        try second.listen()
        let client = try StreamConnection(connectingTo: address)
        try client.sendAll([7])
        #expect(try second.accept().connection.receive(maxCount: 4) == [7])
        // Closing can remove the file too.
        try second.close(removingSocketFile: true)
        #expect(!FileManager.default.fileExists(atPath: path))

        // A file that is not a socket is never removed.
        let other = directory.path + "/plain.txt"
        #expect(FileManager.default.createFile(atPath: other, contents: Data([1])))
        let third = try StreamListener(family: .unix)
        let notASocket = #expect(throws: SocketError.self) {
            try third.bind(to: .unix(try UnixSocketPath(other)), removingStaleFile: true)
        }
        #expect(notASocket?.errno == .addressInUse)
        #expect(FileManager.default.fileExists(atPath: other))
    }
}

@Suite("Accepted connections: handles share one descriptor safely")
struct AcceptedHandleTests {
    @Test("closing one handle shuts the connection down, and the descriptor stays reserved while another handle lives")
    func closingOneHandle() throws {
        let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
        let client = try StreamConnection(connectingTo: try listener.localAddress)
        let accepted = try listener.accept()
        let first = accepted.connection
        let second = accepted.connection
        let number = second.unsafeDescriptor
        try first.close()
        // The peer sees end of stream at once.
        var buffer = [UInt8](repeating: 0, count: 8)
        #expect(try client.receive(into: &buffer) == 0)
        // The number is not free while `second` and `accepted` hold it: a new socket gets another one.
        let fresh = try DatagramSocket(family: .ipv4)
        #expect(fresh.unsafeDescriptor != number)
        // The remaining handle fails cleanly instead of reaching another socket.
        #expect(throws: SocketError.self) { try second.sendAll(Array("late".utf8)) }
    }
}
