// async-tcp-udp-server: TCP and UDP on the same port again, this time as tasks:
// one task echoes datagrams, `serve` runs a child task per TCP connection, and
// NetKit's IOLoop does the waiting that poll-tcp-udp-server does by hand.
import ExampleSupport
import NetKit

let options = Options(
    help: """
        usage: async-tcp-udp-server [--host ADDRESS] [--port PORT]

        Echo over UDP and TCP on the same port, with async tasks: a task for the UDP
        socket, a child task per TCP connection (compare poll-tcp-udp-server).
        Listens on 127.0.0.1:7007 unless told otherwise; --port 0 picks a free port.
        """)
Termination.exitOnSignal("async-tcp-udp-server")

/// Echoes every datagram back to its sender, forever.
func echoDatagrams(_ udp: SharedDatagramSocket) async throws {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let datagram = try await udp.socket.receive(into: &buffer)
        guard let sender = datagram.sender else { continue }
        _ = try? await udp.socket.send(buffer[..<datagram.count], to: sender)
    }
}

await runOrExit("async-tcp-udp-server") {
    let udp = SharedDatagramSocket(try DatagramSocket(bindingTo: options.address(defaultPort: 7007)))
    let address = try udp.socket.localAddress  // the port, even when 0 picked it
    let listener = try StreamListener(bindingTo: address)
    print("async-tcp-udp-server: listening on udp and tcp \(address)")
    try await withThrowingDiscardingTaskGroup { group in
        group.addTask { try await echoDatagrams(udp) }
        try await listener.serve { connection, _ in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while case let count = try await connection.receive(into: &buffer), count > 0 {
                try await connection.sendAll(buffer[..<count])
            }
        }
    }
}
