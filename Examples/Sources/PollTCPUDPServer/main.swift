// poll-tcp-udp-server: the course's "TCP and UDP at once with select": one
// thread, one poll(2) loop over a UDP socket, a TCP listener and its connections,
// all on the same port, echoing on both. Nothing blocks: a TCP client that stops
// reading only stops its own echo (the loop stops reading from it until its
// pending bytes are sent), never the others.
import ExampleSupport
import NetKit

let options = Options(
    help: """
        usage: poll-tcp-udp-server [--host ADDRESS] [--port PORT]

        Echo over UDP and TCP on the same port, from one thread with one poll loop
        (the course's select pattern). UDP datagrams are sent back to their sender;
        TCP bytes are sent back on their connection.
        Listens on 127.0.0.1:7007 unless told otherwise; --port 0 picks a free port.
        """)
Termination.exitOnSignal("poll-tcp-udp-server")

/// A TCP client and the echo bytes it has not taken yet.
final class Client {
    let connection: StreamConnection
    var pending: [UInt8] = []
    init(_ connection: consuming StreamConnection) { self.connection = connection }
}

runOrExit("poll-tcp-udp-server") {
    let udp = try DatagramSocket(bindingTo: options.address(defaultPort: 7007))
    let address = try udp.localAddress  // the port, even when 0 picked it
    let listener = try StreamListener(bindingTo: address)
    try udp.setNonBlocking()
    try listener.setNonBlocking()
    print("poll-tcp-udp-server: listening on udp and tcp \(address)")

    var clients: [CInt: Client] = [:]
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        // What to wait for: datagrams, connections, and per client either its
        // next bytes or room to send what it has not taken yet.
        var items = [PollItem(udp, interest: .readable), PollItem(listener, interest: .readable)]
        for (descriptor, client) in clients {
            items.append(PollItem(descriptor: descriptor, interest: client.pending.isEmpty ? .readable : .writable))
        }
        try poll(&items, timeout: nil)

        if !items[0].ready.isEmpty {  // UDP: echo every waiting datagram
            while let datagram = try buffer.withUnsafeMutableBytes({ try udp.tryReceive(into: $0) }) {
                guard let sender = datagram.sender else { continue }
                _ = try? udp.send(buffer[..<datagram.count], to: sender)  // a full buffer drops it, as UDP may
            }
        }
        if !items[1].ready.isEmpty {  // TCP: take every waiting connection
            while let accepted = try listener.tryAccept() {
                let client = Client(accepted.connection)
                try client.connection.setNonBlocking()
                clients[client.connection.withUnsafeDescriptor { $0 }] = client
            }
        }
        for item in items.dropFirst(2) where !item.ready.isEmpty {
            guard let client = clients[item.descriptor] else { continue }
            do {
                if client.pending.isEmpty {  // readable: read a chunk to echo
                    let count = try buffer.withUnsafeMutableBytes { try client.connection.tryReceive(into: $0) }
                    guard let count else { continue }
                    if count == 0 { clients[item.descriptor] = nil; continue }  // end of stream: close
                    client.pending = Array(buffer[..<count])
                }
                let sent = try client.pending.withUnsafeBytes { try client.connection.trySend($0) }
                client.pending.removeFirst(sent ?? 0)
            } catch {
                clients[item.descriptor] = nil  // reset or broken pipe: drop just this client
            }
        }
    }
}
