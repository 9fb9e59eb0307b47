// async-echo-server: the concurrent TCP echo server again, with Swift concurrency:
// `serve` accepts on NetKit's IOLoop and runs one child task per connection.
// No thread per client; a waiting client costs a suspended task, not a thread.
import ExampleSupport
import NetKit

let options = Options(
    help: """
        usage: async-echo-server [--host ADDRESS] [--port PORT] [--max-connections N]

        Concurrent TCP echo server, one child task per connection (StreamListener.serve):
        sends back every byte each client sends until it shuts down its side. At most N
        connections (default 1024) are served at once; more wait in the listen backlog.
        Listens on 127.0.0.1:7007 unless told otherwise; --port 0 picks a free port.
        """)
Termination.exitOnSignal("async-echo-server")

await runOrExit("async-echo-server") {
    let listener = try StreamListener(bindingTo: options.address(defaultPort: 7007))
    print("async-echo-server: listening on tcp \(try listener.localAddress)")
    try await listener.serve(maximumConnections: options.int("--max-connections", default: 1024)) { connection, peer in
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while case let count = try await connection.receive(into: &buffer), count > 0 {
            try await connection.sendAll(buffer[..<count])
        }
    }
}
