// tcp-echo-server: the course's iterative TCP server. One connection at a time:
// accept, then receive and send back until the client closes, then the next.
import ExampleSupport
import NetKit

let options = Options(
    help: """
        usage: tcp-echo-server [--host ADDRESS] [--port PORT]

        Iterative TCP echo server: accepts one connection, sends back every byte it
        receives until the client shuts down its side, closes, accepts the next.
        Other clients wait in the listen backlog meanwhile (see thread-echo-server).
        Listens on 127.0.0.1:7007 unless told otherwise; --port 0 picks a free port.
        """)
Termination.exitOnSignal("tcp-echo-server")

runOrExit("tcp-echo-server") {
    let listener = try StreamListener(bindingTo: options.address(defaultPort: 7007))  // socket, bind, listen
    print("tcp-echo-server: listening on tcp \(try listener.localAddress)")
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
        let accepted = try listener.accept()
        let peer = accepted.peer
        let connection = accepted.connection
        do {
            while case let count = try connection.receive(into: &buffer), count > 0 {
                try connection.sendAll(buffer[..<count])
            }
        } catch {
            printError("tcp-echo-server: \(peer): \(error)")  // one bad client does not stop the server
        }
    }
}
