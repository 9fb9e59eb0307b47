import Testing
@testable import NetKit

@Suite("Stream sockets on loopback")
struct StreamSocketTests {
    @Test(
        "connect, accept, echo, end of stream",
        arguments: [SocketAddress.ipv4(.loopback, port: 0), .ipv6(.loopback, port: 0)])
    func echo(any: SocketAddress) throws {
        let listener = try StreamListener(bindingTo: any)
        let client = try StreamConnection(connectingTo: try listener.localAddress, timeout: .seconds(5))
        let accepted = try listener.accept()
        #expect(accepted.peer == (try client.localAddress))
        let server = accepted.connection
        try client.sendAll(Array("ping".utf8))
        var buffer = [UInt8](repeating: 0, count: 16)
        let count = try server.receive(into: &buffer)
        #expect(Array(buffer[..<count]) == Array("ping".utf8))
        try client.shutdown(.write)
        #expect(try server.receive(into: &buffer) == 0)
    }

    @Test("connecting to a closed port is .connectionRefused")
    func refused() throws {
        let port: SocketAddress
        do {
            let listener = try StreamListener(bindingTo: .ipv4(.loopback, port: 0))
            port = try listener.localAddress
        }
        for timeout in [nil, Duration.seconds(5)] {
            let error = #expect(throws: SocketError.self) {
                _ = try StreamConnection(connectingTo: port, timeout: timeout)
            }
            #expect(error?.errno == .connectionRefused)
            #expect(error?.operation == .connect)
        }
    }
}
