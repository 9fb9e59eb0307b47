import Testing
import NetKit

// The README's async examples, compiled and run against real peers here so they
// stay true. Only the ports differ (ephemeral, not 9999/7777), and the loops end.

@Suite("Async sockets: the README examples", .usesManyDescriptors)
struct AsyncReadmeTests {
    @Test("the async UDP echo server")
    func udpEchoServer() async throws {
        let socket = DatagramBox(try DatagramSocket(bindingTo: .ipv4(.loopback, port: 0)))
        let address = try socket.socket.localAddress
        let server = Task { try await echo(socket.socket) }
        let client = try DatagramSocket(family: .ipv4)
        try await client.send(Array("hello".utf8), to: address)
        var reply = [UInt8](repeating: 0, count: 64)
        let datagram = try await client.receive(into: &reply, deadline: .after(.seconds(60)))
        #expect(String(decoding: reply[..<datagram.count], as: UTF8.self) == "hello")
        server.cancel()
        await #expect(throws: CancellationError.self) { try await server.value }
    }

    @Test("the async TCP echo server with serve")
    func tcpEchoServer() async throws {
        let listener = ListenerBox(try StreamListener(bindingTo: .ipv4(.loopback, port: 0)))
        let address = try listener.listener.localAddress
        let server = Task {
            try await listener.listener.serve(maximumConnections: 256) { connection, peer in
                var buffer = [UInt8](repeating: 0, count: 4096)
                while case let count = try await connection.receive(into: &buffer, deadline: .after(.seconds(60))),
                    count > 0
                {
                    try await connection.sendAll(buffer[..<count])
                }
            }
        }
        let connection = try await StreamConnection(connectingTo: address, deadline: .after(.seconds(60)))
        try await connection.sendAll(Array("hello\n".utf8))
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = try await connection.receive(into: &buffer, deadline: .after(.seconds(60)))
        #expect(Array(buffer[..<count]) == Array("hello\n".utf8))
        server.cancel()
        try await server.value
    }
}

/// The README's async UDP echo server, word for word.
func echo(_ socket: borrowing DatagramSocket) async throws {
    var buffer = [UInt8](repeating: 0, count: 2048)  // a local: see "Async sockets" on globals
    while true {
        let datagram = try await socket.receive(into: &buffer)
        try await socket.send(buffer[..<datagram.count], to: datagram.sender!)
    }
}
