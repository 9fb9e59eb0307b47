// thread-echo-server: the course's concurrent TCP server, master/slave template.
// The master thread only accepts; each connection gets a slave thread that
// echoes until the client closes, then exits.
import ExampleSupport
import NetKit

let options = Options(
    help: """
        usage: thread-echo-server [--host ADDRESS] [--port PORT]

        Concurrent TCP echo server, one thread per connection (master/slave): the
        master accepts, each slave echoes its client's bytes back until end of stream.
        Listens on 127.0.0.1:7007 unless told otherwise; --port 0 picks a free port.
        """)
Termination.exitOnSignal("thread-echo-server")

/// A slave: echoes one client, then closes the connection (when `client` goes away).
func echo(_ client: SharedConnection, peer: SocketAddress) {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    do {
        while case let count = try client.connection.receive(into: &buffer), count > 0 {
            try client.connection.sendAll(buffer[..<count])
        }
    } catch {
        printError("thread-echo-server: \(peer): \(error)")
    }
}

runOrExit("thread-echo-server") {
    let master = try StreamListener(bindingTo: options.address(defaultPort: 7007))
    print("thread-echo-server: listening on tcp \(try master.localAddress)")
    while true {
        let accepted = try master.accept()
        let peer = accepted.peer
        let client = SharedConnection(accepted.connection)  // a ~Copyable socket moves into a box...
        startThread { echo(client, peer: peer) }  // ...which the slave thread holds
    }
}
